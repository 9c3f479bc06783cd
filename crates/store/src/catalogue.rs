//! The dispatch catalogue (派单目录): categories with stable codes, the lead
//! department per category (city-wide, overridable per district), the
//! time-limit policy per category with its history, settings, and the
//! working-day calendar's local adjustments and admin-entered years.

use crate::{Conn, Result};
use serde::Serialize;
use std::collections::HashMap;

/// One category of the tree: a 2-digit major code or a 4-digit minor code
/// under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Category {
    pub code: String,
    pub parent_code: Option<String>,
    pub name: String,
    pub name_en: String,
    /// Plain words an enterprise understands.
    pub plain: String,
    pub sort_order: i64,
    #[serde(serialize_with = "crate::flag")]
    pub active: i64,
}

/// Input of [`upsert_category`].
#[derive(Debug, Clone, Copy)]
pub struct NewCategory<'a> {
    pub code: &'a str,
    pub parent_code: Option<&'a str>,
    pub name: &'a str,
    pub name_en: &'a str,
    pub plain: &'a str,
    pub sort_order: i64,
    pub active: bool,
}

const CATEGORY_COLS: &str = "c.code, c.parent_code, c.name, c.name_en, c.plain, c.sort_order, c.active";

/// All categories in tree order: each major (by sort order, then code)
/// followed by its minors.
pub async fn list_categories(c: &mut Conn) -> Result<Vec<Category>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {CATEGORY_COLS} FROM categories c LEFT JOIN categories p ON p.code = c.parent_code \
         ORDER BY COALESCE(p.sort_order, c.sort_order), COALESCE(p.code, c.code), \
         CASE WHEN c.parent_code IS NULL THEN 0 ELSE 1 END, c.sort_order, c.code"
    ))
    .fetch_all(&mut *c)
    .await?)
}

pub async fn get_category(c: &mut Conn, code: &str) -> Result<Option<Category>> {
    Ok(sqlx::query_as(&format!("SELECT {CATEGORY_COLS} FROM categories c WHERE c.code = $1"))
        .bind(code)
        .fetch_optional(&mut *c)
        .await?)
}

/// Inserts a category or updates the one with the same code.
pub async fn upsert_category(c: &mut Conn, cat: &NewCategory<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO categories (code, parent_code, name, name_en, plain, sort_order, active) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO UPDATE SET parent_code = excluded.parent_code, \
         name = excluded.name, name_en = excluded.name_en, plain = excluded.plain, sort_order = excluded.sort_order, \
         active = excluded.active",
    )
    .bind(cat.code)
    .bind(cat.parent_code)
    .bind(cat.name)
    .bind(cat.name_en)
    .bind(cat.plain)
    .bind(cat.sort_order)
    .bind(i64::from(cat.active))
    .execute(&mut *c)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Dispatch routes
// ---------------------------------------------------------------------------

/// The lead department of a category, city-wide (`district_id` NULL) or for
/// one district.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RouteRow {
    pub id: i64,
    pub category_code: String,
    pub district_id: Option<i64>,
    pub district_name: Option<String>,
    pub department_id: i64,
    pub department_name: String,
    pub updated_at: i64,
    pub updated_by: Option<i64>,
    pub updated_by_name: Option<String>,
}

const ROUTE_SELECT: &str = "SELECT r.id, r.category_code, r.district_id, g.name AS district_name, r.department_id, \
    d.name AS department_name, r.updated_at, r.updated_by, u.display_name AS updated_by_name \
    FROM dispatch_routes r JOIN departments d ON d.id = r.department_id \
    LEFT JOIN regions g ON g.id = r.district_id LEFT JOIN users u ON u.id = r.updated_by";

/// Every route: city-wide defaults first, then overrides by district order.
pub async fn routes(c: &mut Conn) -> Result<Vec<RouteRow>> {
    Ok(sqlx::query_as(&format!(
        "{ROUTE_SELECT} ORDER BY r.category_code, CASE WHEN r.district_id IS NULL THEN 0 ELSE 1 END, \
         g.sort_order, r.district_id"
    ))
    .fetch_all(&mut *c)
    .await?)
}

/// The routes of one category (city-wide default first).
pub async fn routes_of(c: &mut Conn, category_code: &str) -> Result<Vec<RouteRow>> {
    Ok(sqlx::query_as(&format!(
        "{ROUTE_SELECT} WHERE r.category_code = $1 \
         ORDER BY CASE WHEN r.district_id IS NULL THEN 0 ELSE 1 END, g.sort_order, r.district_id"
    ))
    .bind(category_code)
    .fetch_all(&mut *c)
    .await?)
}

/// The route of a category for one district (`None`: the city-wide row),
/// exactly — no fallback.
pub async fn route(c: &mut Conn, category_code: &str, district_id: Option<i64>) -> Result<Option<RouteRow>> {
    let q = match district_id {
        Some(_) => format!("{ROUTE_SELECT} WHERE r.category_code = $1 AND r.district_id = $2"),
        None => format!("{ROUTE_SELECT} WHERE r.category_code = $1 AND r.district_id IS NULL"),
    };
    let mut q = sqlx::query_as(&q).bind(category_code);
    if let Some(d) = district_id {
        q = q.bind(d);
    }
    Ok(q.fetch_optional(&mut *c).await?)
}

/// The suggested lead department: the district's override if there is one,
/// else the city-wide default; `None` when the category has neither.
pub async fn suggest(c: &mut Conn, category_code: &str, district_id: Option<i64>) -> Result<Option<RouteRow>> {
    if let Some(d) = district_id {
        if let Some(r) = route(c, category_code, Some(d)).await? {
            return Ok(Some(r));
        }
    }
    route(c, category_code, None).await
}

/// Sets the lead department of a category for a district (or city-wide);
/// returns the route's id.
pub async fn set_route(
    c: &mut Conn,
    category_code: &str,
    district_id: Option<i64>,
    department_id: i64,
    at: i64,
    by: Option<i64>,
) -> Result<i64> {
    if let Some(existing) = route(c, category_code, district_id).await? {
        sqlx::query("UPDATE dispatch_routes SET department_id = $1, updated_at = $2, updated_by = $3 WHERE id = $4")
            .bind(department_id)
            .bind(at)
            .bind(by)
            .bind(existing.id)
            .execute(&mut *c)
            .await?;
        return Ok(existing.id);
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO dispatch_routes (category_code, district_id, department_id, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(category_code)
    .bind(district_id)
    .bind(department_id)
    .bind(at)
    .bind(by)
    .fetch_one(&mut *c)
    .await?)
}

/// Removes a district's override (the city-wide default applies again);
/// true when there was one.
pub async fn delete_route_override(c: &mut Conn, category_code: &str, district_id: i64) -> Result<bool> {
    let r = sqlx::query("DELETE FROM dispatch_routes WHERE category_code = $1 AND district_id = $2")
        .bind(category_code)
        .bind(district_id)
        .execute(&mut *c)
        .await?;
    Ok(r.rows_affected() > 0)
}

// ---------------------------------------------------------------------------
// Time limits
// ---------------------------------------------------------------------------

/// The time limits of a category, in working days (the domain's type; the
/// 1-3-5 default with 5 working days to auto-close).
pub use zhuqi_domain::demand::TimeLimits;

/// One row of a category's time-limit history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LimitsRow {
    pub id: i64,
    pub category_code: String,
    pub sign_days: i64,
    pub reply_days: i64,
    pub close_days: i64,
    pub auto_close_days: i64,
    pub valid_from: i64,
    pub changed_by: Option<i64>,
    pub changed_by_name: Option<String>,
    pub reason: String,
}

impl LimitsRow {
    /// The limits of this row (stored values are validated on the way in;
    /// one out of range here is clamped, never a panic).
    pub fn limits(&self) -> TimeLimits {
        let d = |v: i64| u32::try_from(v.max(1)).unwrap_or(u32::MAX);
        TimeLimits {
            sign_days: d(self.sign_days),
            reply_days: d(self.reply_days),
            close_days: d(self.close_days),
            auto_close_days: d(self.auto_close_days),
        }
    }
}

const LIMITS_SELECT: &str = "SELECT t.id, t.category_code, t.sign_days, t.reply_days, t.close_days, \
    t.auto_close_days, t.valid_from, t.changed_by, u.display_name AS changed_by_name, t.reason \
    FROM time_limits t LEFT JOIN users u ON u.id = t.changed_by";

/// The policy row that applies at `at` (the greatest `valid_from <= at`),
/// or `None` when the category still has the default.
pub async fn current_limits_row(c: &mut Conn, category_code: &str, at: i64) -> Result<Option<LimitsRow>> {
    Ok(sqlx::query_as(&format!(
        "{LIMITS_SELECT} WHERE t.category_code = $1 AND t.valid_from <= $2 ORDER BY t.valid_from DESC, t.id DESC LIMIT 1"
    ))
    .bind(category_code)
    .bind(at)
    .fetch_optional(&mut *c)
    .await?)
}

/// The time limits of a category at `at` (the default 1/3/5/5 without a row).
pub async fn current_time_limits(c: &mut Conn, category_code: &str, at: i64) -> Result<TimeLimits> {
    Ok(current_limits_row(c, category_code, at).await?.map_or_else(TimeLimits::default, |r| r.limits()))
}

/// The policy rows that apply at `at`, per category code (categories on the
/// default are absent).
pub async fn current_limits_all(c: &mut Conn, at: i64) -> Result<HashMap<String, LimitsRow>> {
    let rows: Vec<LimitsRow> = sqlx::query_as(&format!(
        "{LIMITS_SELECT} WHERE t.valid_from <= $1 ORDER BY t.category_code, t.valid_from DESC, t.id DESC"
    ))
    .bind(at)
    .fetch_all(&mut *c)
    .await?;
    let mut out = HashMap::new();
    for r in rows {
        // Rows come newest first per category: keep the first.
        out.entry(r.category_code.clone()).or_insert(r);
    }
    Ok(out)
}

/// Records a new policy for a category from `valid_from`; earlier rows stay
/// as history. Returns the new row's id.
pub async fn set_limits(
    c: &mut Conn,
    category_code: &str,
    limits: TimeLimits,
    valid_from: i64,
    by: Option<i64>,
    reason: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO time_limits (category_code, sign_days, reply_days, close_days, auto_close_days, valid_from, \
         changed_by, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(category_code)
    .bind(i64::from(limits.sign_days))
    .bind(i64::from(limits.reply_days))
    .bind(i64::from(limits.close_days))
    .bind(i64::from(limits.auto_close_days))
    .bind(valid_from)
    .bind(by)
    .bind(reason)
    .fetch_one(&mut *c)
    .await?)
}

/// The policy history of a category, newest first.
pub async fn limits_history(c: &mut Conn, category_code: &str) -> Result<Vec<LimitsRow>> {
    Ok(sqlx::query_as(&format!("{LIMITS_SELECT} WHERE t.category_code = $1 ORDER BY t.valid_from DESC, t.id DESC"))
        .bind(category_code)
        .fetch_all(&mut *c)
        .await?)
}

/// Every policy row, newest first per category.
pub async fn limits_history_all(c: &mut Conn) -> Result<Vec<LimitsRow>> {
    Ok(sqlx::query_as(&format!("{LIMITS_SELECT} ORDER BY t.category_code, t.valid_from DESC, t.id DESC"))
        .fetch_all(&mut *c)
        .await?)
}

// ---------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------

/// Whether a coordinator reviews a reply before it counts (审核报结): "0"/"1".
pub const REVIEW_REQUIRED: &str = "review_required";

pub async fn setting(c: &mut Conn, key: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(&mut *c).await?)
}

pub async fn set_setting(c: &mut Conn, key: &str, value: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// The `review_required` setting (false when absent).
pub async fn review_required(c: &mut Conn) -> Result<bool> {
    Ok(setting(c, REVIEW_REQUIRED).await?.is_some_and(|v| v.trim() == "1"))
}

// ---------------------------------------------------------------------------
// Calendar adjustments and entered years
// ---------------------------------------------------------------------------

/// A local adjustment of the working-day calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CalendarDayRow {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `holiday` or `workday`.
    pub kind: String,
    pub name: String,
    pub changed_by: Option<i64>,
    pub changed_by_name: Option<String>,
    pub changed_at: i64,
}

const DAY_SELECT: &str =
    "SELECT d.date, d.kind, d.name, d.changed_by, u.display_name AS changed_by_name, d.changed_at \
    FROM calendar_days d LEFT JOIN users u ON u.id = d.changed_by";

/// Every adjustment, by date.
pub async fn calendar_days(c: &mut Conn) -> Result<Vec<CalendarDayRow>> {
    Ok(sqlx::query_as(&format!("{DAY_SELECT} ORDER BY d.date")).fetch_all(&mut *c).await?)
}

/// The adjustments of one year, by date.
pub async fn calendar_days_of_year(c: &mut Conn, year: i32) -> Result<Vec<CalendarDayRow>> {
    Ok(sqlx::query_as(&format!("{DAY_SELECT} WHERE d.date >= $1 AND d.date <= $2 ORDER BY d.date"))
        .bind(format!("{year:04}-01-01"))
        .bind(format!("{year:04}-12-31"))
        .fetch_all(&mut *c)
        .await?)
}

/// Adds an adjustment for `date`, or replaces the one there is.
pub async fn put_calendar_day(
    c: &mut Conn,
    date: &str,
    kind: &str,
    name: &str,
    by: Option<i64>,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO calendar_days (date, kind, name, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (date) DO UPDATE SET kind = excluded.kind, name = excluded.name, \
         changed_by = excluded.changed_by, changed_at = excluded.changed_at",
    )
    .bind(date)
    .bind(kind)
    .bind(name)
    .bind(by)
    .bind(at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Removes the adjustment of `date`; true when there was one.
pub async fn delete_calendar_day(c: &mut Conn, date: &str) -> Result<bool> {
    let r = sqlx::query("DELETE FROM calendar_days WHERE date = $1").bind(date).execute(&mut *c).await?;
    Ok(r.rows_affected() > 0)
}

/// A year an admin entered as complete official data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CalendarYearRow {
    pub year: i64,
    pub entered_by: Option<i64>,
    pub entered_by_name: Option<String>,
    pub entered_at: i64,
}

/// The entered years, ascending.
pub async fn calendar_years(c: &mut Conn) -> Result<Vec<CalendarYearRow>> {
    Ok(sqlx::query_as(
        "SELECT y.year, y.entered_by, u.display_name AS entered_by_name, y.entered_at \
         FROM calendar_years y LEFT JOIN users u ON u.id = y.entered_by ORDER BY y.year",
    )
    .fetch_all(&mut *c)
    .await?)
}

/// Records `year` as entered; false when it already was (nothing changes).
pub async fn add_calendar_year(c: &mut Conn, year: i32, by: Option<i64>, at: i64) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO calendar_years (year, entered_by, entered_at) VALUES ($1, $2, $3) ON CONFLICT (year) DO NOTHING",
    )
    .bind(i64::from(year))
    .bind(by)
    .bind(at)
    .execute(&mut *c)
    .await?;
    Ok(r.rows_affected() > 0)
}

// ---------------------------------------------------------------------------
// The default catalogue
// ---------------------------------------------------------------------------

/// One category of the default catalogue: code, name, English name, plain
/// wording, and (minors only) the code of the city-wide lead department.
struct SeedCategory {
    code: &'static str,
    name: &'static str,
    name_en: &'static str,
    plain: &'static str,
    lead: Option<&'static str>,
}

const fn major(code: &'static str, name: &'static str, name_en: &'static str, plain: &'static str) -> SeedCategory {
    SeedCategory { code, name, name_en, plain, lead: None }
}

const fn minor(
    code: &'static str,
    name: &'static str,
    name_en: &'static str,
    plain: &'static str,
    lead: &'static str,
) -> SeedCategory {
    SeedCategory { code, name, name_en, plain, lead: Some(lead) }
}

/// The 涉企 kinds of demand of the 2022 campaign, majors followed by their
/// minors (a minor's code starts with its major's).
const DEFAULT_CATALOGUE: &[SeedCategory] = &[
    major("01", "物流运输", "Logistics and transport", "货运不通、车辆进不了园区、需要通行证"),
    minor("0101", "通行证办理", "Transport permits", "货车通行证、重点物资运输车辆通行证怎么办", "transport"),
    minor("0102", "物流受阻/运输受限", "Blocked logistics", "原料进不来、产品运不出去、物流停了", "transport"),
    minor("0103", "港口铁路运输", "Port and rail transport", "港口、铁路、集装箱运输遇到困难", "transport"),
    major("02", "防疫物资", "Epidemic supplies", "口罩、消毒用品、检测等防疫物资"),
    minor("0201", "防疫物资短缺", "Shortage of epidemic supplies", "缺口罩、消毒液、测温设备等", "health"),
    minor("0202", "防疫指导", "Epidemic guidance", "复工复产的防疫要求、厂区防控怎么做", "health"),
    major("03", "融资信贷", "Financing and credit", "缺钱、贷款难、资金周转困难"),
    minor("0301", "贷款融资", "Bank loans", "贷不到款、续贷、利率太高", "finreg"),
    minor("0302", "融资担保", "Loan guarantees", "没有抵押、需要担保", "finreg"),
    minor("0303", "纾困资金", "Relief funds", "申请纾困资金、应急转贷资金", "finance"),
    major("04", "用工", "Labour", "招不到人、员工社保、技能培训"),
    minor("0401", "招工用工", "Recruitment", "招不到工人、员工返岗难", "hrss"),
    minor("0402", "社保", "Social insurance", "社保缴纳、缓缴、减免", "hrss"),
    minor("0403", "技能培训", "Skills training", "员工培训、培训补贴", "hrss"),
    major("05", "用地", "Land", "厂房用地、土地指标、规划审批"),
    minor("0501", "土地指标", "Land quotas", "要扩建，缺用地指标", "natres"),
    minor("0502", "规划审批", "Planning approval", "规划许可、建设用地规划手续", "natres"),
    major("06", "用能", "Energy", "用电、用水、用气"),
    minor("0601", "用电", "Electricity", "电力增容、停电、电价", "power"),
    minor("0602", "用水用气", "Water and gas", "供水、供气、管网接入", "housing"),
    major("07", "政策咨询与兑现", "Policy advice and payments", "有哪些扶持政策、补贴什么时候到账"),
    minor("0701", "政策咨询", "Policy advice", "想了解能享受哪些政策", "econ"),
    minor("0702", "奖补兑现", "Subsidy payments", "奖励补助资金申请与兑现", "finance"),
    major("08", "审批服务", "Approvals", "项目审批、证照办理"),
    minor("0801", "项目审批", "Project approval", "投资项目审批、竣工验收", "approval"),
    minor("0802", "证照办理", "Licences", "营业执照、许可证办理与变更", "market"),
    major("09", "税费", "Taxes and fees", "纳税、退税、减税降费"),
    minor("0901", "税收征管", "Tax administration", "申报纳税、发票、退税", "tax"),
    minor("0902", "减税降费", "Tax and fee relief", "能不能减免税费、留抵退税", "tax"),
    major("10", "科技创新", "Science and innovation", "科技项目、研发、人才"),
    minor("1001", "科技项目", "Science projects", "科技项目申报、高新技术企业认定", "sci"),
    minor("1002", "人才引进", "Talent", "引进人才、人才政策", "sci"),
    major("11", "生态环境", "Environment", "环评、排污许可"),
    minor("1101", "环评审批", "Environmental impact assessment", "新建、扩建项目的环评手续", "ecoenv"),
    minor("1102", "排污许可", "Discharge permits", "排污许可证申领、变更", "ecoenv"),
    major("12", "安全生产", "Work safety", "安全检查、消防"),
    minor("1201", "安全检查", "Safety inspections", "安全生产检查、隐患整改", "emergency"),
    minor("1202", "消防安全", "Fire safety", "消防验收、消防隐患", "emergency"),
    major("99", "其他", "Other", "以上都不是"),
    minor("9999", "其他诉求", "Other demands", "其他困难和问题", "econ"),
];

/// Inserts the default category tree and its city-wide routes (by
/// department code; a route whose department is absent is skipped). Existing
/// categories and routes are left as they are, so it can run on a database
/// that already has a catalogue. Returns how many routes were added.
pub async fn seed_default_catalogue(c: &mut Conn, now: i64) -> Result<usize> {
    let mut routes_added = 0;
    let mut parent: Option<&str> = None;
    for (i, cat) in DEFAULT_CATALOGUE.iter().enumerate() {
        let parent_code = if cat.lead.is_none() {
            parent = Some(cat.code);
            None
        } else {
            parent
        };
        sqlx::query(
            "INSERT INTO categories (code, parent_code, name, name_en, plain, sort_order, active) \
             VALUES ($1, $2, $3, $4, $5, $6, 1) ON CONFLICT (code) DO NOTHING",
        )
        .bind(cat.code)
        .bind(parent_code)
        .bind(cat.name)
        .bind(cat.name_en)
        .bind(cat.plain)
        .bind(i64::try_from(i).unwrap_or(i64::MAX) + 1)
        .execute(&mut *c)
        .await?;
        let Some(lead) = cat.lead else { continue };
        let department: Option<i64> =
            sqlx::query_scalar("SELECT id FROM departments WHERE code = $1").bind(lead).fetch_optional(&mut *c).await?;
        let Some(department) = department else { continue };
        if route(c, cat.code, None).await?.is_none() {
            set_route(c, cat.code, None, department, now, None).await?;
            routes_added += 1;
        }
    }
    Ok(routes_added)
}

/// Sets a district override by codes (the district's region code and the
/// department's code), for seeding; false when either is absent.
pub async fn seed_route_override(
    c: &mut Conn,
    category_code: &str,
    region_code: &str,
    department_code: &str,
    now: i64,
) -> Result<bool> {
    let district: Option<i64> = sqlx::query_scalar("SELECT id FROM regions WHERE code = $1 AND level = 'district'")
        .bind(region_code)
        .fetch_optional(&mut *c)
        .await?;
    let department: Option<i64> = sqlx::query_scalar("SELECT id FROM departments WHERE code = $1")
        .bind(department_code)
        .fetch_optional(&mut *c)
        .await?;
    let (Some(district), Some(department)) = (district, department) else { return Ok(false) };
    if get_category(c, category_code).await?.is_none() {
        return Ok(false);
    }
    set_route(c, category_code, Some(district), department, now, None).await?;
    Ok(true)
}

/// The first time-limits row taking effect after `now`, if any (caches of
/// the current limits are valid until then).
pub async fn next_limits_change(c: &mut Conn, now: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT MIN(valid_from) FROM time_limits WHERE valid_from > $1")
        .bind(now)
        .fetch_one(&mut *c)
        .await?)
}
