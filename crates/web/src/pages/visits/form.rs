//! The visit form: GET /visits/new, POST /visits, GET /visits/{id}/edit, POST /visits/{id}.

use super::*;
use crate::flash::Flash;

// ---------------------------------------------------------------------------
// The visit form: GET /visits/new, POST /visits, GET /visits/{id}/edit, POST /visits/{id}
// ---------------------------------------------------------------------------

/// What the form holds, as typed.
#[derive(Debug, Clone, Default)]
pub struct FormValues {
    pub enterprise_id: i64,
    pub mode: String,
    pub started_at: String,
    pub ended_at: String,
    pub roles: Vec<String>,
    pub policy: String,
    pub needs: String,
    pub production_status: String,
    pub staff_situation: String,
    pub guidance: String,
    pub investment_leads: String,
    pub notes: String,
    pub lat: String,
    pub lon: String,
    pub accuracy_m: String,
    pub version: String,
    pub key: String,
}

/// The fields each role reveals, in order.
fn role_fields(r: VisitRole) -> &'static [&'static str] {
    match r {
        VisitRole::Confidence => &["production_status", "staff_situation"],
        VisitRole::Policy => &["policy"],
        VisitRole::Investment => &["investment_leads"],
        VisitRole::Difficulty => &["needs"],
        VisitRole::Epidemic => &["guidance"],
    }
}

impl FormValues {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut v = FormValues::default();
        for (k, val) in pairs {
            match k.as_str() {
                "enterprise_id" => v.enterprise_id = val.trim().parse().unwrap_or_default(),
                "mode" => v.mode = val,
                "started_at" => v.started_at = val,
                "ended_at" => v.ended_at = val,
                "policy" => v.policy = val,
                "needs" => v.needs = val,
                "production_status" => v.production_status = val,
                "staff_situation" => v.staff_situation = val,
                "guidance" => v.guidance = val,
                "investment_leads" => v.investment_leads = val,
                "notes" => v.notes = val,
                "lat" => v.lat = val,
                "lon" => v.lon = val,
                "accuracy_m" => v.accuracy_m = val,
                "version" => v.version = val,
                "key" => v.key = val,
                other => {
                    if let Some(r) = other.strip_prefix("role_").and_then(VisitRole::parse) {
                        if !val.is_empty() && !v.roles.iter().any(|x| x == r.as_str()) {
                            v.roles.push(r.as_str().to_string());
                        }
                    }
                }
            }
        }
        v
    }

    fn from_row(r: &VisitRow) -> Self {
        FormValues {
            enterprise_id: r.enterprise_id,
            mode: r.mode.clone(),
            started_at: local_input(r.started_at),
            ended_at: r.ended_at.map(local_input).unwrap_or_default(),
            roles: VisitRole::split(&r.roles).into_iter().map(|x| x.as_str().to_string()).collect(),
            policy: r.policy.clone(),
            needs: r.needs.clone(),
            production_status: r.production_status.clone().unwrap_or_default(),
            staff_situation: r.staff_situation.clone(),
            guidance: r.guidance.clone(),
            investment_leads: r.investment_leads.clone(),
            notes: r.notes.clone(),
            lat: fmt_f64(r.lat, 6),
            lon: fmt_f64(r.lon, 6),
            accuracy_m: fmt_f64(r.accuracy_m, 0),
            version: r.version.to_string(),
            key: String::new(),
        }
    }

    fn has_role(&self, r: VisitRole) -> bool {
        self.roles.iter().any(|x| x == r.as_str())
    }

    fn field(&self, name: &str) -> &str {
        match name {
            "policy" => &self.policy,
            "needs" => &self.needs,
            "production_status" => &self.production_status,
            "staff_situation" => &self.staff_situation,
            "guidance" => &self.guidance,
            "investment_leads" => &self.investment_leads,
            _ => "",
        }
    }

    /// The use case's input. The short fields of a role left unticked are
    /// hidden on the form and are not kept.
    fn input(&self) -> Result<VisitInput, AppError> {
        if self.enterprise_id <= 0 {
            return Err(FieldError::new("enterprise_id", "请选择企业 (choose an enterprise)").into());
        }
        if self.mode.trim().is_empty() {
            return Err(FieldError::new("mode", "请选择走访方式 (choose how the visit was made)").into());
        }
        let mode = parse_mode(&self.mode)?;
        if self.started_at.trim().is_empty() {
            return Err(FieldError::new("started_at", "请填写走访时间 (the start is required)").into());
        }
        let started_at = parse_local("started_at", &self.started_at)?;
        let ended_at = match self.ended_at.trim() {
            "" => None,
            s => Some(parse_local("ended_at", s)?),
        };
        let roles: Vec<VisitRole> = VisitRole::ALL.into_iter().filter(|r| self.has_role(*r)).collect();
        let kept = |r: VisitRole, s: &str| if self.has_role(r) { s.to_string() } else { String::new() };
        let (lat, lon) = (opt_f64("lat", &self.lat)?, opt_f64("lon", &self.lon)?);
        let accuracy_m = if lat.is_some() { opt_f64("accuracy_m", &self.accuracy_m)? } else { None };
        Ok(VisitInput {
            enterprise_id: self.enterprise_id,
            mode,
            started_at,
            ended_at,
            policy: kept(VisitRole::Policy, &self.policy),
            needs: kept(VisitRole::Difficulty, &self.needs),
            production_status: if self.has_role(VisitRole::Confidence) {
                parse_status(Some(&self.production_status))?
            } else {
                None
            },
            staff_situation: kept(VisitRole::Confidence, &self.staff_situation),
            guidance: kept(VisitRole::Epidemic, &self.guidance),
            investment_leads: kept(VisitRole::Investment, &self.investment_leads),
            notes: self.notes.clone(),
            roles,
            lat,
            lon,
            accuracy_m,
        })
    }
}

/// One short field of a role.
pub struct FieldBlock {
    pub name: &'static str,
    pub label: String,
    /// "textarea" or "status".
    pub kind: &'static str,
    pub value: String,
}

/// A role's checkbox and the fields it reveals.
pub struct RoleBlock {
    pub key: &'static str,
    pub label: String,
    pub checked: bool,
    pub fields: Vec<FieldBlock>,
}

#[derive(Template)]
#[template(path = "visit_form.html")]
struct FormPage {
    c: Chrome,
    action: String,
    editing: bool,
    visit_id: i64,
    enterprises: Vec<(i64, String)>,
    enterprise_name: String,
    v: FormValues,
    modes: Vec<(&'static str, String)>,
    roles: Vec<RoleBlock>,
    statuses: Vec<(&'static str, String)>,
    error: Option<String>,
}

pub(super) fn field_label(name: &str) -> &'static str {
    match name {
        "photos" => "visit_photos",
        "policy" => "visit_policy",
        "needs" => "visit_needs",
        "production_status" => "visit_production",
        "staff_situation" => "visit_staff",
        "guidance" => "visit_guidance",
        "investment_leads" => "visit_investment",
        "started_at" => "visit_started",
        "ended_at" => "visit_ended",
        "mode" => "visit_mode",
        "roles" => "visit_roles",
        "notes" => "notes",
        _ => "",
    }
}

fn form_page(
    ctx: &Ctx,
    editing: Option<(i64, String)>,
    enterprises: Vec<(i64, String)>,
    v: FormValues,
    error: Option<String>,
) -> FormPage {
    let lang = ctx.lang;
    let roles = VisitRole::ALL
        .into_iter()
        .map(|r| RoleBlock {
            key: r.as_str(),
            label: role_label(lang, r),
            checked: v.has_role(r),
            fields: role_fields(r)
                .iter()
                .map(|name| FieldBlock {
                    name,
                    label: lang.t(field_label(name)).to_string(),
                    kind: if *name == "production_status" { "status" } else { "textarea" },
                    value: v.field(name).to_string(),
                })
                .collect(),
        })
        .collect();
    let modes = VisitMode::ALL.into_iter().map(|m| (m.as_str(), mode_label(lang, m.as_str()))).collect();
    let statuses = ProductionStatus::ALL.into_iter().map(|p| (p.as_str(), status_label(lang, p.as_str()))).collect();
    let (title, page, action, visit_id, enterprise_name) = match editing {
        Some((id, name)) => ("visit_edit", "visit-edit", format!("/visits/{id}"), id, name),
        None => ("visit_new", "visit-new", "/visits".to_string(), 0, String::new()),
    };
    FormPage {
        c: chrome(ctx, page, lang.t(title).to_string(), "visits"),
        editing: visit_id > 0,
        action,
        visit_id,
        enterprises,
        enterprise_name,
        v,
        modes,
        roles,
        statuses,
        error,
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewQuery {
    pub enterprise_id: Option<String>,
}

/// GET /visits/new?enterprise_id= — officers only.
pub async fn new_form(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<NewQuery>,
) -> Result<Html<String>, PageError> {
    st.app.require(&ctx.actor, Capability::VisitRecord, "record_visit", "form", &ctx.meta).await?;
    let enterprises = st.app.submittable_enterprises(&ctx.actor).await?;
    let wanted = parse_id("enterprise_id", &q.enterprise_id).ok().flatten();
    let v = FormValues {
        enterprise_id: wanted.filter(|w| enterprises.iter().any(|e| e.0 == *w)).unwrap_or_default(),
        mode: VisitMode::OnSite.as_str().to_string(),
        started_at: local_input(st.app.now_ms()),
        key: random_hex(),
        ..Default::default()
    };
    render(&ctx, &form_page(&ctx, None, enterprises, v, None))
}

/// POST /visits → the new visit's page. The form is multipart when photos
/// come with it: they are checked first (a refused photo records nothing),
/// then stored with the visit.
pub async fn create(State(st): State<AppState>, PageCtx(ctx): PageCtx, req: Request) -> Result<Response, PageError> {
    st.app.require(&ctx.actor, Capability::VisitRecord, "record_visit", "visits", &ctx.meta).await?;
    let (pairs, photos) = read_form_with_files(&st, &ctx, req, "photos").await?;
    let v = FormValues::from_pairs(pairs);
    // The form's hidden key makes a double tap or a resend one visit.
    let result = match v.input() {
        Ok(input) => match check_files(&st, &photos, "photos") {
            Ok(()) => st.app.record_visit_keyed(&ctx.actor, &input, Some(&v.key), &ctx.meta).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok((row, false)) => Ok(see_other(&format!("/visits/{}", row.id))),
        Ok((row, true)) => {
            let mut failed = Vec::new();
            for (name, bytes) in &photos {
                let Some(bytes) = bytes else { continue };
                if let Err(e) = st
                    .app
                    .attach_to(&ctx.actor, zhuqi_app::attachments::Owner::Visit(row.id), name, bytes, &ctx.meta)
                    .await
                {
                    tracing::warn!(visit = row.id, error = %e, "a photo of a recorded visit was not stored");
                    failed.push(name.clone());
                }
            }
            let flash = if failed.is_empty() {
                Flash::ok(ctx.lang.t("visit_saved"))
            } else {
                Flash::error(format!(
                    "{}{}{}",
                    ctx.lang.t("visit_photo_failed"),
                    ctx.lang.t("colon"),
                    failed.join("、")
                ))
            };
            Ok(see_other(&format!("/visits/{}?{}", row.id, crate::flash::query(&ctx, &flash))))
        }
        Err(e) => {
            let msg = form_error(e, &ctx)?;
            let enterprises = st.app.submittable_enterprises(&ctx.actor).await?;
            Ok(unprocessable(render(&ctx, &form_page(&ctx, None, enterprises, v, Some(msg)))?))
        }
    }
}

/// The visit an officer may edit now: theirs, within 24 hours (403 after).
async fn editable_visit(st: &AppState, ctx: &Ctx, id: i64) -> Result<VisitDetail, PageError> {
    let target = format!("visit:{id}");
    st.app.require(&ctx.actor, Capability::VisitRecord, "edit_visit", &target, &ctx.meta).await?;
    let d = st.app.visit(&ctx.actor, id, &ctx.meta).await?;
    if !d.editable {
        return Err(AppError::Forbidden(format!(
            "走访记录只能在录入后24小时内修改 (visit {id} can no longer be edited)"
        ))
        .into());
    }
    Ok(d)
}

/// GET /visits/{id}/edit
pub async fn edit_form(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let d = editable_visit(&st, &ctx, id).await?;
    let v = FormValues { key: random_hex(), ..FormValues::from_row(&d.row) };
    render(&ctx, &form_page(&ctx, Some((id, d.row.enterprise_name.clone())), Vec::new(), v, None))
}

/// POST /visits/{id} — the edit (hidden `version`: a stale form is refused).
pub async fn update(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = f.ctx;
    let target = format!("visit:{id}");
    st.app.require(&ctx.actor, Capability::VisitRecord, "edit_visit", &target, &ctx.meta).await?;
    let d = st.app.visit(&ctx.actor, id, &ctx.meta).await?;
    let mut v = FormValues::from_pairs(f.form);
    v.enterprise_id = d.row.enterprise_id;
    let version = v.version.trim().parse::<i64>().ok();
    let result = match v.input() {
        Ok(input) => st.app.edit_visit(&ctx.actor, id, &input, version, &ctx.meta).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/visits/{id}?{}", crate::flash::query(&ctx, &Flash::ok(ctx.lang.t("saved")))))),
        Err(e) => {
            let msg = form_error(e, &ctx)?;
            let page = form_page(&ctx, Some((id, d.row.enterprise_name.clone())), Vec::new(), v, Some(msg));
            Ok(unprocessable(render(&ctx, &page)?))
        }
    }
}
