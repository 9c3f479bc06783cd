//! The dispatch catalogue (派单目录) and the policies around it: categories
//! and their lead departments (city-wide, overridable per district), the
//! time limits per category (1-3-5 by default), whether replies are reviewed,
//! and the working-day calendar with the local adjustments and years an admin
//! entered.
//!
//! Reading the catalogue is open to every signed-in user (it is reference
//! data: the coordinator sees the suggestion, an enterprise sees the plain
//! wording). Changing it is for the city admin; a district admin may set the
//! lead department of their own district only.

use crate::{App, AppError, RequestMeta, Result};
use serde::{Deserialize, Serialize};
use zhuqi_domain::{Actor, Capability, FieldError, Role};
use zhuqi_store::catalogue::{Category, LimitsRow, RouteRow};
use zhuqi_store::departments::Department;
use zhuqi_store::regions::Region;
use zhuqi_store::Conn;

mod calendar;
#[cfg(test)]
mod tests;

pub use calendar::{
    official_calendar, parse_calendar_date, AdjustmentInput, CalendarCache, CalendarDayView, CalendarYearView,
    CALENDAR_YEARS,
};

pub use zhuqi_store::catalogue::TimeLimits;

/// A category with its city-wide lead department and current time limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryView {
    pub code: String,
    pub parent_code: Option<String>,
    pub name: String,
    pub name_en: String,
    pub plain: String,
    pub sort_order: i64,
    pub active: bool,
    /// The city-wide default lead department (`None` for majors and
    /// categories without a route).
    pub lead_department_id: Option<i64>,
    pub lead_department_name: Option<String>,
    /// The limits that apply to deadlines set now.
    pub time_limits: TimeLimits,
}

/// The department the catalogue proposes for a demand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub category_code: String,
    pub district_id: Option<i64>,
    pub department_id: i64,
    pub department_name: String,
    /// `district` when the district's override applies, `city` for the city-wide default.
    pub source: &'static str,
}

/// A new time-limit policy (API body and form).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LimitsInput {
    pub sign_days: i64,
    pub reply_days: i64,
    pub close_days: i64,
    pub auto_close_days: i64,
    #[serde(default)]
    pub reason: String,
}

/// Everything the catalogue admin page shows.
#[derive(Debug, Clone)]
pub struct CatalogueOverview {
    pub categories: Vec<CategoryView>,
    /// District overrides (city-wide defaults are in `categories`).
    pub overrides: Vec<RouteRow>,
    /// Time-limit history, newest first per category.
    pub history: Vec<LimitsRow>,
    pub departments: Vec<Department>,
    /// The districts whose route the actor may set (all for the city admin, their own for a district admin).
    pub districts: Vec<Region>,
    pub review_required: bool,
    /// Whether the actor may change time limits and settings (city admin).
    pub may_edit_policy: bool,
}

/// Checks a time-limit policy ([`TimeLimits::parse`]): 1 ≤ sign ≤ reply ≤
/// close ≤ 60 working days and auto-close 1..=30; the error names the field.
pub fn validate_time_limits(l: &LimitsInput) -> Result<TimeLimits, FieldError> {
    TimeLimits::parse(l.sign_days, l.reply_days, l.close_days, l.auto_close_days)
}

fn view(c: Category, route: Option<&RouteRow>, limits: TimeLimits) -> CategoryView {
    CategoryView {
        code: c.code,
        parent_code: c.parent_code,
        name: c.name,
        name_en: c.name_en,
        plain: c.plain,
        sort_order: c.sort_order,
        active: c.active != 0,
        lead_department_id: route.map(|r| r.department_id),
        lead_department_name: route.map(|r| r.department_name.clone()),
        time_limits: limits,
    }
}

/// Seeds the default catalogue (see [`zhuqi_store::catalogue::seed_default_catalogue`])
/// and the demo's district override: 用电 (0601) in the development zone
/// (region `zone_code`) goes to 经信局, which runs the zone's power desk.
pub async fn seed_demo_catalogue(c: &mut Conn, zone_code: &str, now: i64) -> Result<()> {
    zhuqi_store::catalogue::seed_default_catalogue(c, now).await?;
    zhuqi_store::catalogue::seed_route_override(c, "0601", zone_code, "econ", now).await?;
    Ok(())
}

impl App {
    async fn require_city_admin(&self, actor: &Actor, action: &str, target: &str, meta: &RequestMeta) -> Result<()> {
        if actor.may_in_district(Capability::CategoryManage, None) {
            Ok(())
        } else {
            Err(self.deny(actor, action, target, meta).await)
        }
    }

    /// The category tree (tree order) with each category's city-wide lead
    /// department and current time limits. Reference data: any signed-in user.
    pub async fn categories(&self) -> Result<Vec<CategoryView>> {
        let now = self.now_ms();
        let mut c = self.store.read().await?;
        let cats = zhuqi_store::catalogue::list_categories(&mut c).await?;
        let routes = zhuqi_store::catalogue::routes(&mut c).await?;
        let limits = zhuqi_store::catalogue::current_limits_all(&mut c, now).await?;
        Ok(cats
            .into_iter()
            .map(|cat| {
                let route = routes.iter().find(|r| r.category_code == cat.code && r.district_id.is_none());
                let l = limits.get(&cat.code).map_or_else(TimeLimits::default, LimitsRow::limits);
                view(cat, route, l)
            })
            .collect())
    }

    /// One category (404 when the code is unknown).
    pub async fn category(&self, code: &str) -> Result<CategoryView> {
        let now = self.now_ms();
        let mut c = self.store.read().await?;
        let cat = zhuqi_store::catalogue::get_category(&mut c, code)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("category {code}")))?;
        let route = zhuqi_store::catalogue::route(&mut c, code, None).await?;
        let limits = zhuqi_store::catalogue::current_time_limits(&mut c, code, now).await?;
        Ok(view(cat, route.as_ref(), limits))
    }

    /// The lead department the catalogue proposes for a demand of
    /// `category_code` in `district_id`: the district's override, else the
    /// city-wide default; `None` when the category has no route (the
    /// coordinator chooses). 404 for an unknown category.
    pub async fn suggest_department(
        &self,
        category_code: &str,
        district_id: Option<i64>,
    ) -> Result<Option<Suggestion>> {
        let mut c = self.store.read().await?;
        if zhuqi_store::catalogue::get_category(&mut c, category_code).await?.is_none() {
            return Err(AppError::NotFound(format!("category {category_code}")));
        }
        let r = zhuqi_store::catalogue::suggest(&mut c, category_code, district_id).await?;
        Ok(r.map(|r| Suggestion {
            source: if r.district_id.is_some() { "district" } else { "city" },
            category_code: r.category_code,
            district_id,
            department_id: r.department_id,
            department_name: r.department_name,
        }))
    }

    /// The time limits of a category for a deadline set at `at`.
    pub async fn time_limits_at(&self, category_code: &str, at: i64) -> Result<TimeLimits> {
        let mut c = self.store.read().await?;
        Ok(zhuqi_store::catalogue::current_time_limits(&mut c, category_code, at).await?)
    }

    /// The time limits of a category for a deadline set now.
    pub async fn time_limits(&self, category_code: &str) -> Result<TimeLimits> {
        self.time_limits_at(category_code, self.now_ms()).await
    }

    /// The time-limit history of a category, newest first.
    pub async fn limits_history(&self, category_code: &str) -> Result<Vec<LimitsRow>> {
        let mut c = self.store.read().await?;
        Ok(zhuqi_store::catalogue::limits_history(&mut c, category_code).await?)
    }

    /// Whether a coordinator reviews replies before they count (审核报结).
    pub async fn review_required(&self) -> Result<bool> {
        let mut c = self.store.read().await?;
        Ok(zhuqi_store::catalogue::review_required(&mut c).await?)
    }

    /// What the catalogue admin page shows: city admin (everything, editable)
    /// and district admin (their district's overrides).
    pub async fn catalogue_overview(&self, actor: &Actor, meta: &RequestMeta) -> Result<CatalogueOverview> {
        let own_district = match actor.role {
            Role::CityAdmin => None,
            Role::DistrictAdmin => match actor.district_id {
                Some(d) => Some(d),
                None => return Err(self.deny(actor, "read_catalogue_admin", "categories", meta).await),
            },
            _ => return Err(self.deny(actor, "read_catalogue_admin", "categories", meta).await),
        };
        let categories = self.categories().await?;
        let mut c = self.store.read().await?;
        let overrides = zhuqi_store::catalogue::routes(&mut c)
            .await?
            .into_iter()
            .filter(|r| r.district_id.is_some())
            .filter(|r| own_district.is_none() || r.district_id == own_district)
            .collect();
        let history = zhuqi_store::catalogue::limits_history_all(&mut c).await?;
        // The pickers offer what is in use: retired departments lead nothing new.
        let mut departments = zhuqi_store::departments::list(&mut c).await?;
        departments.retain(|d| d.retired_at.is_none());
        let districts = zhuqi_store::regions::by_level(&mut c, "district")
            .await?
            .into_iter()
            .filter(|d| d.retired_at.is_none() || own_district.is_some())
            .filter(|d| own_district.is_none_or(|o| o == d.id))
            .collect();
        let review_required = zhuqi_store::catalogue::review_required(&mut c).await?;
        Ok(CatalogueOverview {
            categories,
            overrides,
            history,
            departments,
            districts,
            review_required,
            may_edit_policy: actor.may(Capability::PolicyManage),
        })
    }

    /// Sets the lead department of a category city-wide (`district_id`
    /// `None`, city admin) or for one district (city admin; a district admin
    /// for their own district only). `department_id` `None` removes a
    /// district's override so the city-wide default applies again. Returns
    /// the route now in force for that district.
    pub async fn set_route(
        &self,
        actor: &Actor,
        category_code: &str,
        district_id: Option<i64>,
        department_id: Option<i64>,
        meta: &RequestMeta,
    ) -> Result<Option<RouteRow>> {
        let target = format!("category:{category_code}");
        let allowed = actor.may_in_district(Capability::CategoryManage, district_id);
        if !allowed {
            let t = district_id.map_or(target.clone(), |d| format!("{target}/district:{d}"));
            return Err(self.deny(actor, "set_route", &t, meta).await);
        }
        let mut tx = self.store.begin().await?;
        if zhuqi_store::catalogue::get_category(&mut tx, category_code).await?.is_none() {
            return Err(AppError::NotFound(format!("category {category_code}")));
        }
        if let Some(d) = district_id {
            let region = zhuqi_store::regions::get(&mut tx, d).await?;
            if region.is_none_or(|r| r.level != "district") {
                return Err(FieldError::new("district_id", format!("no district with id {d}")).into());
            }
        }
        let now = self.now_ms();
        let detail = match (district_id, department_id) {
            (_, Some(dep)) => {
                // A retired department leads nothing new.
                let department = crate::org::usable_department(&mut tx, dep, "department_id").await?;
                zhuqi_store::catalogue::set_route(&mut tx, category_code, district_id, dep, now, Some(actor.user_id))
                    .await?;
                let scope = district_id.map_or_else(|| "city".to_string(), |d| format!("district:{d}"));
                format!("{scope} → department:{dep} {}", department.name)
            }
            (Some(d), None) => {
                if !zhuqi_store::catalogue::delete_route_override(&mut tx, category_code, d).await? {
                    return Ok(zhuqi_store::catalogue::route(&mut tx, category_code, None).await?);
                }
                format!("district:{d} → city default")
            }
            (None, None) => {
                return Err(FieldError::new(
                    "department_id",
                    "请选择牵头部门 (a city-wide route needs a department_id)",
                )
                .into())
            }
        };
        let now_route = zhuqi_store::catalogue::suggest(&mut tx, category_code, district_id).await?;
        tx.commit().await?;
        self.audit(Some(actor), "set_route", &target, "success", &detail, meta).await;
        Ok(now_route)
    }

    /// Records a new time-limit policy for a category (city admin). It
    /// applies to deadlines set from now on; deadlines already set keep the
    /// limits they were computed with. The old policy stays as history.
    pub async fn set_time_limits(
        &self,
        actor: &Actor,
        category_code: &str,
        input: &LimitsInput,
        meta: &RequestMeta,
    ) -> Result<LimitsRow> {
        let target = format!("category:{category_code}");
        self.require_city_admin(actor, "set_time_limits", &target, meta).await?;
        let limits = validate_time_limits(input)?;
        let reason = input.reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(FieldError::new(
                "reason",
                "请填写调整原因，不超过200字 (a reason is required, at most 200 characters)",
            )
            .into());
        }
        let mut tx = self.store.begin().await?;
        if zhuqi_store::catalogue::get_category(&mut tx, category_code).await?.is_none() {
            return Err(AppError::NotFound(format!("category {category_code}")));
        }
        let now = self.now_ms();
        let before = zhuqi_store::catalogue::current_time_limits(&mut tx, category_code, now).await?;
        let id = zhuqi_store::catalogue::set_limits(&mut tx, category_code, limits, now, Some(actor.user_id), reason)
            .await?;
        let row = zhuqi_store::catalogue::limits_history(&mut tx, category_code)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| AppError::Internal("lost time_limits insert".into()))?;
        tx.commit().await?;
        self.catalogue_cache.clear();
        let fmt = |l: TimeLimits| format!("{}/{}/{}/{}", l.sign_days, l.reply_days, l.close_days, l.auto_close_days);
        let detail = format!("{} → {}: {reason}", fmt(before), fmt(limits));
        self.audit(Some(actor), "set_time_limits", &target, "success", &detail, meta).await;
        Ok(row)
    }

    /// Turns the coordinator's review of replies (审核报结) on or off (city admin).
    pub async fn set_review_required(&self, actor: &Actor, on: bool, meta: &RequestMeta) -> Result<()> {
        let key = zhuqi_store::catalogue::REVIEW_REQUIRED;
        self.require_city_admin(actor, "set_review_required", &format!("setting:{key}"), meta).await?;
        let mut tx = self.store.begin().await?;
        zhuqi_store::catalogue::set_setting(&mut tx, key, if on { "1" } else { "0" }).await?;
        tx.commit().await?;
        self.catalogue_cache.clear();
        self.audit(Some(actor), "set_review_required", &format!("setting:{key}"), "success", &on.to_string(), meta)
            .await;
        Ok(())
    }
}
