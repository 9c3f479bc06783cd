//! Binding a phone to an enterprise: one-time codes, requests and their
//! decision, the enterprise's bound users.

use super::{may_manage, random_digits, sha, BINDING_CODE_DIGITS, BINDING_CODE_TTL_MS};
use crate::{App, AppError, RequestMeta, Result};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zhuqi_domain::phone::Phone;
use zhuqi_domain::{Actor, FieldError, Role, Scope};
use zhuqi_store::enterprise_codes::{self as store, BindingRow, BoundUser, NewBinding};

/// A binding attempt from the landing page.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BindInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub password: String,
    /// The one-time code from the officer; empty: ask for approval.
    #[serde(default)]
    pub code: String,
}

/// What a binding attempt led to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum BindOutcome {
    /// Bound at once (one-time code): the user may sign in now.
    Bound { user_id: i64 },
    /// Waiting for the officer or district admin.
    Pending { request_id: i64 },
}

/// The binding side of an enterprise's page.
#[derive(Debug, Clone, Serialize)]
pub struct EnterpriseBindings {
    pub pending: Vec<BindingRow>,
    pub users: Vec<BoundUser>,
    pub open_codes: i64,
}

impl App {
    /// A new one-time binding code for the enterprise, shown once.
    pub async fn issue_binding_code(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<(String, i64)> {
        self.managed_enterprise(actor, id, "issue_binding_code", meta).await?;
        let code = random_digits();
        let now = self.now_ms();
        let expires = now + BINDING_CODE_TTL_MS;
        let mut tx = self.store.begin().await?;
        store::insert_binding_code(&mut tx, id, &sha(&format!("{id}:{code}")), actor.user_id, now, expires).await?;
        tx.commit().await?;
        self.audit(Some(actor), "issue_binding_code", &format!("enterprise:{id}"), "success", "", meta).await;
        Ok((code, expires))
    }

    /// A binding attempt on the landing page of `token`. Checks everything
    /// before writing; a refused attempt stores nothing. Audited either way.
    pub async fn bind(&self, token: &str, input: &BindInput, meta: &RequestMeta) -> Result<BindOutcome> {
        let res = self.bind_inner(token, input).await;
        let target = match &res {
            Ok((eid, _)) => format!("enterprise:{eid}"),
            Err(_) => format!("code:{}", token.chars().take(8).collect::<String>()),
        };
        let phone = zhuqi_domain::phone::mask(input.phone.trim());
        match &res {
            Ok((_, BindOutcome::Bound { user_id })) => {
                self.audit(None, "bind", &target, "success", &format!("one-time code; user {user_id}; {phone}"), meta)
                    .await
            }
            Ok((_, BindOutcome::Pending { request_id })) => {
                self.audit(None, "bind", &target, "pending", &format!("request {request_id}; {phone}"), meta).await
            }
            Err(e) => self.audit(None, "bind", &target, "failure", &format!("{e}; {phone}"), meta).await,
        }
        res.map(|(_, o)| o)
    }

    async fn bind_inner(&self, token: &str, input: &BindInput) -> Result<(i64, BindOutcome)> {
        let landing = self.code_landing(token).await?;
        let eid = landing.enterprise_id;
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            return Err(
                FieldError::new("name", "请填写姓名（50字以内） (enter your name, at most 50 characters)").into()
            );
        }
        let phone = Phone::parse("phone", &input.phone)?;
        if !phone.as_str().starts_with('1') {
            return Err(FieldError::new("phone", "请填写手机号 (a mobile number is needed to sign in)").into());
        }
        self.config.password.check(&input.password)?;
        let code = input.code.trim();
        if !code.is_empty() && (code.len() != BINDING_CODE_DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(FieldError::new("code", "一次性验证码为8位数字 (the one-time code has 8 digits)").into());
        }
        {
            let mut c = self.store.read().await?;
            if !store::active_users_with_phone(&mut c, phone.as_str()).await?.is_empty() {
                return Err(FieldError::new(
                    "phone",
                    "该手机号已绑定企业，请直接登录 (this phone is already bound; sign in instead)",
                )
                .into());
            }
            if code.is_empty() && store::pending_with_phone(&mut c, eid, phone.as_str()).await? > 0 {
                return Err(FieldError::new(
                    "phone",
                    "已提交申请，请等待服务员审核 (a request with this phone is already waiting for approval)",
                )
                .into());
            }
        }
        let hash = crate::auth::hash_password(&input.password).await?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        // Re-checked inside the transaction (the writer serialises SQLite; on
        // PostgreSQL a concurrent duplicate is at worst a second account).
        if !store::active_users_with_phone(&mut tx, phone.as_str()).await?.is_empty() {
            return Err(FieldError::new("phone", "该手机号已绑定企业 (this phone is already bound)").into());
        }
        if code.is_empty() {
            let request_id = store::insert_binding(
                &mut tx,
                &NewBinding {
                    enterprise_id: eid,
                    display_name: name,
                    phone: phone.as_str(),
                    password_hash: &hash,
                    method: "approval",
                    status: "pending",
                    at: now,
                    user_id: None,
                },
            )
            .await?;
            // The enterprise's officer and its district's admins decide.
            let district = zhuqi_store::enterprises::get(&mut tx, Scope::All, eid).await?.map(|e| e.district_id);
            let mut to = match district {
                Some(d) => zhuqi_store::demands::recipients(&mut tx, "district_admin", None, Some(d), None).await?,
                None => Vec::new(),
            };
            if let Some(o) = zhuqi_store::demands::officer_of(&mut tx, eid).await? {
                to.push(o);
            }
            zhuqi_store::demands::notify(
                &mut tx,
                &to,
                now,
                "binding_request",
                None,
                &format!("{}申请绑定企业码", landing.enterprise_name),
                &format!(
                    "{name}（{}）申请绑定“{}”，请在企业页面审核。/enterprises/{eid}",
                    zhuqi_domain::phone::mask(phone.as_str()),
                    landing.enterprise_name
                ),
            )
            .await?;
            tx.commit().await?;
            return Ok((eid, BindOutcome::Pending { request_id }));
        }
        let Some(code_id) = store::take_binding_code(&mut tx, eid, &sha(&format!("{eid}:{code}")), now).await? else {
            return Err(FieldError::new(
                "code",
                "一次性验证码无效、已使用或已过期，请向服务员重新获取 (the one-time code is wrong, used or expired; ask your officer for a new one)",
            )
            .into());
        };
        let user_id = create_user(&mut tx, eid, name, phone.as_str(), &hash, now).await?;
        store::set_binding_code_user(&mut tx, code_id, user_id).await?;
        store::insert_binding(
            &mut tx,
            &NewBinding {
                enterprise_id: eid,
                display_name: name,
                phone: phone.as_str(),
                password_hash: "",
                method: "code",
                status: "approved",
                at: now,
                user_id: Some(user_id),
            },
        )
        .await?;
        tx.commit().await?;
        Ok((eid, BindOutcome::Bound { user_id }))
    }

    /// Pending binding requests the actor may decide (home page).
    pub async fn pending_bindings(&self, actor: &Actor) -> Result<Vec<BindingRow>> {
        let mut c = self.store.read().await?;
        Ok(match actor.role {
            Role::Officer => store::pending_for(&mut c, Some(actor.user_id), None).await?,
            Role::DistrictAdmin => match actor.district_id {
                Some(d) => store::pending_for(&mut c, None, Some(d)).await?,
                None => Vec::new(),
            },
            Role::CityAdmin => store::pending_for(&mut c, None, None).await?,
            _ => Vec::new(),
        })
    }

    /// Pending requests, bound users and open one-time codes of an enterprise.
    pub async fn enterprise_bindings(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<EnterpriseBindings> {
        self.managed_enterprise(actor, id, "read_enterprise_users", meta).await?;
        let mut c = self.store.read().await?;
        Ok(EnterpriseBindings {
            pending: store::pending_of_enterprise(&mut c, id).await?,
            users: store::users_of(&mut c, id).await?,
            open_codes: store::open_binding_codes(&mut c, id, self.now_ms()).await?,
        })
    }

    /// Approves (creating the user) or refuses a pending request;
    /// `decision` is `approve` or `refuse` (checked after who and scope).
    pub async fn decide_binding(
        &self,
        actor: &Actor,
        request_id: i64,
        decision: &str,
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<BindingRow> {
        if !may_manage(actor.role) {
            return Err(self.deny(actor, "decide_binding", &format!("binding:{request_id}"), meta).await);
        }
        let req = {
            let mut c = self.store.read().await?;
            store::binding(&mut c, request_id).await?
        }
        .ok_or_else(|| AppError::NotFound(format!("binding request {request_id}")))?;
        let enterprise = self
            .managed_enterprise(actor, req.enterprise_id, "decide_binding", meta)
            .await
            .map_err(|_| AppError::NotFound(format!("binding request {request_id}")))?;
        let approve = match decision.trim() {
            "approve" => true,
            "refuse" => false,
            other => {
                return Err(FieldError::new("decision", format!("decision is approve|refuse, got '{other}'")).into())
            }
        };
        if req.status != "pending" {
            return Err(AppError::Conflict(format!("该申请已处理 (the request is already {})", req.status)));
        }
        if approve && enterprise.is_deregistered() {
            return Err(AppError::Conflict(super::DEREGISTERED_CODE.into()));
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let user_id = if approve {
            if !store::active_users_with_phone(&mut tx, &req.phone).await?.is_empty() {
                return Err(AppError::Conflict("该手机号已绑定企业 (this phone is already bound)".into()));
            }
            Some(create_user(&mut tx, req.enterprise_id, &req.display_name, &req.phone, &req.password_hash, now).await?)
        } else {
            None
        };
        let status = if approve { "approved" } else { "refused" };
        if !store::decide(&mut tx, request_id, status, actor.user_id, now, reason.trim(), user_id).await? {
            return Err(AppError::Conflict("该申请已处理 (the request was decided meanwhile)".into()));
        }
        if let Some(u) = user_id {
            zhuqi_store::demands::notify(
                &mut tx,
                &[u],
                now,
                "binding_approved",
                None,
                &format!("已绑定{}", req.enterprise_name),
                "绑定已通过，可以用手机号登录提交诉求 (your binding is approved; sign in with your phone)",
            )
            .await?;
        }
        tx.commit().await?;
        self.audit(
            Some(actor),
            "decide_binding",
            &format!("enterprise:{}", req.enterprise_id),
            status,
            &format!("request {request_id}"),
            meta,
        )
        .await;
        let mut c = self.store.read().await?;
        store::binding(&mut c, request_id).await?.ok_or_else(|| AppError::NotFound(format!("request {request_id}")))
    }

    /// Removes (deactivates) a user of the enterprise and ends their sessions.
    pub async fn deactivate_enterprise_user(
        &self,
        actor: &Actor,
        enterprise_id: i64,
        user_id: i64,
        meta: &RequestMeta,
    ) -> Result<()> {
        self.managed_enterprise(actor, enterprise_id, "deactivate_enterprise_user", meta).await?;
        let mut tx = self.store.begin().await?;
        if !store::deactivate_user(&mut tx, enterprise_id, user_id).await? {
            return Err(AppError::NotFound(format!("user {user_id} of enterprise {enterprise_id}")));
        }
        tx.commit().await?;
        self.session_cache.clear();
        self.audit(
            Some(actor),
            "deactivate_enterprise_user",
            &format!("enterprise:{enterprise_id}"),
            "success",
            &format!("user {user_id}"),
            meta,
        )
        .await;
        Ok(())
    }
}

/// Creates the `enterprise_user` account of a binding. The username is not
/// typed by anyone (they sign in with the phone); it stays unique even when
/// the same phone binds again after a removal.
async fn create_user(
    c: &mut zhuqi_store::Conn,
    enterprise_id: i64,
    name: &str,
    phone: &str,
    password_hash: &str,
    now: i64,
) -> Result<i64> {
    let mut b = [0u8; 3];
    rand::rngs::OsRng.fill_bytes(&mut b);
    let username = format!("m{phone}-{}", hex::encode(b));
    zhuqi_store::users::insert(
        c,
        &zhuqi_store::users::NewUser {
            username: &username,
            display_name: name,
            role: "enterprise_user",
            district_id: None,
            department_id: None,
            enterprise_id: Some(enterprise_id),
            phone,
            password_hash,
            created_at: now,
        },
    )
    .await
    .map_err(|e| match e {
        // The unique index on bound phones: a binding of this phone committed first.
        zhuqi_store::StoreError::Unique(_) => {
            AppError::from(FieldError::new("phone", "该手机号已绑定企业 (this phone is already bound)"))
        }
        other => other.into(),
    })
}
