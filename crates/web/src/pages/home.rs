//! The home page: what each role needs first.

use super::{chrome, render, Chrome};
use crate::ctx::PageCtx;
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use zhuqi_domain::demand::Status;
use zhuqi_domain::{Capability, Role};
use zhuqi_store::enterprises::{EnterpriseFilter, EnterpriseRow};
use zhuqi_store::users::OfficerFilter;
use zhuqi_store::Page;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    name: String,
    role_label: String,
    scope_label: String,
    /// (label, value, link, key)
    stats: Vec<(String, String, String, String)>,
    my_enterprise: Option<EnterpriseRow>,
    officer_phone: Option<String>,
    cards_title: String,
    /// (title, subtitle, link)
    cards: Vec<(String, String, String)>,
    note: String,
    can_submit: bool,
    /// Binding requests of the enterprise code waiting for this officer or admin.
    pending_bindings: Vec<zhuqi_store::enterprise_codes::BindingRow>,
}

/// GET /
pub async fn show(State(st): State<AppState>, PageCtx(ctx): PageCtx) -> Result<Html<String>, PageError> {
    let app = &st.app;
    let a = &ctx.actor;
    let lang = ctx.lang;
    let me = app.me(a).await?;
    let mut stats = Vec::new();
    let mut cards = Vec::new();
    let mut cards_title = String::new();
    let mut my_enterprise = None;
    let mut officer_phone = None;
    let note: String;
    let scope_label = match a.role {
        Role::CityAdmin | Role::Auditor => lang.t("city").to_string(),
        Role::Coordinator => me.district_name.clone().unwrap_or_else(|| lang.t("city").to_string()),
        Role::DistrictAdmin | Role::Officer => me.district_name.clone().unwrap_or_default(),
        Role::DeptHandler | Role::DeptHead => me.department_name.clone().unwrap_or_default(),
        Role::EnterpriseUser => me.enterprise_name.clone().unwrap_or_default(),
    };
    match a.role {
        Role::CityAdmin | Role::DistrictAdmin | Role::Coordinator | Role::Auditor => {
            let cov = app.coverage(a, &ctx.meta).await?;
            let ent: i64 = cov.iter().map(|d| d.enterprises).sum();
            let un: i64 = cov.iter().map(|d| d.unassigned).sum();
            let off: i64 = cov.iter().map(|d| d.officers).sum();
            let idle: i64 = cov.iter().map(|d| d.idle_officers).sum();
            stats.push((
                lang.t("enterprises_count").into(),
                ent.to_string(),
                "/enterprises".into(),
                "enterprises".into(),
            ));
            stats.push((lang.t("officers_count").into(), off.to_string(), "/officers".into(), "officers".into()));
            stats.push((
                lang.t("unassigned_enterprises").into(),
                un.to_string(),
                "/enterprises?unassigned=1".into(),
                "unassigned".into(),
            ));
            stats.push((lang.t("idle_officers").into(), idle.to_string(), "/officers?idle=1".into(), "idle".into()));
            if a.role == Role::Auditor {
                note = lang.t("audit_home").into();
            } else {
                note = String::new();
            }
        }
        Role::Officer => {
            let list =
                app.enterprises(a, &EnterpriseFilter::default(), Page::new(Some(1), Some(100)), &ctx.meta).await?;
            cards_title = lang.t("my_enterprises").into();
            cards = list
                .items
                .into_iter()
                .map(|e| {
                    (
                        e.name,
                        format!("{} · {} {}", e.district_name, e.contact_name, e.contact_phone),
                        format!("/enterprises/{}", e.id),
                    )
                })
                .collect();
            note = String::new();
        }
        Role::EnterpriseUser => {
            if let Some(eid) = a.enterprise_id {
                let d = app.enterprise(a, eid, &ctx.meta).await?;
                officer_phone = d.officer_phone;
                my_enterprise = Some(d.enterprise);
            }
            note = String::new();
        }
        Role::DeptHead => {
            let list = app.officers(a, &OfficerFilter::default(), Page::new(Some(1), Some(1)), &ctx.meta).await?;
            stats.push((
                lang.t("sent_officers").into(),
                list.total.to_string(),
                "/officers".into(),
                "sent_officers".into(),
            ));
            note = String::new();
        }
        Role::DeptHandler => {
            note = String::new();
        }
    }
    // Demand figures of the role's scope, each linking to the list behind it.
    let count = |statuses: &'static [Status], colour: Option<&'static str>| {
        let st = &st;
        let ctx = &ctx;
        async move {
            let f = zhuqi_store::demands::DemandFilter {
                statuses: statuses.iter().map(|s| s.as_str().to_string()).collect(),
                colour: colour.map(str::to_string),
                ..Default::default()
            };
            st.app.demands(&ctx.actor, &f, Page::new(Some(1), Some(1)), &ctx.meta).await.map(|p| p.total)
        }
    };
    let mut dstats: Vec<(String, String, String, String)> = Vec::new();
    let open = Status::query_value(&Status::OPEN);
    match a.role {
        Role::Coordinator | Role::CityAdmin | Role::DistrictAdmin => {
            let n = count(&[Status::Submitted], None).await?;
            dstats.push((
                lang.t("queue_coordinator").into(),
                n.to_string(),
                "/demands?status=submitted".into(),
                "submitted".into(),
            ));
        }
        Role::DeptHandler | Role::DeptHead => {
            let n = count(&Status::IN_WORK, None).await?;
            dstats.push((lang.t("queue_department").into(), n.to_string(), "/demands".into(), "queue".into()));
        }
        _ => {}
    }
    {
        let n = count(&Status::OPEN, None).await?;
        dstats.push((lang.t("open_demands").into(), n.to_string(), format!("/demands?status={open}"), "open".into()));
        let r = count(&Status::OPEN, Some("red")).await?;
        dstats.push((lang.t("colour_red").into(), r.to_string(), "/demands?colour=red".into(), "red".into()));
    }
    stats.splice(0..0, dstats);
    let pending_bindings = app.pending_bindings(a).await?;
    let page = HomePage {
        pending_bindings,
        c: chrome(&ctx, "home", lang.t("home").to_string(), "home"),
        name: a.display_name.clone(),
        role_label: lang.role(a.role).to_string(),
        scope_label,
        stats,
        my_enterprise,
        officer_phone,
        cards_title,
        cards,
        note,
        can_submit: a.may(Capability::DemandSubmit),
    };
    render(&ctx, &page)
}
