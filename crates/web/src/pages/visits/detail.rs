//! One visit: GET /visits/{id}, and POST /visits/{id}/demands (a need becomes a demand).

use super::*;

// ---------------------------------------------------------------------------
// GET /visits/{id}, POST /visits/{id}/demands
// ---------------------------------------------------------------------------

/// One earlier version, as what changed.
pub struct EditView {
    pub version: i64,
    pub at: String,
    pub by: String,
    /// (field, before, after)
    pub changes: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "visit.html")]
struct DetailPage {
    c: Chrome,
    v: VisitRow,
    mode: String,
    roles: String,
    started: String,
    ended: String,
    recorded: String,
    updated: String,
    editable: bool,
    editable_until: String,
    location: Option<(String, String, String)>,
    /// (label, text) of the fields filled in.
    facts: Vec<(String, String)>,
    edits: Vec<EditView>,
    demands: Vec<(i64, String)>,
    can_demand: bool,
    groups: Vec<CategoryGroup>,
    demand_category: String,
    demand_title: String,
    demand_description: String,
    message: Option<crate::flash::Flash>,
    error: Option<String>,
    /// Photos and documents: (id, file name, shown inline as an image, "kind · size").
    photos: Vec<(i64, String, bool, String)>,
    /// The viewer may add photos (the author, within 24 hours).
    can_attach: bool,
}

/// A value of a stored visit (as JSON) in words.
fn shown(lang: Lang, field: &str, v: &Value) -> String {
    match (field, v) {
        (_, Value::Null) => String::new(),
        ("started_at" | "ended_at", Value::Number(n)) => n.as_i64().map(display_cst).unwrap_or_default(),
        ("mode", Value::String(s)) => mode_label(lang, s),
        ("production_status", Value::String(s)) => status_label(lang, s),
        ("roles", Value::Array(a)) => {
            let joined = a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",");
            roles_label(lang, &joined)
        }
        ("lat" | "lon", Value::Number(n)) => fmt_f64(n.as_f64(), 6),
        ("accuracy_m", Value::Number(n)) => fmt_f64(n.as_f64(), 0),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// The fields an edit may change, in the order the page lists them.
const EDITABLE: [&str; 14] = [
    "started_at",
    "ended_at",
    "mode",
    "roles",
    "policy",
    "needs",
    "production_status",
    "staff_situation",
    "guidance",
    "investment_leads",
    "notes",
    "lat",
    "lon",
    "accuracy_m",
];

fn edit_views(lang: Lang, d: &VisitDetail) -> Vec<EditView> {
    let current = serde_json::to_value(&d.row).unwrap_or(Value::Null);
    let mut out = Vec::new();
    for (i, e) in d.edits.iter().enumerate() {
        let after = d.edits.get(i + 1).map_or(&current, |n| &n.before);
        let changes = EDITABLE
            .iter()
            .filter_map(|k| {
                let (b, a) = (shown(lang, k, &e.before[*k]), shown(lang, k, &after[*k]));
                let label = match *k {
                    "lat" => lang.t("latitude"),
                    "lon" => lang.t("longitude"),
                    "accuracy_m" => lang.t("accuracy"),
                    other => lang.t(field_label(other)),
                };
                (b != a).then(|| (label.to_string(), b, a))
            })
            .collect();
        out.push(EditView {
            version: e.version,
            at: display_cst(e.edited_at),
            by: e.editor_name.clone().unwrap_or_default(),
            changes,
        });
    }
    out
}

async fn category_groups(st: &AppState) -> Result<Vec<CategoryGroup>, PageError> {
    Ok(crate::pages::demands::category_groups(&st.app.demand_categories().await?))
}

/// A demand title from the needs: their first line, at most 30 characters.
pub(super) fn title_from(needs: &str) -> String {
    let first = needs.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let cut: String = first.chars().take(30).collect();
    cut.trim_end_matches(['，', '。', '；', ',', '.', ';']).to_string()
}

/// What the need → demand form holds: (category, title, description).
type NeedForm = (String, String, String);

async fn detail_page(
    st: &AppState,
    ctx: &Ctx,
    id: i64,
    message: Option<crate::flash::Flash>,
    need: Option<NeedForm>,
    error: Option<String>,
) -> Result<Html<String>, PageError> {
    let lang = ctx.lang;
    let d = st.app.visit(&ctx.actor, id, &ctx.meta).await?;
    let r = &d.row;
    let mut facts = Vec::new();
    for (k, val) in [
        ("visit_policy", r.policy.clone()),
        ("visit_needs", r.needs.clone()),
        ("visit_production", r.production_status.as_deref().map(|s| status_label(lang, s)).unwrap_or_default()),
        ("visit_staff", r.staff_situation.clone()),
        ("visit_guidance", r.guidance.clone()),
        ("visit_investment", r.investment_leads.clone()),
        ("notes", r.notes.clone()),
    ] {
        if !val.trim().is_empty() {
            facts.push((lang.t(k).to_string(), val));
        }
    }
    let location = match (r.lat, r.lon) {
        (Some(la), Some(lo)) => Some((
            fmt_f64(Some(la), 6),
            fmt_f64(Some(lo), 6),
            r.accuracy_m.map(|a| format!("±{a:.0} m")).unwrap_or_default(),
        )),
        _ => None,
    };
    let mut missing = std::collections::HashSet::new();
    for a in &d.attachments {
        if !st.app.attachment_present(a).await? {
            missing.insert(a.id);
        }
    }
    let mut demands = Vec::new();
    let may_read_demands = st.app.demand_scope(&ctx.actor) != zhuqi_store::demands::DemandScope::Nothing;
    for did in &d.demand_ids {
        let title = if may_read_demands {
            st.app.demand(&ctx.actor, *did, &ctx.meta).await.map(|x| x.row.title).unwrap_or_default()
        } else {
            String::new()
        };
        demands.push((*did, title));
    }
    let relation = if r.officer_id == ctx.actor.user_id { Relation::Own } else { Relation::Outside };
    let can_demand = capability::allows(ctx.actor.role, Capability::VisitRecord, relation);
    let groups = if can_demand { category_groups(st).await? } else { Vec::new() };
    let (demand_category, demand_title, demand_description) =
        need.unwrap_or_else(|| (String::new(), title_from(&r.needs), r.needs.clone()));
    let p = DetailPage {
        c: chrome(ctx, "visit", format!("{} · {}", r.enterprise_name, display_cst(r.started_at)), "visits"),
        mode: mode_label(lang, &r.mode),
        roles: roles_label(lang, &r.roles),
        started: display_cst(r.started_at),
        ended: r.ended_at.map(display_cst).unwrap_or_default(),
        recorded: display_cst(r.created_at),
        updated: display_cst(r.updated_at),
        editable: d.editable,
        editable_until: display_cst(d.editable_until),
        location,
        facts,
        edits: edit_views(lang, &d),
        demands,
        can_demand,
        groups,
        demand_category,
        demand_title,
        demand_description,
        message,
        error,
        photos: d
            .attachments
            .iter()
            .map(|a| {
                let mut size = if a.size >= 1024 * 1024 {
                    format!("{:.1} MB", a.size as f64 / (1024.0 * 1024.0))
                } else {
                    format!("{} KB", (a.size + 1023) / 1024)
                };
                // Bytes gone (a database restored without its files): said, no broken image.
                let gone = missing.contains(&a.id);
                if gone {
                    size.push_str(if lang == crate::i18n::Lang::En {
                        " · file missing"
                    } else {
                        " · 文件缺失 / file missing"
                    });
                }
                (a.id, a.file_name.clone(), !gone && zhuqi_app::attachments::is_inline_image(&a.content_type), size)
            })
            .collect(),
        can_attach: d.editable,
        v: d.row.clone(),
    };
    render(ctx, &p)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MsgQuery {
    /// A sealed one-time notice ([`crate::flash`]).
    pub flash: Option<String>,
}

/// GET /visits/{id}
pub async fn detail(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    Query(q): Query<MsgQuery>,
) -> Result<Html<String>, PageError> {
    let notice = crate::flash::read(&ctx, q.flash.as_deref());
    detail_page(&st, &ctx, id, notice, None, None).await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NeedFormBody {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
}

/// POST /visits/{id}/demands → the new demand's page.
pub async fn to_demand(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<NeedFormBody>,
) -> Result<Response, PageError> {
    let ctx = f.ctx;
    let b = f.form;
    let target = format!("visit:{id}");
    st.app.require(&ctx.actor, Capability::VisitRecord, "visit_need_to_demand", &target, &ctx.meta).await?;
    match st.app.visit_need_to_demand(&ctx.actor, id, &b.category, &b.title, &b.description, &ctx.meta).await {
        Ok(demand) => Ok(see_other(&format!("/demands/{}", demand.id))),
        Err(e) => {
            let msg = form_error(e, &ctx)?;
            let html = detail_page(&st, &ctx, id, None, Some((b.category, b.title, b.description)), Some(msg)).await?;
            Ok(unprocessable(html))
        }
    }
}
