//! The one route table. Every URL of zhuqi is listed here, one row per
//! route, grouped by audience: public, pages, `/api/v1`, admin (the back-office
//! pages). The router, the OpenAPI document and the route×role test are all
//! built from [`route_table`], so a new route cannot be missed by any of them.
//! The route×role test runs the rows in this order (later rows may rely on
//! what earlier ones changed), so add a route at the end of its group.

use crate::{api, assets, ctx, openapi, pages, AppState};
use axum::routing::{get, patch, post, put, MethodRouter};
use axum::Router;

/// Who a route is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// No sign-in needed.
    Public,
    /// HTML pages for signed-in users.
    Page,
    /// JSON API for signed-in users.
    Api,
}

/// A route as documented.
#[derive(Debug, Clone)]
pub struct RouteDef {
    pub method: &'static str,
    pub path: &'static str,
    pub audience: Audience,
    pub summary: &'static str,
    /// Query parameters (API routes), for the OpenAPI document.
    pub query: &'static [&'static str],
}

fn r(
    method: &'static str,
    path: &'static str,
    audience: Audience,
    summary: &'static str,
    query: &'static [&'static str],
    handler: MethodRouter<AppState>,
) -> (RouteDef, MethodRouter<AppState>) {
    (RouteDef { method, path, audience, summary, query }, handler)
}

/// Every route with its handler, one row each, grouped by audience.
#[rustfmt::skip]
pub fn route_table() -> Vec<(RouteDef, MethodRouter<AppState>)> {
    use Audience::{Api, Page, Public};
    vec![
        // ── Public: no sign-in (health, assets, sign-in, language, the OpenAPI document, the enterprise code landing and binding).
        r("GET", "/healthz", Public, "Health check: 200 when the database answers", &[], get(assets::healthz)),
        r("GET", "/static/{file}", Public, "Embedded CSS and JS", &[], get(assets::serve)),
        r("GET", "/login", Public, "Sign-in page", &[], get(pages::login::show)),
        r("POST", "/login", Public, "Sign in (form)", &[], post(pages::login::submit)),
        r("GET", "/lang/{lang}", Public, "Switch language (zh or en)", &[], get(pages::login::switch_lang)),
        r("GET", "/api/v1/openapi.json", Public, "This OpenAPI document", &[], get(openapi::serve)),
        r("POST", "/api/v1/auth/login", Public, "Sign in: {username, password} → {token}", &[], post(api::auth::login)),
        r("GET", "/c/{token}", Public, "Enterprise code landing page: bind a phone to the enterprise (rate-limited)", &[], get(pages::enterprise_code::landing)),
        r("POST", "/c/{token}", Public, "Bind (form): name, phone, password, optional one-time code (rate-limited)", &[], post(pages::enterprise_code::bind)),
        r("POST", "/api/v1/codes/{token}/bind", Public, "Bind: {name, phone, password, code?} → 201 {status: bound|pending} (rate-limited, 429 + Retry-After)", &[], post(api::enterprise_code::bind)),
        // ── Pages: HTML for signed-in users. Uploads lift the global body limit (handlers stop at the per-file limit).
        r("POST", "/logout", Page, "Sign out", &[], post(pages::login::logout)),
        r("GET", "/", Page, "Home page of the signed-in role", &[], get(pages::home::show)),
        r("GET", "/enterprises", Page, "Enterprises in scope", &[], get(pages::enterprises::list)),
        r("GET", "/enterprises/export.xlsx", Page, "Enterprises in scope as Excel", &[], get(pages::enterprises::export)),
        r("GET", "/enterprises/{id}", Page, "Enterprise detail", &[], get(pages::enterprises::detail)),
        r("POST", "/enterprises/{id}/assign", Page, "Assign or reassign the officer (form)", &[], post(pages::enterprises::assign)),
        r("POST", "/enterprises/{id}/edit", Page, "Edit the enterprise record (form; each change kept)", &[], post(pages::enterprises::edit)),
        r("POST", "/enterprises/{id}/deregister", Page, "Deregister the enterprise (form: kind, reason, date; confirmed)", &[], post(pages::enterprises::deregister)),
        r("POST", "/officers/{id}/handover", Page, "Hand all the officer's enterprises over (form: target officer or spread)", &[], post(pages::officers::handover)),
        r("POST", "/officers/{id}/transfer", Page, "Transfer the officer (form: district, home unit)", &[], post(pages::officers::transfer)),
        r("GET", "/officers", Page, "Officers in scope", &[], get(pages::officers::list)),
        r("GET", "/officers/export.xlsx", Page, "Officers in scope as Excel", &[], get(pages::officers::export)),
        r("GET", "/officers/{id}", Page, "Officer detail", &[], get(pages::officers::detail)),
        r("GET", "/demands", Page, "Demand queue of the signed-in role", &[], get(pages::demands::list)),
        r("GET", "/demands/export.xlsx", Page, "Demands in scope as Excel", &[], get(pages::demands::export)),
        r("GET", "/demands/new", Page, "Form to submit a demand", &[], get(pages::demands::new_form)),
        r("POST", "/demands", Page, "Submit a demand (form; multipart with `files`, or urlencoded)", &[], post(pages::demands::submit).layer(axum::extract::DefaultBodyLimit::disable())),
        r("GET", "/demands/{id}", Page, "Demand with timeline, clocks and actions", &[], get(pages::demands::detail)),
        r("POST", "/demands/{id}/actions/{action}", Page, "Take an action on a demand (form)", &[], post(pages::demands::act)),
        r("GET", "/notifications", Page, "Notification inbox", &[], get(pages::demands::inbox)),
        r("POST", "/notifications/{id}/read", Page, "Mark a notification read and open it (form)", &[], post(pages::demands::read_one)),
        r("POST", "/notifications/read-all", Page, "Mark every notification read (form)", &[], post(pages::demands::read_all)),
        r("GET", "/visits", Page, "Visits: an officer's today and this month; the scoped list for others", &[], get(pages::visits::list)),
        r("GET", "/visits/export.xlsx", Page, "Visits in scope matching the filters as Excel", &[], get(pages::visits::export)),
        r("GET", "/visits/new", Page, "Form to record a visit (officers)", &[], get(pages::visits::new_form)),
        r("POST", "/visits", Page, "Record a visit (form; multipart with `photos` files, or urlencoded)", &[], post(pages::visits::create).layer(axum::extract::DefaultBodyLimit::disable())),
        r("GET", "/visits/behind", Page, "Enterprises behind on the visit rule this month", &[], get(pages::visits::behind)),
        r("GET", "/visits/compliance", Page, "Visit compliance per district and officer, with a chart", &[], get(pages::visits::compliance)),
        r("GET", "/visits/compliance.xlsx", Page, "Visit compliance of a month as Excel", &[], get(pages::visits::compliance_export)),
        r("POST", "/visits/rule", Page, "Set the visit rule (form, city admin)", &[], post(pages::visits::set_rule)),
        r("GET", "/visits/campaigns", Page, "Door-knock campaigns", &[], get(pages::visits::campaigns)),
        r("POST", "/visits/campaigns", Page, "Create a door-knock campaign (form)", &[], post(pages::visits::create_campaign)),
        r("GET", "/visits/campaigns/{id}", Page, "A campaign's on-site coverage per township", &[], get(pages::visits::campaign)),
        r("GET", "/visits/{id}", Page, "Visit with its edit history and linked demands", &[], get(pages::visits::detail)),
        r("POST", "/visits/{id}", Page, "Edit a visit within 24 hours (form)", &[], post(pages::visits::update)),
        r("GET", "/visits/{id}/edit", Page, "Form to edit a visit", &[], get(pages::visits::edit_form)),
        r("POST", "/visits/{id}/demands", Page, "Turn a need found on a visit into a demand (form)", &[], post(pages::visits::to_demand)),
        r("GET", "/hot-issues", Page, "Hot issues in scope, flagged first", &["status", "page"], get(pages::hot_issues::list)),
        r("POST", "/hot-issues/settings", Page, "Set the detection rule (form, city admin)", &[], post(pages::hot_issues::set_settings)),
        r("GET", "/hot-issues/{id}", Page, "A hot issue: member demands, key terms, history, decisions", &[], get(pages::hot_issues::detail)),
        r("POST", "/hot-issues/{id}/actions/confirm", Page, "Confirm a hot issue (form)", &[], post(pages::hot_issues::confirm)),
        r("POST", "/hot-issues/{id}/actions/dismiss", Page, "Dismiss a hot issue with a reason (form)", &[], post(pages::hot_issues::dismiss)),
        r("POST", "/hot-issues/{id}/actions/merge", Page, "Merge a hot issue's open demands into a lead demand (form)", &[], post(pages::hot_issues::merge)),
        r("GET", "/dashboard", Page, "Dashboard (驾驶舱): city, district or department view by role", &[], get(pages::metrics::dashboard)),
        r("GET", "/reports/{kind}", Page, "Printable report: district-monthly | department-monthly | home-unit-half-year", &["period", "id"], get(pages::metrics::report)),
        r("GET", "/reports/{kind}/export.xlsx", Page, "A report as Excel", &["period", "id"], get(pages::metrics::report_xlsx)),
        r("GET", "/my-officer/rate", Page, "Enterprise user: rate your officer (once a quarter)", &[], get(pages::metrics::rate_form)),
        r("POST", "/my-officer/rate", Page, "Rate your officer (form)", &[], post(pages::metrics::rate_submit)),
        r("POST", "/demands/{id}/attachments", Page, "Attach a file to a demand (multipart form, CSRF token in the query)", &[], post(pages::attachments::upload).layer(axum::extract::DefaultBodyLimit::disable())),
        r("POST", "/visits/{id}/attachments", Page, "Attach a photo to a visit (multipart form, CSRF token in the query)", &[], post(pages::attachments::upload_to_visit).layer(axum::extract::DefaultBodyLimit::disable())),
        r("GET", "/attachments/{id}", Page, "An attachment's bytes as its detected type (session cookie or bearer token)", &[], get(pages::attachments::download)),
        r("GET", "/enterprises/{id}/poster", Page, "Printable A4 poster with the enterprise's QR code", &[], get(pages::enterprise_code::poster)),
        r("GET", "/districts/{id}/posters", Page, "Every poster of a district, one A4 page each (print view)", &[], get(pages::enterprise_code::district_posters)),
        r("GET", "/districts/{id}/codes.zip", Page, "The QR PNGs of every enterprise of a district as a zip, with index.csv", &[], get(pages::enterprise_code::district_zip)),
        r("POST", "/enterprises/{id}/code/rotate", Page, "Rotate the enterprise code (form): the old QR stops working", &[], post(pages::enterprise_code::rotate)),
        r("POST", "/enterprises/{id}/binding-codes", Page, "Issue a one-time binding code (form; shown once)", &[], post(pages::enterprise_code::issue_code)),
        r("POST", "/enterprises/{id}/users/remove", Page, "Remove (deactivate) a user of the enterprise (form: user_id)", &[], post(pages::enterprise_code::remove_user)),
        r("POST", "/bindings/{id}/decide", Page, "Approve or refuse a binding request (form: decision, reason)", &[], post(pages::enterprise_code::decide)),
        r("GET", "/my-officer", Page, "My officer's contact (enterprise users)", &[], get(pages::enterprise_code::my_officer)),
        // ── /api/v1: JSON for signed-in users (bearer token or session cookie).
        r("GET", "/api/v1/demands", Api, "Demands in scope", &["status", "category", "department_id", "district_id", "enterprise_id", "colour", "from", "to", "q", "sort", "page", "per_page"], get(api::demands::list)),
        r("POST", "/api/v1/demands", Api, "Submit a demand (honours Idempotency-Key)", &[], post(api::demands::create)),
        r("GET", "/api/v1/demands/{id}", Api, "Demand with its timeline and allowed actions", &[], get(api::demands::get)),
        r("POST", "/api/v1/demands/{id}/actions/{action}", Api, "Take an action (transition) on a demand", &[], post(api::demands::act)),
        r("GET", "/api/v1/notifications", Api, "Notification inbox with unread count", &["unread", "page", "per_page"], get(api::demands::inbox)),
        r("POST", "/api/v1/notifications/{id}/read", Api, "Mark a notification read", &[], post(api::demands::read_one)),
        r("POST", "/api/v1/notifications/read-all", Api, "Mark every notification read", &[], post(api::demands::read_all)),
        r("POST", "/api/v1/auth/logout", Api, "Sign out (ends the session or token)", &[], post(api::auth::logout)),
        r("GET", "/api/v1/me", Api, "The signed-in user, their capabilities and navigation", &[], get(api::auth::me)),
        r("GET", "/api/v1/users", Api, "Users in reach (admins, auditor), by role, district (an enterprise user's: its enterprise's) and text", &["role", "district_id", "q", "page", "per_page"], get(api::users::list)),
        r("POST", "/api/v1/users", Api, "Create a user: {username, display_name, role, district_id?, department_id?, home_department_id?, enterprise_id?, phone?} → 201 {user, one_time_password}", &[], post(api::users::create)),
        r("GET", "/api/v1/users/{id}", Api, "A user in reach", &[], get(api::users::get)),
        r("PATCH", "/api/v1/users/{id}", Api, "Edit a user: {display_name?, phone?, role?, scope ids?}", &[], patch(api::users::patch)),
        r("POST", "/api/v1/users/{id}/deactivate", Api, "Deactivate a user: every session of theirs ends at once", &[], post(api::users::deactivate)),
        r("POST", "/api/v1/users/{id}/reactivate", Api, "Reactivate a user", &[], post(api::users::reactivate)),
        r("POST", "/api/v1/users/{id}/reset-password", Api, "Reset a password → {user, one_time_password} (shown once; must be changed at the next sign-in)", &[], post(api::users::reset_password)),
        r("POST", "/api/v1/users/{id}/unlock", Api, "Unlock an account locked after failed sign-ins", &[], post(api::users::unlock)),
        r("POST", "/api/v1/me/password", Api, "Change your own password: {current_password, new_password} → 204; your other sessions end", &[], post(api::users::change_password)),
        r("GET", "/api/v1/regions", Api, "Region tree: city, districts, townships (in use; ?include_retired=true for all)", &["include_retired"], get(api::directory::regions)),
        r("POST", "/api/v1/regions", Api, "Add a district or township (city admin): {parent_id, name, code?, kind?, sort_order?} → 201", &[], post(api::org::create_region)),
        r("PATCH", "/api/v1/regions/{id}", Api, "Rename, re-sort, re-code or retire a region (city admin): {name?, code?, kind?, sort_order?, retired?}", &[], patch(api::org::update_region)),
        r("GET", "/api/v1/departments", Api, "Departments (涉企部门; in use; ?include_retired=true for all)", &["include_retired"], get(api::directory::departments)),
        r("POST", "/api/v1/departments", Api, "Create a department (city admin): {name, short_name?, code?, parent_unit?} → 201 {id, …}", &[], post(api::org::create_department)),
        r("PATCH", "/api/v1/departments/{id}", Api, "Rename or retire a department (city admin): {name?, short_name?, parent_unit?, retired?, successor_department_id?}", &[], patch(api::org::update_department)),
        r("GET", "/api/v1/enterprises", Api, "Enterprises in scope", &["q", "district_id", "township_id", "officer_id", "unassigned", "include_deregistered", "page", "per_page"], get(api::directory::enterprises)),
        r("POST", "/api/v1/enterprises", Api, "Register an enterprise (admins)", &[], post(api::directory::create_enterprise)),
        r("GET", "/api/v1/enterprises/{id}", Api, "Enterprise detail with assignment history", &[], get(api::directory::enterprise)),
        r("GET", "/api/v1/enterprises/{id}/assignments", Api, "Assignment history of an enterprise", &[], get(api::directory::enterprise_assignments)),
        r("PATCH", "/api/v1/enterprises/{id}", Api, "Edit an enterprise: {name?, address?, contact_name?, contact_phone?, industry_code?, size?, township_id?} (each change kept; credit_code never changes)", &[], patch(api::directory::edit_enterprise)),
        r("GET", "/api/v1/enterprises/{id}/history", Api, "Change history of an enterprise record (field, old_value, new_value, who, when)", &[], get(api::directory::enterprise_history)),
        r("POST", "/api/v1/enterprises/{id}/deregister", Api, "Deregister (注销 cancelled / 迁出 moved_out): {kind, reason, date}", &[], post(api::directory::deregister_enterprise)),
        r("PUT", "/api/v1/enterprises/{id}/officer", Api, "Assign or reassign the officer: {officer_id, reason}", &[], put(api::directory::assign)),
        r("POST", "/api/v1/districts/{id}/assign-unassigned", Api, "Assign every unassigned enterprise of a district", &[], post(api::directory::bulk_assign)),
        r("GET", "/api/v1/officers", Api, "Officers in scope", &["q", "district_id", "department_id", "idle", "page", "per_page"], get(api::directory::officers)),
        r("GET", "/api/v1/officers/{id}", Api, "Officer detail with enterprises served", &[], get(api::directory::officer)),
        r("PATCH", "/api/v1/officers/{id}", Api, "Transfer an officer: {district_id?, home_department_id?, reason?}", &[], patch(api::directory::transfer_officer)),
        r("POST", "/api/v1/officers/{id}/handover", Api, "Hand all the officer's enterprises over: {to_officer_id} or {spread_in_district: true}, reason? → {moved, assignments}", &[], post(api::directory::handover)),
        r("GET", "/api/v1/coverage", Api, "Coverage per district", &[], get(api::directory::coverage)),
        r("GET", "/api/v1/audit", Api, "Audit log (city admin, auditor)", &["action", "page", "per_page"], get(api::directory::audit)),
        r("POST", "/api/v1/imports/{kind}", Api, "Import enterprises|officers|assignments from the request body (.xlsx or .csv)", &[], post(api::directory::import)),
        r("POST", "/api/v1/visits", Api, "Record a visit: {enterprise_id, mode, started_at (RFC 3339), roles, …} → 201", &[], post(api::visits::create)),
        r("GET", "/api/v1/visits", Api, "Visits in scope", &["officer_id", "enterprise_id", "district_id", "month", "page", "per_page"], get(api::visits::list)),
        r("GET", "/api/v1/visits/compliance", Api, "Visit compliance of a month per district and officer", &["month"], get(api::visits::compliance)),
        r("GET", "/api/v1/visits/behind", Api, "Enterprises behind on the visit rule this month", &[], get(api::visits::behind)),
        r("GET", "/api/v1/visits/{id}", Api, "Visit with its edit history and linked demands", &[], get(api::visits::get)),
        r("PUT", "/api/v1/visits/{id}", Api, "Edit a visit within 24 hours (optional version → 409 when stale)", &[], put(api::visits::update)),
        r("POST", "/api/v1/visits/{id}/demands", Api, "Turn a need into a demand: {category, title, description?} → 201", &[], post(api::visits::to_demand)),
        r("GET", "/api/v1/campaigns", Api, "Door-knock campaigns", &[], get(api::visits::campaigns)),
        r("POST", "/api/v1/campaigns", Api, "Create a door-knock campaign: {name, district_id?, starts_on, ends_on} → 201", &[], post(api::visits::create_campaign)),
        r("GET", "/api/v1/campaigns/{id}/coverage", Api, "A campaign's on-site coverage per township", &[], get(api::visits::coverage)),
        r("GET", "/api/v1/hot-issues", Api, "Hot issues in scope (coordinator, city admin, auditor; district admin: those touching the district), flagged first", &["status", "page", "per_page"], get(api::hot_issues::list)),
        r("GET", "/api/v1/hot-issues/settings", Api, "The detection rule: {min_enterprises, window_days, min_similarity_pct, min_significance_pct}", &[], get(api::hot_issues::settings)),
        r("PUT", "/api/v1/hot-issues/settings", Api, "Set the detection rule (city admin): {min_enterprises?, window_days?, min_similarity_pct?, min_significance_pct?}", &[], put(api::hot_issues::set_settings)),
        r("GET", "/api/v1/hot-issues/{id}", Api, "A hot issue with its member demands (those in your scope), key terms, history and allowed actions", &[], get(api::hot_issues::get)),
        r("POST", "/api/v1/hot-issues/{id}/actions/confirm", Api, "Confirm a hot issue: {reason?} (coordinator, city admin)", &[], post(api::hot_issues::confirm)),
        r("POST", "/api/v1/hot-issues/{id}/actions/dismiss", Api, "Dismiss a hot issue: {reason} (required); new demands joining it flag it again", &[], post(api::hot_issues::dismiss)),
        r("POST", "/api/v1/hot-issues/{id}/actions/merge", Api, "Merge into one response: {lead_demand_id?, reason?}; open members (待受理/待签收) are merged into the lead demand", &[], post(api::hot_issues::merge)),
        r("GET", "/api/v1/metrics/departments", Api, "Department figures over a period (rates per docs/metrics.md), scoped; with city totals", &["from", "to", "district_id"], get(api::metrics::departments)),
        r("GET", "/api/v1/metrics/districts", Api, "District figures over a period, scoped; with city totals", &["from", "to"], get(api::metrics::districts)),
        r("GET", "/api/v1/metrics/officers", Api, "Officer figures over a period: visit compliance, door-knock coverage, demands raised, ratings", &["from", "to"], get(api::metrics::officers)),
        r("GET", "/api/v1/metrics/dashboard", Api, "What /dashboard shows, as JSON", &[], get(api::metrics::dashboard)),
        r("GET", "/api/v1/reports/{kind}", Api, "A report as JSON: district-monthly | department-monthly (period YYYY-MM) | home-unit-half-year (YYYY-H1|H2)", &["period", "id"], get(api::metrics::report)),
        r("POST", "/api/v1/officer-ratings", Api, "Enterprise user rates their officer: {score 1..5, comment?} → 201; 409 if already rated this quarter", &[], post(api::metrics::rate)),
        r("GET", "/api/v1/categories", Api, "Category tree with lead departments and time limits", &[], get(api::catalogue::categories)),
        r("GET", "/api/v1/categories/{code}/suggestion", Api, "Suggested lead department: {department_id, department_name}", &["district_id"], get(api::catalogue::suggestion)),
        r("PUT", "/api/v1/categories/{code}/route", Api, "Set the lead department: {district_id?, department_id}", &[], put(api::catalogue::set_route)),
        r("PUT", "/api/v1/categories/{code}/limits", Api, "Change time limits: {sign_days, reply_days, close_days, auto_close_days, reason}", &[], put(api::catalogue::set_limits)),
        r("GET", "/api/v1/calendar/{year}", Api, "Holidays, make-up days and local adjustments of a year", &[], get(api::catalogue::calendar_year)),
        r("POST", "/api/v1/calendar/days", Api, "Add a local calendar adjustment: {date, kind, name}", &[], post(api::catalogue::add_day)),
        r("POST", "/api/v1/demands/{id}/attachments", Api, "Attach a file to a demand: multipart field `file`, or the raw body named by X-File-Name → 201", &[], post(api::attachments::upload).layer(axum::extract::DefaultBodyLimit::disable())),
        r("GET", "/api/v1/demands/{id}/attachments", Api, "Attachments of a demand (bytes at /attachments/{id})", &[], get(api::attachments::list)),
        r("POST", "/api/v1/visits/{id}/attachments", Api, "Attach a photo or document to a visit (its author, within 24 hours): multipart field `file`, or the raw body named by X-File-Name → 201", &[], post(api::attachments::upload_to_visit).layer(axum::extract::DefaultBodyLimit::disable())),
        r("GET", "/api/v1/visits/{id}/attachments", Api, "Attachments of a visit (bytes at /attachments/{id})", &[], get(api::attachments::list_of_visit)),
        r("GET", "/api/v1/enterprises/{id}/code", Api, "The enterprise code: {url, svg_url, png_url, poster_url, rotated_at}", &[], get(api::enterprise_code::get)),
        r("POST", "/api/v1/enterprises/{id}/code/rotate", Api, "Rotate the enterprise code: the old token stops working at once", &[], post(api::enterprise_code::rotate)),
        r("GET", "/api/v1/enterprises/{id}/code.svg", Api, "The enterprise code's QR as SVG", &[], get(api::enterprise_code::svg)),
        r("GET", "/api/v1/enterprises/{id}/code.png", Api, "The enterprise code's QR as PNG", &[], get(api::enterprise_code::png)),
        r("POST", "/api/v1/enterprises/{id}/binding-codes", Api, "Issue a one-time binding code (8 digits, 24 h, single use) → 201 {code, expires_at}", &[], post(api::enterprise_code::issue_code)),
        r("GET", "/api/v1/enterprises/{id}/bindings", Api, "Pending binding requests, bound users and open one-time codes of an enterprise", &[], get(api::enterprise_code::bindings)),
        r("POST", "/api/v1/bindings/{id}/decide", Api, "Approve or refuse a binding request: {decision: approve|refuse, reason?}", &[], post(api::enterprise_code::decide)),
        // ── Admin: the back office (assignments, coverage, users, imports, audit, dispatch catalogue, calendar, regions, departments); HTML pages like the others.
        r("GET", "/assignments", Page, "Assignment management", &[], get(pages::admin::assignments)),
        r("POST", "/assignments/bulk", Page, "Assign all unassigned enterprises of a district (form)", &[], post(pages::admin::bulk)),
        r("GET", "/coverage", Page, "Coverage per district", &[], get(pages::admin::coverage)),
        r("GET", "/coverage/export.xlsx", Page, "Coverage as Excel", &[], get(pages::admin::coverage_export)),
        r("GET", "/users", Page, "Users (admins): filter by role, district, text; create form", &["role", "district_id", "q", "page"], get(pages::users::list)),
        r("POST", "/users", Page, "Create a user (form); shows the one-time password once", &[], post(pages::users::create)),
        r("GET", "/users/{id}", Page, "A user: edit form, deactivate, reactivate, reset password, unlock", &[], get(pages::users::detail)),
        r("POST", "/users/{id}", Page, "Edit a user (form)", &[], post(pages::users::update)),
        r("POST", "/users/{id}/deactivate", Page, "Deactivate a user (form)", &[], post(pages::users::deactivate)),
        r("POST", "/users/{id}/reactivate", Page, "Reactivate a user (form)", &[], post(pages::users::reactivate)),
        r("POST", "/users/{id}/reset-password", Page, "Reset a user's password (form); shows the one-time password once", &[], post(pages::users::reset_password)),
        r("POST", "/users/{id}/unlock", Page, "Unlock a user (form)", &[], post(pages::users::unlock)),
        r("GET", "/me/password", Page, "Change your own password (form); where a one-time password leads", &[], get(pages::users::password_form)),
        r("POST", "/me/password", Page, "Change your own password (form)", &[], post(pages::users::change_password)),
        r("GET", "/admin/import", Page, "Import form", &[], get(pages::admin::import_form)),
        r("POST", "/admin/import", Page, "Import a file (multipart)", &[], post(pages::admin::import_submit)),
        r("GET", "/audit", Page, "Audit log", &[], get(pages::admin::audit)),
        r("GET", "/admin/categories", Page, "Dispatch catalogue: lead departments, time limits", &[], get(pages::catalogue::categories)),
        r("POST", "/admin/categories/{code}/route", Page, "Set a category's lead department (form)", &[], post(pages::catalogue::set_route)),
        r("POST", "/admin/categories/{code}/limits", Page, "Change a category's time limits (form)", &[], post(pages::catalogue::set_limits)),
        r("POST", "/admin/settings/review", Page, "Turn the review of replies on or off (form)", &[], post(pages::catalogue::set_review)),
        r("GET", "/admin/calendar", Page, "Working-day calendar of a year with local adjustments", &[], get(pages::catalogue::calendar)),
        r("POST", "/admin/calendar/days", Page, "Add a local calendar adjustment (form)", &[], post(pages::catalogue::add_day)),
        r("POST", "/admin/calendar/days/{date}/delete", Page, "Remove a local calendar adjustment (form)", &[], post(pages::catalogue::delete_day)),
        r("POST", "/admin/calendar/years", Page, "Mark a year's holidays as entered (form)", &[], post(pages::catalogue::mark_year)),
        r("GET", "/admin/regions", Page, "Region tree: districts with townships and enterprise counts; add, rename, retire", &[], get(pages::org::regions)),
        r("POST", "/admin/regions", Page, "Add a district or township (form)", &[], post(pages::org::create_region)),
        r("POST", "/admin/regions/{id}", Page, "Rename or retire/restore a region (form)", &[], post(pages::org::update_region)),
        r("GET", "/admin/departments", Page, "Departments with open demands and users; create, rename, retire", &[], get(pages::org::departments)),
        r("POST", "/admin/departments", Page, "Create a department (form)", &[], post(pages::org::create_department)),
        r("POST", "/admin/departments/{id}", Page, "Rename or retire/restore a department (form)", &[], post(pages::org::update_department)),
    ]
}

/// The documented routes, without handlers (for tests and the OpenAPI document).
pub fn route_list() -> Vec<RouteDef> {
    route_table().into_iter().map(|(d, _)| d).collect()
}

/// Builds the application's router.
pub fn build_router(state: AppState) -> Router {
    let mut router = Router::new();
    for (def, handler) in route_table() {
        router = router.route(def.path, handler);
    }
    router
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
        .layer(axum::middleware::from_fn(ctx::request_id))
        .layer(axum::middleware::from_fn_with_state(state.clone(), client_ip))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security_headers))
        .with_state(state)
}

async fn not_found(anon: ctx::Anon) -> axum::response::Response {
    use axum::response::IntoResponse;
    if anon.path.starts_with("/api/") {
        crate::error::ApiError::from(zhuqi_app::AppError::NotFound(anon.path.clone())).into_response()
    } else {
        crate::error::PageError::from(zhuqi_app::AppError::NotFound(anon.path.clone())).into_response()
    }
}

/// Decides the client's address once per request ([`crate::client_ip`]) and
/// hands it to the handlers as a [`ctx::ClientIp`] extension: the audit log
/// and the rate limits read nothing else.
async fn client_ip(
    axum::extract::State(st): axum::extract::State<AppState>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let peer = req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    let forwarded: Vec<&str> =
        req.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    let ip = st.web.trusted_proxies.client(peer, &forwarded);
    req.extensions_mut().insert(ctx::ClientIp(ip.map(|ip| ip.to_string()).unwrap_or_default()));
    next.run(req).await
}

/// Headers of every answer. Nothing is cached unless its handler says so
/// (the embedded assets, an attachment's bytes): pages, API answers and
/// exports carry personal data. Behind TLS (`secure_cookies`), browsers
/// are told to use HTTPS only (HSTS).
async fn security_headers(
    axum::extract::State(st): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if !h.contains_key(axum::http::header::CACHE_CONTROL) {
        h.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    }
    if st.web.secure_cookies {
        h.insert(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            axum::http::HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    for (k, v) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        ),
    ] {
        if let Ok(v) = v.parse() {
            h.insert(k, v);
        }
    }
    res
}
