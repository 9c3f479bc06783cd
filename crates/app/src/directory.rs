//! The organisation: regions, departments, users, enterprises, officers,
//! assignments and coverage — every read scoped by the actor, every write
//! authorized here and run in one transaction.

use crate::{App, AppError, RequestMeta, Result};
use serde::{Deserialize, Serialize};
use zhuqi_domain::enterprise::{EnterpriseSize, IndustryCode};
use zhuqi_domain::phone::{mask, Phone};
use zhuqi_domain::role::OfficerScope;
use zhuqi_domain::{Actor, Capability, CreditCode, FieldError, Role, Scope};
use zhuqi_store::assignments::AssignmentRow;
use zhuqi_store::departments::Department;
use zhuqi_store::enterprises::{DistrictCoverage, EnterpriseChange, EnterpriseFilter, EnterpriseRow, NewEnterprise};
use zhuqi_store::officer_moves::TransferRow;
use zhuqi_store::regions::Region;
use zhuqi_store::users::{OfficerFilter, OfficerRow, UserRow};
use zhuqi_store::{Page, Paged};

/// An enterprise with its assignment history.
#[derive(Debug, Clone, Serialize)]
pub struct EnterpriseDetail {
    #[serde(flatten)]
    pub enterprise: EnterpriseRow,
    pub officer_phone: Option<String>,
    /// The assignment history (officers), newest first.
    pub history: Vec<AssignmentRow>,
    /// The record's change history (edits, deregistration), newest first.
    pub changes: Vec<EnterpriseChange>,
}

/// An officer with the enterprises they serve and served.
#[derive(Debug, Clone, Serialize)]
pub struct OfficerDetail {
    #[serde(flatten)]
    pub officer: OfficerRow,
    pub assignments: Vec<AssignmentRow>,
    /// Transfers to another district or home unit, newest first.
    pub transfers: Vec<TransferRow>,
}

/// Input of enterprise creation (API and forms).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EnterpriseInput {
    pub credit_code: String,
    pub name: String,
    pub district_id: i64,
    pub township_id: Option<i64>,
    pub industry_code: String,
    pub size: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
}

fn mask_enterprise(actor: &Actor, mut e: EnterpriseRow) -> EnterpriseRow {
    if !actor.sees_personal_data() && !e.contact_phone.is_empty() {
        e.contact_phone = mask(&e.contact_phone);
    }
    e
}

fn mask_officer(actor: &Actor, mut o: OfficerRow) -> OfficerRow {
    // Enterprise users see their own officer's phone: that is the point of having one.
    let own_officer = matches!(actor.officer_scope(), OfficerScope::OfEnterprise(_) | OfficerScope::Self_(_));
    if !actor.sees_personal_data() && !own_officer && !o.phone.is_empty() {
        o.phone = mask(&o.phone);
    }
    o
}

impl App {
    /// The districts in use, for pickers (retired ones are left out).
    pub async fn districts(&self) -> Result<Vec<Region>> {
        let mut c = self.store.read().await?;
        let mut v = zhuqi_store::regions::by_level(&mut c, "district").await?;
        v.retain(|r| r.retired_at.is_none());
        Ok(v)
    }

    /// The townships in use of a district, for pickers.
    pub async fn townships_of(&self, district_id: i64) -> Result<Vec<Region>> {
        let mut c = self.store.read().await?;
        let mut v = zhuqi_store::regions::children(&mut c, district_id).await?;
        v.retain(|r| r.retired_at.is_none());
        Ok(v)
    }

    /// Departments in use (reference data, for pickers).
    pub async fn departments(&self) -> Result<Vec<Department>> {
        self.departments_listed(false).await
    }

    /// Every department, retired ones included (to name them in history).
    pub async fn departments_all(&self) -> Result<Vec<Department>> {
        self.departments_listed(true).await
    }

    /// The signed-in user's own record.
    pub async fn me(&self, actor: &Actor) -> Result<UserRow> {
        let mut c = self.store.read().await?;
        zhuqi_store::users::get(&mut c, actor.user_id).await?.ok_or_else(|| AppError::NotFound("user".into()))
    }

    /// Users by role, for admins: the city admin and auditor see all, a
    /// district admin only users of their district.
    pub async fn users(
        &self,
        actor: &Actor,
        role: Option<&str>,
        page: Page,
        meta: &RequestMeta,
    ) -> Result<Paged<UserRow>> {
        self.users_filtered(actor, role, None, None, page, meta).await
    }

    /// Enterprises in scope. Roles that reach no enterprise directly get 403.
    pub async fn enterprises(
        &self,
        actor: &Actor,
        filter: &EnterpriseFilter,
        page: Page,
        meta: &RequestMeta,
    ) -> Result<Paged<EnterpriseRow>> {
        let Some(scope) = actor.enterprise_read_scope() else {
            return Err(self.deny(actor, "list_enterprises", "enterprises", meta).await);
        };
        let mut c = self.store.read().await?;
        let mut p = zhuqi_store::enterprises::list(&mut c, scope, filter, page).await?;
        p.items = p.items.into_iter().map(|e| mask_enterprise(actor, e)).collect();
        Ok(p)
    }

    /// One enterprise; out of scope is "not found", so its existence does not leak.
    pub async fn enterprise(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<EnterpriseDetail> {
        let Some(scope) = actor.enterprise_read_scope() else {
            return Err(self.deny(actor, "read_enterprise", &format!("enterprise:{id}"), meta).await);
        };
        let mut c = self.store.read().await?;
        let e = zhuqi_store::enterprises::get(&mut c, scope, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("enterprise {id}")))?;
        let history = zhuqi_store::assignments::for_enterprise(&mut c, id).await?;
        let officer_phone = match e.officer_id {
            Some(o) => zhuqi_store::users::get(&mut c, o).await?.map(|u| u.phone),
            None => None,
        };
        let changes = if actor.may(Capability::EnterpriseManage) || actor.may(Capability::AuditRead) {
            zhuqi_store::enterprises::changes(&mut c, id).await?
        } else {
            Vec::new()
        };
        Ok(EnterpriseDetail { enterprise: mask_enterprise(actor, e), officer_phone, history, changes })
    }

    /// Registers an enterprise (city admin anywhere, district admin in their district).
    pub async fn create_enterprise(
        &self,
        actor: &Actor,
        input: &EnterpriseInput,
        meta: &RequestMeta,
    ) -> Result<EnterpriseRow> {
        if !actor.may_manage_registry() {
            return Err(self.deny(actor, "create_enterprise", "enterprises", meta).await);
        }
        if !actor.may_in_district(Capability::EnterpriseManage, Some(input.district_id)) {
            return Err(self.deny(actor, "create_enterprise", &format!("district:{}", input.district_id), meta).await);
        }
        let code = CreditCode::parse(&input.credit_code)?;
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(FieldError::new(
                "name",
                "企业名称不能为空且不超过100字 (name is required, at most 100 characters)",
            )
            .into());
        }
        let industry = IndustryCode::parse(&input.industry_code)?;
        let size = EnterpriseSize::parse(&input.size)?;
        let phone = if input.contact_phone.trim().is_empty() {
            String::new()
        } else {
            Phone::parse("contact_phone", &input.contact_phone)?.as_str().to_string()
        };
        let mut tx = self.store.begin().await?;
        // A retired district or township receives no new enterprises.
        crate::org::check_usable_places(&mut tx, input.district_id, input.township_id, "district_id", "township_id")
            .await?;
        let now = self.now_ms();
        let id = zhuqi_store::enterprises::insert(
            &mut tx,
            &NewEnterprise {
                credit_code: code.as_str(),
                name,
                district_id: input.district_id,
                township_id: input.township_id,
                industry_code: industry.as_str(),
                size: size.as_str(),
                address: input.address.trim(),
                contact_name: input.contact_name.trim(),
                contact_phone: &phone,
                at: now,
            },
        )
        .await
        .map_err(|e| match e {
            zhuqi_store::StoreError::Unique(_) => AppError::Invalid(FieldError::new(
                "credit_code",
                format!("统一社会信用代码{code}已登记 (already registered)"),
            )),
            other => other.into(),
        })?;
        let row = zhuqi_store::enterprises::get(&mut tx, Scope::All, id)
            .await?
            .ok_or_else(|| AppError::Internal("lost insert".into()))?;
        tx.commit().await?;
        self.audit(Some(actor), "create_enterprise", &format!("enterprise:{id}"), "success", code.as_str(), meta).await;
        Ok(row)
    }

    /// Officers in scope.
    pub async fn officers(
        &self,
        actor: &Actor,
        filter: &OfficerFilter,
        page: Page,
        meta: &RequestMeta,
    ) -> Result<Paged<OfficerRow>> {
        let Some(scope) = actor.officer_read_scope() else {
            return Err(self.deny(actor, "list_officers", "officers", meta).await);
        };
        let mut c = self.store.read().await?;
        let mut p = zhuqi_store::users::officers(&mut c, scope, filter, page).await?;
        p.items = p.items.into_iter().map(|o| mask_officer(actor, o)).collect();
        Ok(p)
    }

    /// One officer with assignment history.
    pub async fn officer(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<OfficerDetail> {
        let Some(scope) = actor.officer_read_scope() else {
            return Err(self.deny(actor, "read_officer", &format!("officer:{id}"), meta).await);
        };
        let mut c = self.store.read().await?;
        let o = zhuqi_store::users::officer(&mut c, scope, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("officer {id}")))?;
        let mut assignments = zhuqi_store::assignments::for_officer(&mut c, id).await?;
        if actor.role == Role::EnterpriseUser {
            // An enterprise sees its officer, not the officer's other enterprises.
            assignments.retain(|a| Some(a.enterprise_id) == actor.enterprise_id);
        }
        let transfers = if actor.role == Role::EnterpriseUser {
            Vec::new()
        } else {
            zhuqi_store::officer_moves::transfers(&mut c, id).await?
        };
        Ok(OfficerDetail { officer: mask_officer(actor, o), assignments, transfers })
    }

    /// Assigns (or reassigns) an officer to an enterprise. The old
    /// assignment is kept as history. Both must be in a district the actor
    /// administers, and the officer must work in the enterprise's district.
    pub async fn assign(
        &self,
        actor: &Actor,
        enterprise_id: i64,
        officer_id: i64,
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<AssignmentRow> {
        if !actor.may(Capability::AssignmentManage) {
            return Err(self.deny(actor, "assign", &format!("enterprise:{enterprise_id}"), meta).await);
        }
        let mut tx = self.store.begin().await?;
        let scope = actor.enterprise_scope();
        let e = zhuqi_store::enterprises::get(&mut tx, scope, enterprise_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("enterprise {enterprise_id}")))?;
        if !actor.may_assign_in(e.district_id) {
            drop(tx);
            return Err(self.deny(actor, "assign", &format!("enterprise:{enterprise_id}"), meta).await);
        }
        let officer = zhuqi_store::users::officer(&mut tx, OfficerScope::All, officer_id)
            .await?
            .ok_or_else(|| FieldError::new("officer_id", format!("no officer with id {officer_id}")))?;
        if officer.district_id != Some(e.district_id) {
            return Err(FieldError::new(
                "officer_id",
                format!(
                    "服务员{}不在{}片区 (the officer works in another district)",
                    officer.display_name, e.district_name
                ),
            )
            .into());
        }
        let reason = reason.trim();
        if reason.chars().count() > 200 {
            return Err(FieldError::new("reason", "at most 200 characters").into());
        }
        zhuqi_store::assignments::assign(
            &mut tx,
            enterprise_id,
            officer_id,
            self.now_ms(),
            Some(actor.user_id),
            reason,
        )
        .await?
        .ok_or_else(|| AppError::Conflict(format!("{} already serves this enterprise", officer.display_name)))?;
        let history = zhuqi_store::assignments::for_enterprise(&mut tx, enterprise_id).await?;
        tx.commit().await?;
        self.audit(
            Some(actor),
            "assign",
            &format!("enterprise:{enterprise_id}"),
            "success",
            &format!("officer:{officer_id}"),
            meta,
        )
        .await;
        history.into_iter().next().ok_or_else(|| AppError::Internal("assignment vanished".into()))
    }

    /// Assigns every unassigned enterprise of a district, each to the
    /// officer of that district with the fewest enterprises (ties: lowest id).
    /// Returns how many were assigned.
    pub async fn bulk_assign_unassigned(&self, actor: &Actor, district_id: i64, meta: &RequestMeta) -> Result<usize> {
        if !actor.may_assign_in(district_id) {
            return Err(self.deny(actor, "bulk_assign", &format!("district:{district_id}"), meta).await);
        }
        let mut tx = self.store.begin().await?;
        let mut load = zhuqi_store::assignments::load_by_officer(&mut tx, district_id).await?;
        let todo = zhuqi_store::assignments::unassigned_in(&mut tx, district_id).await?;
        if !todo.is_empty() && load.is_empty() {
            return Err(AppError::Conflict("该片区没有服务员 (the district has no officers)".into()));
        }
        let now = self.now_ms();
        for e in &todo {
            // The least-loaded officer; `load` is small (officers of one district).
            let Some(slot) = load.iter_mut().min_by_key(|(id, n)| (*n, *id)) else { break };
            zhuqi_store::assignments::assign(&mut tx, *e, slot.0, now, Some(actor.user_id), "批量分配 bulk").await?;
            slot.1 += 1;
        }
        tx.commit().await?;
        self.audit(
            Some(actor),
            "bulk_assign",
            &format!("district:{district_id}"),
            "success",
            &todo.len().to_string(),
            meta,
        )
        .await;
        Ok(todo.len())
    }

    /// Coverage per district: enterprises without an officer, officers
    /// without an enterprise.
    pub async fn coverage(&self, actor: &Actor, meta: &RequestMeta) -> Result<Vec<DistrictCoverage>> {
        let district = match actor.role {
            Role::CityAdmin | Role::Auditor => None,
            Role::Coordinator => actor.district_id,
            Role::DistrictAdmin => Some(actor.district_id.unwrap_or(-1)),
            _ => return Err(self.deny(actor, "read_coverage", "coverage", meta).await),
        };
        let mut c = self.store.read().await?;
        Ok(zhuqi_store::enterprises::coverage(&mut c, district).await?)
    }
}
