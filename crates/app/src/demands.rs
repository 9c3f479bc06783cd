//! Demand (诉求) use cases: submit (idempotent), list and read in scope,
//! act (one domain decision per command, events appended and the projection
//! saved under an optimistic version in one transaction), notifications, and
//! the deadline sweeper.

use crate::{App, AppError, RequestMeta, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use zhuqi_domain::calendar::WorkCalendar;
use zhuqi_domain::demand::{
    self, Channel, Colour, Command, DemandActor, DemandError, DemandState, Event, EventKind, NewDemand, Rating, Status,
    TimeLimits, Urgency, Who,
};
use zhuqi_domain::{Actor, Capability, CategoryCode, FieldError, Role, Scope};
use zhuqi_store::demands::{self as store, DemandFilter, DemandRow, DemandScope, EventRow, Notification, Projection};
use zhuqi_store::submit;
use zhuqi_store::{Conn, Page, Paged};

/// Input of a new demand (API and form).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubmitInput {
    pub enterprise_id: i64,
    /// A category code from `GET /api/v1/categories` (a 4-digit minor code).
    pub category: String,
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub urgency: Option<String>,
    #[serde(default)]
    pub confidential: Option<bool>,
}

/// One entry of a demand's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub kind: String,
    pub label_zh: String,
    pub label_en: String,
    pub event: Value,
}

/// A demand as its page and `GET /api/v1/demands/{id}` show it.
#[derive(Debug, Clone, Serialize)]
pub struct DemandDetail {
    #[serde(flatten)]
    pub row: DemandRow,
    pub state: DemandState,
    pub colour_now: Colour,
    /// Exactly the actions the viewer may take now (serialized by name).
    pub allowed_actions: Vec<demand::Action>,
    pub departments: Vec<(i64, String, String)>,
    pub timeline: Vec<TimelineEntry>,
}

/// What submission needs of the catalogue, loaded once and kept until the
/// catalogue changes: (active minor category → (name, limits)), review switch.
#[derive(Debug, Default)]
pub struct CatalogueCache(std::sync::Mutex<Option<std::sync::Arc<CatalogueSnapshot>>>);

/// A consistent view of the catalogue at one moment.
#[derive(Debug, Clone)]
pub struct CatalogueSnapshot {
    pub categories: std::collections::HashMap<String, (String, TimeLimits)>,
    pub review_required: bool,
    /// Time limits rows take effect at `valid_from`; the snapshot is only
    /// valid until the next of them.
    pub valid_until: i64,
}

impl CatalogueCache {
    pub fn clear(&self) {
        if let Ok(mut g) = self.0.lock() {
            *g = None;
        }
    }

    fn get(&self, now: i64) -> Option<std::sync::Arc<CatalogueSnapshot>> {
        self.0.lock().ok()?.as_ref().filter(|s| now < s.valid_until).cloned()
    }

    fn put(&self, snap: std::sync::Arc<CatalogueSnapshot>) {
        if let Ok(mut g) = self.0.lock() {
            *g = Some(snap);
        }
    }
}

fn domain_err(e: DemandError) -> AppError {
    match e {
        DemandError::Invalid(f) => AppError::Invalid(f),
        DemandError::Forbidden { .. } => AppError::Forbidden(e.to_string()),
        DemandError::Illegal { .. } => AppError::Conflict(e.to_string()),
    }
}

fn json_err(e: serde_json::Error) -> AppError {
    AppError::Internal(format!("json: {e}"))
}

fn field<T: for<'de> Deserialize<'de>>(body: &Value, name: &str) -> Result<T> {
    serde_json::from_value(body.get(name).cloned().unwrap_or(Value::Null))
        .map_err(|e| FieldError::new(name, format!("缺少或格式错误 (missing or malformed: {e})")).into())
}

fn opt_field<T: for<'de> Deserialize<'de>>(body: &Value, name: &str) -> Result<Option<T>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone())
            .map(Some)
            .map_err(|e| FieldError::new(name, format!("格式错误 (malformed: {e})")).into()),
    }
}

fn text(body: &Value, name: &str) -> String {
    body.get(name).and_then(Value::as_str).unwrap_or_default().to_string()
}

/// Parses an action name and its JSON body into a domain command.
pub fn command(action: &str, body: &Value) -> Result<Command> {
    Ok(match action {
        "dispatch" => Command::Dispatch {
            lead: field(body, "department_id")?,
            assisting: opt_field(body, "assisting")?.unwrap_or_default(),
            note: text(body, "note"),
        },
        "object" => Command::Object { reason: text(body, "reason") },
        "transfer" => Command::Transfer { lead: field(body, "department_id")?, reason: text(body, "reason") },
        "sign" => Command::Sign,
        "add_assist" => Command::AddAssist { departments: field(body, "departments")? },
        "interim_reply" => Command::InterimReply { text: text(body, "text") },
        "reply" => Command::Reply { text: text(body, "text"), outcome_count: opt_field(body, "outcome_count")? },
        "approve_reply" => Command::ApproveReply,
        "return_reply" => Command::ReturnReply { reason: text(body, "reason") },
        "rate" => {
            let r: String = field(body, "rating")?;
            let rating = Rating::parse(&r).ok_or_else(|| {
                FieldError::new(
                    "rating",
                    format!("评价应为 very_satisfied|satisfied|neutral|dissatisfied|very_dissatisfied，实际为“{r}”"),
                )
            })?;
            Command::Rate { rating, comment: text(body, "comment") }
        }
        "request_extension" => Command::RequestExtension { days: field(body, "days")?, reason: text(body, "reason") },
        "approve_extension" => Command::ApproveExtension,
        "refuse_extension" => Command::RefuseExtension { reason: text(body, "reason") },
        "suspend" => Command::Suspend { reason: text(body, "reason") },
        "resume" => Command::Resume,
        "withdraw" => Command::Withdraw { reason: text(body, "reason") },
        "reject" => Command::Reject { reason: text(body, "reason") },
        "merge_into" => Command::MergeInto { target: field(body, "target")? },
        "urge" => Command::Urge { note: text(body, "note") },
        "supervise" => Command::Supervise { note: text(body, "note"), due_days: field(body, "due_days")? },
        "add_info" => Command::AddInfo { text: text(body, "text") },
        "auto_close" => Command::AutoClose,
        "escalate" => Command::Escalate { level: Colour::Red },
        other => return Err(AppError::NotFound(format!("action '{other}'"))),
    })
}

/// The domain's view of an actor, with the relation flags read from the database.
async fn who(c: &mut Conn, actor: &Actor, enterprise_id: i64) -> Result<Who> {
    let serves = actor.role == Role::Officer && store::officer_of(c, enterprise_id).await? == Some(actor.user_id);
    Ok(Who::User(DemandActor {
        user_id: actor.user_id,
        role: actor.role,
        department_id: actor.department_id,
        district_id: actor.district_id,
        enterprise_id: actor.enterprise_id,
        serves_enterprise: serves,
    }))
}

fn parse_state(json: &str) -> Result<DemandState> {
    serde_json::from_str(json).map_err(json_err)
}

impl App {
    /// The demands an actor may read. Confidential demands are hidden from
    /// those not handling them (district admins, auditors).
    pub fn demand_scope(&self, actor: &Actor) -> DemandScope {
        match actor.role {
            Role::CityAdmin => DemandScope::All { confidential: true },
            Role::Auditor => DemandScope::All { confidential: false },
            Role::Coordinator => match actor.district_id {
                Some(d) => DemandScope::District { district_id: d, confidential: true },
                None => DemandScope::All { confidential: true },
            },
            Role::DistrictAdmin => match actor.district_id {
                Some(d) => DemandScope::District { district_id: d, confidential: false },
                None => DemandScope::Nothing,
            },
            Role::DeptHandler | Role::DeptHead => {
                actor.department_id.map_or(DemandScope::Nothing, DemandScope::Department)
            }
            Role::Officer => DemandScope::Officer(actor.user_id),
            Role::EnterpriseUser => actor.enterprise_id.map_or(DemandScope::Nothing, DemandScope::Enterprise),
        }
    }

    /// The working-day calendar in force (official data plus local
    /// adjustments), shared and cached by the catalogue.
    pub async fn work_calendar(&self) -> Result<std::sync::Arc<WorkCalendar>> {
        self.calendar_shared().await
    }

    /// The catalogue as submission sees it now (cached until it changes).
    async fn catalogue_snapshot(&self, now: i64) -> Result<std::sync::Arc<CatalogueSnapshot>> {
        if let Some(s) = self.catalogue_cache.get(now) {
            return Ok(s);
        }
        let mut c = self.store.read().await?;
        let mut categories = std::collections::HashMap::new();
        for cat in zhuqi_store::catalogue::list_categories(&mut c).await? {
            if CategoryCode::is_minor_code(&cat.code) && cat.active != 0 {
                let limits = zhuqi_store::catalogue::current_time_limits(&mut c, &cat.code, now).await?;
                categories.insert(cat.code, (cat.name, limits));
            }
        }
        let review_required = zhuqi_store::catalogue::review_required(&mut c).await?;
        let valid_until: Option<i64> = sqlx_next_limits_change(&mut c, now).await?;
        let snap = std::sync::Arc::new(CatalogueSnapshot {
            categories,
            review_required,
            valid_until: valid_until.unwrap_or(i64::MAX),
        });
        self.catalogue_cache.put(snap.clone());
        Ok(snap)
    }

    /// Submits a demand for an enterprise. Enterprise users submit for their
    /// own enterprise (channel 企业码), officers for the enterprises they
    /// serve, coordinators and the city admin take hotline demands for any
    /// enterprise in scope. With an idempotency key a retry returns the
    /// first demand (`created = false`) instead of a second one.
    ///
    /// The write (demand row, search index, first event, idempotency key,
    /// audit entry) goes through the store's group-commit writer: it is
    /// durable before this returns, and concurrent submissions share one
    /// commit. Coordinators learn of new demands from their 待受理 queue.
    pub async fn submit_demand(
        &self,
        actor: &Actor,
        input: &SubmitInput,
        idempotency_key: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<(DemandRow, bool)> {
        let channel = match actor.role {
            Role::EnterpriseUser => Channel::EnterpriseCode,
            Role::Officer => Channel::Officer,
            Role::Coordinator | Role::CityAdmin => Channel::Hotline,
            _ => {
                return Err(self
                    .deny(actor, "submit_demand", &format!("enterprise:{}", input.enterprise_id), meta)
                    .await)
            }
        };
        let key = idempotency_key.map(str::trim).filter(|k| !k.is_empty()).map(str::to_string);
        if let Some(k) = &key {
            if k.len() > 200 {
                return Err(FieldError::new("Idempotency-Key", "at most 200 characters").into());
            }
        }
        let urgency = match input.urgency.as_deref().unwrap_or("normal") {
            "" | "normal" => Urgency::Normal,
            "urgent" => Urgency::Urgent,
            other => {
                return Err(FieldError::new("urgency", format!("urgency is normal or urgent, got '{other}'")).into())
            }
        };
        // The district comes with the enterprise, found in scope inside the write.
        let new = NewDemand {
            enterprise_id: input.enterprise_id,
            district_id: 0,
            category_code: input.category.trim().to_string(),
            title: input.title.trim().to_string(),
            description: input.description.trim().to_string(),
            channel,
            urgency,
            confidential: input.confidential.unwrap_or(false),
        };
        new.validate()?;
        let now = self.now_ms();
        let catalogue = self.catalogue_snapshot(now).await?;
        let Some((category_name, limits)) = catalogue.categories.get(&new.category_code).cloned() else {
            return Err(FieldError::new(
                "category",
                format!(
                    "“{}”不是有效的诉求类别代码 (not a category code; see GET /api/v1/categories)",
                    new.category_code
                ),
            )
            .into());
        };
        let review = catalogue.review_required;
        let user_id = actor.user_id;
        // What is written once the id and the enterprise are known (pure).
        let build = {
            let new = new.clone();
            let search = crate::search::index_text(&format!("{} {}", new.title, new.description));
            let (actor_name, ip, request_id) = (actor.username.clone(), meta.ip.clone(), meta.request_id.clone());
            move |id: i64, ent: &submit::EnterpriseInfo| -> Result<submit::Rows> {
                let new = NewDemand { district_id: ent.district_id, ..new };
                let mut state = DemandState::new_submitted(id, &new, user_id, now, limits, review);
                let event = new.submitted_event(user_id, now);
                demand::apply(&mut state, &event);
                let facts = zhuqi_domain::metrics::advance(None, &state, &[], None);
                Ok(submit::Rows {
                    demand: store::NewDemandRow {
                        state_json: serde_json::to_string(&state).map_err(json_err)?,
                        version: state.version,
                        category_code: new.category_code,
                        title: new.title,
                        description: new.description,
                        search_text: search,
                        channel: channel.as_str(),
                        urgency: urgency.as_str(),
                        confidential: new.confidential,
                        status: Status::Submitted.as_str(),
                        submitted_at: now,
                    },
                    event_seq: state.version,
                    event_kind: event.kind.name(),
                    event_payload: serde_json::to_string(&event.kind).map_err(json_err)?,
                    facts,
                    audit_detail: format!("enterprise:{}", new.enterprise_id),
                    audit_actor_name: actor_name,
                    ip,
                    request_id,
                })
            }
        };
        let scope = actor.enterprise_scope();
        let outcome = self.store.submit_demand(user_id, key, input.enterprise_id, scope, build).await?;
        match outcome {
            submit::Outcome::Created { id, version, enterprise: ent } => Ok((
                DemandRow {
                    id,
                    enterprise_id: ent.id,
                    enterprise_name: ent.name,
                    district_id: ent.district_id,
                    district_name: ent.district_name,
                    category_code: new.category_code,
                    category_name,
                    title: new.title,
                    description: new.description,
                    channel: channel.as_str().to_string(),
                    urgency: urgency.as_str().to_string(),
                    confidential: i64::from(new.confidential),
                    status: Status::Submitted.as_str().to_string(),
                    colour: Colour::None.as_str().to_string(),
                    lead_department_id: None,
                    lead_department_name: None,
                    submitted_by: actor.user_id,
                    submitted_at: now,
                    active_deadline: None,
                    closed_at: None,
                    rating: None,
                    redo_count: 0,
                    version,
                    updated_at: now,
                },
                true,
            )),
            submit::Outcome::Existing(id) => {
                let mut c = self.store.read().await?;
                let row = store::get(&mut c, DemandScope::All { confidential: true }, id)
                    .await?
                    .ok_or_else(|| AppError::Internal("idempotent demand vanished".into()))?;
                Ok((row, false))
            }
            submit::Outcome::KeyConflict => {
                Err(AppError::Conflict("the demand could not be written (a duplicate key)".into()))
            }
            submit::Outcome::NotInScope => {
                Err(FieldError::new("enterprise_id", format!("no enterprise {} in your scope", input.enterprise_id))
                    .into())
            }
        }
    }

    /// Writes the events and the new projection if the version still
    /// matches; updates routing; sends notifications.
    pub(crate) async fn persist(
        &self,
        c: &mut Conn,
        before: &DemandState,
        after: &DemandState,
        events: &[Event],
        cal: Option<&WorkCalendar>,
        now: i64,
    ) -> Result<()> {
        let official;
        let cal = match cal {
            Some(c) => c,
            None => {
                official = self.work_calendar().await?;
                &official
            }
        };
        for (i, ev) in events.iter().enumerate() {
            let payload = serde_json::to_string(&ev.kind).map_err(json_err)?;
            let seq = before.version + 1 + i64::try_from(i).unwrap_or(0);
            store::append_event(c, after.id, seq, ev.at, ev.actor_id, ev.kind.name(), &payload).await?;
        }
        let json = serde_json::to_string(after).map_err(json_err)?;
        let colour = demand::colour(after, now, cal);
        let saved = store::save(
            c,
            after.id,
            before.version,
            &Projection {
                status: after.status.as_str(),
                colour: colour.as_str(),
                lead_department_id: after.lead_department_id,
                active_deadline: demand::active_deadline(after),
                closed_at: after.closed_at,
                rating: after.rating.map(|r| r.as_str()),
                redo_count: after.redo_count,
                state_json: &json,
                version: after.version,
                updated_at: now,
            },
        )
        .await?;
        if !saved {
            return Err(AppError::Conflict(format!(
                "诉求已被他人更新，请刷新后重试 (demand {} was changed by someone else; reload and retry)",
                after.id
            )));
        }
        crate::metrics::on_event(c, before, events, Some(cal), now).await?;
        if before.lead_department_id != after.lead_department_id
            || before.assisting_department_ids != after.assisting_department_ids
        {
            store::set_departments(c, after.id, after.lead_department_id, &after.assisting_department_ids).await?;
        }
        for ev in events {
            self.notify_event(c, after, ev).await?;
        }
        if after.provisional && !before.provisional {
            // A deadline was counted into a year without official calendar
            // data: the city admin must enter that year.
            let admins = store::recipients(c, "city_admin", None, None, None).await?;
            store::notify(
                c,
                &admins,
                now,
                "provisional",
                Some(after.id),
                "期限为暂定：请录入下一年度法定节假日安排",
                "A deadline reaches into a year with no official holiday data; enter it under /admin/calendar.",
            )
            .await?;
        }
        Ok(())
    }

    /// Who is told about an event, and what.
    async fn notify_event(&self, c: &mut Conn, d: &DemandState, ev: &Event) -> Result<()> {
        let lead = d.lead_department_id;
        let mut to: Vec<i64> = Vec::new();
        let (kind, title) = match &ev.kind {
            EventKind::Dispatched { .. } | EventKind::Transferred { .. } => {
                to.extend(handlers_of(c, lead, "dept_handler").await?);
                to.extend(handlers_of(c, lead, "dept_head").await?);
                ("dispatched", "新派单待签收")
            }
            EventKind::AssistAdded { departments } => {
                for dp in departments {
                    to.extend(handlers_of(c, Some(*dp), "dept_handler").await?);
                }
                ("assist", "请协办诉求")
            }
            EventKind::Objected { .. } => {
                to.extend(store::recipients(c, "coordinator", None, Some(d.district_id), None).await?);
                ("objected", "派单异议待处理")
            }
            EventKind::Replied { .. } | EventKind::InterimReplied { .. } | EventKind::ReplyApproved => {
                if d.status == Status::UnderReview {
                    to.extend(store::recipients(c, "coordinator", None, Some(d.district_id), None).await?);
                    ("review", "答复待审核")
                } else {
                    to.extend(store::recipients(c, "enterprise_user", None, None, Some(d.enterprise_id)).await?);
                    to.extend(store::officer_of(c, d.enterprise_id).await?);
                    ("replied", "诉求已答复")
                }
            }
            EventKind::ReplyReturned { .. }
            | EventKind::Reopened { .. }
            | EventKind::ExtensionApproved { .. }
            | EventKind::ExtensionRefused { .. } => {
                to.extend(handlers_of(c, lead, "dept_handler").await?);
                ("handling", "诉求需继续办理")
            }
            EventKind::ExtensionRequested { .. } => {
                to.extend(handlers_of(c, lead, "dept_head").await?);
                ("extension", "延期申请待审批")
            }
            EventKind::Urged { .. } | EventKind::Supervised { .. } => {
                to.extend(handlers_of(c, lead, "dept_handler").await?);
                to.extend(handlers_of(c, lead, "dept_head").await?);
                ("urge", "催办/督办")
            }
            EventKind::SupervisionLapsed { .. } => {
                to.extend(handlers_of(c, lead, "dept_head").await?);
                to.extend(store::recipients(c, "district_admin", None, Some(d.district_id), None).await?);
                to.extend(store::recipients(c, "city_admin", None, None, None).await?);
                ("supervision", "督办单逾期未办结")
            }
            EventKind::Escalated { level, .. } => match level {
                Colour::Blue => {
                    to.extend(handlers_of(c, lead, "dept_handler").await?);
                    ("blue", "诉求临期（蓝色预警）")
                }
                Colour::Yellow => {
                    to.extend(handlers_of(c, lead, "dept_handler").await?);
                    to.extend(handlers_of(c, lead, "dept_head").await?);
                    ("yellow", "诉求滞后（黄色预警）")
                }
                _ => {
                    to.extend(handlers_of(c, lead, "dept_head").await?);
                    to.extend(store::recipients(c, "coordinator", None, Some(d.district_id), None).await?);
                    to.extend(store::recipients(c, "district_admin", None, Some(d.district_id), None).await?);
                    ("red", "诉求超期（红色督办）")
                }
            },
            EventKind::Suspended { .. } | EventKind::InfoAdded { .. } => {
                to.extend(store::recipients(c, "enterprise_user", None, None, Some(d.enterprise_id)).await?);
                to.extend(store::officer_of(c, d.enterprise_id).await?);
                to.extend(handlers_of(c, lead, "dept_handler").await?);
                ("info", "诉求需补充材料")
            }
            EventKind::Closed { .. }
            | EventKind::Rejected { .. }
            | EventKind::Withdrawn { .. }
            | EventKind::Merged { .. } => {
                to.push(d.submitted_by);
                ("closed", "诉求已结束")
            }
            _ => return Ok(()),
        };
        to.retain(|u| Some(*u) != ev.actor_id);
        to.sort_unstable();
        to.dedup();
        let title_text = d_title(c, d.id).await?;
        store::notify(c, &to, ev.at, kind, Some(d.id), &format!("{title}：{title_text}"), ev.kind.label_zh()).await?;
        Ok(())
    }

    /// Demands in scope, filtered.
    pub async fn demands(
        &self,
        actor: &Actor,
        filter: &DemandFilter,
        page: Page,
        meta: &RequestMeta,
    ) -> Result<Paged<DemandRow>> {
        let scope = self.demand_scope(actor);
        if scope == DemandScope::Nothing {
            return Err(self.deny(actor, "list_demands", "demands", meta).await);
        }
        let mut c = self.store.read().await?;
        Ok(store::list(&mut c, scope, filter, page).await?)
    }

    /// Every demand in scope matching the filter (for exports, capped at 100 000).
    pub async fn demands_all(
        &self,
        actor: &Actor,
        filter: &DemandFilter,
        meta: &RequestMeta,
    ) -> Result<Vec<DemandRow>> {
        let scope = self.demand_scope(actor);
        if scope == DemandScope::Nothing {
            return Err(self.deny(actor, "export_demands", "demands", meta).await);
        }
        let mut c = self.store.read().await?;
        Ok(store::all(&mut c, scope, filter, 100_000).await?)
    }

    /// One demand with its timeline, clocks and the viewer's allowed actions.
    pub async fn demand(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<DemandDetail> {
        let scope = self.demand_scope(actor);
        if scope == DemandScope::Nothing {
            return Err(self.deny(actor, "read_demand", &format!("demand:{id}"), meta).await);
        }
        let cal = self.work_calendar().await?;
        let mut c = self.store.read().await?;
        let row = store::get(&mut c, scope, id).await?.ok_or_else(|| AppError::NotFound(format!("demand {id}")))?;
        let (json, _) = store::state(&mut c, id).await?.ok_or_else(|| AppError::NotFound(format!("demand {id}")))?;
        let state = parse_state(&json)?;
        let w = who(&mut c, actor, state.enterprise_id).await?;
        let now = self.now_ms();
        let events: Vec<EventRow> = store::events(&mut c, id).await?;
        let mut timeline = Vec::with_capacity(events.len());
        for e in events {
            let kind: EventKind = serde_json::from_str(&e.payload).map_err(json_err)?;
            timeline.push(TimelineEntry {
                seq: e.seq,
                at: e.at,
                actor_id: e.actor_id,
                actor_name: e.actor_name,
                kind: e.kind,
                label_zh: kind.label_zh().to_string(),
                label_en: kind.label_en().to_string(),
                event: serde_json::to_value(&kind).map_err(json_err)?,
            });
        }
        let mut departments = Vec::new();
        let depts = zhuqi_store::departments::list(&mut c).await?;
        if let Some(l) = state.lead_department_id {
            if let Some(d) = depts.iter().find(|d| d.id == l) {
                departments.push((d.id, d.name.clone(), "lead".to_string()));
            }
        }
        for a in &state.assisting_department_ids {
            if let Some(d) = depts.iter().find(|d| d.id == *a) {
                departments.push((d.id, d.name.clone(), "assist".to_string()));
            }
        }
        Ok(DemandDetail {
            colour_now: demand::colour(&state, now, &cal),
            allowed_actions: demand::allowed_actions(&state, &w, now, &cal),
            row,
            state,
            departments,
            timeline,
        })
    }

    /// Takes one action on a demand. `expected_version`, when given, must
    /// equal the current version (409 otherwise); in any case two concurrent
    /// actions cannot both win.
    pub async fn act(
        &self,
        actor: &Actor,
        id: i64,
        action: &str,
        body: &Value,
        expected_version: Option<i64>,
        meta: &RequestMeta,
    ) -> Result<DemandDetail> {
        let scope = self.demand_scope(actor);
        if scope == DemandScope::Nothing {
            return Err(self.deny(actor, action, &format!("demand:{id}"), meta).await);
        }
        let cmd = command(action, body)?;
        let cal = self.work_calendar().await?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if store::get(&mut tx, scope, id).await?.is_none() {
            return Err(AppError::NotFound(format!("demand {id}")));
        }
        let (json, version) =
            store::state(&mut tx, id).await?.ok_or_else(|| AppError::NotFound(format!("demand {id}")))?;
        if let Some(v) = expected_version {
            if v != version {
                return Err(AppError::Conflict(format!(
                    "诉求已被他人更新（版本{version}，您提交的是{v}），请刷新后重试 (stale version: current {version}, yours {v})"
                )));
            }
        }
        let before = parse_state(&json)?;
        if let Command::MergeInto { target } = &cmd {
            if store::get(&mut tx, scope, *target).await?.is_none() {
                return Err(FieldError::new("target", format!("no demand {target} in your scope")).into());
            }
        }
        let w = who(&mut tx, actor, before.enterprise_id).await?;
        let events = match demand::decide(&before, &cmd, &w, now, &cal) {
            Ok(ev) => ev,
            Err(e @ DemandError::Forbidden { .. }) => {
                drop(tx);
                self.audit(Some(actor), action, &format!("demand:{id}"), "denied", &e.to_string(), meta).await;
                return Err(domain_err(e));
            }
            Err(e) => return Err(domain_err(e)),
        };
        let mut after = before.clone();
        for ev in &events {
            demand::apply(&mut after, ev);
        }
        self.persist(&mut tx, &before, &after, &events, Some(&cal), now).await?;
        tx.commit().await?;
        self.demand(actor, id, meta).await
    }

    /// The deadline sweeper: refreshes colours, raises each blue / yellow /
    /// red warning once per deadline (idempotent, catches up after
    /// downtime), and auto-closes unrated replies. Returns what it did.
    pub async fn sweep(&self) -> Result<SweepReport> {
        let cal = self.work_calendar().await?;
        let now = self.now_ms();
        let mut report = SweepReport::default();
        let rows = {
            let mut c = self.store.read().await?;
            store::sweepable(&mut c).await?
        };
        for (id, json, _) in rows {
            let state = parse_state(&json)?;
            report.checked += 1;
            // Auto-close first: a reply left unrated closes by itself.
            if state.status == Status::Replied
                && demand::decide(&state, &Command::AutoClose, &Who::System, now, &cal).is_ok()
            {
                if self.system_act(id, &Command::AutoClose, &cal, now).await? {
                    report.auto_closed += 1;
                }
                continue;
            }
            // A supervision order past its own deadline: raised once per order.
            if let Some(due) = demand::supervision_lapse(&state, now) {
                let mut tx = self.store.begin().await?;
                if store::mark_escalation(&mut tx, id, "supervision", due, now).await? {
                    let (json, _) =
                        store::state(&mut tx, id).await?.ok_or_else(|| AppError::NotFound(format!("demand {id}")))?;
                    let before = parse_state(&json)?;
                    if let Ok(events) = demand::decide(&before, &Command::SupervisionLapse, &Who::System, now, &cal) {
                        let mut after = before.clone();
                        for ev in &events {
                            demand::apply(&mut after, ev);
                        }
                        self.persist(&mut tx, &before, &after, &events, Some(&cal), now).await?;
                        report.supervision_lapsed += 1;
                    }
                }
                tx.commit().await?;
            }
            let colour = demand::colour(&state, now, &cal);
            let Some(deadline) = demand::active_deadline(&state) else { continue };
            // Raise every level up to the current one (a demand found red after
            // downtime still gets its blue and yellow warnings recorded once).
            let levels: &[Colour] = match colour {
                Colour::Red => &[Colour::Blue, Colour::Yellow, Colour::Red],
                Colour::Yellow => &[Colour::Yellow],
                Colour::Blue => &[Colour::Blue],
                Colour::None => &[],
            };
            for level in levels {
                let mut tx = self.store.begin().await?;
                let fresh = store::mark_escalation(&mut tx, id, level.as_str(), deadline, now).await?;
                if !fresh {
                    continue;
                }
                let (json, _) =
                    store::state(&mut tx, id).await?.ok_or_else(|| AppError::NotFound(format!("demand {id}")))?;
                let before = parse_state(&json)?;
                match demand::decide(&before, &Command::Escalate { level: *level }, &Who::System, now, &cal) {
                    Ok(events) => {
                        let mut after = before.clone();
                        for ev in &events {
                            demand::apply(&mut after, ev);
                        }
                        self.persist(&mut tx, &before, &after, &events, Some(&cal), now).await?;
                        tx.commit().await?;
                        report.escalated += 1;
                    }
                    Err(_) => {
                        // Already raised for this deadline per the domain: keep the mark.
                        tx.commit().await?;
                    }
                }
            }
            let mut tx = self.store.begin().await?;
            store::set_colour(&mut tx, id, colour.as_str()).await?;
            tx.commit().await?;
        }
        Ok(report)
    }

    async fn system_act(&self, id: i64, cmd: &Command, cal: &WorkCalendar, now: i64) -> Result<bool> {
        let mut tx = self.store.begin().await?;
        let (json, _) = store::state(&mut tx, id).await?.ok_or_else(|| AppError::NotFound(format!("demand {id}")))?;
        let before = parse_state(&json)?;
        let Ok(events) = demand::decide(&before, cmd, &Who::System, now, cal) else { return Ok(false) };
        let mut after = before.clone();
        for ev in &events {
            demand::apply(&mut after, ev);
        }
        match self.persist(&mut tx, &before, &after, &events, Some(cal), now).await {
            Ok(()) => {
                tx.commit().await?;
                Ok(true)
            }
            Err(AppError::Conflict(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A user's notifications, newest first.
    pub async fn notifications(&self, actor: &Actor, unread_only: bool, page: Page) -> Result<Paged<Notification>> {
        let mut c = self.store.read().await?;
        Ok(store::inbox(&mut c, actor.user_id, unread_only, page).await?)
    }

    pub async fn unread_count(&self, actor: &Actor) -> Result<i64> {
        let mut c = self.store.read().await?;
        Ok(store::unread(&mut c, actor.user_id).await?)
    }

    /// Marks one notification (or all with `None`) of the actor read.
    pub async fn mark_read(&self, actor: &Actor, id: Option<i64>) -> Result<u64> {
        let mut tx = self.store.begin().await?;
        let n = store::mark_read(&mut tx, actor.user_id, id, self.now_ms()).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The enterprises a submitter may pick from (officer: served; enterprise user: own).
    pub async fn submittable_enterprises(&self, actor: &Actor) -> Result<Vec<(i64, String)>> {
        let scope = actor.enterprise_scope();
        if scope == Scope::Nothing || !actor.may(Capability::DemandSubmit) {
            return Ok(Vec::new());
        }
        let mut c = self.store.read().await?;
        let p =
            zhuqi_store::enterprises::list(&mut c, scope, &Default::default(), Page::new(Some(1), Some(200))).await?;
        Ok(p.items.into_iter().map(|e| (e.id, e.name)).collect())
    }
}

/// Users of a role in a department (none when there is no department).
async fn handlers_of(c: &mut Conn, dept: Option<i64>, role: &str) -> zhuqi_store::Result<Vec<i64>> {
    match dept {
        Some(dp) => store::recipients(c, role, Some(dp), None, None).await,
        None => Ok(Vec::new()),
    }
}

async fn sqlx_next_limits_change(c: &mut Conn, now: i64) -> Result<Option<i64>> {
    Ok(zhuqi_store::catalogue::next_limits_change(c, now).await?)
}

async fn d_title(c: &mut Conn, id: i64) -> Result<String> {
    Ok(store::title(c, id).await?.unwrap_or_default())
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub checked: usize,
    pub escalated: usize,
    pub auto_closed: usize,
    /// Supervision orders (督办单) found past their own deadline.
    pub supervision_lapsed: usize,
}

impl App {
    /// Demands in scope matching the filter as `.xlsx` (built on a blocking thread; audited).
    pub async fn export_demands_xlsx(
        &self,
        actor: &Actor,
        filter: &DemandFilter,
        meta: &RequestMeta,
    ) -> Result<Vec<u8>> {
        let rows = self.demands_all(actor, filter, meta).await?;
        let n = rows.len();
        let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>> {
            use rust_xlsxwriter::{Format, Workbook};
            let mut wb = Workbook::new();
            let ws = wb.add_worksheet();
            let bold = Format::new().set_bold();
            let headers = [
                "编号",
                "标题",
                "企业",
                "片区",
                "类别",
                "主办部门",
                "状态",
                "督办颜色",
                "提交时间",
                "当前期限",
                "办结时间",
                "评价",
                "重办次数",
            ];
            let xe = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
            for (i, h) in headers.iter().enumerate() {
                let col = u16::try_from(i).unwrap_or(0);
                ws.write_string_with_format(0, col, *h, &bold).map_err(xe)?;
                ws.set_column_width(col, if i == 1 { 40 } else { 16 }).map_err(xe)?;
            }
            ws.set_freeze_panes(1, 0).map_err(xe)?;
            let t = |v: Option<i64>| v.map(zhuqi_domain::clock::display_cst).unwrap_or_default();
            for (i, r) in rows.iter().enumerate() {
                let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
                let status = Status::parse(&r.status).map_or(r.status.as_str(), |s| s.label_zh());
                let cells = [
                    r.id.to_string(),
                    r.title.clone(),
                    r.enterprise_name.clone(),
                    r.district_name.clone(),
                    format!("{} {}", r.category_code, r.category_name),
                    r.lead_department_name.clone().unwrap_or_default(),
                    status.to_string(),
                    r.colour.clone(),
                    zhuqi_domain::clock::display_cst(r.submitted_at),
                    t(r.active_deadline),
                    t(r.closed_at),
                    r.rating.as_deref().and_then(Rating::parse).map(|x| x.label_zh().to_string()).unwrap_or_default(),
                    r.redo_count.to_string(),
                ];
                for (j, v) in cells.iter().enumerate() {
                    ws.write_string(row, u16::try_from(j).unwrap_or(0), v).map_err(xe)?;
                }
            }
            wb.save_to_buffer().map_err(xe)
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
        self.audit(Some(actor), "export", "demands", "success", &n.to_string(), meta).await;
        Ok(bytes)
    }
}

impl App {
    /// The category tree for demand forms and filters (active categories).
    pub async fn demand_categories(&self) -> Result<Vec<zhuqi_store::catalogue::Category>> {
        let mut c = self.store.read().await?;
        Ok(zhuqi_store::catalogue::list_categories(&mut c).await?.into_iter().filter(|c| c.active != 0).collect())
    }
}
