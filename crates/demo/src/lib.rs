//! The 丽水 demo city of zhuqi: the districts, departments, enterprises,
//! officers and users ([`city`]), four months of demands ([`demands`]) and
//! visits ([`visits`]), and the enterprise codes ([`codes`]), all generated
//! from seeded plans so the city is identical on every machine.
//!
//! The Chinese texts (district and department tables, names, demand
//! titles, descriptions, replies and reasons, what officers write on
//! visits) are data files under `data/`, compiled in with `include_str!`
//! and parsed once ([`corpus`]).
//!
//! The public API is the extension trait [`Demo`], implemented for
//! [`zhuqi_app::App`], so call sites read `app.build_demo(progress)` with
//! `use zhuqi_demo::Demo;`. Its futures are `Send` (the CLI and the web
//! layer spawn them). Demands are written through the app's replay use
//! case ([`zhuqi_app::replay`]), the same persistence as a live command;
//! regions, departments, users, enterprises, visits and codes are written
//! through `zhuqi_store` on the app's store, as any bulk load would.
//! Errors are [`zhuqi_app::AppError`].

pub mod city;
pub mod codes;
pub mod corpus;
pub mod demands;
mod rng;
pub mod visits;

pub use city::{DemoAccount, DemoSummary, DEMO_PASSWORD};
pub use codes::DEMO_PENDING;
pub use demands::{DemoDemandsSummary, DEMO_DEMANDS, WAVE_CATEGORY, WAVE_DEMANDS};
pub use visits::DemoVisitsSummary;

use std::future::Future;
use zhuqi_app::{App, Result};

/// The demo as use cases of [`App`].
pub trait Demo {
    /// true when the demo city is already in this database (meta key "demo_built").
    fn demo_is_built(&self) -> impl Future<Output = Result<bool>> + Send;

    /// Builds the demo city once, in ONE write transaction (all or nothing),
    /// calling `progress(msg)` for each stage. Refuses with `Conflict` when
    /// the demo is already built or the database already holds regions.
    /// Then generates the demands, the visits and the enterprise codes.
    fn build_demo(&self, progress: &(dyn Fn(&str) + Send + Sync)) -> impl Future<Output = Result<DemoSummary>> + Send;

    /// The table of demo accounts to print (read from the database; works on
    /// an already-built demo too): one per kind of login, in a fixed order.
    /// Accounts missing from the database are left out.
    fn demo_accounts(&self) -> impl Future<Output = Result<Vec<DemoAccount>>> + Send;

    /// Generates the demo city's [`DEMO_DEMANDS`] demands (see [`demands`]),
    /// calling `progress(msg)` along the way, then runs the sweeper once so
    /// colours and escalations are current. Needs the demo city
    /// ([`Demo::build_demo`]); seeds the default dispatch catalogue if
    /// there is none. Refuses with `Conflict` when already done.
    fn build_demo_demands(
        &self,
        progress: &(dyn Fn(&str) + Send + Sync),
    ) -> impl Future<Output = Result<DemoDemandsSummary>> + Send;

    /// Generates the demo visits once (see [`visits`]), calling
    /// `progress(msg)` for each stage.
    fn build_demo_visits(
        &self,
        progress: &(dyn Fn(&str) + Send + Sync),
    ) -> impl Future<Output = Result<DemoVisitsSummary>> + Send;

    /// Writes the demo's codes and bindings (once, as part of building the demo).
    fn build_demo_codes(&self, progress: &(dyn Fn(&str) + Send + Sync)) -> impl Future<Output = Result<usize>> + Send;
}

impl Demo for App {
    async fn demo_is_built(&self) -> Result<bool> {
        city::is_built(self).await
    }

    async fn build_demo(&self, progress: &(dyn Fn(&str) + Send + Sync)) -> Result<DemoSummary> {
        city::build(self, progress).await
    }

    async fn demo_accounts(&self) -> Result<Vec<DemoAccount>> {
        city::accounts(self).await
    }

    async fn build_demo_demands(&self, progress: &(dyn Fn(&str) + Send + Sync)) -> Result<DemoDemandsSummary> {
        demands::build(self, progress).await
    }

    async fn build_demo_visits(&self, progress: &(dyn Fn(&str) + Send + Sync)) -> Result<DemoVisitsSummary> {
        visits::build(self, progress).await
    }

    async fn build_demo_codes(&self, progress: &(dyn Fn(&str) + Send + Sync)) -> Result<usize> {
        codes::build(self, progress).await
    }
}
