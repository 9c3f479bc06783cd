//! Matching fresh groups with stored issues.

use super::{Group, HotStatus};
use std::collections::HashMap;

/// A stored hot issue as [`reconcile`] needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub id: i64,
    pub status: HotStatus,
    pub demand_ids: Vec<i64>,
}

/// What a detection run changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A new hot issue (index into the groups).
    Flag { group: usize },
    /// New demands join an existing issue. `reflag` when it was dismissed:
    /// the dismissal covered the earlier demands only.
    Extend { issue_id: i64, group: usize, new_demand_ids: Vec<i64>, reflag: bool },
}

/// Matches each group with the stored issue sharing a demand with it (the
/// oldest when several do; groups of one run never share demands). Each demand belongs to at most one issue:
/// demands already in some issue never move. A group whose demands are all
/// known changes nothing, so a second run with the same data is a no-op and
/// a dismissed issue stays dismissed.
pub fn reconcile(groups: &[Group], stored: &[Stored]) -> Vec<Change> {
    let mut owner: HashMap<i64, (i64, HotStatus)> = HashMap::new();
    let mut sorted: Vec<&Stored> = stored.iter().collect();
    sorted.sort_by_key(|s| s.id);
    for s in sorted.iter().rev() {
        for d in &s.demand_ids {
            owner.insert(*d, (s.id, s.status));
        }
    }
    let mut out = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        let fresh: Vec<i64> = g.demand_ids.iter().copied().filter(|d| !owner.contains_key(d)).collect();
        let existing = g.demand_ids.iter().filter_map(|d| owner.get(d)).min_by_key(|(id, _)| *id).copied();
        match existing {
            None => out.push(Change::Flag { group: gi }),
            Some(_) if fresh.is_empty() => {}
            Some((issue_id, status)) => out.push(Change::Extend {
                issue_id,
                group: gi,
                new_demand_ids: fresh,
                reflag: status == HotStatus::Dismissed,
            }),
        }
    }
    out
}
