//! The working-day calendar: the bundled official lists, local adjustments
//! and the years an admin entered.

use crate::{App, AppError, RequestMeta, Result};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, OnceLock, RwLock};
use zhuqi_domain::calendar::{Adjustment, DayInfo, DayKind, WorkCalendar};
use zhuqi_domain::clock::{china_offset, from_ms};
use zhuqi_domain::{Actor, FieldError};
use zhuqi_store::catalogue::{CalendarDayRow, CalendarYearRow};
use zhuqi_store::StoreError;

/// The years an admin may enter or adjust.
pub const CALENDAR_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;
/// How long a loaded calendar is trusted before it is read again (so that a
/// change made by another process shows within a minute).
const CALENDAR_TTL_MS: i64 = 60_000;

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

impl App {
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
