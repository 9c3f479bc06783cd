//! User administration pages: the list with filters and the create form
//! (`/users`), one user with the edit form and the account actions
//! (`/users/{id}`), and everyone's password change (`/me/password`, where a
//! one-time password leads). A one-time password is shown once: in the page
//! answering the create or the reset, never in a URL.

use super::{chrome, parse_opt_i64, query_string, render, Chrome, Pager};
use crate::ctx::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use serde::Deserialize;
use zhuqi_app::accounts::{AccountPatch, NewAccount};
use zhuqi_domain::account::{scope_needs, Need, ScopeIds};
use zhuqi_domain::capability::Capability;
use zhuqi_domain::clock::display_cst;
use zhuqi_domain::Role;
use zhuqi_store::users::UserRow;
use zhuqi_store::Page;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub role: Option<String>,
    pub district_id: Option<String>,
    pub q: Option<String>,
    pub page: Option<i64>,
}

/// One row of the list.
pub struct Item {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub role: String,
    pub scope: String,
    pub phone: String,
    pub active: bool,
    pub locked: bool,
    pub must_change: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: Chrome,
    role: String,
    district: String,
    q: String,
    roles: Vec<(String, String)>,
    /// Roles the actor may create.
    create_roles: Vec<(String, String)>,
    districts: Vec<(i64, String)>,
    departments: Vec<(i64, String)>,
    items: Vec<Item>,
    total: i64,
    pager: Pager,
    can_manage: bool,
}

fn scope_text(c: &Chrome, u: &UserRow) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(d) = &u.district_name {
        parts.push(d.clone());
    }
    if let Some(d) = &u.department_name {
        parts.push(d.clone());
    }
    if let Some(e) = &u.enterprise_name {
        parts.push(e.clone());
    }
    if parts.is_empty() {
        c.t("city")
    } else {
        parts.join(" · ")
    }
}

/// The roles an actor may create (a district admin: those they manage).
fn creatable(ctx: &crate::ctx::Ctx) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|r| {
            zhuqi_domain::account::may_manage(&ctx.actor, *r, ctx.actor.district_id.or(Some(-1)))
                || ctx.actor.may_in_district(Capability::UserManage, None)
        })
        .collect()
}

/// GET /users
pub async fn list(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, PageError> {
    let role = q.role.clone().unwrap_or_default();
    let district = parse_opt_i64(&q.district_id);
    let text = q.q.clone().unwrap_or_default();
    let res = st
        .app
        .users_filtered(&ctx.actor, Some(&role), district, Some(&text), Page::new(q.page, Some(50)), &ctx.meta)
        .await?;
    let lang = ctx.lang;
    let c = chrome(&ctx, "users", lang.t("users").into(), "users");
    let now = st.app.now_ms();
    let items = res
        .items
        .iter()
        .map(|u| Item {
            id: u.id,
            username: u.username.clone(),
            name: u.display_name.clone(),
            role: lang.role_str(&u.role).to_string(),
            scope: scope_text(&c, u),
            phone: u.phone.clone(),
            active: u.active != 0,
            locked: u.locked_until.is_some_and(|t| t > now),
            must_change: u.must_change_password != 0,
        })
        .collect();
    let can_manage = ctx.actor.may(Capability::UserManage);
    let all_districts = st.app.districts().await?;
    let districts = all_districts
        .into_iter()
        .filter(|d| ctx.actor.may_in_district(Capability::UserRead, Some(d.id)))
        .map(|d| (d.id, d.name))
        .collect();
    let departments = st.app.departments().await?.into_iter().map(|d| (d.id, d.name)).collect();
    let query = query_string(&[
        ("role", role.clone()),
        ("district_id", district.map(|d| d.to_string()).unwrap_or_default()),
        ("q", text.clone()),
    ]);
    let p = UsersPage {
        roles: Role::ALL.iter().map(|r| (r.as_str().to_string(), lang.role(*r).to_string())).collect(),
        create_roles: creatable(&ctx).iter().map(|r| (r.as_str().to_string(), lang.role(*r).to_string())).collect(),
        role,
        district: district.map(|d| d.to_string()).unwrap_or_default(),
        q: text,
        districts,
        departments,
        items,
        total: res.total,
        pager: Pager::new("/users", &query, res.page, res.per_page, res.total),
        can_manage,
        c,
    };
    render(&ctx, &p)
}

/// The create and edit form's fields. Selects the role does not take are
/// ignored (the form shows them all); the domain checks the rest.
#[derive(Debug, Deserialize, Default)]
pub struct AccountForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    pub district_id: Option<String>,
    pub department_id: Option<String>,
    pub home_department_id: Option<String>,
    /// An enterprise id or its credit code.
    pub enterprise: Option<String>,
    #[serde(default)]
    pub phone: String,
}

async fn form_scope(st: &AppState, f: &AccountForm) -> Result<ScopeIds, PageError> {
    let enterprise_id = match f.enterprise.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(st.app.enterprise_ref(s).await?),
        None => None,
    };
    let ids = ScopeIds {
        district_id: parse_opt_i64(&f.district_id),
        department_id: parse_opt_i64(&f.department_id),
        home_department_id: parse_opt_i64(&f.home_department_id),
        enterprise_id,
    };
    let Some(role) = Role::parse(&f.role) else { return Ok(ids) };
    let [d, dept, home, e] = scope_needs(role);
    let keep = |n: Need, v: Option<i64>| if n == Need::Refused { None } else { v };
    Ok(ScopeIds {
        district_id: keep(d, ids.district_id),
        department_id: keep(dept, ids.department_id),
        home_department_id: keep(home, ids.home_department_id),
        enterprise_id: keep(e, ids.enterprise_id),
    })
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    c: Chrome,
    u: UserRow,
    role_label: String,
    scope: String,
    status: String,
    locked: Option<String>,
    created: String,
    roles: Vec<(String, String)>,
    districts: Vec<(i64, String)>,
    departments: Vec<(i64, String)>,
    /// The officer's home unit (派出单位), or the department of department staff.
    department_sel: i64,
    district_sel: i64,
    enterprise_sel: String,
    can_manage: bool,
    is_self: bool,
    /// Shown once, right after a create or a reset.
    one_time_password: Option<String>,
}

async fn user_page(
    st: &AppState,
    ctx: &crate::ctx::Ctx,
    u: UserRow,
    one_time_password: Option<String>,
) -> Result<Html<String>, PageError> {
    let lang = ctx.lang;
    let c = chrome(ctx, "user", u.display_name.clone(), "users");
    let now = st.app.now_ms();
    let can_manage = st.app.may_manage_user(&ctx.actor, &u);
    let districts = st
        .app
        .districts()
        .await?
        .into_iter()
        .filter(|d| ctx.actor.may_in_district(Capability::UserManage, Some(d.id)))
        .map(|d| (d.id, d.name))
        .collect();
    let departments = st.app.departments().await?.into_iter().map(|d| (d.id, d.name)).collect();
    let p = UserPage {
        role_label: lang.role_str(&u.role).to_string(),
        scope: scope_text(&c, &u),
        status: if u.active != 0 { lang.t("user_active") } else { lang.t("user_inactive") }.to_string(),
        locked: u.locked_until.filter(|t| *t > now).map(display_cst),
        created: display_cst(u.created_at),
        roles: creatable(ctx).iter().map(|r| (r.as_str().to_string(), lang.role(*r).to_string())).collect(),
        districts,
        departments,
        department_sel: u.department_id.unwrap_or(0),
        district_sel: u.district_id.unwrap_or(0),
        enterprise_sel: u.enterprise_id.map(|e| e.to_string()).unwrap_or_default(),
        can_manage,
        is_self: u.id == ctx.actor.user_id,
        one_time_password,
        u,
        c,
    };
    render(ctx, &p)
}

/// POST /users — answers the new user's page with the one-time password (once).
pub async fn create(State(st): State<AppState>, f: CsrfForm<AccountForm>) -> Result<Html<String>, PageError> {
    let ctx = f.ctx;
    st.app.require(&ctx.actor, Capability::UserManage, "create_user", "users", &ctx.meta).await?;
    let scope = form_scope(&st, &f.form).await?;
    let new = NewAccount {
        username: f.form.username.clone(),
        display_name: f.form.display_name.clone(),
        role: f.form.role.clone(),
        scope,
        phone: f.form.phone.clone(),
    };
    let (u, otp) = st.app.create_user(&ctx.actor, &new, &ctx.meta).await?;
    user_page(&st, &ctx, u, Some(otp)).await
}

/// GET /users/{id}
pub async fn detail(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let u = st.app.user(&ctx.actor, id, &ctx.meta).await?;
    user_page(&st, &ctx, u, None).await
}

/// POST /users/{id} — the edit form.
pub async fn update(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<AccountForm>,
) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    st.app.require(&ctx.actor, Capability::UserManage, "update_user", &format!("user:{id}"), &ctx.meta).await?;
    let scope = form_scope(&st, &f.form).await?;
    let p = AccountPatch {
        display_name: Some(f.form.display_name.clone()),
        role: Some(f.form.role.clone()),
        scope: Some(scope),
        phone: Some(f.form.phone.clone()),
    };
    st.app.update_user(&ctx.actor, id, &p, &ctx.meta).await?;
    Ok(Redirect::to(&format!("/users/{id}")))
}

#[derive(Debug, Deserialize)]
pub struct Empty {}

/// POST /users/{id}/deactivate
pub async fn deactivate(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<Empty>,
) -> Result<Redirect, PageError> {
    st.app.deactivate_user(&f.ctx.actor, id, &f.ctx.meta).await?;
    Ok(Redirect::to(&format!("/users/{id}")))
}

/// POST /users/{id}/reactivate
pub async fn reactivate(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<Empty>,
) -> Result<Redirect, PageError> {
    st.app.reactivate_user(&f.ctx.actor, id, &f.ctx.meta).await?;
    Ok(Redirect::to(&format!("/users/{id}")))
}

/// POST /users/{id}/unlock
pub async fn unlock(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<Empty>,
) -> Result<Redirect, PageError> {
    st.app.unlock_user(&f.ctx.actor, id, &f.ctx.meta).await?;
    Ok(Redirect::to(&format!("/users/{id}")))
}

/// POST /users/{id}/reset-password — answers the page with the one-time password (once).
pub async fn reset_password(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<Empty>,
) -> Result<Html<String>, PageError> {
    let (u, otp) = st.app.reset_password(&f.ctx.actor, id, &f.ctx.meta).await?;
    user_page(&st, &f.ctx, u, Some(otp)).await
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    must_change: bool,
    done: bool,
    min_length: usize,
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

/// GET /me/password
pub async fn password_form(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<DoneQuery>,
) -> Result<Html<String>, PageError> {
    let mut c = chrome(&ctx, "password", ctx.lang.t("change_password").into(), "");
    if ctx.must_change_password {
        // Nowhere else to go until the password is changed.
        c.nav.clear();
    }
    let p = PasswordPage {
        c,
        must_change: ctx.must_change_password,
        done: q.done.is_some(),
        min_length: st.app.config.password.min_length,
    };
    render(&ctx, &p)
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub confirm_password: String,
}

/// POST /me/password
pub async fn change_password(State(st): State<AppState>, f: CsrfForm<PasswordForm>) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    if f.form.new_password != f.form.confirm_password {
        return Err(zhuqi_domain::FieldError::new(
            "confirm_password",
            "两次输入的新密码不一致 (the two new passwords differ)",
        )
        .into());
    }
    st.app
        .change_own_password(&ctx.actor, &ctx.token, &f.form.current_password, &f.form.new_password, &ctx.meta)
        .await?;
    Ok(Redirect::to("/me/password?done=1"))
}
