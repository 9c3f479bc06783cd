//! Server-rendered pages. Each handler builds a template struct next to it
//! and renders it inside the common frame ([`Chrome`]).

pub mod admin;
pub mod attachments;
pub mod catalogue;
pub mod demands;
pub mod enterprise_code;
pub mod enterprises;
pub mod form_files;
pub mod home;
pub mod hot_issues;
pub mod login;
pub mod metrics;
pub mod officers;
pub mod visits;

use crate::ctx::{urlencode, Ctx};
use crate::error::PageError;
use crate::i18n::Lang;
use askama::Template;
use axum::response::Html;
use zhuqi_app::AppError;
use zhuqi_domain::Role;

/// One navigation link.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub key: &'static str,
    pub href: &'static str,
    pub label: String,
    pub active: bool,
}

/// The page frame: title, user, navigation, language, CSRF token.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub lang: Lang,
    pub title: String,
    pub page: &'static str,
    pub role: &'static str,
    pub user: Option<(String, String)>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    pub path_enc: String,
    pub flash: Option<String>,
    /// Unread notifications (shown on the inbox link).
    pub unread: i64,
}

impl Chrome {
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key).to_string()
    }
}

/// The navigation each role gets (key, href, text key).
pub fn nav_for(role: Role) -> &'static [(&'static str, &'static str, &'static str)] {
    match role {
        Role::CityAdmin => &[
            ("home", "/", "home"),
            ("dashboard", "/dashboard", "dashboard"),
            ("hot_issues", "/hot-issues", "hot_issues"),
            ("demands", "/demands", "demands"),
            ("visits", "/visits", "visits"),
            ("enterprises", "/enterprises", "enterprises"),
            ("officers", "/officers", "officers"),
            ("assignments", "/assignments", "assignments"),
            ("coverage", "/coverage", "coverage"),
            ("users", "/users", "users"),
            ("import", "/admin/import", "import"),
            ("audit", "/audit", "audit"),
            ("notifications", "/notifications", "notifications"),
            ("categories", "/admin/categories", "categories"),
            ("calendar", "/admin/calendar", "calendar"),
        ],
        Role::DistrictAdmin => &[
            ("home", "/", "home"),
            ("dashboard", "/dashboard", "dashboard"),
            ("hot_issues", "/hot-issues", "hot_issues"),
            ("demands", "/demands", "demands"),
            ("visits", "/visits", "visits"),
            ("enterprises", "/enterprises", "enterprises"),
            ("officers", "/officers", "officers"),
            ("assignments", "/assignments", "assignments"),
            ("coverage", "/coverage", "coverage"),
            ("users", "/users", "users"),
            ("import", "/admin/import", "import"),
            ("notifications", "/notifications", "notifications"),
            ("categories", "/admin/categories", "categories"),
        ],
        Role::Coordinator => &[
            ("home", "/", "home"),
            ("dashboard", "/dashboard", "dashboard"),
            ("hot_issues", "/hot-issues", "hot_issues"),
            ("demands", "/demands", "demands"),
            ("visits", "/visits", "visits"),
            ("enterprises", "/enterprises", "enterprises"),
            ("officers", "/officers", "officers"),
            ("coverage", "/coverage", "coverage"),
            ("notifications", "/notifications", "notifications"),
        ],
        Role::DeptHead => &[
            ("home", "/", "home"),
            ("dashboard", "/dashboard", "dashboard"),
            ("demands", "/demands", "demands"),
            ("visits", "/visits", "visits"),
            ("officers", "/officers", "sent_officers"),
            ("notifications", "/notifications", "notifications"),
        ],
        Role::DeptHandler => &[
            ("home", "/", "home"),
            ("demands", "/demands", "demands"),
            ("notifications", "/notifications", "notifications"),
        ],
        Role::Officer => &[
            ("home", "/", "home"),
            ("demands", "/demands", "demands"),
            ("visits", "/visits", "visits"),
            ("enterprises", "/enterprises", "my_enterprises"),
            ("notifications", "/notifications", "notifications"),
        ],
        Role::EnterpriseUser => &[
            ("home", "/", "home"),
            ("demands", "/demands", "demands"),
            ("my_officer", "/my-officer", "my_officer"),
            ("notifications", "/notifications", "notifications"),
        ],
        Role::Auditor => &[
            ("home", "/", "home"),
            ("dashboard", "/dashboard", "dashboard"),
            ("hot_issues", "/hot-issues", "hot_issues"),
            ("demands", "/demands", "demands"),
            ("visits", "/visits", "visits"),
            ("enterprises", "/enterprises", "enterprises"),
            ("officers", "/officers", "officers"),
            ("coverage", "/coverage", "coverage"),
            ("users", "/users", "users"),
            ("audit", "/audit", "audit"),
            ("notifications", "/notifications", "notifications"),
        ],
    }
}

/// Builds the frame for a signed-in page.
pub fn chrome(ctx: &Ctx, page: &'static str, title: String, active: &str) -> Chrome {
    let lang = ctx.lang;
    Chrome {
        lang,
        title,
        page,
        role: ctx.actor.role.as_str(),
        user: Some((ctx.actor.display_name.clone(), lang.role(ctx.actor.role).to_string())),
        nav: nav_for(ctx.actor.role)
            .iter()
            .map(|(key, href, label)| NavItem { key, href, label: lang.t(label).to_string(), active: *key == active })
            .collect(),
        csrf: ctx.csrf.clone(),
        path_enc: urlencode(&ctx.path),
        flash: None,
        unread: ctx.unread,
    }
}

/// Renders a template or returns a page error (the error page's language and
/// request id come from the request scope; the context argument stays for the callers).
pub fn render<T: Template>(_ctx: &Ctx, t: &T) -> Result<Html<String>, PageError> {
    t.render().map(Html).map_err(|e| PageError::from(AppError::Internal(format!("template: {e}"))))
}

/// Pagination links that keep the current filters.
#[derive(Debug, Clone)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    /// Base URL ending in `?` or `&`.
    pub base: String,
}

impl Pager {
    pub fn new(path: &str, query: &str, page: i64, per_page: i64, total: i64) -> Self {
        let pages = ((total + per_page - 1) / per_page).max(1);
        let base = if query.is_empty() { format!("{path}?") } else { format!("{path}?{query}&") };
        Self { page, pages, base }
    }
}

/// Query-string encoding of filter pairs, skipping empty values.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Parses an optional numeric query value; empty means absent.
pub fn parse_opt_i64(v: &Option<String>) -> Option<i64> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).and_then(|s| s.parse().ok())
}
