//! People, managed by the admins (issue 12): create users of every role with
//! their scope, edit, deactivate, reactivate, reset a password, unlock; and
//! everyone's own password change.
//!
//! Who may: `user.manage` (city admin everywhere, a district admin within
//! their district: officers, district admins, coordinators of the district
//! and users of its enterprises; `zhuqi_domain::account`). An account
//! outside the actor's reach is not found (404); a role without the
//! capability is refused (403). Nobody deactivates themselves.
//!
//! One-time passwords: random, printable, meeting the password policy,
//! answered once and stored only as an Argon2 hash. Signing in with one
//! succeeds once (`users.one_time_used_at`); the session is then in the
//! must-change state until the user chooses a password. A second sign-in
//! with it is refused like a wrong password.

use crate::auth::{hash_password, token_hash, verify_password};
use crate::{App, AppError, RequestMeta, Result};
use rand::Rng;
use zhuqi_domain::account::{self, ScopeIds, StoredScope};
use zhuqi_domain::capability::Capability;
use zhuqi_domain::password::PasswordPolicy;
use zhuqi_domain::phone::{mask, Phone};
use zhuqi_domain::{Actor, FieldError, Role, Scope};
use zhuqi_store::accounts::{self as store, AccountEdit};
use zhuqi_store::users::{UserFilter, UserRow};
use zhuqi_store::{Conn, Page, Paged};

/// A new account as an admin (or the CLI) describes it.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    /// The role's API name (`officer`, …).
    pub role: String,
    pub scope: ScopeIds,
    pub phone: String,
}

/// Changes to an account; `None` keeps the field. When `role` or any scope id
/// is given, the scope is replaced by exactly the ids given (the role's rule
/// is checked again).
#[derive(Debug, Clone, Default)]
pub struct AccountPatch {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub scope: Option<ScopeIds>,
    pub phone: Option<String>,
}

/// Characters of one-time passwords: no 0/O, 1/l/I to misread.
const OTP_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A random printable password meeting `policy` (at least 12 characters,
/// letters and digits).
pub fn one_time_password(policy: &PasswordPolicy) -> String {
    let len = policy.min_length.clamp(12, 128);
    let mut rng = rand::rngs::OsRng;
    loop {
        let mut pw: String = (0..len)
            .map(|_| char::from(OTP_ALPHABET.get(rng.gen_range(0..OTP_ALPHABET.len())).copied().unwrap_or(b'a')))
            .collect();
        // One letter first and one digit last, whatever the draw.
        pw.replace_range(0..1, "k");
        pw.replace_range(len - 1..len, "7");
        if policy.check(&pw).is_ok() {
            return pw;
        }
    }
}

fn parse_role(s: &str) -> std::result::Result<Role, FieldError> {
    Role::parse(s).ok_or_else(|| FieldError::new("role", format!("未知角色 (unknown role '{s}')")))
}

fn clean_phone(phone: &str) -> std::result::Result<String, FieldError> {
    let p = phone.trim();
    if p.is_empty() {
        Ok(String::new())
    } else {
        Ok(Phone::parse("phone", p)?.as_str().to_string())
    }
}

fn clean_name(field: &str, v: &str, max: usize) -> std::result::Result<String, FieldError> {
    let v = v.trim();
    if v.is_empty() {
        return Err(FieldError::new(field, "不能为空 (required)"));
    }
    if v.chars().count() > max {
        return Err(FieldError::new(field, format!("最多{max}个字符 (at most {max} characters)")));
    }
    Ok(v.to_string())
}

fn check_username(v: &str) -> std::result::Result<String, FieldError> {
    let v = clean_name("username", v, 64)?;
    if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FieldError::new("username", "用户名不能含空格 (a username has no spaces)"));
    }
    Ok(v)
}

/// Checks that the scope ids name existing objects of the right kind and
/// returns the account's district for administration.
async fn resolve_scope(c: &mut Conn, role: Role, s: &StoredScope) -> Result<Option<i64>> {
    if let Some(d) = s.district_id {
        let ok = zhuqi_store::regions::get(c, d).await?.is_some_and(|r| r.level == "district");
        if !ok {
            return Err(FieldError::new("district_id", format!("没有该片区 (no district {d})")).into());
        }
    }
    if let Some(d) = s.department_id {
        if zhuqi_store::departments::get(c, d).await?.is_none() {
            let field = if role == Role::Officer { "home_department_id" } else { "department_id" };
            return Err(FieldError::new(field, format!("没有该部门 (no department {d})")).into());
        }
    }
    let mut enterprise_district = None;
    if let Some(e) = s.enterprise_id {
        match zhuqi_store::enterprises::get(c, Scope::All, e).await? {
            Some(row) => enterprise_district = Some(row.district_id),
            None => return Err(FieldError::new("enterprise_id", format!("没有该企业 (no enterprise {e})")).into()),
        }
    }
    Ok(account::home_district(role, s.district_id, enterprise_district))
}

/// Creates an account with a one-time password inside the caller's
/// transaction: checks the username, role, scope ids (they must exist) and
/// phone, writes the user with the password's Argon2 hash, and answers the
/// new id and the one-time password (shown once; the user must change it at
/// the next sign-in). No authorization and no audit: the caller decides who
/// may and audits (`zhuqi init` creates the first city admin with it).
pub async fn insert_with_one_time_password(
    tx: &mut Conn,
    new: &NewAccount,
    policy: &PasswordPolicy,
    at: i64,
) -> Result<(i64, String)> {
    let (id, otp, _) = insert_checked(tx, new, policy, at).await?;
    Ok((id, otp))
}

/// [`insert_with_one_time_password`], also answering the account's district.
async fn insert_checked(
    tx: &mut Conn,
    new: &NewAccount,
    policy: &PasswordPolicy,
    at: i64,
) -> Result<(i64, String, Option<i64>)> {
    let username = check_username(&new.username)?;
    let display_name = clean_name("display_name", &new.display_name, 64)?;
    let role = parse_role(&new.role)?;
    let scope = account::check_scope(role, &new.scope)?;
    let phone = clean_phone(&new.phone)?;
    let district = resolve_scope(tx, role, &scope).await?;
    if store::username_taken(tx, &username).await? {
        return Err(FieldError::new("username", "用户名已被使用 (this username is taken)").into());
    }
    let otp = one_time_password(policy);
    let hash = hash_password(&otp).await?;
    let id = zhuqi_store::users::insert(
        tx,
        &zhuqi_store::users::NewUser {
            username: &username,
            display_name: &display_name,
            role: role.as_str(),
            district_id: scope.district_id,
            department_id: scope.department_id,
            enterprise_id: scope.enterprise_id,
            phone: &phone,
            password_hash: &hash,
            created_at: at,
        },
    )
    .await
    .map_err(unique_error)?;
    store::set_one_time_password(tx, id, &hash, at).await?;
    Ok((id, otp, district))
}

/// A unique index refused the write: the username, or an enterprise user's
/// phone already bound to another active enterprise user.
fn unique_error(e: zhuqi_store::StoreError) -> AppError {
    match e {
        zhuqi_store::StoreError::Unique(m) if m.contains("phone") => {
            FieldError::new("phone", "该手机号已被其他企业用户使用 (this phone is used by another enterprise user)")
                .into()
        }
        zhuqi_store::StoreError::Unique(_) => {
            FieldError::new("username", "用户名已被使用 (this username is taken)").into()
        }
        other => other.into(),
    }
}

impl App {
    /// Users in the actor's reach (`user.read`): the city admin and the
    /// auditor all, a district admin those of their district (an enterprise
    /// user by their enterprise's district); filtered by role, district and
    /// a text in username, name or phone. Phones are masked for roles
    /// without `personal_data.read`.
    pub async fn users_filtered(
        &self,
        actor: &Actor,
        role: Option<&str>,
        district_id: Option<i64>,
        q: Option<&str>,
        page: Page,
        meta: &RequestMeta,
    ) -> Result<Paged<UserRow>> {
        if !actor.may_read_users() {
            return Err(self.deny(actor, "list_users", "users", meta).await);
        }
        let role = match role.map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => Some(parse_role(r)?.as_str().to_string()),
            None => None,
        };
        let district = if actor.may_in_district(Capability::UserRead, None) {
            district_id
        } else {
            // Scope reach: one's own district only (a filter naming another finds nobody).
            let own = actor.district_id.unwrap_or(-1);
            Some(if district_id.is_some_and(|d| d != own) { -1 } else { own })
        };
        let f = UserFilter { role, district_id: district, q: q.map(str::to_string) };
        let mut c = self.store.read().await?;
        let mut p = zhuqi_store::users::list_filtered(&mut c, &f, page).await?;
        if !actor.sees_personal_data() {
            for u in &mut p.items {
                u.phone = mask(&u.phone);
            }
        }
        Ok(p)
    }

    /// One user in the actor's reach (`user.read`); 404 outside it.
    pub async fn user(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<UserRow> {
        if !actor.may_read_users() {
            return Err(self.deny(actor, "read_user", &format!("user:{id}"), meta).await);
        }
        let mut c = self.store.read().await?;
        let mut u = zhuqi_store::users::get(&mut c, id).await?.ok_or_else(|| not_found(id))?;
        let role = Role::parse(&u.role).ok_or_else(|| not_found(id))?;
        let reach_all = actor.may_in_district(Capability::UserRead, None);
        if !reach_all && !account::may_manage(actor, role, u.scope_district_id) {
            return Err(not_found(id));
        }
        if !actor.sees_personal_data() {
            u.phone = mask(&u.phone);
        }
        Ok(u)
    }

    /// Whether the actor may manage this user (for pages: show the forms).
    pub fn may_manage_user(&self, actor: &Actor, u: &UserRow) -> bool {
        Role::parse(&u.role).is_some_and(|r| account::may_manage(actor, r, u.scope_district_id))
    }

    /// Loads a user the actor may manage: 403 for a role without
    /// `user.manage`, 404 for an account outside their reach.
    async fn managed(&self, c: &mut Conn, actor: &Actor, id: i64, action: &str, meta: &RequestMeta) -> Result<UserRow> {
        let u = zhuqi_store::users::get(c, id).await?.ok_or_else(|| not_found(id))?;
        let role = Role::parse(&u.role).ok_or_else(|| not_found(id))?;
        if !account::may_manage(actor, role, u.scope_district_id) {
            self.audit(Some(actor), action, &format!("user:{id}"), "denied", "outside the actor's reach", meta).await;
            return Err(not_found(id));
        }
        Ok(u)
    }

    /// Creates a user of any role with their scope and a one-time password
    /// (answered once). A district admin creates only accounts of their
    /// district, of the roles they manage (403 otherwise).
    pub async fn create_user(&self, actor: &Actor, new: &NewAccount, meta: &RequestMeta) -> Result<(UserRow, String)> {
        self.require(actor, Capability::UserManage, "create_user", "users", meta).await?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        // Validation first (names the field), then the reach over the checked scope.
        let role = parse_role(&new.role)?;
        let scope = account::check_scope(role, &new.scope)?;
        let district = resolve_scope(&mut tx, role, &scope).await?;
        if !account::may_manage(actor, role, district) {
            drop(tx);
            let target = format!("user:{} ({})", new.username.trim(), role.as_str());
            return Err(self.deny(actor, "create_user", &target, meta).await);
        }
        let (id, otp, _) = insert_checked(&mut tx, new, &self.config.password, now).await?;
        let row = zhuqi_store::users::get(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
        tx.commit().await?;
        let detail = format!("{} {}", row.username, row.role);
        self.audit(Some(actor), "create_user", &format!("user:{id}"), "success", &detail, meta).await;
        Ok((row, otp))
    }

    /// Edits a user's name, phone, role and scope.
    pub async fn update_user(&self, actor: &Actor, id: i64, p: &AccountPatch, meta: &RequestMeta) -> Result<UserRow> {
        self.require(actor, Capability::UserManage, "update_user", &format!("user:{id}"), meta).await?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let u = self.managed(&mut tx, actor, id, "update_user", meta).await?;
        let display_name = match &p.display_name {
            Some(n) => clean_name("display_name", n, 64)?,
            None => u.display_name.clone(),
        };
        let phone = match &p.phone {
            Some(ph) => clean_phone(ph)?,
            None => u.phone.clone(),
        };
        let old_role = parse_role(&u.role)?;
        let role = match &p.role {
            Some(r) => parse_role(r)?,
            None => old_role,
        };
        let stored =
            StoredScope { district_id: u.district_id, department_id: u.department_id, enterprise_id: u.enterprise_id };
        let scope = if p.role.is_some() || p.scope.is_some() {
            account::check_scope(role, &p.scope.unwrap_or_default())?
        } else {
            stored
        };
        let district = resolve_scope(&mut tx, role, &scope).await?;
        if !account::may_manage(actor, role, district) {
            drop(tx);
            return Err(self.deny(actor, "update_user", &format!("user:{id} ({})", role.as_str()), meta).await);
        }
        if id == actor.user_id && (role != old_role || scope != stored) {
            return Err(
                FieldError::new("role", "不能修改自己的角色或范围 (you cannot change your own role or scope)").into()
            );
        }
        let edit = AccountEdit {
            display_name: &display_name,
            role: role.as_str(),
            district_id: scope.district_id,
            department_id: scope.department_id,
            enterprise_id: scope.enterprise_id,
            phone: &phone,
        };
        store::update(&mut tx, id, &edit, now).await.map_err(unique_error)?;
        let row = zhuqi_store::users::get(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
        tx.commit().await?;
        // A cached session of the user keeps its old role for up to a few seconds otherwise.
        self.session_cache.clear();
        let mut changed = Vec::new();
        if row.display_name != u.display_name {
            changed.push("display_name");
        }
        if row.phone != u.phone {
            changed.push("phone");
        }
        if role != old_role {
            changed.push("role");
        }
        if scope != stored {
            changed.push("scope");
        }
        let detail = format!("{} {}: {}", row.username, row.role, changed.join(", "));
        self.audit(Some(actor), "update_user", &format!("user:{id}"), "success", &detail, meta).await;
        Ok(row)
    }

    /// Deactivates a user: they can no longer sign in, and every session of
    /// theirs ends at once (a live token answers 401 on its next request).
    pub async fn deactivate_user(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<UserRow> {
        self.require(actor, Capability::UserManage, "deactivate_user", &format!("user:{id}"), meta).await?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let u = self.managed(&mut tx, actor, id, "deactivate_user", meta).await?;
        if id == actor.user_id {
            return Err(AppError::Conflict("不能停用自己的账号 (you cannot deactivate yourself)".into()));
        }
        let changed = store::deactivate(&mut tx, id, now).await?;
        let row = zhuqi_store::users::get(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
        tx.commit().await?;
        self.session_cache.clear();
        let detail = if changed { u.username.clone() } else { format!("{} (already inactive)", u.username) };
        self.audit(Some(actor), "deactivate_user", &format!("user:{id}"), "success", &detail, meta).await;
        Ok(row)
    }

    /// Reactivates a user: they may sign in again (with their password).
    pub async fn reactivate_user(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<UserRow> {
        self.require(actor, Capability::UserManage, "reactivate_user", &format!("user:{id}"), meta).await?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let u = self.managed(&mut tx, actor, id, "reactivate_user", meta).await?;
        let changed = store::reactivate(&mut tx, id, now).await.map_err(unique_error)?;
        let row = zhuqi_store::users::get(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
        tx.commit().await?;
        let detail = if changed { u.username.clone() } else { format!("{} (already active)", u.username) };
        self.audit(Some(actor), "reactivate_user", &format!("user:{id}"), "success", &detail, meta).await;
        Ok(row)
    }

    /// Gives a user a new one-time password (answered once): their sessions
    /// end, a lockout is cleared, and they must change it at the next sign-in.
    pub async fn reset_password(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<(UserRow, String)> {
        self.require(actor, Capability::UserManage, "reset_password", &format!("user:{id}"), meta).await?;
        let now = self.now_ms();
        let otp = one_time_password(&self.config.password);
        let hash = hash_password(&otp).await?;
        let mut tx = self.store.begin().await?;
        let u = self.managed(&mut tx, actor, id, "reset_password", meta).await?;
        store::set_one_time_password(&mut tx, id, &hash, now).await?;
        store::delete_sessions(&mut tx, id, None).await?;
        let row = zhuqi_store::users::get(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
        tx.commit().await?;
        self.session_cache.clear();
        self.audit(Some(actor), "reset_password", &format!("user:{id}"), "success", &u.username, meta).await;
        Ok((row, otp))
    }

    /// Clears a lockout after repeated failed sign-ins.
    pub async fn unlock_user(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<UserRow> {
        self.require(actor, Capability::UserManage, "unlock_user", &format!("user:{id}"), meta).await?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let u = self.managed(&mut tx, actor, id, "unlock_user", meta).await?;
        let changed = store::unlock(&mut tx, id, now).await?;
        let row = zhuqi_store::users::get(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
        tx.commit().await?;
        let detail = if changed { u.username.clone() } else { format!("{} (was not locked)", u.username) };
        self.audit(Some(actor), "unlock_user", &format!("user:{id}"), "success", &detail, meta).await;
        Ok(row)
    }

    /// Changes the signed-in user's own password: the current one is
    /// required (wrong: 422 on `current_password`, audited, nothing changes),
    /// the new one must meet the policy (422 on `new_password`). The user's
    /// other sessions end; the one of `token` stays, out of the must-change state.
    pub async fn change_own_password(
        &self,
        actor: &Actor,
        token: &str,
        current: &str,
        new: &str,
        meta: &RequestMeta,
    ) -> Result<()> {
        let id = actor.user_id;
        let hash = {
            let mut c = self.store.read().await?;
            store::password_hash(&mut c, id).await?.ok_or(AppError::Unauthenticated)?
        };
        if !verify_password(current, &hash).await {
            self.audit(
                Some(actor),
                "change_password",
                &format!("user:{id}"),
                "failure",
                "wrong current password",
                meta,
            )
            .await;
            return Err(FieldError::new("current_password", "当前密码不正确 (the current password is wrong)").into());
        }
        let refused = match self.config.password.check(new) {
            Err(e) => Some(e.message),
            Ok(()) if new == current => {
                Some("新密码不能与当前密码相同 (choose a password other than the current one)".to_string())
            }
            Ok(()) => None,
        };
        if let Some(message) = refused {
            self.audit(Some(actor), "change_password", &format!("user:{id}"), "failure", "new password refused", meta)
                .await;
            return Err(FieldError::new("new_password", message).into());
        }
        let new_hash = hash_password(new).await?;
        let mut tx = self.store.begin().await?;
        store::set_password(&mut tx, id, &new_hash, self.now_ms()).await?;
        let ended = store::delete_sessions(&mut tx, id, Some(&token_hash(token))).await?;
        tx.commit().await?;
        self.session_cache.clear();
        let detail = format!("{ended} other sessions ended");
        self.audit(Some(actor), "change_password", &format!("user:{id}"), "success", &detail, meta).await;
        Ok(())
    }

    /// For operators who lost the admin's password (`zhuqi reset-password`):
    /// gives the account a one-time password (answered once), clears a
    /// lockout and ends its sessions; a deactivated account stays
    /// deactivated. Audited with no actor.
    pub async fn reset_password_by_username(&self, username: &str, meta: &RequestMeta) -> Result<String> {
        let now = self.now_ms();
        let otp = one_time_password(&self.config.password);
        let hash = hash_password(&otp).await?;
        let mut tx = self.store.begin().await?;
        let u = zhuqi_store::users::by_username(&mut tx, username.trim())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("user '{}'", username.trim())))?;
        store::set_one_time_password(&mut tx, u.id, &hash, now).await?;
        store::delete_sessions(&mut tx, u.id, None).await?;
        tx.commit().await?;
        self.session_cache.clear();
        self.audit(
            None,
            "reset_password",
            &format!("user:{}", u.id),
            "success",
            &format!("{} (command line)", u.username),
            meta,
        )
        .await;
        Ok(otp)
    }
}

impl App {
    /// An enterprise named on a form by its id or its credit code (统一社会信用代码).
    pub async fn enterprise_ref(&self, s: &str) -> Result<i64> {
        let s = s.trim();
        if let Ok(id) = s.parse::<i64>() {
            return Ok(id);
        }
        let code = zhuqi_domain::CreditCode::parse(s).map_err(|e| FieldError::new("enterprise_id", e.message))?;
        let mut c = self.store.read().await?;
        match zhuqi_store::enterprises::id_by_credit_code(&mut c, code.as_str()).await? {
            Some((id, _)) => Ok(id),
            None => {
                Err(FieldError::new("enterprise_id", format!("没有该企业 (no enterprise with credit code {s})")).into())
            }
        }
    }
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("user {id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_time_passwords_meet_the_policy_and_differ() {
        for policy in [
            PasswordPolicy::default(),
            PasswordPolicy { min_length: 20, require_letter: true, require_digit: true, refuse_common: true },
        ] {
            let a = one_time_password(&policy);
            let b = one_time_password(&policy);
            assert!(policy.check(&a).is_ok(), "{a}");
            assert!(a.len() >= 12 && a.len() >= policy.min_length);
            assert!(a.bytes().all(|c| OTP_ALPHABET.contains(&c)), "{a}");
            assert_ne!(a, b);
        }
    }
}
