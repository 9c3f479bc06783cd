//! The demo city's demands (诉求): 576 of them over the last four months up
//! to "today" (the injected clock), in every state, each driven through the
//! REAL rules of `zhuqi_domain::demand` — [`decide`](demand::decide) with the
//! right actor at increasing simulated instants, every step persisted by the
//! same code path as a live command (the app's replay use case,
//! [`zhuqi_app::replay`]).
//!
//! The generator is seeded and reads no wall clock: "now" is
//! [`App::now_ms`], and every timeline is laid out in working time (08:30 to
//! 12:00 and 13:30 to 17:30 on the working days of the calendar) relative
//! to it, so the demo looks right whenever it is built: the open demands are
//! recent, a few are overdue (red), some are behind (yellow) or due soon
//! (blue), and the 三色督办 warnings on the timelines are raised at the
//! instants the sweeper would have raised them.
//!
//! It also plants a 物流受限 wave: in one recent week a dozen 0102 demands
//! from different enterprises of four districts with similar descriptions
//! (the kind of cluster the hot-issue detection must find).

use std::collections::{HashMap, HashSet};
use zhuqi_app::{App, AppError, Result};
use zhuqi_domain::calendar::{start_of_day_cst, WorkCalendar, WorkingDays};
use zhuqi_domain::clock::{china_offset, from_ms};
use zhuqi_domain::demand::{
    self, Channel, Colour, Command, DemandActor, DemandState, Event, NewDemand, Rating, Status, TimeLimits, Urgency,
    Who,
};
use zhuqi_domain::{Role, Scope};
use zhuqi_store::enterprises::EnterpriseFilter;
use zhuqi_store::{catalogue, departments, enterprises, meta, users, Conn, Page};

pub(crate) mod corpus;
mod directory;
mod plan;
mod run;
mod script;
mod steps;
#[cfg(test)]
mod tests;
mod worktime;

use corpus::*;
use directory::*;
use plan::*;
pub(crate) use run::build;
use script::*;
use steps::*;
use worktime::*;

/// How many demands the demo city gets.
pub const DEMO_DEMANDS: usize = 576;
/// Demands of the 物流受限 wave (category 0102, one recent week).
pub const WAVE_DEMANDS: usize = 12;
/// The category of the wave.
pub const WAVE_CATEGORY: &str = "0102";

/// The meta key recording that the demands were generated.
const DEMANDS_BUILT_KEY: &str = "demo_demands_built";
/// Seed of the generator (never change it: the demo must not drift).
const SEED: u64 = 0x5A48_5551_4445_4D44;
/// Demands per write transaction.
const BATCH: usize = 50;
/// How far back the demands go, in days (about four months).
const HISTORY_DAYS: i64 = 122;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// Working minutes in one working day (the two windows below).
const WD: i64 = 450;
/// Working windows of a working day, minutes after 00:00 China time.
const WINDOWS: [(i64, i64); 2] = [(8 * 60 + 30, 12 * 60), (13 * 60 + 30, 17 * 60 + 30)];
/// When the simulated sweeper looks (China time, after 00:00): just after
/// midnight (deadlines end then), mid-morning and mid-afternoon.
const TICKS: [i64; 3] = [MINUTE / 2, 9 * HOUR, 14 * HOUR];

/// What the generation did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DemoDemandsSummary {
    pub demands: usize,
    pub events: usize,
    /// Warnings (蓝/黄/红) raised on the timelines by the simulated sweeper.
    pub escalations: usize,
    /// Demands whose script stopped early (a step the rules refused or that
    /// would lie in the future); 0 on a normal build.
    pub truncated: usize,
    /// Demands per status, in [`Status::ALL`] order (absent statuses left out).
    pub by_status: Vec<(Status, usize)>,
    /// What the final sweep did.
    pub swept: zhuqi_app::demands::SweepReport,
}

/// The demo's shared random numbers.
type Rng = crate::rng::SplitMix64;

fn internal(msg: impl Into<String>) -> AppError {
    AppError::Internal(msg.into())
}
