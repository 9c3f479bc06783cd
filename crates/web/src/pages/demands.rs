//! Demand pages: the queues (coordinator 待受理, department queue by time
//! left with its colour, an officer's enterprises, an enterprise's own),
//! the submission form, the demand page with its timeline, both clocks and
//! exactly the actions the viewer may take, and the notification inbox.

use super::enterprises::xlsx_response;
use super::form_files::{check_files, read_form_with_files};
use super::{chrome, query_string, render, Chrome, Pager};
use crate::api::demands::DemandQuery;
use crate::ctx::{random_hex, CsrfForm, Ctx, PageCtx};
use crate::error::PageError;
use crate::flash::Flash;
use crate::i18n::Lang;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::response::{Html, Redirect, Response};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use zhuqi_app::demands::{DemandDetail, SubmitInput};
use zhuqi_app::AppError;
use zhuqi_domain::capability::Capability;
use zhuqi_domain::clock::{display_cst, display_deadline};
use zhuqi_domain::demand::{Action, Status};
use zhuqi_domain::{CategoryCode, Role};
use zhuqi_store::demands::{DemandRow, Notification};
use zhuqi_store::Page;

/// A row of a queue, ready to show.
pub struct QueueRow {
    pub row: DemandRow,
    pub status_label: String,
    pub deadline: String,
    pub colour_label: String,
}

#[derive(Template)]
#[template(path = "demands.html")]
struct QueuePage {
    c: Chrome,
    q: DemandQuery,
    /// The "in work" option's value (`Status::IN_WORK`).
    in_work: String,
    statuses: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    colours: Vec<(String, String)>,
    rows: Vec<QueueRow>,
    total: i64,
    query: String,
    pager: Pager,
    can_submit: bool,
}

fn status_label(lang: Lang, s: &str) -> String {
    Status::parse(s).map_or_else(
        || s.to_string(),
        |st| if lang == Lang::En { st.label_en().to_string() } else { st.label_zh().to_string() },
    )
}

fn colour_label(lang: Lang, c: &str) -> String {
    lang.t(&format!("colour_{c}")).to_string()
}

/// The default view of each role's queue.
fn default_query(role: Role, mut q: DemandQuery) -> DemandQuery {
    let untouched = q.status.is_none() && q.colour.is_none() && q.q.is_none() && q.category.is_none() && q.sort.is_none()
            // A dashboard click-through (a period) shows exactly what it asks for.
            && q.from.is_none() && q.to.is_none();
    if untouched {
        match role {
            Role::Coordinator => q.status = Some("submitted".into()),
            Role::DeptHandler | Role::DeptHead => {
                q.status = Some(Status::query_value(&Status::IN_WORK));
                q.sort = Some("deadline".into());
            }
            _ => {}
        }
    }
    q
}

/// GET /demands
pub async fn list(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<DemandQuery>,
) -> Result<Html<String>, PageError> {
    let q = default_query(ctx.actor.role, q);
    let f = q.filter()?;
    let res = st.app.demands(&ctx.actor, &f, Page::new(q.page, Some(30)), &ctx.meta).await?;
    let lang = ctx.lang;
    let rows = res
        .items
        .into_iter()
        .map(|r| QueueRow {
            status_label: status_label(lang, &r.status),
            deadline: r.active_deadline.map(display_deadline).unwrap_or_default(),
            colour_label: colour_label(lang, &r.colour),
            row: r,
        })
        .collect();
    let categories = st
        .app
        .demand_categories()
        .await?
        .into_iter()
        .filter(|c| CategoryCode::is_major_code(&c.code))
        .map(|c| (c.code, c.name))
        .collect();
    let query = query_string(&[
        ("status", q.status.clone().unwrap_or_default()),
        ("category", q.category.clone().unwrap_or_default()),
        ("colour", q.colour.clone().unwrap_or_default()),
        ("q", q.q.clone().unwrap_or_default()),
        ("from", q.from.clone().unwrap_or_default()),
        ("to", q.to.clone().unwrap_or_default()),
        ("sort", q.sort.clone().unwrap_or_default()),
        ("district_id", q.district_id.clone().unwrap_or_default()),
        ("department_id", q.department_id.clone().unwrap_or_default()),
        ("lead_department_id", q.lead_department_id.clone().unwrap_or_default()),
    ]);
    let statuses = Status::ALL.iter().map(|s| (s.as_str().to_string(), status_label(lang, s.as_str()))).collect();
    let title = match ctx.actor.role {
        Role::Coordinator => "queue_coordinator",
        Role::DeptHandler | Role::DeptHead => "queue_department",
        Role::Officer => "queue_officer",
        Role::EnterpriseUser => "queue_enterprise",
        _ => "demands",
    };
    let p = QueuePage {
        c: chrome(&ctx, "demands", lang.t(title).to_string(), "demands"),
        in_work: Status::query_value(&Status::IN_WORK),
        statuses,
        categories,
        colours: ["red", "yellow", "blue", "none"].iter().map(|k| (k.to_string(), colour_label(lang, k))).collect(),
        rows,
        total: res.total,
        pager: Pager::new("/demands", &query, res.page, res.per_page, res.total),
        query,
        can_submit: ctx.actor.may(Capability::DemandSubmit),
        q,
    };
    render(&ctx, &p)
}

/// GET /demands/export.xlsx
pub async fn export(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<DemandQuery>,
) -> Result<Response, PageError> {
    let f = q.filter()?;
    let bytes = st.app.export_demands_xlsx(&ctx.actor, &f, &ctx.meta).await?;
    Ok(xlsx_response("demands", bytes))
}

/// A major category and its (code, name, plain words) minors, for the picker.
pub(crate) type CategoryGroup = (String, Vec<(String, String, String)>);

/// The category picker's tree: each major's name with its minors.
pub(crate) fn category_groups(cats: &[zhuqi_store::catalogue::Category]) -> Vec<CategoryGroup> {
    zhuqi_domain::category::group_by_major(cats, |c| &c.code)
        .into_iter()
        .map(|(major, minors)| {
            (
                major.name.clone(),
                minors.into_iter().map(|m| (m.code.clone(), m.name.clone(), m.plain.clone())).collect(),
            )
        })
        .collect()
}

#[derive(Template)]
#[template(path = "demand_new.html")]
struct NewPage {
    c: Chrome,
    enterprises: Vec<(i64, String)>,
    /// (major name, [(code, name, plain)])
    groups: Vec<CategoryGroup>,
    key: String,
    error: Option<String>,
}

async fn new_page(
    st: &AppState,
    ctx: &Ctx,
    error: Option<String>,
    key: Option<String>,
) -> Result<Html<String>, PageError> {
    st.app.require(&ctx.actor, Capability::DemandSubmit, "submit_demand", "form", &ctx.meta).await?;
    let enterprises = st.app.submittable_enterprises(&ctx.actor).await?;
    let cats = st.app.demand_categories().await?;
    let groups = category_groups(&cats);
    let p = NewPage {
        c: chrome(ctx, "demand-new", ctx.lang.t("new_demand").into(), "demands"),
        enterprises,
        groups,
        key: key.unwrap_or_else(random_hex),
        error,
    };
    render(ctx, &p)
}

/// GET /demands/new
pub async fn new_form(State(st): State<AppState>, PageCtx(ctx): PageCtx) -> Result<Html<String>, PageError> {
    new_page(&st, &ctx, None, None).await
}

#[derive(Debug, Deserialize)]
pub struct SubmitForm {
    pub enterprise_id: i64,
    pub category: String,
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub urgency: String,
    #[serde(default)]
    pub confidential: Option<String>,
    /// A random key rendered into the form: a double submit creates one demand.
    #[serde(default)]
    pub key: String,
}

/// POST /demands — the form, multipart when files come with it (`files`):
/// they are checked first (a refused file submits nothing), then attached to
/// the new demand. A double submit (same `key`) attaches nothing twice.
pub async fn submit(State(st): State<AppState>, PageCtx(ctx): PageCtx, req: Request) -> Result<Response, PageError> {
    let (pairs, files) = read_form_with_files(&st, &ctx, req, "files").await?;
    let encoded = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    let form: SubmitForm = match serde_urlencoded::from_str(&encoded) {
        Ok(f) => f,
        Err(e) => {
            let html = new_page(&st, &ctx, Some(format!("form: {e}")), None).await?;
            return Ok(axum::response::IntoResponse::into_response((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                html,
            )));
        }
    };
    let key = form.key.clone();
    let input = SubmitInput {
        enterprise_id: form.enterprise_id,
        category: form.category,
        title: form.title,
        description: form.description,
        urgency: Some(form.urgency),
        confidential: Some(form.confidential.is_some()),
    };
    let result = match check_files(&st, &files, "files") {
        Ok(()) => st.app.submit_demand(&ctx.actor, &input, Some(&key), &ctx.meta).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((row, created)) => {
            let mut failed = Vec::new();
            if created {
                for (name, bytes) in &files {
                    let Some(bytes) = bytes else { continue };
                    if let Err(e) = st
                        .app
                        .attach_to(&ctx.actor, zhuqi_app::attachments::Owner::Demand(row.id), name, bytes, &ctx.meta)
                        .await
                    {
                        tracing::warn!(demand = row.id, error = %e, "a file of a submitted demand was not stored");
                        failed.push(name.clone());
                    }
                }
            }
            let flash = if !failed.is_empty() {
                Flash::error(format!(
                    "{}{}{}",
                    ctx.lang.t("demand_files_failed"),
                    ctx.lang.t("colon"),
                    failed.join("、")
                ))
            } else if files.is_empty() {
                // Files can still be attached on the demand's page, right below this message.
                Flash::ok(ctx.lang.t("demand_submitted_attach"))
            } else {
                Flash::ok(ctx.lang.t("demand_submitted"))
            };
            let to = format!("/demands/{}?{}", row.id, crate::flash::query(&ctx, &flash));
            Ok(axum::response::IntoResponse::into_response(Redirect::to(&to)))
        }
        Err(AppError::Invalid(e)) => {
            let html = new_page(&st, &ctx, Some(format!("{}: {}", e.field, e.message)), Some(key)).await?;
            Ok(axum::response::IntoResponse::into_response((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html)))
        }
        Err(e) => Err(e.into()),
    }
}

/// One field of an action form.
pub struct FormField {
    pub name: &'static str,
    pub label: String,
    /// "textarea", "text", "number", "department", "departments", "rating"
    pub kind: &'static str,
    pub required: bool,
}

/// One action the viewer may take, with its form.
pub struct ActionForm {
    pub name: &'static str,
    pub label: String,
    pub fields: Vec<FormField>,
    pub danger: bool,
}

/// The action's form fields ([`Action::fields`]), labelled.
fn fields_of(lang: Lang, action: Action) -> Vec<FormField> {
    action
        .fields()
        .iter()
        .map(|f| FormField {
            name: f.name,
            label: lang.t(field_label(action, f.name)).to_string(),
            kind: f.kind.as_str(),
            required: f.required,
        })
        .collect()
}

/// The i18n key of an action form field's label.
fn field_label(action: Action, field: &str) -> &'static str {
    match field {
        "department_id" => "lead_department",
        "assisting" | "departments" => "assisting_departments",
        "text" if action == Action::Reply => "reply_text",
        "text" => "content",
        "outcome_count" => "outcome_count",
        "rating" => "rating",
        "comment" => "comment",
        "days" => "extension_days",
        "due_days" => "supervise_days",
        "target" => "merge_target",
        "note" => "note",
        _ => "reason",
    }
}

#[derive(Template)]
#[template(path = "demand.html")]
struct DetailPage {
    c: Chrome,
    d: DemandDetail,
    status_label: String,
    colour: String,
    colour_label: String,
    /// (label, value)
    clocks: Vec<(String, String)>,
    /// (time, actor, label, detail)
    timeline: Vec<(String, String, String, String)>,
    actions: Vec<ActionForm>,
    departments: Vec<(i64, String)>,
    lead_sel: i64,
    suggested_name: Option<String>,
    ratings: Vec<(String, String)>,
    show_reply: bool,
    message: Option<Flash>,
    attachments: super::attachments::Section,
}

#[derive(Debug, Deserialize)]
pub struct DetailQuery {
    /// A sealed one-time notice ([`crate::flash`]).
    pub flash: Option<String>,
}

/// A timeline entry in words: reasons and texts as written, departments by
/// name, deadlines as the last day, ratings and colours by label. Internal
/// fields (flags, ids) are not shown.
fn event_detail(lang: Lang, v: &Value, depts: &[(i64, String)]) -> String {
    let dept = |id: &Value| {
        id.as_i64().and_then(|i| depts.iter().find(|d| d.0 == i)).map_or_else(String::new, |d| d.1.clone())
    };
    let mut parts = Vec::new();
    let Some(o) = v.as_object() else { return String::new() };
    for (k, val) in o {
        let label_key = match k.as_str() {
            "reason" => "reason",
            "note" => "note",
            "text" => "content",
            "comment" => "comment",
            "lead" | "to" => "lead_department",
            "from" => "from_department",
            "assisting" | "departments" => "assisting_departments",
            "sign_due" => "sign_due",
            "due_sign" => "due_sign",
            "due_dispatch" => "due_dispatch",
            "interim_due" => "interim_due",
            "callback_due" => "callback_due",
            "due" => "supervise_due",
            "deadline" => "deadline",
            "days" | "shifted_days" => "working_days",
            "rating" => "rating",
            "level" => "colour",
            "outcome_count" => "outcome_count",
            "into" => "merge_target",
            _ => continue,
        };
        let shown = match (k.as_str(), val) {
            (_, Value::Null) => continue,
            (_, Value::String(s)) if s.is_empty() => continue,
            ("lead" | "to" | "from", id) => dept(id),
            ("assisting" | "departments", Value::Array(a)) if a.is_empty() => continue,
            ("assisting" | "departments", Value::Array(a)) => a.iter().map(dept).collect::<Vec<_>>().join("、"),
            ("rating", Value::String(r)) => zhuqi_domain::demand::Rating::parse(r).map_or_else(
                || r.clone(),
                |x| if lang == Lang::En { x.label_en().to_string() } else { x.label_zh().to_string() },
            ),
            ("level", Value::String(c)) => colour_label(lang, c),
            ("into", Value::Number(n)) => format!("#{n}"),
            (_, Value::Number(n))
                if label_key.ends_with("due") || label_key.starts_with("due") || label_key == "deadline" =>
            {
                n.as_i64().map(display_deadline).unwrap_or_default()
            }
            (_, Value::String(s)) => s.clone(),
            (_, other) => other.to_string(),
        };
        if !shown.is_empty() {
            parts.push(format!("{}{}{}", lang.t(label_key), lang.t("colon"), shown));
        }
    }
    parts.join(" · ")
}

/// GET /demands/{id}
pub async fn detail(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> Result<Html<String>, PageError> {
    let d = st.app.demand(&ctx.actor, id, &ctx.meta).await?;
    let lang = ctx.lang;
    let s = &d.state;
    let opt = |v: Option<i64>| v.map(display_deadline).unwrap_or_else(|| "—".into());
    let clocks = vec![
        (lang.t("submitted_at").to_string(), display_cst(s.submitted_at)),
        (lang.t("sign_due").to_string(), opt(s.sign_due)),
        (lang.t("due_dispatch").to_string(), opt(s.due_dispatch)),
        (lang.t("due_sign").to_string(), opt(s.due_sign)),
        (lang.t("interim_due").to_string(), opt(s.interim_due)),
        (lang.t("callback_due").to_string(), opt(s.callback_due)),
    ];
    // Every department names the timeline's events (retired ones too); the
    // pickers offer only the departments in use.
    let all_depts = st.app.departments_all().await?;
    let dept_names: Vec<(i64, String)> = all_depts.iter().map(|d| (d.id, d.name.clone())).collect();
    let timeline = d
        .timeline
        .iter()
        .map(|t| {
            (
                display_cst(t.at),
                t.actor_name.clone().unwrap_or_else(|| lang.t("system").to_string()),
                if lang == Lang::En { t.label_en.clone() } else { t.label_zh.clone() },
                event_detail(lang, &t.event, &dept_names),
            )
        })
        .collect();
    let actions = d
        .allowed_actions
        .iter()
        .copied()
        .filter(|a| !a.is_automatic())
        .map(|a| ActionForm {
            name: a.as_str(),
            label: lang.t(&format!("act_{}", a.as_str())).to_string(),
            fields: fields_of(lang, a),
            danger: a.is_destructive(),
        })
        .collect();
    let suggested = if d.row.lead_department_id.is_none() && d.row.status == "submitted" {
        st.app.suggest_department(&d.row.category_code, Some(d.row.district_id)).await?.map(|s| s.department_id)
    } else {
        None
    };
    let suggested_name = suggested.and_then(|id| dept_names.iter().find(|d| d.0 == id)).map(|d| d.1.clone());
    let departments: Vec<(i64, String)> =
        all_depts.into_iter().filter(|d| d.retired_at.is_none()).map(|d| (d.id, d.name)).collect();
    let ratings = zhuqi_domain::demand::Rating::ALL
        .iter()
        .map(|r| {
            (r.as_str().to_string(), if lang == Lang::En { r.label_en().to_string() } else { r.label_zh().to_string() })
        })
        .collect();
    let show_reply = Status::parse(&d.row.status).is_some_and(|s| s.is_in(&Status::HAS_REPLY));
    let colour = d.colour_now.as_str().to_string();
    let p = DetailPage {
        c: chrome(&ctx, "demand", d.row.title.clone(), "demands"),
        status_label: status_label(lang, &d.row.status),
        colour_label: colour_label(lang, &colour),
        colour,
        clocks,
        timeline,
        actions,
        departments,
        lead_sel: d.row.lead_department_id.or(suggested).unwrap_or(-1),
        suggested_name,
        ratings,
        show_reply,
        message: crate::flash::read(&ctx, q.flash.as_deref()),
        attachments: super::attachments::section(&st, &ctx, id).await?,
        d,
    };
    render(&ctx, &p)
}

/// POST /demands/{id}/actions/{action} — form fields become the action's JSON.
pub async fn act(
    State(st): State<AppState>,
    Path((id, action)): Path<(i64, String)>,
    f: CsrfForm<Vec<(String, String)>>,
) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    let mut body = Map::new();
    let mut version = None;
    for (k, v) in f.form {
        let v = v.trim().to_string();
        match k.as_str() {
            "_csrf" => {}
            "version" => version = v.parse::<i64>().ok(),
            "assisting" | "departments" => {
                let list = body.entry(k.clone()).or_insert_with(|| json!([]));
                if let (Some(arr), Ok(n)) = (list.as_array_mut(), v.parse::<i64>()) {
                    arr.push(json!(n));
                }
            }
            "department_id" | "days" | "due_days" | "target" | "outcome_count" => {
                if !v.is_empty() {
                    body.insert(k, v.parse::<i64>().map_or_else(|_| json!(v), |n| json!(n)));
                }
            }
            _ => {
                body.insert(k, json!(v));
            }
        }
    }
    let flash = match st.app.act(&ctx.actor, id, &action, &Value::Object(body), version, &ctx.meta).await {
        Ok(_) => Flash::ok(ctx.lang.t("saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => Flash::error(crate::error::public_message(&e)),
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/demands/{id}?{}", crate::flash::query(&ctx, &flash))))
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct InboxPage {
    c: Chrome,
    items: Vec<(String, Notification)>,
    total: i64,
    pager: Pager,
}

#[derive(Debug, Deserialize)]
pub struct InboxQuery {
    pub page: Option<i64>,
}

/// GET /notifications
pub async fn inbox(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<InboxQuery>,
) -> Result<Html<String>, PageError> {
    let p = st.app.notifications(&ctx.actor, false, Page::new(q.page, Some(50))).await?;
    let page = InboxPage {
        c: chrome(&ctx, "notifications", ctx.lang.t("notifications").into(), "notifications"),
        total: p.total,
        pager: Pager::new("/notifications", "", p.page, p.per_page, p.total),
        items: p.items.into_iter().map(|n| (display_cst(n.at), n)).collect(),
    };
    render(&ctx, &page)
}

/// POST /notifications/{id}/read — marks it read and opens its demand.
pub async fn read_one(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<Vec<(String, String)>>,
) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    st.app.mark_read(&ctx.actor, Some(id)).await?;
    let to = f
        .form
        .iter()
        .find(|(k, _)| k == "demand_id")
        .map(|(_, v)| format!("/demands/{v}"))
        .unwrap_or_else(|| "/notifications".into());
    Ok(Redirect::to(&to))
}

/// POST /notifications/read-all
pub async fn read_all(State(st): State<AppState>, f: CsrfForm<Vec<(String, String)>>) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    st.app.mark_read(&ctx.actor, None).await?;
    Ok(Redirect::to("/notifications"))
}
