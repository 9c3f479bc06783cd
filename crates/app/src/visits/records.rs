//! Recording, editing and reading visits; a visit's need becoming a demand.

use crate::demands::SubmitInput;
use crate::{App, AppError, RequestMeta, Result};
use serde::Serialize;
use zhuqi_domain::capability::{self, Capability, Relation};
use zhuqi_domain::visit::VisitInput;
use zhuqi_domain::visit::{self, VisitRole, YearMonth};
use zhuqi_domain::{Actor, FieldError, Scope};
use zhuqi_store::demands::DemandRow;
use zhuqi_store::visits::{self as store, NewVisit, VisitScope};
use zhuqi_store::visits::{VisitFilter, VisitRow};
use zhuqi_store::{Conn, Page, Paged};

/// SHA-256 of a visit as sent (normalized), to tell a retry from another visit under the same key.
fn body_hash(input: &VisitInput) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(serde_json::to_vec(input).unwrap_or_default()))
}

/// One earlier version of an edited visit.
#[derive(Debug, Clone, Serialize)]
pub struct VisitEdit {
    pub id: i64,
    /// The version this edit replaced.
    pub version: i64,
    pub edited_at: i64,
    pub editor_id: i64,
    pub editor_name: Option<String>,
    /// The replaced version (a visit row as JSON).
    pub before: serde_json::Value,
}

/// A visit as its page and `GET /api/v1/visits/{id}` show it.
#[derive(Debug, Clone, Serialize)]
pub struct VisitDetail {
    #[serde(flatten)]
    pub row: VisitRow,
    /// Earlier versions, oldest first.
    pub edits: Vec<VisitEdit>,
    /// Demands the visit's needs became.
    pub demand_ids: Vec<i64>,
    /// Photos and documents attached to the visit (bytes at `/attachments/{id}`).
    pub attachments: Vec<zhuqi_store::attachments::AttachmentRow>,
    /// The viewer may edit it now (its author, within 24 hours of recording).
    pub editable: bool,
    /// The last instant an edit is accepted (ms).
    pub editable_until: i64,
}

fn json_err(e: serde_json::Error) -> AppError {
    AppError::Internal(format!("json: {e}"))
}

/// The row to store for an officer's input.
fn new_visit(officer_id: i64, district_id: i64, v: &VisitInput, now: i64) -> NewVisit {
    NewVisit {
        officer_id,
        enterprise_id: v.enterprise_id,
        district_id,
        started_at: v.started_at,
        ended_at: v.ended_at,
        month: YearMonth::of(v.started_at).key(),
        mode: v.mode.as_str().to_string(),
        roles: VisitRole::join(&v.roles),
        policy: v.policy.clone(),
        needs: v.needs.clone(),
        production_status: v.production_status.map(|p| p.as_str().to_string()),
        staff_situation: v.staff_situation.clone(),
        guidance: v.guidance.clone(),
        investment_leads: v.investment_leads.clone(),
        notes: v.notes.clone(),
        lat: v.lat,
        lon: v.lon,
        accuracy_m: v.accuracy_m,
        created_at: now,
    }
}

impl App {
    /// Records a visit. Only an officer, only for an enterprise currently
    /// assigned to them (another enterprise is not found: 404); the visit
    /// counts for the month of its start in China time.
    pub async fn record_visit(&self, actor: &Actor, input: &VisitInput, meta: &RequestMeta) -> Result<VisitRow> {
        Ok(self.record_visit_keyed(actor, input, None, meta).await?.0)
    }

    /// [`App::record_visit`] under an idempotency key (the API's
    /// `Idempotency-Key`, the form's hidden key): the key is written in the
    /// same transaction as the visit, so a retry — after a restart, from
    /// another session, or racing the first request — answers the visit
    /// first recorded (`created = false`) and never records a second one.
    /// The same key with a different body is refused on `Idempotency-Key`.
    pub async fn record_visit_keyed(
        &self,
        actor: &Actor,
        input: &VisitInput,
        key: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<(VisitRow, bool)> {
        let target = format!("enterprise:{}", input.enterprise_id);
        if !actor.may(Capability::VisitRecord) {
            return Err(self.deny(actor, "record_visit", &target, meta).await);
        }
        let key = crate::demands::idempotency_key(key)?;
        let now = self.now_ms();
        let input = input.normalized();
        input.validate(now)?;
        let body_hash = body_hash(&input);
        if let Some(k) = &key {
            let mut c = self.store.read().await?;
            if let Some(found) = store::find_key(&mut c, actor.user_id, k).await? {
                drop(c);
                return self.keyed_visit(actor, found, &body_hash, meta).await;
            }
        }
        let mut tx = self.store.begin().await?;
        let Some(ent) =
            zhuqi_store::enterprises::get(&mut tx, Scope::Officer(actor.user_id), input.enterprise_id).await?
        else {
            drop(tx);
            self.audit(Some(actor), "record_visit", &target, "denied", "enterprise not assigned to the officer", meta)
                .await;
            return Err(AppError::NotFound(format!("enterprise {}", input.enterprise_id)));
        };
        let id = store::insert(&mut tx, &new_visit(actor.user_id, ent.district_id, &input, now)).await?;
        if let Some(k) = &key {
            if !store::insert_key(&mut tx, actor.user_id, k, id, &body_hash, now).await? {
                // A concurrent request with the same key won: its visit stands, ours is rolled back.
                drop(tx);
                let mut c = self.store.read().await?;
                let found = store::find_key(&mut c, actor.user_id, k)
                    .await?
                    .ok_or_else(|| AppError::Conflict("the visit's idempotency key is taken".into()))?;
                drop(c);
                return self.keyed_visit(actor, found, &body_hash, meta).await;
            }
        }
        let row = store::get(&mut tx, VisitScope::All, id)
            .await?
            .ok_or_else(|| AppError::Internal(format!("visit {id} vanished")))?;
        tx.commit().await?;
        self.audit(Some(actor), "record_visit", &format!("visit:{id}"), "success", &target, meta).await;
        Ok((row, true))
    }

    /// The visit an idempotency key already recorded, if the body is the same.
    async fn keyed_visit(
        &self,
        actor: &Actor,
        (visit_id, stored_hash): (i64, String),
        body_hash: &str,
        meta: &RequestMeta,
    ) -> Result<(VisitRow, bool)> {
        if stored_hash != body_hash {
            return Err(FieldError::new("Idempotency-Key", crate::demands::KEY_REUSED).into());
        }
        Ok((self.visit(actor, visit_id, meta).await?.row, false))
    }

    /// Edits a visit: only its author, only within 24 hours of recording
    /// (403 afterwards), never its enterprise. The replaced version is kept
    /// in the visit's history. `expected_version`, when given, must be the
    /// current version (409 otherwise); two concurrent edits cannot both win.
    pub async fn edit_visit(
        &self,
        actor: &Actor,
        id: i64,
        input: &VisitInput,
        expected_version: Option<i64>,
        meta: &RequestMeta,
    ) -> Result<VisitRow> {
        let target = format!("visit:{id}");
        if !actor.may(Capability::VisitRecord) {
            return Err(self.deny(actor, "edit_visit", &target, meta).await);
        }
        let now = self.now_ms();
        let input = input.normalized();
        let mut tx = self.store.begin().await?;
        let Some(before) = store::get(&mut tx, VisitScope::Officer(actor.user_id), id).await? else {
            return Err(AppError::NotFound(format!("visit {id}")));
        };
        if let Some(v) = expected_version {
            if v != before.version {
                return Err(AppError::Conflict(format!(
                    "走访记录已被更新（版本{}，您提交的是{v}），请刷新后重试 (stale version: current {}, yours {v})",
                    before.version, before.version
                )));
            }
        }
        if !visit::editable(before.created_at, now) {
            drop(tx);
            self.audit(Some(actor), "edit_visit", &target, "denied", "edit window over", meta).await;
            return Err(AppError::Forbidden(format!(
                "走访记录只能在录入后24小时内修改，本记录录入于{} (a visit can be edited only within 24 hours of recording; this one was recorded at {})",
                zhuqi_domain::clock::display_cst(before.created_at),
                zhuqi_domain::clock::rfc3339_cst(before.created_at)
            )));
        }
        if input.enterprise_id != before.enterprise_id {
            return Err(FieldError::new(
                "enterprise_id",
                "不能更改走访的企业，请另行录入 (a visit's enterprise cannot be changed; record a new visit)",
            )
            .into());
        }
        input.validate_edit(now, before.created_at)?;
        let json = serde_json::to_string(&before).map_err(json_err)?;
        store::append_edit(&mut tx, id, before.version, now, actor.user_id, &json).await?;
        let fresh = new_visit(actor.user_id, before.district_id, &input, now);
        if !store::update(&mut tx, id, before.version, &fresh, now).await? {
            return Err(AppError::Conflict(format!(
                "走访记录已被他人更新，请刷新后重试 (visit {id} was changed meanwhile; reload and retry)"
            )));
        }
        let row = store::get(&mut tx, VisitScope::All, id)
            .await?
            .ok_or_else(|| AppError::Internal(format!("visit {id} vanished")))?;
        tx.commit().await?;
        self.audit(Some(actor), "edit_visit", &target, "success", &format!("version:{}", row.version), meta).await;
        Ok(row)
    }

    /// Checks a filter and its enterprise: an enterprise outside the actor's
    /// enterprise scope is not found (for roles that have one).
    async fn check_visit_filter(&self, c: &mut Conn, actor: &Actor, filter: &VisitFilter) -> Result<()> {
        if let Some(m) = &filter.month {
            YearMonth::parse(m)?;
        }
        if let Some(e) = filter.enterprise_id {
            let scope = actor.enterprise_scope();
            if scope != Scope::Nothing && zhuqi_store::enterprises::get(c, scope, e).await?.is_none() {
                return Err(AppError::NotFound(format!("enterprise {e}")));
            }
        }
        Ok(())
    }

    /// Visits in scope, newest first. Filtering by an enterprise outside
    /// the actor's scope is 404 (an officer's history of an enterprise not
    /// assigned to them does not exist for them).
    pub async fn visits(
        &self,
        actor: &Actor,
        filter: &VisitFilter,
        page: Page,
        meta: &RequestMeta,
    ) -> Result<Paged<VisitRow>> {
        let scope = self.visit_scope(actor);
        if scope == VisitScope::Nothing {
            return Err(self.deny(actor, "list_visits", "visits", meta).await);
        }
        let mut c = self.store.read().await?;
        self.check_visit_filter(&mut c, actor, filter).await?;
        Ok(store::list(&mut c, scope, filter, page).await?)
    }

    /// Every visit in scope matching the filter (exports; at most 100 000).
    pub async fn visits_all(&self, actor: &Actor, filter: &VisitFilter, meta: &RequestMeta) -> Result<Vec<VisitRow>> {
        let scope = self.visit_scope(actor);
        if scope == VisitScope::Nothing {
            return Err(self.deny(actor, "export_visits", "visits", meta).await);
        }
        let mut c = self.store.read().await?;
        self.check_visit_filter(&mut c, actor, filter).await?;
        Ok(store::all(&mut c, scope, filter, 100_000).await?)
    }

    /// One visit with its history and the demands it led to (404 out of scope).
    pub async fn visit(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<VisitDetail> {
        let scope = self.visit_scope(actor);
        if scope == VisitScope::Nothing {
            return Err(self.deny(actor, "read_visit", &format!("visit:{id}"), meta).await);
        }
        let mut c = self.store.read().await?;
        let row = store::get(&mut c, scope, id).await?.ok_or_else(|| AppError::NotFound(format!("visit {id}")))?;
        let mut edits = Vec::new();
        for e in store::edits(&mut c, id).await? {
            edits.push(VisitEdit {
                id: e.id,
                version: e.version,
                edited_at: e.edited_at,
                editor_id: e.editor_id,
                editor_name: e.editor_name,
                before: serde_json::from_str(&e.before).map_err(json_err)?,
            });
        }
        let demand_ids = store::demands_of(&mut c, id).await?;
        let attachments = zhuqi_store::attachments::of_visit(&mut c, id).await?;
        let editable_until = row.created_at + visit::EDIT_WINDOW_MS;
        let relation = if row.officer_id == actor.user_id { Relation::Own } else { Relation::Outside };
        let editable = capability::allows(actor.role, Capability::VisitRecord, relation)
            && visit::editable(row.created_at, self.now_ms());
        Ok(VisitDetail { row, edits, demand_ids, attachments, editable, editable_until })
    }

    /// Turns a need found on a visit into a demand in one step: submits it
    /// (as the officer, for the visit's enterprise) and links it to the
    /// visit. Only the visit's author. A retry with the same text returns
    /// the same demand (the submission is idempotent per visit and text).
    pub async fn visit_need_to_demand(
        &self,
        actor: &Actor,
        visit_id: i64,
        category: &str,
        title: &str,
        description: &str,
        meta: &RequestMeta,
    ) -> Result<DemandRow> {
        let target = format!("visit:{visit_id}");
        if !actor.may(Capability::VisitRecord) {
            return Err(self.deny(actor, "visit_need_to_demand", &target, meta).await);
        }
        let visit = {
            let mut c = self.store.read().await?;
            store::get(&mut c, VisitScope::Officer(actor.user_id), visit_id)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("visit {visit_id}")))?
        };
        let key = {
            use sha2::{Digest, Sha256};
            let digest =
                Sha256::digest(format!("{}\u{1f}{}\u{1f}{}", category.trim(), title.trim(), description.trim()));
            format!("visit:{visit_id}:{}", &hex::encode(digest)[..32])
        };
        let input = SubmitInput {
            enterprise_id: visit.enterprise_id,
            category: category.to_string(),
            title: title.to_string(),
            description: description.to_string(),
            urgency: None,
            confidential: None,
        };
        let (demand, _) = self.submit_demand(actor, &input, Some(&key), meta).await?;
        let mut tx = self.store.begin().await?;
        store::link_demand(&mut tx, visit_id, demand.id, self.now_ms()).await?;
        tx.commit().await?;
        self.audit(Some(actor), "visit_need_to_demand", &target, "success", &format!("demand:{}", demand.id), meta)
            .await;
        Ok(demand)
    }

    /// The visits (in the actor's visit scope) whose needs became a demand
    /// (404 when the demand is outside the actor's demand scope).
    pub async fn demand_visits(&self, actor: &Actor, demand_id: i64, meta: &RequestMeta) -> Result<Vec<VisitRow>> {
        let dscope = self.demand_scope(actor);
        if dscope == zhuqi_store::demands::DemandScope::Nothing {
            return Err(self.deny(actor, "read_demand", &format!("demand:{demand_id}"), meta).await);
        }
        let mut c = self.store.read().await?;
        if zhuqi_store::demands::get(&mut c, dscope, demand_id).await?.is_none() {
            return Err(AppError::NotFound(format!("demand {demand_id}")));
        }
        Ok(store::visits_of_demand(&mut c, self.visit_scope(actor), demand_id).await?)
    }
}
