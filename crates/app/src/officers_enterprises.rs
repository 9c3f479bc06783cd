//! Officers come and go, enterprises change (issue 12, items 4 and 5):
//! transfer an officer, hand all their enterprises over in one step, edit an
//! enterprise record with a history of every change, deregister an
//! enterprise (注销 / 迁出).
//!
//! Each command is one transaction, audited; everyone concerned hears of a
//! handover through the notifications outbox (kind `officer_handover`).

use crate::directory::{EnterpriseDetail, OfficerDetail};
use crate::{App, AppError, RequestMeta, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use zhuqi_domain::enterprise::{EnterpriseSize, IndustryCode};
use zhuqi_domain::phone::Phone;
use zhuqi_domain::role::OfficerScope;
use zhuqi_domain::{Actor, Capability, FieldError, Role, Scope};
use zhuqi_store::enterprises::{EnterpriseFields, EnterpriseRow};
use zhuqi_store::officer_moves::NewTransfer;
use zhuqi_store::users::OfficerRow;
use zhuqi_store::Conn;

/// The notification kind of a handover (to the leaving officer, each
/// receiving officer and the users of each moved enterprise).
pub const HANDOVER_KIND: &str = "officer_handover";
/// The notification kind of a transfer (to the officer).
pub const TRANSFER_KIND: &str = "officer_transfer";
/// The notification kind of a deregistration (to the officer who served it).
pub const DEREGISTERED_KIND: &str = "enterprise_deregistered";

/// `POST /api/v1/officers/{id}/handover`: exactly one of the two targets.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HandoverInput {
    pub to_officer_id: Option<i64>,
    pub spread_in_district: Option<bool>,
    pub reason: Option<String>,
}

/// One enterprise moved by a handover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MovedAssignment {
    pub enterprise_id: i64,
    pub to_officer_id: i64,
}

/// What a handover did.
#[derive(Debug, Clone, Serialize)]
pub struct HandoverResult {
    pub moved: usize,
    pub assignments: Vec<MovedAssignment>,
}

/// `PATCH /api/v1/officers/{id}`: a transfer.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TransferInput {
    pub district_id: Option<i64>,
    pub home_department_id: Option<i64>,
    pub reason: Option<String>,
}

/// `POST /api/v1/enterprises/{id}/deregister`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeregisterInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub date: String,
}

/// The kinds of deregistration.
pub const DEREGISTER_KINDS: [(&str, &str); 2] = [("cancelled", "注销"), ("moved_out", "迁出")];

/// A parsed `PATCH /api/v1/enterprises/{id}` body: only the fields given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnterprisePatch {
    pub name: Option<String>,
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub industry_code: Option<String>,
    pub size: Option<String>,
    /// `Some(None)`: clear the township.
    pub township_id: Option<Option<i64>>,
    /// Must equal the enterprise's district when given.
    pub district_id: Option<i64>,
}

const CREDIT_CODE_FIXED: &str = "统一社会信用代码不可更改 (the unified social credit code never changes)";

fn text_field(v: &Value, field: &str) -> std::result::Result<String, FieldError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        _ => Err(FieldError::new(field, "应为文本 (must be a string)")),
    }
}

fn id_field(v: &Value, field: &str) -> std::result::Result<Option<i64>, FieldError> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_i64().map(Some).ok_or_else(|| FieldError::new(field, "应为整数 (must be an integer)")),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => {
            s.trim().parse().map(Some).map_err(|_| FieldError::new(field, "应为整数 (must be an integer)"))
        }
        _ => Err(FieldError::new(field, "应为整数 (must be an integer)")),
    }
}

impl EnterprisePatch {
    /// Reads a JSON object; `credit_code` or an unknown field is refused naming it.
    pub fn from_json(body: &Value) -> std::result::Result<Self, FieldError> {
        let Value::Object(map) = body else {
            return Err(FieldError::new("body", "应为JSON对象 (a JSON object is expected)"));
        };
        let mut p = EnterprisePatch::default();
        for (k, v) in map {
            match k.as_str() {
                "credit_code" => return Err(FieldError::new("credit_code", CREDIT_CODE_FIXED)),
                "name" => p.name = Some(text_field(v, k)?),
                "address" => p.address = Some(text_field(v, k)?),
                "contact_name" => p.contact_name = Some(text_field(v, k)?),
                "contact_phone" => p.contact_phone = Some(text_field(v, k)?),
                "industry_code" => p.industry_code = Some(text_field(v, k)?),
                "size" => p.size = Some(text_field(v, k)?),
                "township_id" => p.township_id = Some(id_field(v, k)?),
                "district_id" => {
                    p.district_id =
                        Some(id_field(v, k)?.ok_or_else(|| FieldError::new("district_id", "不能为空 (required)"))?)
                }
                other => {
                    return Err(FieldError::new(
                        other,
                        format!(
                            "不可修改的字段 (unknown field '{other}'; editable: name, address, contact_name, \
                             contact_phone, industry_code, size, township_id)"
                        ),
                    ))
                }
            }
        }
        Ok(p)
    }
}

fn check_reason(reason: Option<&str>) -> Result<String> {
    let r = reason.unwrap_or_default().trim().to_string();
    if r.chars().count() > 200 {
        return Err(FieldError::new("reason", "原因不超过200字 (at most 200 characters)").into());
    }
    Ok(r)
}

fn check_text(field: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(FieldError::new(field, format!("不超过{max}字 (at most {max} characters)")).into());
    }
    Ok(v.to_string())
}

fn opt_id(v: Option<i64>) -> String {
    v.map(|i| i.to_string()).unwrap_or_default()
}

/// The scope in which an actor manages officers (`None`: not at all).
fn officer_manage_scope(actor: &Actor) -> Option<OfficerScope> {
    if !actor.may(Capability::OfficerManage) {
        return None;
    }
    Some(match actor.role {
        Role::CityAdmin => OfficerScope::All,
        _ => actor.district_id.map_or(OfficerScope::Nothing, OfficerScope::District),
    })
}

impl App {
    /// The officer managed by `actor` (404 outside scope). The capability
    /// is checked before any transaction opens (the refusal is audited).
    async fn managed_officer(c: &mut Conn, actor: &Actor, id: i64) -> Result<OfficerRow> {
        let scope = officer_manage_scope(actor).unwrap_or(OfficerScope::Nothing);
        zhuqi_store::users::officer(c, scope, id).await?.ok_or_else(|| AppError::NotFound(format!("officer {id}")))
    }

    /// The enterprise managed by `actor` (404 outside scope).
    async fn managed_enterprise_row(c: &mut Conn, actor: &Actor, id: i64) -> Result<EnterpriseRow> {
        let e = zhuqi_store::enterprises::get(c, actor.enterprise_scope(), id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("enterprise {id}")))?;
        if !actor.may_in_district(Capability::EnterpriseManage, Some(e.district_id)) {
            return Err(AppError::NotFound(format!("enterprise {id}")));
        }
        Ok(e)
    }

    /// Hands every current enterprise of an officer to another officer, or
    /// spreads them over the other active officers of each enterprise's
    /// district (least-loaded first, ties by lowest id, enterprises in id
    /// order: deterministic) — in one transaction, each move kept as
    /// assignment history. An officer with no enterprise: 200, moved 0.
    pub async fn handover(
        &self,
        actor: &Actor,
        officer_id: i64,
        input: &HandoverInput,
        meta: &RequestMeta,
    ) -> Result<HandoverResult> {
        let spread = input.spread_in_district.unwrap_or(false);
        self.require(actor, Capability::OfficerManage, "officer_handover", &format!("officer:{officer_id}"), meta)
            .await?;
        let mut tx = self.store.begin().await?;
        let leaving = Self::managed_officer(&mut tx, actor, officer_id).await?;
        match (input.to_officer_id, spread) {
            (Some(_), true) => {
                return Err(FieldError::new(
                    "to_officer_id",
                    "to_officer_id 与 spread_in_district 只能选一个 (give either to_officer_id or spread_in_district, not both)",
                )
                .into())
            }
            (None, false) => {
                return Err(FieldError::new(
                    "to_officer_id",
                    "请指定接手的服务员或在片区内分配 (give to_officer_id or spread_in_district: true)",
                )
                .into())
            }
            _ => {}
        }
        let reason = check_reason(input.reason.as_deref())?;
        let reason = if reason.is_empty() { format!("交接 handover from {}", leaving.display_name) } else { reason };
        let current = zhuqi_store::assignments::current_of_officer(&mut tx, officer_id).await?;
        let mut districts: HashMap<i64, i64> = HashMap::new();
        for eid in &current {
            let e = zhuqi_store::enterprises::get(&mut tx, Scope::All, *eid)
                .await?
                .ok_or_else(|| AppError::Internal(format!("assigned enterprise {eid} vanished")))?;
            districts.insert(*eid, e.district_id);
        }
        let mut plan: Vec<MovedAssignment> = Vec::with_capacity(current.len());
        if let Some(to) = input.to_officer_id {
            if to == officer_id {
                return Err(
                    FieldError::new("to_officer_id", "不能移交给本人 (cannot hand over to the same officer)").into()
                );
            }
            let target = zhuqi_store::users::get(&mut tx, to).await?;
            let Some(target) = target.filter(|u| u.role == "officer") else {
                return Err(FieldError::new(
                    "to_officer_id",
                    format!("没有编号为{to}的服务员 (no officer with id {to})"),
                )
                .into());
            };
            if target.active == 0 {
                return Err(FieldError::new(
                    "to_officer_id",
                    format!("服务员{}已停用 (the officer is not active)", target.display_name),
                )
                .into());
            }
            let in_scope = match officer_manage_scope(actor) {
                Some(OfficerScope::All) => true,
                Some(OfficerScope::District(d)) => target.district_id == Some(d),
                _ => false,
            };
            if !in_scope {
                return Err(FieldError::new(
                    "to_officer_id",
                    format!("服务员{}不在本区县 (the officer works in another district)", target.display_name),
                )
                .into());
            }
            if let Some((eid, _)) = districts.iter().find(|(_, d)| Some(**d) != target.district_id) {
                return Err(FieldError::new(
                    "to_officer_id",
                    format!(
                        "服务员{}不在企业{eid}所在区县 (the officer works in another district than enterprise {eid})",
                        target.display_name
                    ),
                )
                .into());
            }
            plan.extend(current.iter().map(|e| MovedAssignment { enterprise_id: *e, to_officer_id: to }));
        } else {
            let mut loads: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
            for eid in &current {
                let Some(d) = districts.get(eid).copied() else { continue };
                if let std::collections::hash_map::Entry::Vacant(slot) = loads.entry(d) {
                    let mut l = zhuqi_store::assignments::load_by_officer(&mut tx, d).await?;
                    l.retain(|(id, _)| *id != officer_id);
                    slot.insert(l);
                }
                let slot = loads.get_mut(&d).and_then(|l| l.iter_mut().min_by_key(|(id, n)| (*n, *id)));
                let Some(slot) = slot else {
                    return Err(AppError::Conflict(format!(
                        "企业{eid}所在区县没有其他在岗服务员 (no other active officer in the district of enterprise {eid})"
                    )));
                };
                slot.1 += 1;
                plan.push(MovedAssignment { enterprise_id: *eid, to_officer_id: slot.0 });
            }
        }
        let now = self.now_ms();
        for m in &plan {
            zhuqi_store::assignments::assign(
                &mut tx,
                m.enterprise_id,
                m.to_officer_id,
                now,
                Some(actor.user_id),
                &reason,
            )
            .await?;
        }
        // Everyone concerned: the leaver, each receiver (with the count), the
        // users of each moved enterprise (their new officer).
        if !plan.is_empty() {
            let mut per_receiver: Vec<(i64, usize)> = Vec::new();
            for m in &plan {
                match per_receiver.iter_mut().find(|(o, _)| *o == m.to_officer_id) {
                    Some(r) => r.1 += 1,
                    None => per_receiver.push((m.to_officer_id, 1)),
                }
            }
            let mut names: HashMap<i64, (String, String)> = HashMap::new();
            for (o, _) in &per_receiver {
                if let Some(u) = zhuqi_store::users::get(&mut tx, *o).await? {
                    names.insert(*o, (u.display_name, u.phone));
                }
            }
            let receivers = per_receiver
                .iter()
                .map(|(o, n)| format!("{}（{n}家）", names.get(o).map_or("", |x| x.0.as_str())))
                .collect::<Vec<_>>()
                .join("、");
            zhuqi_store::demands::notify(
                &mut tx,
                &[officer_id],
                now,
                HANDOVER_KIND,
                None,
                &format!("您服务的{}家企业已移交", plan.len()),
                &format!("已移交给：{receivers}。Your {} enterprises were handed over. {reason}", plan.len()),
            )
            .await?;
            for (o, n) in &per_receiver {
                zhuqi_store::demands::notify(
                    &mut tx,
                    &[*o],
                    now,
                    HANDOVER_KIND,
                    None,
                    &format!("您新接手{n}家企业"),
                    &format!(
                        "由{}移交。You now serve {n} more enterprises, from {}.",
                        leaving.display_name, leaving.display_name
                    ),
                )
                .await?;
            }
            for m in &plan {
                let users = zhuqi_store::officer_moves::enterprise_users(&mut tx, m.enterprise_id).await?;
                if users.is_empty() {
                    continue;
                }
                let (name, phone) = names.get(&m.to_officer_id).cloned().unwrap_or_default();
                zhuqi_store::demands::notify(
                    &mut tx,
                    &users,
                    now,
                    HANDOVER_KIND,
                    None,
                    &format!("您的服务员已变更为{name}"),
                    &format!("新服务员：{name} {phone}。Your service officer is now {name}."),
                )
                .await?;
            }
        }
        tx.commit().await?;
        let detail =
            plan.iter().map(|m| format!("{}→{}", m.enterprise_id, m.to_officer_id)).collect::<Vec<_>>().join(",");
        self.audit(
            Some(actor),
            "officer_handover",
            &format!("officer:{officer_id}"),
            "success",
            &format!("moved {}: {detail}", plan.len()),
            meta,
        )
        .await;
        Ok(HandoverResult { moved: plan.len(), assignments: plan })
    }

    /// Transfers an officer to another district and/or home unit (派出单位).
    /// Moving district while still serving enterprises of another district
    /// is refused (409, with the count): hand them over first. A district
    /// admin changes the home unit of officers of their district; moving an
    /// officer between districts is the city admin's.
    pub async fn transfer_officer(
        &self,
        actor: &Actor,
        officer_id: i64,
        input: &TransferInput,
        meta: &RequestMeta,
    ) -> Result<OfficerDetail> {
        self.require(actor, Capability::OfficerManage, "officer_transfer", &format!("officer:{officer_id}"), meta)
            .await?;
        let mut tx = self.store.begin().await?;
        let o = Self::managed_officer(&mut tx, actor, officer_id).await?;
        if input.district_id.is_none() && input.home_department_id.is_none() {
            return Err(FieldError::new(
                "district_id",
                "请指定新的区县或派出单位 (give district_id and/or home_department_id)",
            )
            .into());
        }
        let reason = check_reason(input.reason.as_deref())?;
        let to_district = input.district_id.or(o.district_id);
        let to_department = input.home_department_id.or(o.department_id);
        if let Some(d) = input.district_id {
            let r = zhuqi_store::regions::get(&mut tx, d).await?;
            if r.as_ref().is_none_or(|r| r.level != "district") {
                return Err(
                    FieldError::new("district_id", format!("没有编号为{d}的区县 (no district with id {d})")).into()
                );
            }
            if Some(d) != o.district_id && !actor.may_in_district(Capability::OfficerManage, Some(d)) {
                return Err(FieldError::new(
                    "district_id",
                    "跨区县调动由市级管理员办理 (moving an officer to another district is for the city admin)",
                )
                .into());
            }
        }
        if let Some(dp) = input.home_department_id {
            if zhuqi_store::departments::get(&mut tx, dp).await?.is_none() {
                return Err(FieldError::new(
                    "home_department_id",
                    format!("没有编号为{dp}的单位 (no department with id {dp})"),
                )
                .into());
            }
        }
        if to_district == o.district_id && to_department == o.department_id {
            // Nothing changes: no history row, nothing to audit.
            drop(tx);
            return self.officer(actor, officer_id, meta).await;
        }
        if to_district != o.district_id {
            let mut elsewhere = 0usize;
            for eid in zhuqi_store::assignments::current_of_officer(&mut tx, officer_id).await? {
                let e = zhuqi_store::enterprises::get(&mut tx, Scope::All, eid).await?;
                if e.is_some_and(|e| Some(e.district_id) != to_district) {
                    elsewhere += 1;
                }
            }
            if elsewhere > 0 {
                return Err(AppError::Conflict(format!(
                    "服务员{}仍服务原区县{elsewhere}家企业，请先交接 (the officer still serves {elsewhere} enterprises \
                     of the old district: hand them over first, POST /api/v1/officers/{officer_id}/handover)",
                    o.display_name
                )));
            }
        }
        let now = self.now_ms();
        zhuqi_store::officer_moves::transfer(
            &mut tx,
            &NewTransfer {
                officer_id,
                at: now,
                by: Some(actor.user_id),
                from_district_id: o.district_id,
                to_district_id: to_district,
                from_department_id: o.department_id,
                to_department_id: to_department,
                reason: &reason,
            },
        )
        .await?;
        zhuqi_store::demands::notify(
            &mut tx,
            &[officer_id],
            now,
            TRANSFER_KIND,
            None,
            "您的区县或派出单位已调整",
            &format!("Your district or home unit changed. {reason}"),
        )
        .await?;
        tx.commit().await?;
        // The officer's scope follows their district at once.
        self.session_cache.clear();
        self.audit(
            Some(actor),
            "officer_transfer",
            &format!("officer:{officer_id}"),
            "success",
            &format!(
                "district {}→{}, department {}→{}",
                opt_id(o.district_id),
                opt_id(to_district),
                opt_id(o.department_id),
                opt_id(to_department)
            ),
            meta,
        )
        .await;
        let mut c = self.store.read().await?;
        let officer = zhuqi_store::users::officer(&mut c, OfficerScope::All, officer_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("officer {officer_id}")))?;
        let assignments = zhuqi_store::assignments::for_officer(&mut c, officer_id).await?;
        let transfers = zhuqi_store::officer_moves::transfers(&mut c, officer_id).await?;
        Ok(OfficerDetail { officer, assignments, transfers })
    }

    /// Edits an enterprise record; every changed field is recorded (who,
    /// when, old and new value). The credit code never changes; the district
    /// does not either (迁出 and a new registration). `body` is the JSON
    /// object of the fields to change ([`EnterprisePatch::from_json`]).
    pub async fn edit_enterprise(
        &self,
        actor: &Actor,
        id: i64,
        body: &Value,
        meta: &RequestMeta,
    ) -> Result<EnterpriseDetail> {
        self.require(actor, Capability::EnterpriseManage, "edit_enterprise", &format!("enterprise:{id}"), meta).await?;
        let mut tx = self.store.begin().await?;
        let e = Self::managed_enterprise_row(&mut tx, actor, id).await?;
        let patch = EnterprisePatch::from_json(body)?;
        if e.is_deregistered() {
            return Err(AppError::Conflict("企业已注销，不能修改 (the enterprise is deregistered)".into()));
        }
        if patch.district_id.is_some_and(|d| d != e.district_id) {
            return Err(FieldError::new(
                "district_id",
                "企业不能改变所属区县：请办理迁出并在新区县登记 (an enterprise does not change district: deregister it \
                 as moved out and register it in the new district)",
            )
            .into());
        }
        let name = match &patch.name {
            Some(n) => {
                let n = n.trim();
                if n.is_empty() || n.chars().count() > 100 {
                    return Err(FieldError::new(
                        "name",
                        "企业名称不能为空且不超过100字 (name is required, at most 100 characters)",
                    )
                    .into());
                }
                n.to_string()
            }
            None => e.name.clone(),
        };
        let industry = match &patch.industry_code {
            Some(i) => IndustryCode::parse(i)?.as_str().to_string(),
            None => e.industry_code.clone(),
        };
        let size = match &patch.size {
            Some(s) => EnterpriseSize::parse(s)?.as_str().to_string(),
            None => e.size.clone(),
        };
        let phone = match &patch.contact_phone {
            Some(p) if p.trim().is_empty() => String::new(),
            Some(p) => Phone::parse("contact_phone", p)?.as_str().to_string(),
            None => e.contact_phone.clone(),
        };
        let address = match &patch.address {
            Some(a) => check_text("address", a, 200)?,
            None => e.address.clone(),
        };
        let contact_name = match &patch.contact_name {
            Some(a) => check_text("contact_name", a, 50)?,
            None => e.contact_name.clone(),
        };
        let township_id = match patch.township_id {
            Some(Some(t)) => {
                let town = zhuqi_store::regions::get(&mut tx, t).await?;
                if town.as_ref().is_none_or(|r| r.level != "township" || r.parent_id != Some(e.district_id)) {
                    // (a retired township is refused below, as for a new enterprise)
                    return Err(FieldError::new(
                        "township_id",
                        format!(
                            "乡镇{t}不在{}辖区 (township {t} is not in district {})",
                            e.district_name, e.district_id
                        ),
                    )
                    .into());
                }
                crate::org::check_usable_places(&mut tx, e.district_id, Some(t), "district_id", "township_id").await?;
                Some(t)
            }
            Some(None) => None,
            None => e.township_id,
        };
        let changes: Vec<(&str, String, String)> = [
            ("name", e.name.clone(), name.clone()),
            ("address", e.address.clone(), address.clone()),
            ("contact_name", e.contact_name.clone(), contact_name.clone()),
            ("contact_phone", e.contact_phone.clone(), phone.clone()),
            ("industry_code", e.industry_code.clone(), industry.clone()),
            ("size", e.size.clone(), size.clone()),
            ("township_id", opt_id(e.township_id), opt_id(township_id)),
        ]
        .into_iter()
        .filter(|(_, old, new)| old != new)
        .collect();
        if changes.is_empty() {
            drop(tx);
            return self.enterprise(actor, id, meta).await;
        }
        let now = self.now_ms();
        zhuqi_store::enterprises::update(
            &mut tx,
            id,
            &EnterpriseFields {
                name: &name,
                township_id,
                industry_code: &industry,
                size: &size,
                address: &address,
                contact_name: &contact_name,
                contact_phone: &phone,
            },
            now,
        )
        .await?;
        for (field, old, new) in &changes {
            zhuqi_store::enterprises::insert_change(&mut tx, id, now, Some(actor.user_id), field, old, new).await?;
        }
        tx.commit().await?;
        let fields = changes.iter().map(|c| c.0).collect::<Vec<_>>().join(",");
        self.audit(Some(actor), "edit_enterprise", &format!("enterprise:{id}"), "success", &fields, meta).await;
        self.enterprise(actor, id, meta).await
    }

    /// Deregisters an enterprise (注销 `cancelled` / 迁出 `moved_out`) with a
    /// reason and the date (YYYY-MM-DD, not in the future). In one
    /// transaction: the record is marked, its current assignment closed
    /// (history kept), the sessions of its users deleted, the change
    /// recorded and its officer told. From then on its code does not bind,
    /// its users cannot sign in, no new demand is taken for it (open ones
    /// run to the end), and visit compliance, behind lists, coverage and
    /// campaigns stop expecting it from the date on. Twice: 409.
    pub async fn deregister_enterprise(
        &self,
        actor: &Actor,
        id: i64,
        input: &DeregisterInput,
        meta: &RequestMeta,
    ) -> Result<EnterpriseDetail> {
        self.require(actor, Capability::EnterpriseManage, "deregister_enterprise", &format!("enterprise:{id}"), meta)
            .await?;
        let mut tx = self.store.begin().await?;
        let e = Self::managed_enterprise_row(&mut tx, actor, id).await?;
        if e.is_deregistered() {
            return Err(AppError::Conflict(format!(
                "企业已于{}注销 (the enterprise is already deregistered)",
                e.deregistered_on.unwrap_or_default()
            )));
        }
        let kind = input.kind.trim();
        if !DEREGISTER_KINDS.iter().any(|(k, _)| *k == kind) {
            return Err(FieldError::new(
                "kind",
                "类型应为 cancelled（注销）或 moved_out（迁出） (kind is cancelled or moved_out)",
            )
            .into());
        }
        let reason = input.reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(FieldError::new(
                "reason",
                "请填写原因（200字以内） (a reason is required, at most 200 characters)",
            )
            .into());
        }
        let Ok(date) = NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d") else {
            return Err(FieldError::new("date", "日期格式应为YYYY-MM-DD (the date is YYYY-MM-DD)").into());
        };
        let today = self.clock.now().with_timezone(&zhuqi_domain::clock::china_offset()).date_naive();
        if date > today {
            return Err(FieldError::new("date", "注销日期不能晚于今天 (the date cannot be in the future)").into());
        }
        let day_start = zhuqi_domain::calendar::start_of_day_cst(date).timestamp_millis();
        let on = date.format("%Y-%m-%d").to_string();
        let now = self.now_ms();
        if !zhuqi_store::enterprises::deregister(&mut tx, id, kind, &on, day_start, reason, now).await? {
            return Err(AppError::Conflict("企业已注销 (the enterprise is already deregistered)".into()));
        }
        let officer = zhuqi_store::assignments::close_current(&mut tx, id, now).await?;
        let sessions = zhuqi_store::enterprises::end_user_sessions(&mut tx, id).await?;
        zhuqi_store::enterprises::insert_change(
            &mut tx,
            id,
            now,
            Some(actor.user_id),
            "deregistered",
            "",
            &format!("{kind} {on}: {reason}"),
        )
        .await?;
        if let Some(o) = officer {
            let label = DEREGISTER_KINDS.iter().find(|(k, _)| *k == kind).map_or("", |(_, l)| *l);
            zhuqi_store::demands::notify(
                &mut tx,
                &[o],
                now,
                DEREGISTERED_KIND,
                None,
                &format!("{}已{label}", e.name),
                &format!("{on} {reason}。The enterprise was deregistered ({kind}); you no longer serve it."),
            )
            .await?;
        }
        tx.commit().await?;
        self.session_cache.clear();
        self.audit(
            Some(actor),
            "deregister_enterprise",
            &format!("enterprise:{id}"),
            "success",
            &format!("{kind} {on}; {sessions} sessions ended"),
            meta,
        )
        .await;
        self.enterprise(actor, id, meta).await
    }

    /// The change history of an enterprise (newest first), scoped like
    /// [`App::enterprise`].
    pub async fn enterprise_changes(
        &self,
        actor: &Actor,
        id: i64,
        meta: &RequestMeta,
    ) -> Result<Vec<zhuqi_store::enterprises::EnterpriseChange>> {
        Ok(self.enterprise(actor, id, meta).await?.changes)
    }

    /// Refuses a new demand for a deregistered enterprise (its open demands
    /// are not touched).
    pub(crate) async fn refuse_if_deregistered(&self, enterprise_id: i64) -> Result<()> {
        let mut c = self.store.read().await?;
        if zhuqi_store::enterprises::is_deregistered(&mut c, enterprise_id).await? {
            return Err(AppError::Conflict("企业已注销，不再受理新诉求 (the enterprise is deregistered)".into()));
        }
        Ok(())
    }
}
