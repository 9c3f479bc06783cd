//! Submitting a demand, and the catalogue snapshot submission reads.

use super::json_err;
use crate::{App, AppError, RequestMeta, Result};
use serde::Deserialize;
use zhuqi_domain::demand::{self, Channel, Colour, DemandState, NewDemand, Status, TimeLimits, Urgency};
use zhuqi_domain::{Actor, CategoryCode, FieldError, Role};
use zhuqi_store::demands::{self as store, DemandRow, DemandScope};
use zhuqi_store::submit;
use zhuqi_store::Conn;

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

/// The refusal of a key reused for a different body (demands and visits alike).
pub const KEY_REUSED: &str =
    "此 Idempotency-Key 已用于内容不同的另一次提交 (this Idempotency-Key was already used with a different body)";

/// An `Idempotency-Key` header value: trimmed, empty is none, at most 200 characters.
pub fn idempotency_key(raw: Option<&str>) -> Result<Option<String>> {
    let key = raw.map(str::trim).filter(|k| !k.is_empty()).map(str::to_string);
    if key.as_ref().is_some_and(|k| k.len() > 200) {
        return Err(FieldError::new("Idempotency-Key", "at most 200 characters").into());
    }
    Ok(key)
}

impl App {
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
        let key = self::idempotency_key(idempotency_key)?;
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
        self.refuse_if_deregistered(new.enterprise_id).await?;
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
                // A retry sends the same demand; another demand under a used key is a mistake.
                let same = row.enterprise_id == input.enterprise_id
                    && row.category_code == input.category.trim()
                    && row.title == input.title.trim()
                    && row.description == input.description.trim()
                    && row.urgency == urgency.as_str()
                    && (row.confidential != 0) == input.confidential.unwrap_or(false);
                if !same {
                    return Err(FieldError::new("Idempotency-Key", KEY_REUSED).into());
                }
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
}

async fn sqlx_next_limits_change(c: &mut Conn, now: i64) -> Result<Option<i64>> {
    Ok(zhuqi_store::catalogue::next_limits_change(c, now).await?)
}
