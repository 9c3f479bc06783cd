//! Application layer: the use cases of zhuqi. Every read and write enters
//! here with the acting user ([`Actor`]); authorization by scope happens
//! here and nowhere else; each command runs in one transaction; denials,
//! logins, imports and exports are written to the audit log.

pub mod accounts;
pub mod archive;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod catalogue;
pub mod city;
pub mod config;
pub mod demands;
pub mod directory;
pub mod enterprise_code;
pub mod error;
pub mod export;
pub mod hot_issues;
pub mod import;
pub mod jobs;
pub mod metrics;
pub mod officers_enterprises;
pub mod org;
pub mod qr;
pub mod rate_limit;
pub mod replay;
pub mod search;
pub mod visits;
pub mod visits_export;
pub mod webhook;
pub mod xlsx;

pub use config::AppConfig;
pub use error::{AppError, Result};
pub use zhuqi_domain::{Actor, Role, Scope};
pub use zhuqi_store as store;

use std::sync::Arc;
use zhuqi_domain::Clock;
use zhuqi_store::Store;

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: String,
    pub request_id: String,
}

/// The application: store, clock and settings. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<AppConfig>,
    /// The working-day calendar in force, loaded on first use (see [`App::calendar`]).
    calendar_cache: Arc<catalogue::CalendarCache>,
    /// Categories, time limits and the review switch, for the submit path
    /// (cleared by every change through the catalogue use cases).
    catalogue_cache: Arc<demands::CatalogueCache>,
    /// Recently resolved sessions (see [`auth::SessionCache`]).
    session_cache: Arc<auth::SessionCache>,
    /// Token buckets of the public endpoints (see [`rate_limit`]).
    rate_limiter: Arc<rate_limit::RateLimiter>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("engine", &self.store.engine()).finish_non_exhaustive()
    }
}

impl App {
    pub fn new(store: Store, clock: Arc<dyn Clock>, config: AppConfig) -> Self {
        Self {
            store,
            clock,
            config: Arc::new(config),
            calendar_cache: Arc::default(),
            catalogue_cache: Arc::default(),
            session_cache: Arc::default(),
            rate_limiter: Arc::default(),
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}
