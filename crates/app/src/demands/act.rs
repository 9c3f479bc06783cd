//! Taking one action on a demand: the action's JSON into a domain command,
//! decided and saved.

use super::{parse_state, text, who, DemandDetail};
use crate::{App, AppError, RequestMeta, Result};
use serde::Deserialize;
use serde_json::Value;
use zhuqi_domain::demand::{self, Colour, Command, DemandError, Rating};
use zhuqi_domain::{Actor, FieldError};
use zhuqi_store::demands::{self as store, DemandScope};

fn domain_err(e: DemandError) -> AppError {
    match e {
        DemandError::Invalid(f) => AppError::Invalid(f),
        DemandError::Forbidden { .. } => AppError::Forbidden(e.to_string()),
        DemandError::Illegal { .. } => AppError::Conflict(e.to_string()),
    }
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

impl App {
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
        // A retired department receives no dispatch, transfer or request to assist.
        let named: Vec<(i64, &str)> = match &cmd {
            Command::Dispatch { lead, assisting, .. } => {
                std::iter::once((*lead, "department_id")).chain(assisting.iter().map(|a| (*a, "assisting"))).collect()
            }
            Command::Transfer { lead, .. } => vec![(*lead, "department_id")],
            Command::AddAssist { departments } => departments.iter().map(|d| (*d, "departments")).collect(),
            _ => Vec::new(),
        };
        for (dep, field) in named.into_iter().filter(|(d, _)| *d > 0) {
            crate::org::usable_department(&mut tx, dep, field).await?;
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
}
