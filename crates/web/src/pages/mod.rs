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
pub mod org;
pub mod users;
pub mod visits;

use crate::ctx::{urlencode, Ctx};
use crate::error::PageError;
use crate::i18n::Lang;
use askama::Template;
use axum::response::Html;
use zhuqi_app::AppError;
use zhuqi_domain::capability::{self, Capability, Reach};
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

/// One navigation entry as data: its `data-nav` key, its link, its text
/// key, the text key used when the actor's reach is only their own objects
/// (an officer's enterprises, a department's sent officers), and the
/// capability it needs (`None`: everyone signed in).
pub struct NavEntry {
    pub key: &'static str,
    pub href: &'static str,
    pub label: &'static str,
    pub own_label: Option<&'static str>,
    pub needs: Option<Capability>,
}

const fn entry(key: &'static str, href: &'static str, needs: Option<Capability>) -> NavEntry {
    NavEntry { key, href, label: key, own_label: None, needs }
}

/// The navigation, in page order; each actor sees the entries their role
/// has the capability for (zhuqi_domain::capability).
pub const NAV: &[NavEntry] = &[
    entry("home", "/", None),
    entry("dashboard", "/dashboard", Some(Capability::MetricsRead)),
    entry("hot_issues", "/hot-issues", Some(Capability::HotIssueRead)),
    entry("demands", "/demands", Some(Capability::DemandRead)),
    entry("my_officer", "/my-officer", Some(Capability::MyOfficerRead)),
    entry("visits", "/visits", Some(Capability::VisitRead)),
    NavEntry {
        key: "enterprises",
        href: "/enterprises",
        label: "enterprises",
        own_label: Some("my_enterprises"),
        needs: Some(Capability::EnterpriseList),
    },
    NavEntry {
        key: "officers",
        href: "/officers",
        label: "officers",
        own_label: Some("sent_officers"),
        needs: Some(Capability::OfficerList),
    },
    entry("assignments", "/assignments", Some(Capability::AssignmentManage)),
    entry("coverage", "/coverage", Some(Capability::CoverageRead)),
    entry("users", "/users", Some(Capability::UserRead)),
    entry("import", "/admin/import", Some(Capability::ImportRun)),
    entry("audit", "/audit", Some(Capability::AuditRead)),
    entry("notifications", "/notifications", Some(Capability::NotificationRead)),
    entry("categories", "/admin/categories", Some(Capability::CategoryManage)),
    entry("calendar", "/admin/calendar", Some(Capability::CalendarManage)),
    entry("regions", "/admin/regions", Some(Capability::RegionManage)),
    entry("departments", "/admin/departments", Some(Capability::DepartmentManage)),
];

/// The navigation a role gets: (key, href, text key), in page order.
pub fn nav_for(role: Role) -> Vec<(&'static str, &'static str, &'static str)> {
    NAV.iter()
        .filter_map(|e| {
            let Some(cap) = e.needs else { return Some((e.key, e.href, e.label)) };
            let reach = capability::reach(role, cap)?;
            let label = match (reach, e.own_label) {
                (Reach::Own, Some(own)) => own,
                _ => e.label,
            };
            Some((e.key, e.href, label))
        })
        .collect()
}

/// The text key of `key`'s navigation entry for `role` (`my_enterprises`
/// for an officer…), or `fallback` when the role has no such entry: the
/// title of the page the entry leads to.
pub fn nav_label(role: Role, key: &str, fallback: &'static str) -> &'static str {
    nav_for(role).into_iter().find(|(k, _, _)| *k == key).map_or(fallback, |(_, _, label)| label)
}

/// The `data-nav` keys of the navigation a role sees, in page order
/// (`GET /api/v1/me` answers them as `nav`).
pub fn nav_keys(role: Role) -> Vec<&'static str> {
    nav_for(role).into_iter().map(|(key, _, _)| key).collect()
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
            .into_iter()
            .map(|(key, href, label)| NavItem { key, href, label: lang.t(label).to_string(), active: key == active })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The navigation as it was kept by hand per role before it was derived
    /// from the capability table.
    #[rustfmt::skip]
    fn old_nav_for(role: Role) -> &'static [(&'static str, &'static str, &'static str)] {
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
                ("regions", "/admin/regions", "regions"),
                ("departments", "/admin/departments", "departments"),
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

    #[test]
    fn the_navigation_from_capabilities_is_the_one_kept_by_hand() {
        for role in Role::ALL {
            assert_eq!(nav_for(role), old_nav_for(role).to_vec(), "{role:?}");
        }
    }
}
