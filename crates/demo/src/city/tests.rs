use super::*;
use chrono::TimeZone;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use zhuqi_app::{AppConfig, RequestMeta};
use zhuqi_domain::enterprise::IndustryCode;
use zhuqi_domain::phone::Phone;
use zhuqi_domain::role::OfficerScope;
use zhuqi_domain::{FixedClock, Scope};
use zhuqi_store::enterprises::EnterpriseFilter;
use zhuqi_store::users::OfficerFilter;
use zhuqi_store::{Page, Store};

fn regions() -> CityRegions {
    zhuqi_app::city::plan(&zhuqi_app::city::InitCity { city_code: CITY_CODE.into(), ..Default::default() }).unwrap()
}

fn plan() -> CityPlan {
    plan_city(&regions()).unwrap()
}

#[test]
fn the_department_table_lists_the_default_departments_in_order() {
    let defaults = zhuqi_domain::city::default_departments(&regions());
    let pairs: Vec<(&str, &str)> = defaults.iter().map(|d| (d.code.as_str(), d.name.as_str())).collect();
    let ours: Vec<(&str, &str)> = corpus().departments.iter().map(|d| (d.code, d.name)).collect();
    assert_eq!(pairs, ours);
}

#[test]
fn district_quotas_sum_to_the_campaign_figures() {
    assert_eq!(corpus().districts.iter().map(|d| d.enterprises).sum::<usize>(), 1254);
    assert_eq!(corpus().districts.iter().map(|d| d.officers).sum::<usize>(), 1038);
    for d in &corpus().districts {
        assert!(d.officers <= d.enterprises && 2 * d.officers >= d.enterprises, "{}", d.name);
    }
}

#[test]
fn the_plan_is_the_same_every_time() {
    assert_eq!(plan(), plan());
}

#[test]
fn regions_hold_ten_districts_with_unique_codes_and_every_township() {
    let p = plan();
    let names: Vec<&str> = p.districts.iter().map(|d| d.region.name.as_str()).collect();
    assert_eq!(names, corpus().districts.iter().map(|d| d.name).collect::<Vec<_>>());
    assert_eq!(p.townships(), 174);
    let mut codes: HashSet<&str> = HashSet::from([CITY_CODE]);
    for d in &p.districts {
        assert!(codes.insert(&d.region.code), "{}", d.region.code);
        for t in &d.townships {
            assert!(codes.insert(&t.code), "{}", t.code);
        }
        assert!(!d.eligible.is_empty(), "{}", d.region.name);
    }
    let zone = &p.districts[9];
    assert_eq!((zone.region.code.as_str(), zone.division.as_str()), (ZONE_CODE, CITY_CODE));
    // 南明山街道 is the zone's: 莲都区 enterprises are placed elsewhere.
    let liandu = &p.districts[0];
    assert!(liandu.eligible.iter().all(|&t| liandu.townships[t].name != "南明山街道"));
}

#[test]
fn enterprises_have_valid_unique_codes_names_and_fields() {
    let p = plan();
    assert_eq!(p.enterprises.len(), 1254);
    let mut codes = HashSet::new();
    let mut names = HashSet::new();
    for e in &p.enterprises {
        let code = CreditCode::parse(&e.credit_code).unwrap();
        assert_eq!(code.division_code(), p.districts[e.district].division);
        assert!(codes.insert(e.credit_code.clone()), "duplicate {}", e.credit_code);
        assert!(names.insert(e.name.clone()), "duplicate {}", e.name);
        assert!(
            e.name.ends_with("有限公司") && e.name.starts_with(corpus().districts[e.district].name_prefix),
            "{}",
            e.name
        );
        IndustryCode::parse(e.industry_code).unwrap();
        Phone::parse("contact_phone", &e.contact_phone).unwrap();
        assert!(p.districts[e.district].eligible.contains(&e.township));
        assert!(e.address.starts_with(&p.districts[e.district].townships[e.township].name));
    }
    for (i, spec) in corpus().districts.iter().enumerate() {
        assert_eq!(p.enterprises.iter().filter(|e| e.district == i).count(), spec.enterprises, "{}", spec.name);
    }
    let above = p.enterprises.iter().filter(|e| e.size == "above").count();
    assert!((300..=450).contains(&above), "{above} above designated size");
}

#[test]
fn every_enterprise_has_one_officer_of_its_district_and_every_officer_one_or_two_enterprises() {
    let p = plan();
    assert_eq!(p.officers.len(), 1038);
    assert_eq!(p.officers[0].username, "officer0001");
    assert_eq!(p.officers[0].district, Some(0));
    assert_eq!(p.officers[1037].username, "officer1038");
    let mut per_enterprise = vec![0; p.enterprises.len()];
    let mut per_officer = vec![0; p.officers.len()];
    for &(e, o) in &p.assignments {
        per_enterprise[e] += 1;
        per_officer[o] += 1;
        assert_eq!(p.officers[o].district, Some(p.enterprises[e].district));
    }
    assert!(per_enterprise.iter().all(|&n| n == 1));
    assert!(per_officer.iter().all(|&n| n == 1 || n == 2));
    assert_eq!(per_officer.iter().filter(|&&n| n == 2).count(), 1254 - 1038);
}

#[test]
fn forty_enterprise_users_each_bound_to_a_distinct_enterprise() {
    let p = plan();
    assert_eq!(p.enterprise_users.len(), 40);
    assert_eq!(p.enterprise_users[39].username, "enterprise0040");
    let bound: HashSet<usize> = p.enterprise_users.iter().filter_map(|u| u.enterprise).collect();
    assert_eq!(bound.len(), 40);
    let first = p.enterprise_users[0].enterprise.unwrap();
    assert_eq!(p.enterprise_users[0].username, "enterprise0001");
    assert!(p.assignments.contains(&(first, 0)), "enterprise0001 is served by officer0001");
}

#[test]
fn named_accounts_cover_every_district_and_department() {
    let p = plan();
    let names: HashSet<&str> = p.named.iter().map(|u| u.username.as_str()).collect();
    for n in ["admin", "auditor", "coordinator", "coordinator-liandu", "district-kaifaqu", "handler-pbc", "head-tax"] {
        assert!(names.contains(n), "{n}");
    }
    assert_eq!(p.named.len(), 4 + 10 + 2 * corpus().departments.len());
    assert_eq!(names.len(), p.named.len());
}

/// Callers spawn the build (web handler, CLI), so its future must be `Send`.
#[expect(dead_code, reason = "compile-time check only")]
fn build_demo_future_is_send(app: &App) {
    fn assert_send<T: Send>(_: T) {}
    assert_send(app.build_demo(&|_: &str| {}));
}

#[tokio::test]
async fn building_the_demo_fills_an_empty_database_once() {
    let path = std::env::temp_dir().join(format!("zhuqi-demo-test-{:016x}.db", rand::random::<u64>()));
    let store = Store::open(path.to_str().unwrap()).await.unwrap();
    let at = chrono::Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap();
    let app = App::new(store, Arc::new(FixedClock::new(at)), AppConfig::default());
    assert!(!app.demo_is_built().await.unwrap());

    let stages = Mutex::new(Vec::new());
    let summary = app.build_demo(&|m: &str| stages.lock().unwrap().push(m.to_string())).await.unwrap();
    assert!(stages.lock().unwrap().len() >= 8);
    assert_eq!((summary.districts, summary.townships, summary.departments), (10, 174, 21));
    assert_eq!((summary.enterprises, summary.officers, summary.enterprise_users), (1254, 1038, 40));
    assert!(app.demo_is_built().await.unwrap());

    let mut c = app.store.read().await.unwrap();
    let coverage = enterprises::coverage(&mut c, None).await.unwrap();
    assert_eq!(
        coverage.iter().map(|d| d.district_name.as_str()).collect::<Vec<_>>(),
        corpus().districts.iter().map(|d| d.name).collect::<Vec<_>>()
    );
    for (cov, spec) in coverage.iter().zip(&corpus().districts) {
        assert_eq!((cov.enterprises, cov.officers), (spec.enterprises as i64, spec.officers as i64), "{}", spec.name);
        assert_eq!((cov.unassigned, cov.idle_officers), (0, 0), "{}", spec.name);
    }
    let officers =
        users::officers(&mut c, OfficerScope::All, &OfficerFilter::default(), Page { page: 1, per_page: 5000 })
            .await
            .unwrap();
    assert_eq!(officers.total, 1038);
    let officer_district: HashMap<i64, Option<i64>> = officers.items.iter().map(|o| (o.id, o.district_id)).collect();
    let all = enterprises::all(&mut c, Scope::All, &EnterpriseFilter::default()).await.unwrap();
    assert_eq!(all.len(), 1254);
    for e in &all {
        let history = assignments::for_enterprise(&mut c, e.id).await.unwrap();
        assert_eq!(history.iter().filter(|a| a.valid_to.is_none()).count(), 1, "{}", e.name);
        let officer = e.officer_id.unwrap();
        assert_eq!(officer_district[&officer], Some(e.district_id), "{}", e.name);
    }

    let accounts = app.demo_accounts().await.unwrap();
    assert_eq!(accounts.iter().map(|a| a.username.as_str()).collect::<Vec<_>>(), SHOWCASE);
    let scopes: Vec<&str> = accounts.iter().map(|a| a.scope.as_str()).collect();
    assert_eq!(&scopes[..8], ["全市", "全市", "全市", "莲都区", "莲都区", "交通运输局", "交通运输局", "莲都区"]);
    let officer1 = users::by_username(&mut c, "officer0001").await.unwrap().unwrap();
    let ent_user = users::by_username(&mut c, "enterprise0001").await.unwrap().unwrap();
    let served = enterprises::get(&mut c, Scope::Officer(officer1.id), ent_user.enterprise_id.unwrap()).await.unwrap();
    assert_eq!(served.map(|e| e.name), ent_user.enterprise_name);
    drop(c);

    // The one shared hash verifies for every account.
    app.login("officer0001", DEMO_PASSWORD, &RequestMeta::default()).await.unwrap();
    app.login("head-transport", DEMO_PASSWORD, &RequestMeta::default()).await.unwrap();
    assert!(matches!(app.build_demo(&|_: &str| {}).await, Err(AppError::Conflict(_))));

    // `zhuqi init --city 331100` gives exactly the demo's region tree and departments.
    let init_path = std::env::temp_dir().join(format!("zhuqi-init-test-{:016x}.db", rand::random::<u64>()));
    let init_app = App::new(
        Store::open(init_path.to_str().unwrap()).await.unwrap(),
        Arc::new(FixedClock::new(at)),
        AppConfig::default(),
    );
    let req =
        zhuqi_app::city::InitCity { city_code: "331100".into(), admin_username: "admin".into(), ..Default::default() };
    init_app.init_city(&req, &|_: &str| {}).await.unwrap();
    let tree = |app: App| async move {
        let mut c = app.store.read().await.unwrap();
        let all = zhuqi_store::regions::all(&mut c).await.unwrap();
        let code_of: HashMap<i64, String> = all.iter().map(|r| (r.id, r.code.clone())).collect();
        let regions: Vec<_> = all
            .iter()
            .map(|r| {
                let parent = r.parent_id.and_then(|p| code_of.get(&p).cloned()).unwrap_or_default();
                (r.id, r.level.clone(), r.code.clone(), r.name.clone(), r.kind.clone(), r.sort_order, parent)
            })
            .collect();
        let departments: Vec<_> = zhuqi_store::departments::list(&mut c)
            .await
            .unwrap()
            .into_iter()
            .map(|d| (d.id, d.code, d.name, d.parent_unit))
            .collect();
        (regions, departments)
    };
    let demo_tree = tree(app.clone()).await;
    assert_eq!(demo_tree.0.len(), 185);
    assert_eq!(tree(init_app.clone()).await, demo_tree);
    init_app.store.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", init_path.display()));
    }

    app.store.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
