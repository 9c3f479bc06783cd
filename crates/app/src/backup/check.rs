//! `zhuqi check`: what must hold in a database, checked without writing.
//!
//! 1. Integrity: SQLite `PRAGMA integrity_check` and `PRAGMA
//!    foreign_key_check`; PostgreSQL enforces both itself (constraints left
//!    NOT VALID are reported).
//! 2. Every demand row equals the replay of its events: from the state
//!    before any event, each event is applied with the domain's
//!    [`demand::apply`]; the stored state (every field) and the projection
//!    columns (status, lead department, active deadline, closed at, rating,
//!    redo count, version) must equal the result, and the events must be
//!    numbered 1..n. The colour is not compared: it moves with the clock.
//! 3. Metric aggregates equal a rebuild: the facts of each demand replayed as
//!    `zhuqi metrics rebuild` does, against `metric_facts`, and their sums
//!    against `metric_day`, `metric_officer_day`, `metric_reply_wd`.
//! 4. Every attachment's bytes are present (its file, or its row in
//!    `attachment_blobs`) and match its SHA-256.
//!
//! Each finding is one line naming what is wrong (which demand and field,
//! which aggregate key, which attachment and path).

use super::file_of;
use crate::metrics::rebuild::initial_state;
use crate::{App, Result};
use std::collections::HashMap;
use zhuqi_domain::demand::{self, DemandState, Event, EventKind};
use zhuqi_domain::metrics::{self as m, Facts};
use zhuqi_store::metrics::Aggregates;
use zhuqi_store::{backup as store, Engine};

/// What `check` found.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    pub findings: Vec<String>,
    pub demands: usize,
    pub events: usize,
    pub aggregate_rows: usize,
    pub attachments: usize,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }
}

fn show(v: Option<&serde_json::Value>) -> String {
    v.map_or("(absent)".to_string(), |v| v.to_string())
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or("null".to_string(), |v| v.to_string())
}

impl App {
    /// Checks the database (see the module documentation); writes nothing.
    pub async fn check(&self, progress: &(dyn Fn(&str) + Sync)) -> Result<CheckReport> {
        let mut r = CheckReport::default();
        let postgres = self.store.engine() == Engine::Postgres;
        let mut c = self.store.read().await?;
        progress("integrity …");
        r.findings.extend(store::integrity(&mut c, postgres).await?);

        progress("demands against the replay of their events …");
        let cal = self.work_calendar().await?;
        let stored_facts: HashMap<i64, Facts> = zhuqi_store::metrics::all_facts(&mut c).await?.into_iter().collect();
        let mut agg = Aggregates::default();
        let mut after = 0;
        let mut seen = std::collections::HashSet::new();
        loop {
            let batch = store::projections(&mut c, after, 500).await?;
            if batch.is_empty() {
                break;
            }
            for p in batch {
                after = p.id;
                seen.insert(p.id);
                r.demands += 1;
                let rows = zhuqi_store::demands::events(&mut c, p.id).await?;
                r.events += rows.len();
                if let Some(f) = self.check_demand(&p, &rows, &cal, &stored_facts, &mut agg, &mut r.findings) {
                    r.findings.push(f);
                }
                if r.demands.is_multiple_of(5000) {
                    progress(&format!("  {} demands", r.demands));
                }
            }
        }
        let mut orphans: Vec<&i64> = stored_facts.keys().filter(|id| !seen.contains(id)).collect();
        orphans.sort();
        for id in orphans {
            r.findings.push(format!("metric_facts: a row for demand {id}, which does not exist"));
        }

        progress("metric aggregates against a rebuild …");
        let stored = zhuqi_store::metrics::aggregate_map(&mut c).await?;
        let rebuilt = agg.to_map();
        r.aggregate_rows = stored.len();
        for (k, v) in &stored {
            match rebuilt.get(k) {
                Some(w) if w == v => {}
                Some(w) => r.findings.push(format!("aggregate {k}: stored {v:?}, a rebuild gives {w:?}")),
                None => r.findings.push(format!("aggregate {k}: stored {v:?}, a rebuild has no such row")),
            }
        }
        for (k, w) in &rebuilt {
            if !stored.contains_key(k) {
                r.findings.push(format!("aggregate {k}: missing, a rebuild gives {w:?}"));
            }
        }

        progress("attachments against their hashes …");
        let dir = self.attachment_dir().await?;
        for (id, sha, size, name) in store::attachment_list(&mut c).await? {
            r.attachments += 1;
            let bytes = match &dir {
                Some(d) => {
                    let Some(path) = file_of(d, &sha) else {
                        r.findings.push(format!("attachment {id} ({name}): sha256 '{sha}' is not a SHA-256"));
                        continue;
                    };
                    match tokio::fs::read(&path).await {
                        Ok(b) => b,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                            r.findings.push(format!("attachment {id} ({name}): file missing: {}", path.display()));
                            continue;
                        }
                        Err(e) => {
                            r.findings.push(format!("attachment {id} ({name}): cannot read {}: {e}", path.display()));
                            continue;
                        }
                    }
                }
                None => match zhuqi_store::attachments::get_blob(&mut c, &sha).await? {
                    Some(b) => b,
                    None => {
                        r.findings
                            .push(format!("attachment {id} ({name}): bytes missing from attachment_blobs ({sha})"));
                        continue;
                    }
                },
            };
            let got = super::sha256_of(&bytes);
            if got != sha {
                r.findings.push(format!(
                    "attachment {id} ({name}): bytes do not match its sha256 {sha} (they hash to {got})"
                ));
            } else if i64::try_from(bytes.len()).unwrap_or(-1) != size {
                r.findings.push(format!("attachment {id} ({name}): {} bytes, the row says {size}", bytes.len()));
            }
        }
        Ok(r)
    }

    /// Compares one demand with the replay of its events; findings are
    /// pushed, a demand whose history cannot even be read is returned.
    fn check_demand(
        &self,
        p: &store::DemandProjection,
        rows: &[zhuqi_store::demands::EventRow],
        cal: &zhuqi_domain::calendar::WorkCalendar,
        stored_facts: &HashMap<i64, Facts>,
        agg: &mut Aggregates,
        out: &mut Vec<String>,
    ) -> Option<String> {
        let id = p.id;
        let stored: DemandState = match serde_json::from_str(&p.state) {
            Ok(s) => s,
            Err(e) => return Some(format!("demand {id}: state does not parse: {e}")),
        };
        let mut events = Vec::with_capacity(rows.len());
        for (i, e) in rows.iter().enumerate() {
            if e.seq != i64::try_from(i).unwrap_or(0) + 1 {
                out.push(format!("demand {id}: event {} has seq {}, expected {}", e.id, e.seq, i + 1));
            }
            match serde_json::from_str::<EventKind>(&e.payload) {
                Ok(kind) => {
                    if kind.name() != e.kind {
                        out.push(format!(
                            "demand {id}: event seq {} is stored as kind '{}' but its payload is '{}'",
                            e.seq,
                            e.kind,
                            kind.name()
                        ));
                    }
                    events.push(Event { at: e.at, actor_id: e.actor_id, kind });
                }
                Err(err) => return Some(format!("demand {id}: event seq {} payload does not parse: {err}", e.seq)),
            }
        }
        let initial = initial_state(&stored);
        let mut replay = initial.clone();
        for ev in &events {
            demand::apply(&mut replay, ev);
        }
        if replay != stored {
            let (a, b) = (serde_json::to_value(&stored).ok(), serde_json::to_value(&replay).ok());
            if let (Some(serde_json::Value::Object(a)), Some(serde_json::Value::Object(b))) = (a, b) {
                let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    if a.get(k) != b.get(k) {
                        out.push(format!(
                            "demand {id}: state.{k}: stored {}, the replay of its {} events gives {}",
                            show(a.get(k)),
                            events.len(),
                            show(b.get(k))
                        ));
                    }
                }
            } else {
                out.push(format!("demand {id}: state differs from the replay of its events"));
            }
        }
        let cols: [(&str, String, String); 7] = [
            ("status", p.status.clone(), replay.status.as_str().to_string()),
            ("lead_department_id", opt(p.lead_department_id), opt(replay.lead_department_id)),
            ("active_deadline", opt(p.active_deadline), opt(demand::active_deadline(&replay))),
            ("closed_at", opt(p.closed_at), opt(replay.closed_at)),
            ("rating", opt(p.rating.as_deref()), opt(replay.rating.map(|r| r.as_str()))),
            ("redo_count", p.redo_count.to_string(), replay.redo_count.to_string()),
            ("version", p.version.to_string(), replay.version.to_string()),
        ];
        for (name, have, want) in cols {
            if have != want {
                out.push(format!("demand {id}: column {name}: stored {have}, the replay of its events gives {want}"));
            }
        }
        let facts = m::advance(None, &initial, &events, Some(cal));
        match stored_facts.get(&id) {
            Some(f) if *f == facts => {}
            Some(f) => out.push(format!("metric_facts of demand {id}: stored {f:?}, a rebuild gives {facts:?}")),
            None => out.push(format!("metric_facts of demand {id}: missing")),
        }
        agg.add(&facts);
        None
    }
}
