//! Visit (走访) pages. An officer's `/visits` is "today" (their enterprises,
//! who most needs a visit first) and "this month" (their own visits), phone
//! first; they record a visit in one form (mode, the five roles each with
//! its own short fields, optional location), edit it for 24 hours and turn a
//! need into a demand from the visit page. Everyone else who reads visits
//! gets the scoped list with filters and an `.xlsx` export; district and
//! city roles also get "behind this month", the monthly compliance report
//! (tables and a server-rendered SVG chart; the city admin sets the rule
//! there) and door-knock campaigns with their coverage per township.
//!
//! Forms post, then redirect (POST-redirect-GET); a form with a mistake is
//! shown again with the message and what was typed (422).

use super::demands::CategoryGroup;
use super::enterprises::xlsx_response;
use super::form_files::{check_files, read_form_with_files};
use super::{chrome, query_string, render, Chrome, Pager};
use crate::api::visits::{month_or_now, parse_id, parse_instant, parse_mode, parse_status, VisitQuery};
use crate::ctx::{random_hex, CsrfForm, Ctx, PageCtx};
use crate::error::{public_message, PageError};
use crate::i18n::Lang;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::TimeZone;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use zhuqi_app::visits::{
    BehindRow, CampaignCoverage, CampaignInput, ComplianceSeries, DistrictCompliance, TodayRow, VisitDetail,
    VisitFilter, VisitInput, VisitRow, VisitRuleUpdate,
};
use zhuqi_app::AppError;
use zhuqi_domain::capability::{self, Capability, Reach, Relation};
use zhuqi_domain::clock::{china_offset, display_cst, from_ms};
use zhuqi_domain::visit::{ProductionStatus, VisitMode, VisitRole, YearMonth};
use zhuqi_domain::{FieldError, Role};
use zhuqi_store::users::OfficerFilter;
use zhuqi_store::Page;

mod campaigns;
mod detail;
mod form;
mod list;
mod reports;
#[cfg(test)]
mod tests;

pub use campaigns::*;
pub use detail::*;
pub use form::*;
pub use list::*;
pub use reports::*;

// ---------------------------------------------------------------------------
// Labels and formats
// ---------------------------------------------------------------------------

fn mode_label(lang: Lang, mode: &str) -> String {
    VisitMode::parse(mode).map_or_else(
        || mode.to_string(),
        |m| if lang == Lang::En { m.label_en().to_string() } else { m.label_zh().to_string() },
    )
}

fn role_label(lang: Lang, r: VisitRole) -> String {
    if lang == Lang::En {
        r.label_en().to_string()
    } else {
        r.label_zh().to_string()
    }
}

fn roles_label(lang: Lang, stored: &str) -> String {
    let sep = if lang == Lang::En { ", " } else { "、" };
    VisitRole::split(stored).into_iter().map(|r| role_label(lang, r)).collect::<Vec<_>>().join(sep)
}

fn status_label(lang: Lang, s: &str) -> String {
    ProductionStatus::parse(s).map_or_else(
        || s.to_string(),
        |p| if lang == Lang::En { p.label_en().to_string() } else { p.label_zh().to_string() },
    )
}

fn pct(rate: f64) -> String {
    format!("{:.1}%", zhuqi_app::metrics::round_half_up(rate * 100.0, 1))
}

/// An instant as a `datetime-local` value in China time.
fn local_input(ms: i64) -> String {
    from_ms(ms).with_timezone(&china_offset()).format("%Y-%m-%dT%H:%M").to_string()
}

/// Reads a `datetime-local` value as China time (RFC 3339 is accepted too).
fn parse_local(field: &str, s: &str) -> Result<i64, AppError> {
    let t = s.trim();
    for f in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(n) = chrono::NaiveDateTime::parse_from_str(t, f) {
            if let Some(at) = china_offset().from_local_datetime(&n).single() {
                return Ok(at.timestamp_millis());
            }
        }
    }
    parse_instant(field, t).map_err(|_| {
        FieldError::new(field, format!("时间格式应为 YYYY-MM-DDTHH:MM (expected a date and time, got “{t}”)")).into()
    })
}

fn opt_f64(field: &str, s: &str) -> Result<Option<f64>, AppError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or_else(|| FieldError::new(field, format!("“{t}”不是数字 (not a number)")).into())
}

fn fmt_f64(v: Option<f64>, decimals: usize) -> String {
    v.map(|x| format!("{x:.decimals$}")).unwrap_or_default()
}

/// Turns a form mistake into the message shown above the form; other
/// errors (403, 404, 500) become the error page.
fn form_error(e: AppError, ctx: &Ctx) -> Result<String, PageError> {
    match e {
        AppError::Invalid(f) => {
            let key = match f.field.as_str() {
                "enterprise_id" => "enterprise",
                "category" => "category",
                "title" => "demand_title",
                "description" => "description",
                "name" => "campaign_name",
                "starts_on" => "starts_on",
                "ends_on" => "ends_on",
                "min_per_month" => "min_per_month",
                "reminder_day" => "reminder_day",
                "lat" | "lon" | "accuracy_m" => "location",
                other => field_label(other),
            };
            let label = Some(ctx.lang.t(key)).filter(|l| !l.is_empty()).unwrap_or(f.field.as_str());
            Ok(format!("{label}{}{}", ctx.lang.t("colon"), f.message))
        }
        e @ AppError::Conflict(_) => Ok(public_message(&e)),
        other => Err(other.into()),
    }
}

fn unprocessable(html: Html<String>) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, html).into_response()
}

fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Actors whose visits span districts (and so pick a district in filters).
fn city_wide(ctx: &Ctx) -> bool {
    ctx.actor.spans_districts(Capability::VisitView)
}

/// Roles that read the monthly reports (behind, compliance).
fn reads_reports(role: Role) -> bool {
    capability::may(role, Capability::VisitRead)
}

/// Actors who see door-knock campaigns.
fn reads_campaigns(ctx: &Ctx) -> bool {
    ctx.actor.campaign_district().is_some()
}

/// The links between the visit pages a role may use: (href, text key, test id).
fn subnav(ctx: &Ctx) -> Vec<(&'static str, String, &'static str)> {
    let t = |k: &str| ctx.lang.t(k).to_string();
    let mut v = Vec::new();
    if ctx.actor.may(Capability::VisitRecord) {
        v.push(("/visits", t("visits_today"), "sub-today"));
        v.push(("/visits?view=all", t("visits_history"), "sub-history"));
    } else {
        v.push(("/visits", t("visits_list"), "sub-list"));
    }
    if reads_reports(ctx.actor.role) {
        v.push(("/visits/behind", t("visits_behind"), "sub-behind"));
        v.push(("/visits/compliance", t("visits_compliance"), "sub-compliance"));
    }
    if reads_campaigns(ctx) {
        v.push(("/visits/campaigns", t("visits_campaigns"), "sub-campaigns"));
    }
    v
}
