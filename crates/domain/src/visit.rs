//! Visits (走访): what an officer records at an enterprise, and the rules
//! that count them: the monthly minimum (at least N visits per enterprise
//! per calendar month in China time, any mode or on-site only), the 24-hour
//! edit window, and door-knock campaigns (敲门走访: every enterprise gets one
//! on-site visit within a window of dates).

use crate::clock::{china_offset, from_ms};
use crate::FieldError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * 60 * MINUTE_MS;

/// How far in the future a visit's start may lie (clock skew of phones).
pub const FUTURE_TOLERANCE_MS: i64 = 10 * MINUTE_MS;
/// How late a visit may be recorded after it happened, in days.
pub const LATE_RECORD_DAYS: i64 = 62;
/// How long after recording its author may still edit a visit.
pub const EDIT_WINDOW_MS: i64 = DAY_MS;
/// The longest a single visit may last.
pub const MAX_DURATION_MS: i64 = DAY_MS;
/// Longest free text of each field, in characters.
pub const TEXT_MAX: usize = 2000;
/// The default monthly minimum of visits per enterprise.
pub const DEFAULT_MIN_PER_MONTH: u32 = 2;
/// The highest monthly minimum a setting may ask for.
pub const MAX_MIN_PER_MONTH: u32 = 31;
/// The default day of the month on which behind officers are reminded.
pub const DEFAULT_REMINDER_DAY: u32 = 20;

/// How a visit was made. The string forms are part of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitMode {
    OnSite,
    Phone,
    Video,
}

impl VisitMode {
    pub const ALL: [VisitMode; 3] = [VisitMode::OnSite, VisitMode::Phone, VisitMode::Video];

    pub fn as_str(self) -> &'static str {
        match self {
            VisitMode::OnSite => "on_site",
            VisitMode::Phone => "phone",
            VisitMode::Video => "video",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            VisitMode::OnSite => "上门",
            VisitMode::Phone => "电话",
            VisitMode::Video => "视频",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            VisitMode::OnSite => "On site",
            VisitMode::Phone => "Phone",
            VisitMode::Video => "Video",
        }
    }
}

/// The five roles of a service officer (五大员). The string forms are part of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitRole {
    /// 信心传递员: passing on confidence.
    Confidence,
    /// 政策宣传员: explaining policies.
    Policy,
    /// 招商信息员: collecting investment leads.
    Investment,
    /// 困难协调员: finding and coordinating difficulties.
    Difficulty,
    /// 防疫指导员: epidemic (and workplace safety) guidance.
    Epidemic,
}

impl VisitRole {
    pub const ALL: [VisitRole; 5] =
        [VisitRole::Confidence, VisitRole::Policy, VisitRole::Investment, VisitRole::Difficulty, VisitRole::Epidemic];

    pub fn as_str(self) -> &'static str {
        match self {
            VisitRole::Confidence => "confidence",
            VisitRole::Policy => "policy",
            VisitRole::Investment => "investment",
            VisitRole::Difficulty => "difficulty",
            VisitRole::Epidemic => "epidemic",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            VisitRole::Confidence => "信心传递员",
            VisitRole::Policy => "政策宣传员",
            VisitRole::Investment => "招商信息员",
            VisitRole::Difficulty => "困难协调员",
            VisitRole::Epidemic => "防疫指导员",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            VisitRole::Confidence => "Confidence",
            VisitRole::Policy => "Policy",
            VisitRole::Investment => "Investment leads",
            VisitRole::Difficulty => "Difficulties",
            VisitRole::Epidemic => "Epidemic and safety guidance",
        }
    }

    /// The stored form of a set of roles: their strings joined by commas, in
    /// [`VisitRole::ALL`] order, each once.
    pub fn join(roles: &[VisitRole]) -> String {
        let mut v: Vec<VisitRole> = roles.to_vec();
        v.sort_unstable();
        v.dedup();
        v.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
    }

    /// Reads the stored form back (unknown words are skipped).
    pub fn split(stored: &str) -> Vec<VisitRole> {
        let mut v: Vec<VisitRole> = stored.split(',').filter_map(VisitRole::parse).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// The enterprise's production as the officer found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductionStatus {
    Normal,
    Partial,
    Suspended,
}

impl ProductionStatus {
    pub const ALL: [ProductionStatus; 3] =
        [ProductionStatus::Normal, ProductionStatus::Partial, ProductionStatus::Suspended];

    pub fn as_str(self) -> &'static str {
        match self {
            ProductionStatus::Normal => "normal",
            ProductionStatus::Partial => "partial",
            ProductionStatus::Suspended => "suspended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ProductionStatus::Normal => "正常",
            ProductionStatus::Partial => "部分停产",
            ProductionStatus::Suspended => "停产",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ProductionStatus::Normal => "Normal",
            ProductionStatus::Partial => "Partly stopped",
            ProductionStatus::Suspended => "Stopped",
        }
    }
}

/// A visit as the officer records (or edits) it. Instants are milliseconds
/// since the epoch (UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitInput {
    pub enterprise_id: i64,
    pub mode: VisitMode,
    pub started_at: i64,
    #[serde(default)]
    pub ended_at: Option<i64>,
    /// Which of the five roles the visit covered (at least one).
    pub roles: Vec<VisitRole>,
    /// Policies explained (a policy name or free text).
    #[serde(default)]
    pub policy: String,
    /// Needs and difficulties found.
    #[serde(default)]
    pub needs: String,
    #[serde(default)]
    pub production_status: Option<ProductionStatus>,
    /// Staff situation (employees, hiring, wages).
    #[serde(default)]
    pub staff_situation: String,
    /// Epidemic or workplace-safety guidance given.
    #[serde(default)]
    pub guidance: String,
    /// Investment leads heard.
    #[serde(default)]
    pub investment_leads: String,
    #[serde(default)]
    pub notes: String,
    /// Optional location from the browser, in degrees (WGS 84), with its accuracy in metres.
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub accuracy_m: Option<f64>,
}

impl VisitInput {
    /// The input with texts trimmed and roles sorted, each once.
    pub fn normalized(&self) -> VisitInput {
        let mut v = self.clone();
        for s in [
            &mut v.policy,
            &mut v.needs,
            &mut v.staff_situation,
            &mut v.guidance,
            &mut v.investment_leads,
            &mut v.notes,
        ] {
            *s = s.trim().to_string();
        }
        v.roles.sort_unstable();
        v.roles.dedup();
        v
    }

    /// Checks the rules of a visit recorded at `now` (ms). The error names the field.
    pub fn validate(&self, now: i64) -> Result<(), FieldError> {
        self.validate_edit(now, now)
    }

    /// Checks an edit at `now` of a visit first recorded at `recorded_at`:
    /// how late it may lie is counted from the recording, not the edit.
    pub fn validate_edit(&self, now: i64, recorded_at: i64) -> Result<(), FieldError> {
        if self.roles.is_empty() {
            return Err(FieldError::new("roles", "请至少选择一项走访职责 (choose at least one of the five roles)"));
        }
        if self.started_at > now + FUTURE_TOLERANCE_MS {
            return Err(FieldError::new(
                "started_at",
                "走访时间不能晚于当前时间 (the visit cannot start in the future)",
            ));
        }
        if self.started_at < recorded_at.min(now) - LATE_RECORD_DAYS * DAY_MS {
            return Err(FieldError::new(
                "started_at",
                format!(
                    "只能补录{LATE_RECORD_DAYS}天内的走访 (a visit can be recorded at most {LATE_RECORD_DAYS} days late)"
                ),
            ));
        }
        if let Some(end) = self.ended_at {
            if end < self.started_at {
                return Err(FieldError::new(
                    "ended_at",
                    "结束时间不能早于开始时间 (the end cannot be before the start)",
                ));
            }
            if end - self.started_at > MAX_DURATION_MS {
                return Err(FieldError::new("ended_at", "一次走访不能超过24小时 (a visit cannot last over 24 hours)"));
            }
            if end > now + FUTURE_TOLERANCE_MS {
                return Err(FieldError::new("ended_at", "结束时间不能晚于当前时间 (the end cannot be in the future)"));
            }
        }
        for (field, label, text) in [
            ("policy", "宣传政策", &self.policy),
            ("needs", "需求与困难", &self.needs),
            ("staff_situation", "用工情况", &self.staff_situation),
            ("guidance", "防疫与安全指导", &self.guidance),
            ("investment_leads", "招商线索", &self.investment_leads),
            ("notes", "备注", &self.notes),
        ] {
            let n = text.trim().chars().count();
            if n > TEXT_MAX {
                return Err(FieldError::new(
                    field,
                    format!("{label}不能超过{TEXT_MAX}字 (at most {TEXT_MAX} characters, got {n})"),
                ));
            }
        }
        match (self.lat, self.lon) {
            (None, None) => {
                if self.accuracy_m.is_some() {
                    return Err(FieldError::new("accuracy_m", "有精度而无位置 (an accuracy needs a location)"));
                }
            }
            (Some(lat), Some(lon)) => {
                if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
                    return Err(FieldError::new("lat", "纬度应在 -90 至 90 之间 (latitude must be within -90..90)"));
                }
                if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
                    return Err(FieldError::new(
                        "lon",
                        "经度应在 -180 至 180 之间 (longitude must be within -180..180)",
                    ));
                }
                if let Some(a) = self.accuracy_m {
                    if !a.is_finite() || a < 0.0 {
                        return Err(FieldError::new("accuracy_m", "精度不能为负 (accuracy must be 0 or more metres)"));
                    }
                }
            }
            (Some(_), None) => return Err(FieldError::new("lon", "缺少经度 (a latitude needs a longitude)")),
            (None, Some(_)) => return Err(FieldError::new("lat", "缺少纬度 (a longitude needs a latitude)")),
        }
        Ok(())
    }
}

/// May the author still edit a visit recorded at `created_at`?
pub fn editable(created_at: i64, now: i64) -> bool {
    now - created_at <= EDIT_WINDOW_MS
}

/// The date of an instant in China time.
pub fn china_date(instant_ms: i64) -> NaiveDate {
    from_ms(instant_ms).with_timezone(&china_offset()).date_naive()
}

/// The calendar month (year, month 1..=12) of an instant in China time:
/// a visit at 2026-05-31 23:30 +08:00 counts for May.
pub fn month_of(instant_ms: i64) -> (i32, u32) {
    let d = china_date(instant_ms);
    (d.year(), d.month())
}

/// A calendar month, the unit of the visit rule; written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn new(year: i32, month: u32) -> Option<Self> {
        ((1..=12).contains(&month) && (1900..=9999).contains(&year)).then_some(Self { year, month })
    }

    /// The month of an instant in China time.
    pub fn of(instant_ms: i64) -> Self {
        let (year, month) = month_of(instant_ms);
        Self { year, month }
    }

    /// Parses `YYYY-MM`; the error names `field`.
    pub fn parse_field(field: &str, s: &str) -> Result<Self, FieldError> {
        let bad = || FieldError::new(field, format!("月份格式应为 YYYY-MM (a month is written YYYY-MM, got “{s}”)"));
        let t = s.trim();
        let (y, m) = t.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        Self::new(year, month).ok_or_else(bad)
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::parse_field("month", s)
    }

    /// `YYYY-MM`, the stored form.
    pub fn key(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Self { year: self.year + 1, month: 1 }
        } else {
            Self { year: self.year, month: self.month + 1 }
        }
    }

    pub fn prev(self) -> Self {
        if self.month == 1 {
            Self { year: self.year - 1, month: 12 }
        } else {
            Self { year: self.year, month: self.month - 1 }
        }
    }

    /// The last day of the month.
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or_default()
    }

    /// Number of days in the month.
    pub fn days(self) -> u32 {
        self.last_day().day()
    }

    /// The first instant of the month (00:00 China time), in ms.
    pub fn start_ms(self) -> i64 {
        day_start_ms(self.first_day())
    }

    /// The first instant after the month, in ms (exclusive end).
    pub fn end_ms(self) -> i64 {
        self.next().start_ms()
    }

    /// Days left in this month counting `now`'s day (China time): 1 on its
    /// last day, the whole month before it starts, 0 after it ends.
    pub fn days_left(self, now: i64) -> u32 {
        if now < self.start_ms() {
            return self.days();
        }
        if now >= self.end_ms() {
            return 0;
        }
        self.days() + 1 - china_date(now).day()
    }

    /// The months from `self` to `to`, both included (empty when `to` is earlier).
    pub fn through(self, to: YearMonth) -> Vec<YearMonth> {
        let mut out = Vec::new();
        let mut m = self;
        while m <= to {
            out.push(m);
            m = m.next();
        }
        out
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// 00:00 China time of a date, in ms.
pub fn day_start_ms(date: NaiveDate) -> i64 {
    crate::calendar::start_of_day_cst(date).timestamp_millis()
}

/// What counts toward the monthly minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitRule {
    /// Visits each enterprise needs per calendar month.
    pub min_per_month: u32,
    /// Only on-site (上门) visits count; otherwise any mode does.
    pub on_site_only: bool,
}

impl Default for VisitRule {
    fn default() -> Self {
        Self { min_per_month: DEFAULT_MIN_PER_MONTH, on_site_only: false }
    }
}

impl VisitRule {
    /// Does a visit made this way count?
    pub fn counts(&self, mode: VisitMode) -> bool {
        !self.on_site_only || mode == VisitMode::OnSite
    }

    /// How many of a month's visits count, from their totals: `all` visits
    /// of any mode, `on_site` of them on site (agrees with [`compliance`]).
    pub fn counted(&self, all: u32, on_site: u32) -> u32 {
        if self.on_site_only {
            on_site
        } else {
            all
        }
    }

    /// Visits still needed after `counted` counted ones.
    pub fn needed(&self, counted: u32) -> u32 {
        self.min_per_month.saturating_sub(counted)
    }

    /// Checks a minimum a setting asks for.
    pub fn validate_min(min: u32) -> Result<(), FieldError> {
        if (1..=MAX_MIN_PER_MONTH).contains(&min) {
            Ok(())
        } else {
            Err(FieldError::new(
                "min_per_month",
                format!(
                    "每月走访次数应为 1 至 {MAX_MIN_PER_MONTH} (must be 1 to {MAX_MIN_PER_MONTH} visits a month, got {min})"
                ),
            ))
        }
    }
}

/// The visits of one enterprise in one month (their modes) against the rule:
/// how many count, and whether the enterprise is compliant.
pub fn compliance(visits_in_month: &[VisitMode], rule: &VisitRule) -> (u32, bool) {
    let counted = visits_in_month.iter().filter(|m| rule.counts(**m)).count();
    let counted = u32::try_from(counted).unwrap_or(u32::MAX);
    (counted, counted >= rule.min_per_month)
}

/// Is today (China time of `now`) on or after the reminder day of its month?
pub fn reminder_due(now: i64, reminder_day: u32) -> bool {
    china_date(now).day() >= reminder_day.clamp(1, 31).min(YearMonth::of(now).days())
}

/// Checks a reminder day a setting asks for (1..=28, so every month has it).
pub fn validate_reminder_day(day: u32) -> Result<(), FieldError> {
    if (1..=28).contains(&day) {
        Ok(())
    } else {
        Err(FieldError::new(
            "reminder_day",
            format!("提醒日应为每月 1 至 28 日 (the reminder day must be 1 to 28, got {day})"),
        ))
    }
}

/// A door-knock campaign (敲门走访): within its window every enterprise in
/// scope must get at least one on-site visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    /// First day of the window (China time).
    pub starts_on: NaiveDate,
    /// Last day of the window, included.
    pub ends_on: NaiveDate,
}

impl Campaign {
    pub const NAME_MAX: usize = 100;
    /// The longest window, in days.
    pub const MAX_DAYS: i64 = 366;

    /// Does a visit made this way at this instant count for the campaign?
    pub fn counts(&self, mode: VisitMode, started_at: i64) -> bool {
        let d = china_date(started_at);
        mode == VisitMode::OnSite && self.starts_on <= d && d <= self.ends_on
    }

    /// The window as instants: [first 00:00, the day after the last 00:00).
    pub fn window_ms(&self) -> (i64, i64) {
        let end = self.ends_on.succ_opt().unwrap_or(self.ends_on);
        (day_start_ms(self.starts_on), day_start_ms(end))
    }

    /// Parses a `YYYY-MM-DD` date; the error names `field`.
    pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate, FieldError> {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
            FieldError::new(field, format!("日期格式应为 YYYY-MM-DD (a date is written YYYY-MM-DD, got “{s}”)"))
        })
    }

    /// Checks name and window.
    pub fn validate(&self) -> Result<(), FieldError> {
        let n = self.name.trim().chars().count();
        if n == 0 || n > Self::NAME_MAX {
            return Err(FieldError::new(
                "name",
                format!("名称应为 1 至 {} 字 (the name must be 1 to {} characters)", Self::NAME_MAX, Self::NAME_MAX),
            ));
        }
        if self.ends_on < self.starts_on {
            return Err(FieldError::new("ends_on", "结束日期不能早于开始日期 (the window ends before it starts)"));
        }
        if (self.ends_on - self.starts_on).num_days() >= Self::MAX_DAYS {
            return Err(FieldError::new(
                "ends_on",
                format!("活动期不能超过{}天 (a campaign lasts at most {} days)", Self::MAX_DAYS, Self::MAX_DAYS),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "visit_tests.rs"]
mod tests;
