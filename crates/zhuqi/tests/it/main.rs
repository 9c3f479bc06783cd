//! All integration tests of zhuqi in one binary (one link, not many).
//! Each test builds its own database: a fresh SQLite file always, and a
//! fresh PostgreSQL database when `ZHUQI_TEST_PG` names a server.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test harness code: a failed setup should abort the test loudly"
)]

mod attachments;
mod auth;
mod backup;
mod catalogue;
mod city_from_zero;
mod crash;
mod demands;
mod demo;
mod enterprise_code;
mod harness;
mod hot_issues;
mod init;
mod jobs;
mod metrics;
mod officers_enterprises;
mod org_admin;
mod registry;
mod routes;
mod schema_parity;
mod serve_lock;
mod store_suite;
mod users_admin;
mod visits;
mod visits_api;
mod webhook;
