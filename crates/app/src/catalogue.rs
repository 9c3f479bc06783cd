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
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, OnceLock, RwLock};
use zhuqi_domain::calendar::{Adjustment, DayInfo, DayKind, WorkCalendar};
use zhuqi_domain::clock::{china_offset, from_ms};
use zhuqi_domain::{Actor, FieldError, Role};
use zhuqi_store::catalogue::{CalendarDayRow, CalendarYearRow, Category, LimitsRow, RouteRow};
use zhuqi_store::departments::Department;
use zhuqi_store::regions::Region;
use zhuqi_store::{Conn, StoreError};

pub use zhuqi_store::catalogue::TimeLimits;

/// The years an admin may enter or adjust.
pub const CALENDAR_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;
/// How long a loaded calendar is trusted before it is read again (so that a
/// change made by another process shows within a minute).
const CALENDAR_TTL_MS: i64 = 60_000;

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

/// A local calendar adjustment (API body and form).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AdjustmentInput {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `holiday` or `workday`.
    pub kind: String,
    #[serde(default)]
    pub name: String,
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

/// One special day of a calendar year: a holiday or make-up working day,
/// official or local.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarDayView {
    #[serde(flatten)]
    pub info: DayInfo,
    /// `official` (the bundled State Council list) or `local` (an admin's adjustment).
    pub source: &'static str,
    /// What the official list says about a locally adjusted date, if anything.
    pub official_name: Option<String>,
}

/// A calendar year as the API and the admin page show it.
#[derive(Debug, Clone, Serialize)]
pub struct CalendarYearView {
    pub year: i32,
    /// Whether counts through this year are exact (official or entered data).
    pub has_data: bool,
    /// Whether the official list ships with zhuqi.
    pub bundled: bool,
    /// When an admin entered this year, if they did.
    pub entered: Option<CalendarYearRow>,
    pub working_days: i64,
    /// Holidays and make-up working days, official and local, by date.
    pub days: Vec<CalendarDayView>,
    /// The local adjustments of the year.
    pub adjustments: Vec<CalendarDayRow>,
}

/// A loaded calendar and when it was loaded (clock milliseconds).
#[derive(Debug, Default)]
pub struct CalendarCache(RwLock<Option<(i64, Arc<WorkCalendar>)>>);

impl CalendarCache {
    fn get(&self, now: i64) -> Option<Arc<WorkCalendar>> {
        let g = self.0.read().ok()?;
        let (at, cal) = g.as_ref()?;
        (now >= *at && now - *at < CALENDAR_TTL_MS).then(|| cal.clone())
    }

    fn put(&self, now: i64, cal: Arc<WorkCalendar>) {
        if let Ok(mut g) = self.0.write() {
            *g = Some((now, cal));
        }
    }

    fn clear(&self) {
        if let Ok(mut g) = self.0.write() {
            *g = None;
        }
    }
}

/// The bundled official calendar, parsed once.
pub fn official_calendar() -> &'static WorkCalendar {
    static CAL: OnceLock<WorkCalendar> = OnceLock::new();
    CAL.get_or_init(WorkCalendar::official)
}

/// Checks a time-limit policy ([`TimeLimits::parse`]): 1 ≤ sign ≤ reply ≤
/// close ≤ 60 working days and auto-close 1..=30; the error names the field.
pub fn validate_time_limits(l: &LimitsInput) -> Result<TimeLimits, FieldError> {
    TimeLimits::parse(l.sign_days, l.reply_days, l.close_days, l.auto_close_days)
}

/// Parses a `YYYY-MM-DD` date (exactly that form) of a year an admin may adjust.
pub fn parse_calendar_date(s: &str) -> Result<NaiveDate, FieldError> {
    let s = s.trim();
    let bad = || FieldError::new("date", format!("日期格式应为 YYYY-MM-DD (date must be YYYY-MM-DD, got '{s}')"));
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad())?;
    if d.format("%Y-%m-%d").to_string() != s {
        return Err(bad());
    }
    check_year(d.year(), "date")?;
    Ok(d)
}

fn check_year(year: i32, field: &str) -> Result<(), FieldError> {
    if CALENDAR_YEARS.contains(&year) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!(
                "年份须在 {} 至 {} 之间 (year must be {} to {}, got {year})",
                CALENDAR_YEARS.start(),
                CALENDAR_YEARS.end(),
                CALENDAR_YEARS.start(),
                CALENDAR_YEARS.end()
            ),
        ))
    }
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
        if actor.role == Role::CityAdmin {
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
        let departments = zhuqi_store::departments::list(&mut c).await?;
        let districts = zhuqi_store::regions::by_level(&mut c, "district")
            .await?
            .into_iter()
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
            may_edit_policy: actor.role == Role::CityAdmin,
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
        let allowed = match actor.role {
            Role::CityAdmin => true,
            Role::DistrictAdmin => district_id.is_some() && actor.district_id == district_id,
            _ => false,
        };
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
                let Some(department) = zhuqi_store::departments::get(&mut tx, dep).await? else {
                    return Err(FieldError::new("department_id", format!("no department with id {dep}")).into());
                };
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

    // -----------------------------------------------------------------------
    // The working-day calendar
    // -----------------------------------------------------------------------

    async fn load_calendar(&self) -> Result<WorkCalendar> {
        let mut c = self.store.read().await?;
        let days = zhuqi_store::catalogue::calendar_days(&mut c).await?;
        let years = zhuqi_store::catalogue::calendar_years(&mut c).await?;
        let mut cal = official_calendar().clone();
        let adjustments = days.into_iter().filter_map(|d| {
            let date = NaiveDate::parse_from_str(&d.date, "%Y-%m-%d").ok();
            let kind = DayKind::parse(&d.kind);
            if date.is_none() || kind.is_none() {
                tracing::warn!(date = %d.date, kind = %d.kind, "skipping a malformed calendar adjustment");
            }
            Some(Adjustment { date: date?, kind: kind?, name: d.name })
        });
        cal.with_adjustments(adjustments);
        for y in years {
            if let Ok(y) = i32::try_from(y.year) {
                cal.mark_year_official(y);
            }
        }
        Ok(cal)
    }

    /// The working-day calendar in force: the bundled official lists, the
    /// local adjustments and the years an admin entered. Cached in the
    /// application (shared by clones), dropped on every change made through
    /// it and re-read after a minute to see other processes' changes.
    pub async fn calendar_shared(&self) -> Result<Arc<WorkCalendar>> {
        let now = self.now_ms();
        if let Some(cal) = self.calendar_cache.get(now) {
            return Ok(cal);
        }
        let cal = Arc::new(self.load_calendar().await?);
        self.calendar_cache.put(now, cal.clone());
        Ok(cal)
    }

    /// The working-day calendar in force (see [`App::calendar_shared`]).
    pub async fn calendar(&self) -> Result<WorkCalendar> {
        Ok(self.calendar_shared().await?.as_ref().clone())
    }

    /// The years — this one and the next, by the clock in China time —
    /// without official holiday data: deadlines reaching into them are
    /// provisional (counted Monday–Friday) until an admin enters the year.
    pub async fn calendar_warnings(&self) -> Result<Vec<i32>> {
        let cal = self.calendar_shared().await?;
        let year = self.current_year();
        Ok([year, year + 1].into_iter().filter(|y| !cal.has_data(*y)).collect())
    }

    /// One calendar year: its holidays and make-up working days (official and
    /// local), the local adjustments, and whether its data is complete.
    /// Reference data: any signed-in user.
    pub async fn calendar_year(&self, year: i32) -> Result<CalendarYearView> {
        check_year(year, "year")?;
        let cal = self.calendar_shared().await?;
        let mut c = self.store.read().await?;
        let adjustments = zhuqi_store::catalogue::calendar_days_of_year(&mut c, year).await?;
        let entered =
            zhuqi_store::catalogue::calendar_years(&mut c).await?.into_iter().find(|y| y.year == i64::from(year));
        drop(c);
        let official = official_calendar();
        let local: std::collections::BTreeSet<&str> = adjustments.iter().map(|a| a.date.as_str()).collect();
        let all = cal.year_days(year);
        let working_days = all.iter().filter(|d| d.working).count();
        let days = all
            .into_iter()
            .filter_map(|info| {
                let o = official.day_info(info.date);
                let is_local = local.contains(info.date.format("%Y-%m-%d").to_string().as_str());
                if !is_local && info.kind.is_none() {
                    return None;
                }
                Some(CalendarDayView {
                    source: if is_local { "local" } else { "official" },
                    official_name: if is_local { o.name } else { None },
                    info,
                })
            })
            .collect();
        Ok(CalendarYearView {
            year,
            has_data: cal.has_data(year),
            bundled: official.has_data(year),
            entered,
            working_days: i64::try_from(working_days).unwrap_or(i64::MAX),
            days,
            adjustments,
        })
    }

    /// The calendar admin page's year (city admin only).
    pub async fn calendar_admin(&self, actor: &Actor, year: i32, meta: &RequestMeta) -> Result<CalendarYearView> {
        self.require_city_admin(actor, "read_calendar_admin", "calendar", meta).await?;
        self.calendar_year(year).await
    }

    /// The current year in China time, by the injected clock.
    pub fn current_year(&self) -> i32 {
        from_ms(self.now_ms()).with_timezone(&china_offset()).year()
    }

    /// Adds (or replaces) a local adjustment of the calendar (city admin).
    /// An adjustment that would change nothing is refused, except naming the
    /// weekend days of a holiday in a year being entered.
    pub async fn add_calendar_adjustment(
        &self,
        actor: &Actor,
        input: &AdjustmentInput,
        meta: &RequestMeta,
    ) -> Result<CalendarDayRow> {
        let target = format!("calendar:{}", input.date.trim());
        self.require_city_admin(actor, "add_calendar_adjustment", &target, meta).await?;
        let date = parse_calendar_date(&input.date)?;
        let kind = DayKind::parse(&input.kind).ok_or_else(|| {
            FieldError::new(
                "kind",
                format!("类型须为 holiday 或 workday (kind must be holiday or workday, got '{}')", input.kind.trim()),
            )
        })?;
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 30 {
            return Err(
                FieldError::new("name", "请填写名称，不超过30字 (a name is required, at most 30 characters)").into()
            );
        }
        let official = official_calendar();
        let same_effect = official.is_working_day(date) == (kind == DayKind::Workday);
        if same_effect && (official.has_data(date.year()) || kind == DayKind::Workday) {
            let what = if kind == DayKind::Workday { "工作日 (a working day)" } else { "休息日 (a rest day)" };
            return Err(FieldError::new(
                "kind",
                format!("{date} 在官方日历中已是{what}，无需调整 ({date} already is one in the official calendar)"),
            )
            .into());
        }
        let ds = date.format("%Y-%m-%d").to_string();
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        zhuqi_store::catalogue::put_calendar_day(&mut tx, &ds, kind.as_str(), name, Some(actor.user_id), now).await?;
        let row = zhuqi_store::catalogue::calendar_days_of_year(&mut tx, date.year())
            .await?
            .into_iter()
            .find(|d| d.date == ds)
            .ok_or_else(|| AppError::Internal("lost calendar_days insert".into()))?;
        tx.commit().await?;
        self.calendar_cache.clear();
        self.audit(
            Some(actor),
            "add_calendar_adjustment",
            &target,
            "success",
            &format!("{} {name}", kind.as_str()),
            meta,
        )
        .await;
        Ok(row)
    }

    /// Removes a local adjustment (city admin): the official list applies to
    /// that date again. Returns whether there was one.
    pub async fn remove_calendar_adjustment(&self, actor: &Actor, date: &str, meta: &RequestMeta) -> Result<bool> {
        let target = format!("calendar:{}", date.trim());
        self.require_city_admin(actor, "remove_calendar_adjustment", &target, meta).await?;
        let date = parse_calendar_date(date)?;
        let mut tx = self.store.begin().await?;
        let removed =
            zhuqi_store::catalogue::delete_calendar_day(&mut tx, &date.format("%Y-%m-%d").to_string()).await?;
        tx.commit().await?;
        if removed {
            self.calendar_cache.clear();
            self.audit(Some(actor), "remove_calendar_adjustment", &target, "success", "", meta).await;
        }
        Ok(removed)
    }

    /// Marks `year` as entered (city admin): its holidays and make-up days
    /// are in the local adjustments, so counts through it are no longer
    /// provisional. Refused for a year that ships with official data or has
    /// no adjustment yet. Returns false when it was already marked.
    pub async fn mark_calendar_year(&self, actor: &Actor, year: i32, meta: &RequestMeta) -> Result<bool> {
        let target = format!("calendar:{year}");
        self.require_city_admin(actor, "mark_calendar_year", &target, meta).await?;
        check_year(year, "year")?;
        if official_calendar().has_data(year) {
            return Err(FieldError::new(
                "year",
                format!("{year} 年的官方数据已内置 ({year} already ships with the official list)"),
            )
            .into());
        }
        let mut tx = self.store.begin().await?;
        if zhuqi_store::catalogue::calendar_days_of_year(&mut tx, year).await?.is_empty() {
            return Err(FieldError::new(
                "year",
                format!(
                    "请先录入 {year} 年的节假日和调休上班日 (enter {year}'s holidays and make-up days as adjustments first)"
                ),
            )
            .into());
        }
        let added = zhuqi_store::catalogue::add_calendar_year(&mut tx, year, Some(actor.user_id), self.now_ms())
            .await
            .map_err(|e| match e {
                StoreError::Unique(_) => AppError::Conflict(format!("{year} is already entered")),
                other => other.into(),
            })?;
        tx.commit().await?;
        if added {
            self.calendar_cache.clear();
            self.audit(Some(actor), "mark_calendar_year", &target, "success", "", meta).await;
        }
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(s: i64, r: i64, c: i64, a: i64) -> LimitsInput {
        LimitsInput { sign_days: s, reply_days: r, close_days: c, auto_close_days: a, reason: String::new() }
    }

    #[test]
    fn time_limits_rules_name_the_field() {
        let field = |t: LimitsInput| validate_time_limits(&t).err().map(|e| e.field);
        assert_eq!(validate_time_limits(&l(1, 3, 5, 5)), Ok(TimeLimits::default()));
        assert_eq!(field(l(1, 1, 1, 1)), None);
        assert_eq!(field(l(60, 60, 60, 30)), None);
        assert_eq!(field(l(0, 3, 5, 5)).as_deref(), Some("sign_days"));
        assert_eq!(field(l(-1, 3, 5, 5)).as_deref(), Some("sign_days"));
        assert_eq!(field(l(1, 61, 61, 5)).as_deref(), Some("reply_days"));
        assert_eq!(field(l(1, 3, 61, 5)).as_deref(), Some("close_days"));
        assert_eq!(field(l(2, 1, 5, 5)).as_deref(), Some("reply_days"));
        assert_eq!(field(l(1, 3, 2, 5)).as_deref(), Some("close_days"));
        assert_eq!(field(l(1, 3, 5, 0)).as_deref(), Some("auto_close_days"));
        assert_eq!(field(l(1, 3, 5, 31)).as_deref(), Some("auto_close_days"));
    }

    #[test]
    fn calendar_dates_must_be_exact() {
        assert!(parse_calendar_date("2026-10-10").is_ok());
        for bad in ["2026-1-5", "2026/10/10", "10-10-2026", "2026-02-30", "", "1999-01-01", "2101-01-01"] {
            assert_eq!(parse_calendar_date(bad).map_err(|e| e.field), Err("date".to_string()), "{bad}");
        }
    }
}
