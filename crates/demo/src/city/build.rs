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
    // The same region tree, departments and catalogue as `zhuqi init --city 331100`.
    let regions =
        zhuqi_app::city::plan(&zhuqi_app::city::InitCity { city_code: CITY_CODE.to_string(), ..Default::default() })?;
    let plan = plan_city(&regions)?;
    let defaults: Vec<String> = zhuqi_domain::city::default_departments(&regions).into_iter().map(|d| d.name).collect();
    let ours: Vec<String> = corpus().departments.iter().map(|d| d.name.to_string()).collect();
    if defaults != ours {
        return Err(internal("the demo's department table must list the default departments in their order"));
    }

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
    progress(&format!("行政区划 (regions): 1 市, {} 片区, {} 乡镇街道", plan.districts.len(), plan.townships()));
    let seeded = zhuqi_app::city::seed_city(&mut tx, regions, now).await?;
    let district_ids = seeded.district_ids;
    let township_ids = seeded.township_ids;
    let department_ids = seeded.department_ids;
    progress(&format!("涉企部门 (departments): {}", department_ids.len()));

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

    let department_ids_len = department_ids.len();
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
        departments: department_ids_len,
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
