//! Named sets of [`Status`]: the groups the rules, the store's SQL `IN`
//! lists, the list filters and the pages all speak of. Each set is written
//! once, here.

use super::types::Status;

impl Status {
    /// Open (未结): not yet closed, withdrawn, rejected or merged.
    pub const OPEN: [Status; 6] = [
        Status::Submitted,
        Status::Dispatched,
        Status::Handling,
        Status::Suspended,
        Status::UnderReview,
        Status::Replied,
    ];

    /// Ended: no command moves a demand out of these.
    pub const ENDED: [Status; 4] = [Status::Closed, Status::Withdrawn, Status::Rejected, Status::Merged];

    /// Set aside without a resolution: the demand does not stand for a
    /// problem any more (hot-issue detection and merging leave these out).
    pub const SET_ASIDE: [Status; 3] = [Status::Withdrawn, Status::Rejected, Status::Merged];

    /// In work (办理中, the list filter): with a department, clock running
    /// or stopped.
    pub const IN_WORK: [Status; 3] = [Status::Dispatched, Status::Handling, Status::Suspended];

    /// With a department and its clock running: what an overdue (red)
    /// count and the red list take.
    pub const CLOCK_RUNNING: [Status; 2] = [Status::Dispatched, Status::Handling];

    /// What the deadline sweeper looks at: a running handling clock, or a
    /// reply waiting for its rating (auto-close).
    pub const SWEPT: [Status; 3] = [Status::Dispatched, Status::Handling, Status::Replied];

    /// Signed for (or past it): what the on-time sign rate counts.
    pub const PAST_SIGNING: [Status; 5] =
        [Status::Handling, Status::Suspended, Status::UnderReview, Status::Replied, Status::Closed];

    /// A reply was given (waiting for review, replied, or closed).
    pub const HAS_REPLY: [Status; 3] = [Status::UnderReview, Status::Replied, Status::Closed];

    /// Answered: the reply reached the enterprise (the completion figures).
    pub const ANSWERED: [Status; 2] = [Status::Replied, Status::Closed];

    /// Whether this status is in `set`.
    pub fn is_in(self, set: &[Status]) -> bool {
        set.contains(&self)
    }

    /// The set as the list filter's query value: `dispatched,handling,…`.
    pub fn query_value(set: &[Status]) -> String {
        set.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_and_ended_split_all_statuses() {
        for s in Status::ALL {
            assert_ne!(s.is_in(&Status::OPEN), s.is_in(&Status::ENDED), "{s:?}");
            assert_eq!(s.is_open(), s.is_in(&Status::OPEN), "{s:?}");
        }
        assert_eq!(Status::OPEN.len() + Status::ENDED.len(), Status::ALL.len());
    }

    #[test]
    fn the_working_sets_are_open_and_nested() {
        for s in Status::IN_WORK.iter().chain(&Status::CLOCK_RUNNING).chain(&Status::SWEPT) {
            assert!(s.is_open(), "{s:?}");
        }
        assert!(Status::CLOCK_RUNNING.iter().all(|s| s.is_in(&Status::IN_WORK)));
        assert!(Status::CLOCK_RUNNING.iter().all(|s| s.is_in(&Status::SWEPT)));
        assert!(Status::SET_ASIDE.iter().all(|s| s.is_in(&Status::ENDED)));
        assert!(!Status::Closed.is_in(&Status::SET_ASIDE));
        assert!(Status::ANSWERED.iter().all(|s| s.is_in(&Status::HAS_REPLY) && s.is_in(&Status::PAST_SIGNING)));
        assert!(Status::HAS_REPLY.iter().all(|s| s.is_in(&Status::PAST_SIGNING)));
        assert!(!Status::Dispatched.is_in(&Status::PAST_SIGNING) && !Status::Withdrawn.is_in(&Status::PAST_SIGNING));
    }

    #[test]
    fn a_set_reads_as_the_filter_value() {
        assert_eq!(Status::query_value(&Status::IN_WORK), "dispatched,handling,suspended");
        assert_eq!(Status::query_value(&Status::CLOCK_RUNNING), "dispatched,handling");
        assert_eq!(Status::query_value(&Status::OPEN), "submitted,dispatched,handling,suspended,under_review,replied");
        assert_eq!(Status::query_value(&Status::PAST_SIGNING), "handling,suspended,under_review,replied,closed");
        assert_eq!(Status::query_value(&Status::ANSWERED), "replied,closed");
        assert_eq!(Status::query_value(&[]), "");
    }
}
