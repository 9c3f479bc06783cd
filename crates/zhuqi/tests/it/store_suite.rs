//! The store suite, run on SQLite always and on PostgreSQL when configured.

use crate::harness::{engines, TestApp};
use zhuqi_domain::Scope;
use zhuqi_store::enterprises::EnterpriseFilter;
use zhuqi_store::Page;

#[tokio::test]
async fn migrations_are_idempotent_and_the_fixture_loads_on_every_engine() {
    for e in engines() {
        let t = TestApp::new(e).await;
        assert_eq!(t.app.store.migrate().await.unwrap(), 0, "{e}: second migrate applies nothing");
        assert_eq!(t.count("enterprises").await, 4, "{e}");
        assert_eq!(t.count("users").await, 11, "{e}");
    }
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    for e in engines() {
        let t = TestApp::new(e).await;
        t.token("admin").await;
        let n = t.count("audit_log").await;
        assert!(n >= 1, "{e}: login audited");
        let mut tx = t.app.store.begin().await.unwrap();
        let upd = sqlx::query("UPDATE audit_log SET outcome = 'x'").execute(&mut *tx).await;
        assert!(upd.is_err(), "{e}: update must fail");
        drop(tx);
        let mut tx = t.app.store.begin().await.unwrap();
        let del = sqlx::query("DELETE FROM audit_log").execute(&mut *tx).await;
        assert!(del.is_err(), "{e}: delete must fail");
        drop(tx);
        assert_eq!(t.count("audit_log").await, n, "{e}");
    }
}

#[tokio::test]
async fn reassigning_keeps_the_old_assignment_as_history() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let mut tx = t.app.store.begin().await.unwrap();
        let now = t.app.now_ms();
        let id =
            zhuqi_store::assignments::assign(&mut tx, t.ids.ent_a1, t.ids.officer_a2, now, None, "调整").await.unwrap();
        assert!(id.is_some());
        let again =
            zhuqi_store::assignments::assign(&mut tx, t.ids.ent_a1, t.ids.officer_a2, now, None, "").await.unwrap();
        assert!(again.is_none(), "{e}: same officer again changes nothing");
        let h = zhuqi_store::assignments::for_enterprise(&mut tx, t.ids.ent_a1).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(h.len(), 2, "{e}");
        assert_eq!(h[0].officer_id, t.ids.officer_a2);
        assert_eq!(h[0].valid_to, None);
        assert_eq!(h[1].officer_id, t.ids.officer_a);
        assert_eq!(h[1].valid_to, Some(now));
    }
}

#[tokio::test]
async fn two_current_assignments_for_one_enterprise_are_impossible() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let mut tx = t.app.store.begin().await.unwrap();
        let r = sqlx::query("INSERT INTO assignments (enterprise_id, officer_id, valid_from) VALUES ($1, $2, $3)")
            .bind(t.ids.ent_a1)
            .bind(t.ids.officer_a2)
            .bind(1_i64)
            .execute(&mut *tx)
            .await;
        assert!(r.is_err(), "{e}: the partial unique index holds");
    }
}

#[tokio::test]
async fn scoped_queries_return_only_what_the_scope_allows() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let mut c = t.app.store.read().await.unwrap();
        let f = EnterpriseFilter::default();
        let p = Page::default();
        let all = zhuqi_store::enterprises::list(&mut c, Scope::All, &f, p).await.unwrap();
        assert_eq!(all.total, 4, "{e}");
        let a = zhuqi_store::enterprises::list(&mut c, Scope::District(t.ids.district_a), &f, p).await.unwrap();
        assert_eq!(a.total, 3, "{e}");
        assert!(a.items.iter().all(|x| x.district_id == t.ids.district_a));
        let o = zhuqi_store::enterprises::list(&mut c, Scope::Officer(t.ids.officer_a), &f, p).await.unwrap();
        assert_eq!(o.items.iter().map(|x| x.id).collect::<Vec<_>>(), vec![t.ids.ent_a1], "{e}");
        let one = zhuqi_store::enterprises::list(&mut c, Scope::Enterprise(t.ids.ent_b1), &f, p).await.unwrap();
        assert_eq!(one.total, 1, "{e}");
        let none = zhuqi_store::enterprises::list(&mut c, Scope::Nothing, &f, p).await.unwrap();
        assert_eq!(none.total, 0, "{e}");
        assert!(zhuqi_store::enterprises::get(&mut c, Scope::Officer(t.ids.officer_a), t.ids.ent_b1)
            .await
            .unwrap()
            .is_none());
        let un = EnterpriseFilter { unassigned: true, ..Default::default() };
        let u = zhuqi_store::enterprises::list(&mut c, Scope::All, &un, p).await.unwrap();
        assert_eq!(u.items.iter().map(|x| x.id).collect::<Vec<_>>(), vec![t.ids.ent_a3], "{e}");
        let search = EnterpriseFilter { q: Some("青瓷".into()), ..Default::default() };
        assert_eq!(zhuqi_store::enterprises::list(&mut c, Scope::All, &search, p).await.unwrap().total, 1, "{e}");
    }
}

#[tokio::test]
async fn coverage_counts_unassigned_enterprises_and_idle_officers() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let mut c = t.app.store.read().await.unwrap();
        let cov = zhuqi_store::enterprises::coverage(&mut c, None).await.unwrap();
        let a = cov.iter().find(|d| d.district_id == t.ids.district_a).unwrap();
        assert_eq!((a.enterprises, a.unassigned, a.officers, a.idle_officers), (3, 1, 2, 0), "{e}");
        let b = cov.iter().find(|d| d.district_id == t.ids.district_b).unwrap();
        assert_eq!((b.enterprises, b.unassigned, b.officers, b.idle_officers), (1, 0, 1, 0), "{e}");
    }
}
