//! A city from zero (`zhuqi init`): the region tree, the default
//! departments, the default dispatch catalogue with its 1-3-5 limits, and
//! one city admin with a one-time password, written in one transaction.
//! The demo city is built on the same first step ([`seed_city`]), so
//! `zhuqi init --city 331100` and `zhuqi demo` give the same region tree.
//! The statutory calendar is bundled in the binary and needs no row.

use crate::{App, AppError, Result};
use zhuqi_domain::city::{default_departments, plan_regions, CityRegions, DivisionTable, ExtraDistrict};
use zhuqi_domain::clock::rfc3339_cst;
use zhuqi_domain::region::RegionLevel;
use zhuqi_store::{departments, meta, regions, users, Conn};

/// The meta key holding the city's code once it is set up.
pub const CITY_KEY: &str = "city_code";

/// What `zhuqi init` is asked for.
#[derive(Debug, Clone, Default)]
pub struct InitCity {
    /// The 6-digit city code (331100).
    pub city_code: String,
    /// The text of a divisions file for a city outside the bundled data
    /// (columns of [`zhuqi_domain::city::DIVISIONS_HEADER`]); `None`: the bundled 浙江 file.
    pub divisions: Option<String>,
    /// Zones without an official code, beyond the bundled ones.
    pub extra_districts: Vec<ExtraDistrict>,
    /// The first city admin's username and display name.
    pub admin_username: String,
    pub admin_display_name: String,
}

/// What [`seed_city`] wrote, with the database ids in plan order.
#[derive(Debug, Clone)]
pub struct SeededCity {
    pub plan: CityRegions,
    pub city_id: i64,
    pub district_ids: Vec<i64>,
    /// Per district, its townships' ids in plan order.
    pub township_ids: Vec<Vec<i64>>,
    pub department_ids: Vec<i64>,
    pub routes: usize,
}

/// What `zhuqi init` created.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InitSummary {
    pub city_code: String,
    pub city_name: String,
    pub districts: usize,
    pub townships: usize,
    pub departments: usize,
    pub categories: usize,
    pub routes: usize,
    pub admin_username: String,
    /// Shown once; only its hash is stored.
    #[serde(skip)]
    pub one_time_password: String,
}

/// Plans a city's regions from the bundled data or `divisions`.
pub fn plan(req: &InitCity) -> Result<CityRegions> {
    let table = match &req.divisions {
        Some(text) => DivisionTable::parse(text)?,
        None => DivisionTable::zhejiang(),
    };
    Ok(plan_regions(req.city_code.trim(), &table, &req.extra_districts)?)
}

/// Refuses a database that already holds a city (or any region or user).
async fn refuse_existing(tx: &mut Conn) -> Result<()> {
    if let Some(code) = meta::get(tx, CITY_KEY).await? {
        return Err(AppError::Conflict(format!(
            "数据库中已有城市 {code}，未做任何更改 (the database already holds city {code}; nothing was changed)"
        )));
    }
    if !regions::all(tx).await?.is_empty() {
        return Err(AppError::Conflict(
            "数据库中已有行政区划，未做任何更改 (the database already holds regions; nothing was changed)".into(),
        ));
    }
    if users::any(tx).await? {
        return Err(AppError::Conflict(
            "数据库中已有用户，未做任何更改 (the database already holds users; nothing was changed)".into(),
        ));
    }
    Ok(())
}

/// Writes the region tree, the default departments and the default
/// catalogue of `plan` in the caller's transaction; records the city code.
/// Refuses a database that already holds a city.
pub async fn seed_city(tx: &mut Conn, plan: CityRegions, now: i64) -> Result<SeededCity> {
    refuse_existing(tx).await?;
    let city_id =
        regions::insert(tx, None, RegionLevel::City.as_str(), &plan.city.code, &plan.city.name, "", 0).await?;
    let mut district_ids = Vec::with_capacity(plan.districts.len());
    let mut township_ids = Vec::with_capacity(plan.districts.len());
    for (i, d) in plan.districts.iter().enumerate() {
        let r = &d.region;
        let order = i64::try_from(i).unwrap_or(i64::MAX) + 1;
        let id = regions::insert(tx, Some(city_id), RegionLevel::District.as_str(), &r.code, &r.name, &r.kind, order)
            .await?;
        let mut towns = Vec::with_capacity(d.townships.len());
        for (j, t) in d.townships.iter().enumerate() {
            let order = i64::try_from(j).unwrap_or(i64::MAX) + 1;
            towns.push(
                regions::insert(tx, Some(id), RegionLevel::Township.as_str(), &t.code, &t.name, &t.kind, order).await?,
            );
        }
        district_ids.push(id);
        township_ids.push(towns);
    }
    let mut department_ids = Vec::new();
    for d in default_departments(&plan) {
        department_ids.push(departments::insert(tx, &d.code, &d.name, &d.parent_unit, now).await?);
    }
    let routes = zhuqi_store::catalogue::seed_default_catalogue(tx, now).await?;
    meta::set(tx, CITY_KEY, &plan.city.code).await?;
    meta::set(tx, "city_initialized", &rfc3339_cst(now)).await?;
    Ok(SeededCity { plan, city_id, district_ids, township_ids, department_ids, routes })
}

impl App {
    /// `zhuqi init`: a city in an empty database, in one transaction (all
    /// or nothing). The admin's one-time password is returned once; the
    /// admin must change it at the first sign-in.
    pub async fn init_city(&self, req: &InitCity, progress: &(dyn Fn(&str) + Send + Sync)) -> Result<InitSummary> {
        let plan = plan(req)?;
        let username = req.admin_username.trim().to_string();
        let display_name = match req.admin_display_name.trim() {
            "" => format!("{}管理员", plan.city.name),
            s => s.to_string(),
        };
        let now = self.now_ms();
        progress(&format!(
            "行政区划 (regions): {} {}, {} 区县/片区 (districts), {} 乡镇街道 (townships)",
            plan.city.code,
            plan.city.name,
            plan.districts.len(),
            plan.townships()
        ));
        let mut tx = self.store.begin().await?;
        let seeded = seed_city(&mut tx, plan, now).await?;
        progress(&format!("涉企部门 (departments): {}", seeded.department_ids.len()));
        let categories = zhuqi_store::catalogue::list_categories(&mut tx).await?.len();
        progress(&format!("诉求目录 (catalogue): {categories} 类, {} 条默认路由 (default routes)", seeded.routes));
        progress(&format!("市级管理员 (city admin): {username}"));
        // The one-time password signs in once and must be changed then.
        let admin = crate::accounts::NewAccount {
            username: username.clone(),
            display_name,
            role: zhuqi_domain::Role::CityAdmin.as_str().to_string(),
            scope: Default::default(),
            phone: String::new(),
        };
        let (_, one_time_password) =
            crate::accounts::insert_with_one_time_password(&mut tx, &admin, &self.config.password, now).await?;
        tx.commit().await?;
        let detail = format!("city {} {}", seeded.plan.city.code, seeded.plan.city.name);
        self.audit(
            None,
            "init_city",
            username.as_str(),
            "success",
            &detail,
            &crate::RequestMeta { ip: "cli".into(), request_id: String::new() },
        )
        .await;
        Ok(InitSummary {
            city_code: seeded.plan.city.code.clone(),
            city_name: seeded.plan.city.name.clone(),
            districts: seeded.district_ids.len(),
            townships: seeded.township_ids.iter().map(Vec::len).sum(),
            departments: seeded.department_ids.len(),
            categories,
            routes: seeded.routes,
            admin_username: username,
            one_time_password,
        })
    }
}
