//! Schema parity: the SQLite and PostgreSQL migrations must build the same
//! schema — the same migration files, tables, columns (by type family),
//! primary keys, indexes and unique constraints. A migration added to one
//! folder only, or an index forgotten on one engine, fails here.
//!
//! Full-text search is the one place where the engines differ by design
//! (SQLite: the FTS5 table `demands_fts` and its shadow tables; PostgreSQL:
//! the GIN index `demands_search` over `to_tsvector`); [`engine_specific`]
//! names it and nothing else.

use crate::harness::fresh_db;
use sqlx::{AnyConnection, Connection, Row};
use std::collections::BTreeSet;
use std::path::Path;

/// One fact of a schema, comparable across engines.
type Fact = String;

fn migration_names(engine: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/migrations").join(engine);
    std::fs::read_dir(&dir)
        .expect("the migrations folder of the engine")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect()
}

#[test]
fn both_engines_have_the_same_migration_files() {
    let sqlite = migration_names("sqlite");
    let postgres = migration_names("postgres");
    assert!(!sqlite.is_empty());
    let only_sqlite: Vec<_> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<_> = postgres.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "migrations in one folder only: sqlite {only_sqlite:?}, postgres {only_postgres:?}"
    );
}

/// The type family of a declared column type, the same on both engines.
fn family(declared: &str) -> &'static str {
    let t = declared.to_ascii_lowercase();
    if t.contains("int") {
        "integer"
    } else if t.contains("char") || t.contains("text") || t.contains("clob") {
        "text"
    } else if t.contains("real") || t.contains("double") || t.contains("float") || t.contains("numeric") {
        "float"
    } else if t.contains("blob") || t.contains("bytea") {
        "bytes"
    } else if t.contains("bool") {
        "boolean"
    } else {
        "other"
    }
}

/// What differs between the engines on purpose (full-text search).
fn engine_specific(fact: &str) -> bool {
    fact.starts_with("table demands_fts")
        || fact.starts_with("column demands_fts")
        || fact.starts_with("pk demands_fts")
        || fact.starts_with("index demands_fts")
        || fact == "index demands(<expr>) partial=false unique=false"
}

async fn sqlite_facts(db: &str) -> BTreeSet<Fact> {
    let store = zhuqi_store::Store::open(db).await.unwrap();
    store.close().await;
    sqlx::any::install_default_drivers();
    let mut c = AnyConnection::connect(&format!("sqlite://{db}")).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let mut facts = BTreeSet::new();
    for t in &tables {
        facts.insert(format!("table {t}"));
        let cols = sqlx::query("SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid")
            .bind(t.as_str())
            .fetch_all(&mut c)
            .await
            .unwrap();
        let mut pk: Vec<(i64, String)> = Vec::new();
        for r in cols {
            let name: String = r.get(0);
            let ty: String = r.get(1);
            let p: i64 = r.get(2);
            facts.insert(format!("column {t}.{name} {}", family(&ty)));
            if p > 0 {
                pk.push((p, name));
            }
        }
        pk.sort();
        if !pk.is_empty() {
            facts.insert(format!("pk {t}({})", pk.into_iter().map(|(_, n)| n).collect::<Vec<_>>().join(",")));
        }
        let idx = sqlx::query("SELECT name, \"unique\", origin, partial FROM pragma_index_list($1)")
            .bind(t.as_str())
            .fetch_all(&mut c)
            .await
            .unwrap();
        for r in idx {
            let name: String = r.get(0);
            let unique: i64 = r.get(1);
            let origin: String = r.get(2);
            let partial: i64 = r.get(3);
            if origin == "pk" {
                continue; // the primary key, compared above
            }
            let cols: Vec<Option<String>> = sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                .bind(name.as_str())
                .fetch_all(&mut c)
                .await
                .unwrap();
            let cols: Vec<String> = cols.into_iter().map(|n| n.unwrap_or_else(|| "<expr>".into())).collect();
            facts.insert(format!("index {t}({}) partial={} unique={}", cols.join(","), partial != 0, unique != 0));
        }
    }
    facts
}

async fn postgres_facts(db: &str) -> BTreeSet<Fact> {
    let store = zhuqi_store::Store::open(db).await.unwrap();
    store.close().await;
    sqlx::any::install_default_drivers();
    let mut c = AnyConnection::connect(db).await.unwrap();
    postgres_facts_of(&mut c).await
}

async fn postgres_facts_of(c: &mut AnyConnection) -> BTreeSet<Fact> {
    let mut facts = BTreeSet::new();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    for t in &tables {
        facts.insert(format!("table {t}"));
    }
    let cols = sqlx::query(
        "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    for r in cols {
        let (t, n, ty): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        facts.insert(format!("column {t}.{n} {}", family(&ty)));
    }
    let idx = sqlx::query(
        "SELECT t.relname::text, \
                CASE WHEN ix.indisprimary THEN 1 ELSE 0 END::bigint, \
                CASE WHEN ix.indisunique THEN 1 ELSE 0 END::bigint, \
                CASE WHEN ix.indpred IS NULL THEN 0 ELSE 1 END::bigint, \
                array_to_string(ARRAY( \
                    SELECT COALESCE(a.attname::text, '<expr>') \
                    FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                    LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0 \
                    ORDER BY k.ord), ',') \
         FROM pg_index ix \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND t.relname <> '_sqlx_migrations'",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    for r in idx {
        let t: String = r.get(0);
        let primary: i64 = r.get(1);
        let unique: i64 = r.get(2);
        let partial: i64 = r.get(3);
        let cols: String = r.get(4);
        if primary != 0 {
            facts.insert(format!("pk {t}({cols})"));
        } else {
            facts.insert(format!("index {t}({cols}) partial={} unique={}", partial != 0, unique != 0));
        }
    }
    facts
}

fn differences(sqlite: &BTreeSet<Fact>, postgres: &BTreeSet<Fact>) -> Vec<String> {
    let mut out: Vec<String> = sqlite
        .difference(postgres)
        .filter(|f| !engine_specific(f))
        .map(|f| format!("only on SQLite:     {f}"))
        .collect();
    out.extend(postgres.difference(sqlite).filter(|f| !engine_specific(f)).map(|f| format!("only on PostgreSQL: {f}")));
    out
}

#[tokio::test]
async fn both_engines_build_the_same_tables_columns_keys_and_indexes() {
    if std::env::var("ZHUQI_TEST_PG").map_or(true, |s| s.is_empty()) {
        eprintln!("schema parity against PostgreSQL needs ZHUQI_TEST_PG; compared the migration files only");
        return;
    }
    let sqlite_db = fresh_db("sqlite").await;
    let pg_db = fresh_db("postgres").await;
    let sqlite = sqlite_facts(&sqlite_db).await;
    let postgres = postgres_facts(&pg_db).await;
    assert!(sqlite.iter().filter(|f| f.starts_with("table ")).count() >= 30, "{sqlite:?}");
    assert!(sqlite.iter().any(|f| f.starts_with("index ") && f.ends_with("unique=true")), "{sqlite:?}");
    let diff = differences(&sqlite, &postgres);
    assert!(diff.is_empty(), "the engines' schemas differ:\n{}", diff.join("\n"));

    // The comparison can fail: an index dropped on one engine is named.
    sqlx::any::install_default_drivers();
    let mut c = AnyConnection::connect(&pg_db).await.unwrap();
    let victim: String = sqlx::query_scalar(
        "SELECT i.relname::text FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND NOT ix.indisprimary AND NOT ix.indisunique AND ix.indpred IS NULL \
           AND i.relname <> 'demands_search' ORDER BY i.relname LIMIT 1",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    sqlx::query(&format!("DROP INDEX {victim}")).execute(&mut c).await.unwrap();
    let changed = postgres_facts_of(&mut c).await;
    let diff = differences(&sqlite, &changed);
    assert_eq!(diff.len(), 1, "dropping {victim} must show as one difference: {diff:?}");
    assert!(diff[0].starts_with("only on SQLite:     index "), "{diff:?}");
}
