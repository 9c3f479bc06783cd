//! Writing the plan, and reading the demo accounts back.

use super::*;

/// The database id of plan item `i`.
pub(super) fn id_at(ids: &[i64], i: usize) -> Result<i64> {
    ids.get(i).copied().ok_or_else(|| internal(format!("demo plan refers to a missing item {i}")))
}

pub(super) fn opt_id(ids: &[i64], i: Option<usize>) -> Result<Option<i64>> {
    i.map(|i| id_at(ids, i)).transpose()
}

/// Database ids of what the users refer to.
pub(super) struct Ids<'a> {
    pub(super) districts: &'a [i64],
    pub(super) departments: &'a [i64],
    pub(super) enterprises: &'a [i64],
}

pub(super) async fn insert_users(
    c: &mut zhuqi_store::Conn,
    planned: &[PlannedUser],
    ids: &Ids<'_>,
    password_hash: &str,
    at: i64,
) -> Result<Vec<i64>> {
    let mut out = Vec::with_capacity(planned.len());
    for u in planned {
        let id = users::insert(
            c,
            &NewUser {
                username: &u.username,
                display_name: &u.display_name,
                role: u.role.as_str(),
                district_id: opt_id(ids.districts, u.district)?,
                department_id: opt_id(ids.departments, u.department)?,
                enterprise_id: opt_id(ids.enterprises, u.enterprise)?,
                phone: &u.phone,
                password_hash,
                created_at: at,
            },
        )
        .await?;
        out.push(id);
    }
    Ok(out)
}

/// What a demo account may see, in words.
pub(super) fn scope_label(role: Role, u: &UserRow) -> String {
    let or_city = |s: &Option<String>| s.clone().unwrap_or_else(|| "全市".to_string());
    match role {
        Role::CityAdmin | Role::Auditor | Role::Coordinator => or_city(&u.district_name),
        Role::DistrictAdmin | Role::Officer => u.district_name.clone().unwrap_or_default(),
        Role::DeptHandler | Role::DeptHead => {
            u.department_name.as_deref().map(department_short_name).unwrap_or_default().to_string()
        }
        Role::EnterpriseUser => u.enterprise_name.clone().unwrap_or_default(),
    }
}

/// [`Demo::demo_is_built`].
pub(crate) async fn is_built(app: &App) -> Result<bool> {
    let mut c = app.store.read().await?;
    Ok(meta::get(&mut c, DEMO_BUILT_KEY).await?.is_some())
}

/// [`Demo::build_demo`].
pub(crate) async fn build(app: &App, progress: &(dyn Fn(&str) + Send + Sync)) -> Result<DemoSummary> {
    crate::corpus::check()?;
    let now = app.now_ms();
    // The registry "was loaded" half a year ago and officers have served
    // for five months, so the history and reports look lived-in.
    let established = now - 180 * DAY_MS;
    let served_from = now - 150 * DAY_MS;

    progress("生成演示数据 (planning the demo city)");
    let plan = plan_city(&lishui_divisions())?;

    // Argon2id costs tens of milliseconds per hash by design; ~1,130
    // accounts hashed one by one would take about a minute. All demo
    // accounts share one password, so they share one hash (and salt):
    // acceptable for throwaway demo data only.
    progress("计算演示密码哈希 (hashing the demo password once)");
    let password_hash = zhuqi_app::auth::hash_password(DEMO_PASSWORD).await?;

    let mut tx = app.store.begin().await?;
    if meta::get(&mut tx, DEMO_BUILT_KEY).await?.is_some() {
        return Err(AppError::Conflict("演示城市已建立 (the demo city is already built)".into()));
    }
    if !regions::all(&mut tx).await?.is_empty() {
        return Err(AppError::Conflict(
            "数据库中已有行政区划，演示数据需要空库 (the database already holds regions; the demo needs an empty database)".into(),
        ));
    }

    progress(&format!("行政区划 (regions): 1 市, {} 片区, {} 乡镇街道", plan.districts.len(), plan.townships()));
    let city = regions::insert(&mut tx, None, RegionLevel::City.as_str(), CITY_CODE, CITY_NAME, "", 0).await?;
    let mut district_ids = Vec::with_capacity(plan.districts.len());
    let mut township_ids = Vec::with_capacity(plan.districts.len());
    for (i, d) in plan.districts.iter().enumerate() {
        let r = &d.region;
        let id = regions::insert(
            &mut tx,
            Some(city),
            RegionLevel::District.as_str(),
            &r.code,
            &r.name,
            &r.kind,
            i as i64 + 1,
        )
        .await?;
        let mut towns = Vec::with_capacity(d.townships.len());
        for (j, t) in d.townships.iter().enumerate() {
            let level = RegionLevel::Township.as_str();
            towns.push(regions::insert(&mut tx, Some(id), level, &t.code, &t.name, &t.kind, j as i64 + 1).await?);
        }
        district_ids.push(id);
        township_ids.push(towns);
    }

    let departments_spec = &corpus().departments;
    progress(&format!("涉企部门 (departments): {}", departments_spec.len()));
    let mut department_ids = Vec::with_capacity(departments_spec.len());
    for d in departments_spec {
        department_ids.push(departments::insert(&mut tx, d.code, d.name, d.parent_unit, established).await?);
    }

    progress(&format!("企业 (enterprises): {}", plan.enterprises.len()));
    let mut enterprise_ids = Vec::with_capacity(plan.enterprises.len());
    for e in &plan.enterprises {
        let district_id = id_at(&district_ids, e.district)?;
        let township_id = township_ids.get(e.district).and_then(|t| t.get(e.township)).copied();
        enterprise_ids.push(
            enterprises::insert(
                &mut tx,
                &enterprises::NewEnterprise {
                    credit_code: &e.credit_code,
                    name: &e.name,
                    district_id,
                    township_id,
                    industry_code: e.industry_code,
                    size: e.size,
                    address: &e.address,
                    contact_name: &e.contact_name,
                    contact_phone: &e.contact_phone,
                    at: established,
                },
            )
            .await?,
        );
    }

    let ids = Ids { districts: &district_ids, departments: &department_ids, enterprises: &enterprise_ids };
    progress(&format!("管理与部门账号 (role accounts): {}", plan.named.len()));
    let named_ids = insert_users(&mut tx, &plan.named, &ids, &password_hash, established).await?;
    progress(&format!("助企服务员 (service officers): {}", plan.officers.len()));
    let officer_ids = insert_users(&mut tx, &plan.officers, &ids, &password_hash, established).await?;

    progress(&format!("服务关系 (assignments): {}", plan.assignments.len()));
    let admin_id = named_ids.first().copied();
    for &(e, o) in &plan.assignments {
        let (e, o) = (id_at(&enterprise_ids, e)?, id_at(&officer_ids, o)?);
        assignments::assign(&mut tx, e, o, served_from, admin_id, "初始分配（演示数据）").await?;
    }

    progress(&format!("企业用户 (enterprise users): {}", plan.enterprise_users.len()));
    insert_users(&mut tx, &plan.enterprise_users, &ids, &password_hash, established).await?;

    zhuqi_app::catalogue::seed_demo_catalogue(&mut tx, ZONE_CODE, now).await?;
    meta::set(&mut tx, DEMO_BUILT_KEY, &rfc3339_cst(now)).await?;
    progress("提交 (committing)");
    tx.commit().await?;
    app.build_demo_demands(progress).await?;
    app.build_demo_visits(progress).await?;
    app.build_demo_codes(progress).await?;

    Ok(DemoSummary {
        districts: plan.districts.len(),
        townships: plan.townships(),
        departments: departments_spec.len(),
        officers: plan.officers.len(),
        enterprises: plan.enterprises.len(),
        enterprise_users: plan.enterprise_users.len(),
        accounts: app.demo_accounts().await?,
    })
}

/// [`Demo::demo_accounts`].
pub(crate) async fn accounts(app: &App) -> Result<Vec<DemoAccount>> {
    let mut c = app.store.read().await?;
    let mut out = Vec::with_capacity(SHOWCASE.len());
    for username in SHOWCASE {
        let Some(u) = users::by_username(&mut c, username).await? else {
            continue;
        };
        let role =
            Role::parse(&u.role).ok_or_else(|| internal(format!("user {username} has unknown role {}", u.role)))?;
        out.push(DemoAccount {
            scope: scope_label(role, &u),
            username: u.username,
            role,
            display_name: u.display_name,
        });
    }
    Ok(out)
}
