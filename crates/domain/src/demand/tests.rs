//! Tests of the demand rules: the (state × action × role) table, the paths
//! of DESIGN §3.2, the colours, and property tests over random sequences.

use super::*;
use crate::calendar::WorkCalendar;
use crate::role::Role;
use chrono::{DateTime, Datelike};
use proptest::prelude::*;
use std::sync::OnceLock;

const ID: i64 = 1;
const ENT: i64 = 100;
const DISTRICT: i64 = 5;
const LEAD: i64 = 10;
const OTHER: i64 = 11;
const SUBMITTER: i64 = 900;

fn cal() -> &'static WorkCalendar {
    static CAL: OnceLock<WorkCalendar> = OnceLock::new();
    CAL.get_or_init(WorkCalendar::official)
}

/// An instant in China time, e.g. `cst("2026-03-02T09:00")`.
fn cst(s: &str) -> i64 {
    DateTime::parse_from_rfc3339(&format!("{s}:00+08:00")).unwrap().timestamp_millis()
}

fn new_demand() -> NewDemand {
    NewDemand {
        enterprise_id: ENT,
        district_id: DISTRICT,
        category_code: "0101".into(),
        title: "物流受限：原料运输车辆无法进入园区".into(),
        description: "需办理通行证".into(),
        channel: Channel::Officer,
        urgency: Urgency::Urgent,
        confidential: false,
    }
}

fn submitted_at(review: bool, at: i64) -> DemandState {
    let input = new_demand();
    let mut s = DemandState::new_submitted(ID, &input, SUBMITTER, at, TimeLimits::default(), review);
    assert_eq!(s.version, 0);
    apply(&mut s, &input.submitted_event(SUBMITTER, at));
    assert_eq!(s.version, 1);
    s
}

fn user(user_id: i64, role: Role) -> DemandActor {
    DemandActor { user_id, role, department_id: None, district_id: None, enterprise_id: None, serves_enterprise: false }
}

/// The eight roles and the system, each as a canonical actor IN relation to
/// the demand (handler / head of the lead department, the enterprise's user,
/// its serving officer, a city-wide coordinator, the district's admin…).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum K {
    CityAdmin,
    DistrictAdmin,
    Coordinator,
    DeptHandler,
    DeptHead,
    Officer,
    EnterpriseUser,
    Auditor,
    System,
}

const KINDS: [K; 9] = [
    K::CityAdmin,
    K::DistrictAdmin,
    K::Coordinator,
    K::DeptHandler,
    K::DeptHead,
    K::Officer,
    K::EnterpriseUser,
    K::Auditor,
    K::System,
];

impl K {
    fn name(self) -> &'static str {
        match self.who().role() {
            Some(r) => r.as_str(),
            None => "system",
        }
    }

    fn who(self) -> Who {
        let a = match self {
            K::CityAdmin => user(1, Role::CityAdmin),
            K::DistrictAdmin => DemandActor { district_id: Some(DISTRICT), ..user(2, Role::DistrictAdmin) },
            K::Coordinator => user(3, Role::Coordinator),
            K::DeptHandler => DemandActor { department_id: Some(LEAD), ..user(4, Role::DeptHandler) },
            K::DeptHead => DemandActor { department_id: Some(LEAD), ..user(5, Role::DeptHead) },
            K::Officer => {
                DemandActor { district_id: Some(DISTRICT), serves_enterprise: true, ..user(6, Role::Officer) }
            }
            K::EnterpriseUser => DemandActor { enterprise_id: Some(ENT), ..user(7, Role::EnterpriseUser) },
            K::Auditor => user(8, Role::Auditor),
            K::System => return Who::System,
        };
        Who::User(a)
    }
}

fn step_who(s: &mut DemandState, cmd: Command, who: &Who, now: i64) -> Vec<Event> {
    let events = decide(s, &cmd, who, now, cal()).unwrap_or_else(|e| panic!("{cmd:?} by {who:?} refused: {e}"));
    assert!(!events.is_empty());
    for e in &events {
        assert_eq!(e.at, now);
        apply(s, e);
    }
    events
}

fn step(s: &mut DemandState, cmd: Command, k: K, now: i64) -> Vec<Event> {
    step_who(s, cmd, &k.who(), now)
}

fn reason() -> String {
    "理由".into()
}

fn dispatch(lead: i64) -> Command {
    Command::Dispatch { lead, assisting: vec![12], note: "请尽快办理".into() }
}

fn reply() -> Command {
    Command::Reply { text: "已协调交通部门办理通行证".into(), outcome_count: Some(3) }
}

fn rate(rating: Rating) -> Command {
    Command::Rate { rating, comment: String::new() }
}

/// One valid command per action.
fn canonical(action: Action) -> Command {
    match action {
        Action::Dispatch => dispatch(LEAD),
        Action::Object => Command::Object { reason: reason() },
        Action::Transfer => Command::Transfer { lead: OTHER, reason: reason() },
        Action::Sign => Command::Sign,
        Action::AddAssist => Command::AddAssist { departments: vec![13] },
        Action::InterimReply => Command::InterimReply { text: "正在协调".into() },
        Action::Reply => reply(),
        Action::ApproveReply => Command::ApproveReply,
        Action::ReturnReply => Command::ReturnReply { reason: reason() },
        Action::Rate => rate(Rating::Satisfied),
        Action::RequestExtension => Command::RequestExtension { days: 2, reason: reason() },
        Action::ApproveExtension => Command::ApproveExtension,
        Action::RefuseExtension => Command::RefuseExtension { reason: reason() },
        Action::Suspend => Command::Suspend { reason: reason() },
        Action::Resume => Command::Resume,
        Action::Withdraw => Command::Withdraw { reason: reason() },
        Action::Reject => Command::Reject { reason: reason() },
        Action::MergeInto => Command::MergeInto { target: 2 },
        Action::Urge => Command::Urge { note: "请加快".into() },
        Action::Supervise => Command::Supervise { note: "限期办结".into(), due_days: 3 },
        Action::AddInfo => Command::AddInfo { text: "补充营业执照".into() },
        Action::AutoClose => Command::AutoClose,
        Action::Escalate => Command::Escalate { level: Colour::Red },
    }
}

/// A demand in `status`, reached by real commands on Monday 2026-03-02;
/// with a pending extension request when asked (Handling / Suspended).
fn fixture(status: Status, pending_extension: bool) -> DemandState {
    let mut s = submitted_at(status == Status::UnderReview, cst("2026-03-02T09:00"));
    match status {
        Status::Submitted => return s,
        Status::Withdrawn => {
            step(&mut s, Command::Withdraw { reason: reason() }, K::EnterpriseUser, cst("2026-03-02T09:10"));
            return s;
        }
        Status::Rejected => {
            step(&mut s, Command::Reject { reason: reason() }, K::Coordinator, cst("2026-03-02T09:10"));
            return s;
        }
        Status::Merged => {
            step(&mut s, Command::MergeInto { target: 2 }, K::Coordinator, cst("2026-03-02T09:10"));
            return s;
        }
        _ => {}
    }
    step(&mut s, dispatch(LEAD), K::Coordinator, cst("2026-03-02T09:30"));
    if status == Status::Dispatched {
        return s;
    }
    step(&mut s, Command::Sign, K::DeptHandler, cst("2026-03-02T10:00"));
    if pending_extension && matches!(status, Status::Handling | Status::Suspended) {
        step(&mut s, canonical(Action::RequestExtension), K::DeptHandler, cst("2026-03-02T10:20"));
    }
    match status {
        Status::Suspended => {
            step(&mut s, Command::Suspend { reason: reason() }, K::DeptHandler, cst("2026-03-02T10:30"));
        }
        Status::UnderReview | Status::Replied | Status::Closed => {
            step(&mut s, reply(), K::DeptHandler, cst("2026-03-02T11:00"));
            if status == Status::Closed {
                step(&mut s, rate(Rating::Satisfied), K::EnterpriseUser, cst("2026-03-02T11:30"));
            }
        }
        _ => {}
    }
    assert_eq!(s.status, status);
    s
}

/// The expected rules, written as data: action, the states it is legal in,
/// and the roles (in relation to the demand) that may take it.
const TABLE: &[(&str, &str, &str)] = &[
    ("dispatch", "submitted", "city_admin coordinator"),
    ("object", "dispatched", "dept_handler dept_head"),
    ("transfer", "dispatched handling", "city_admin coordinator"),
    ("sign", "dispatched", "dept_handler dept_head"),
    ("add_assist", "handling", "dept_handler dept_head"),
    ("interim_reply", "handling", "dept_handler dept_head"),
    ("reply", "handling", "dept_handler dept_head"),
    ("approve_reply", "under_review", "city_admin coordinator"),
    ("return_reply", "under_review", "city_admin coordinator"),
    ("rate", "replied", "officer enterprise_user"),
    ("request_extension", "handling", "dept_handler dept_head"),
    ("approve_extension", "handling suspended", "dept_head"),
    ("refuse_extension", "handling suspended", "dept_head"),
    ("suspend", "handling", "dept_handler dept_head"),
    ("resume", "suspended", "dept_handler dept_head"),
    ("withdraw", "submitted dispatched", "officer enterprise_user"),
    ("reject", "submitted", "city_admin coordinator"),
    ("merge_into", "submitted dispatched", "city_admin coordinator"),
    ("urge", "submitted dispatched handling suspended under_review replied", "city_admin district_admin coordinator"),
    ("supervise", "submitted dispatched handling suspended under_review replied", "city_admin district_admin"),
    ("add_info", "submitted dispatched handling suspended", "officer enterprise_user"),
    ("auto_close", "replied", "system"),
    ("escalate", "dispatched handling", "system"),
];

/// Timing conditions hold at these instants: objections and extension
/// requests early, auto-close and escalations long after every deadline.
fn now_for(action: Action) -> i64 {
    match action {
        Action::AutoClose | Action::Escalate => cst("2026-04-15T10:00"),
        _ => cst("2026-03-02T14:00"),
    }
}

#[test]
fn every_state_action_role_triple_is_allowed_or_refused_as_the_table_says() {
    assert_eq!(TABLE.iter().map(|r| r.0).collect::<Vec<_>>(), ACTIONS);
    let mut checked = 0;
    let mut allowed = 0;
    for status in Status::ALL {
        for (name, states, roles) in TABLE {
            let action = Action::parse(name).unwrap();
            let legal = states.split_whitespace().any(|s| s == status.as_str());
            let state = fixture(status, matches!(action, Action::ApproveExtension | Action::RefuseExtension));
            let now = now_for(action);
            for k in KINDS {
                let who = k.who();
                let may = roles.split_whitespace().any(|r| r == k.name());
                let got = decide(&state, &canonical(action), &who, now, cal());
                let listed = allowed_actions(&state, &who, now, cal()).contains(&action);
                let ctx = format!("{} × {name} × {}: {got:?}", status.as_str(), k.name());
                match (legal, may) {
                    (false, _) => assert_eq!(got, Err(DemandError::Illegal { status, action: name }), "{ctx}"),
                    (true, false) => {
                        assert_eq!(got, Err(DemandError::Forbidden { role: who.role(), action: name }), "{ctx}")
                    }
                    (true, true) => {
                        assert!(got.is_ok(), "{ctx}");
                        allowed += 1;
                    }
                }
                assert_eq!(listed, legal && may, "allowed_actions disagrees: {ctx}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 10 * 23 * 9);
    assert_eq!(allowed, 83);
}

#[test]
fn actors_out_of_relation_are_forbidden() {
    let other_handler = DemandActor { department_id: Some(OTHER), ..user(40, Role::DeptHandler) };
    let other_head = DemandActor { department_id: Some(OTHER), ..user(41, Role::DeptHead) };
    let assisting_handler = DemandActor { department_id: Some(12), ..user(42, Role::DeptHandler) };
    let no_dept_handler = user(43, Role::DeptHandler);
    let other_enterprise = DemandActor { enterprise_id: Some(ENT + 1), ..user(44, Role::EnterpriseUser) };
    let not_serving = DemandActor { district_id: Some(DISTRICT), ..user(45, Role::Officer) };
    let other_district_admin = DemandActor { district_id: Some(DISTRICT + 1), ..user(46, Role::DistrictAdmin) };
    let other_coordinator = DemandActor { district_id: Some(DISTRICT + 1), ..user(47, Role::Coordinator) };
    let cases: Vec<(Status, Action, DemandActor)> = vec![
        (Status::Dispatched, Action::Sign, other_handler.clone()),
        (Status::Dispatched, Action::Sign, other_head.clone()),
        (Status::Dispatched, Action::Object, other_handler.clone()),
        (Status::Handling, Action::Reply, other_handler.clone()),
        (Status::Handling, Action::Reply, assisting_handler.clone()),
        (Status::Handling, Action::Reply, no_dept_handler),
        (Status::Handling, Action::Suspend, assisting_handler),
        (Status::Handling, Action::ApproveExtension, other_head.clone()),
        (Status::Suspended, Action::Resume, other_handler),
        (Status::Suspended, Action::RefuseExtension, other_head),
        (Status::Replied, Action::Rate, other_enterprise.clone()),
        (Status::Replied, Action::Rate, not_serving.clone()),
        (Status::Submitted, Action::Withdraw, other_enterprise.clone()),
        (Status::Dispatched, Action::Withdraw, not_serving.clone()),
        (Status::Handling, Action::AddInfo, other_enterprise),
        (Status::Handling, Action::AddInfo, not_serving),
        (Status::Handling, Action::Supervise, other_district_admin.clone()),
        (Status::Handling, Action::Urge, other_district_admin),
        (Status::Submitted, Action::Dispatch, other_coordinator.clone()),
        (Status::Submitted, Action::Reject, other_coordinator.clone()),
        (Status::Handling, Action::Urge, other_coordinator.clone()),
        (Status::UnderReview, Action::ApproveReply, other_coordinator),
    ];
    let n = cases.len();
    for (status, action, a) in cases {
        let state = fixture(status, matches!(action, Action::ApproveExtension | Action::RefuseExtension));
        let who = Who::User(a);
        let got = decide(&state, &canonical(action), &who, now_for(action), cal());
        assert_eq!(
            got,
            Err(DemandError::Forbidden { role: who.role(), action: action.as_str() }),
            "{action:?} {who:?}"
        );
        assert!(!allowed_actions(&state, &who, now_for(action), cal()).contains(&action));
    }
    assert_eq!(n, 22);

    // In relation through the district, or as the submitter, they may.
    let own_coordinator = DemandActor { district_id: Some(DISTRICT), ..user(48, Role::Coordinator) };
    let s = fixture(Status::Submitted, false);
    assert!(decide(&s, &dispatch(LEAD), &Who::User(own_coordinator), now_for(Action::Dispatch), cal()).is_ok());
    let submitter = DemandActor { district_id: Some(DISTRICT), ..user(SUBMITTER, Role::Officer) };
    let d = fixture(Status::Dispatched, false);
    assert!(decide(&d, &canonical(Action::Withdraw), &Who::User(submitter), now_for(Action::Withdraw), cal()).is_ok());
    // An auditor who somehow submitted still may not act.
    let auditor = user(SUBMITTER, Role::Auditor);
    assert!(decide(&d, &canonical(Action::Withdraw), &Who::User(auditor), now_for(Action::Withdraw), cal()).is_err());
}

fn names(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.name()).collect()
}

#[test]
fn happy_path_with_review_from_submission_to_closed() {
    let mut s = submitted_at(true, cst("2026-03-02T09:00"));
    step(&mut s, dispatch(LEAD), K::Coordinator, cst("2026-03-02T09:30"));
    assert_eq!(s.status, Status::Dispatched);
    assert_eq!(s.lead_department_id, Some(LEAD));
    assert_eq!(s.assisting_department_ids, vec![12]);
    // 1 working day to sign: Tuesday 24:00; 5 to close: Monday 03-09 24:00.
    assert_eq!(s.sign_due, Some(cst("2026-03-04T00:00")));
    assert_eq!(s.due_dispatch, Some(cst("2026-03-10T00:00")));
    assert_eq!(active_deadline(&s), s.sign_due);

    step(&mut s, Command::Sign, K::DeptHandler, cst("2026-03-02T10:00"));
    assert_eq!((s.status, s.signed_at, s.signed_by), (Status::Handling, Some(cst("2026-03-02T10:00")), Some(4)));
    assert_eq!(s.due_sign, Some(cst("2026-03-10T00:00")));
    assert_eq!(s.interim_due, Some(cst("2026-03-06T00:00")));
    assert_eq!(active_deadline(&s), Some(cst("2026-03-10T00:00")));

    step(&mut s, Command::AddAssist { departments: vec![13, 13, 12] }, K::DeptHandler, cst("2026-03-03T09:00"));
    assert_eq!(s.assisting_department_ids, vec![12, 13]);
    step(&mut s, Command::InterimReply { text: "已联系交通局".into() }, K::DeptHead, cst("2026-03-04T09:00"));
    assert_eq!(s.interim_replied_at, Some(cst("2026-03-04T09:00")));
    step(&mut s, reply(), K::DeptHandler, cst("2026-03-06T09:00"));
    assert_eq!(s.status, Status::UnderReview);
    assert_eq!(colour(&s, cst("2026-03-20T09:00"), cal()), Colour::None);
    step(&mut s, Command::ReturnReply { reason: "请附通行证编号".into() }, K::Coordinator, cst("2026-03-06T10:00"));
    assert_eq!((s.status, s.replied_at), (Status::Handling, None));
    step(&mut s, reply(), K::DeptHandler, cst("2026-03-06T11:00"));
    step(&mut s, Command::ApproveReply, K::CityAdmin, cst("2026-03-06T12:00"));
    assert_eq!((s.status, s.replied_at), (Status::Replied, Some(cst("2026-03-06T12:00"))));
    let ev = step(&mut s, rate(Rating::VerySatisfied), K::EnterpriseUser, cst("2026-03-07T09:00"));
    assert_eq!(names(&ev), ["rated", "closed"]);
    assert_eq!(ev[1].kind, EventKind::Closed { auto: false });
    assert_eq!(
        (s.status, s.closed_at, s.rating),
        (Status::Closed, Some(cst("2026-03-07T09:00")), Some(Rating::VerySatisfied))
    );
    // submitted, dispatched, signed, assist, interim, replied, returned, replied, approved, rated, closed
    assert_eq!(s.version, 11);
    assert!(!s.provisional);
    for k in KINDS {
        assert!(allowed_actions(&s, &k.who(), cst("2026-03-09T09:00"), cal()).is_empty(), "{k:?}");
    }
}

#[test]
fn without_review_a_reply_goes_straight_to_the_enterprise() {
    let mut s = fixture(Status::Handling, false);
    step(&mut s, reply(), K::DeptHandler, cst("2026-03-03T09:00"));
    assert_eq!((s.status, s.replied_at), (Status::Replied, Some(cst("2026-03-03T09:00"))));
    // The serving officer rates on the enterprise's behalf (回访).
    step(&mut s, rate(Rating::Neutral), K::Officer, cst("2026-03-04T09:00"));
    assert_eq!(s.status, Status::Closed);
}

#[test]
fn a_dissatisfied_rating_reopens_with_a_call_back_and_a_new_deadline() {
    let mut s = fixture(Status::Handling, false);
    step(&mut s, Command::InterimReply { text: "处理中".into() }, K::DeptHandler, cst("2026-03-03T09:00"));
    step(&mut s, reply(), K::DeptHandler, cst("2026-03-09T15:00"));
    let due_dispatch = s.due_dispatch;
    let ev = step(&mut s, rate(Rating::Dissatisfied), K::EnterpriseUser, cst("2026-03-13T10:00"));
    assert_eq!(names(&ev), ["rated", "reopened"]);
    assert_eq!((s.status, s.redo_count), (Status::Handling, 1));
    // Friday 10:00 + 1 working day: Monday 03-16 24:00.
    assert_eq!(s.callback_due, Some(cst("2026-03-17T00:00")));
    // Friday + 5 working days: Friday 03-20 24:00.
    assert_eq!(s.due_sign, Some(cst("2026-03-21T00:00")));
    assert_eq!(s.due_dispatch, due_dispatch);
    assert_eq!(
        ev[1].kind,
        EventKind::Reopened {
            callback_due: cst("2026-03-17T00:00"),
            due_sign: cst("2026-03-21T00:00"),
            provisional: false
        }
    );
    // The redo runs on its own deadline, not the spent dispatch clock.
    assert_eq!(active_deadline(&s), Some(cst("2026-03-21T00:00")));
    assert_eq!(colour(&s, cst("2026-03-16T10:00"), cal()), Colour::None);
    assert_eq!(colour(&s, cst("2026-03-20T10:00"), cal()), Colour::Blue);
    step(&mut s, reply(), K::DeptHandler, cst("2026-03-18T10:00"));
    step(&mut s, rate(Rating::VeryDissatisfied), K::Officer, cst("2026-03-19T10:00"));
    assert_eq!(s.redo_count, 2);
    step(&mut s, reply(), K::DeptHandler, cst("2026-03-20T10:00"));
    step(&mut s, rate(Rating::Satisfied), K::EnterpriseUser, cst("2026-03-20T11:00"));
    assert_eq!((s.status, s.redo_count, s.rating), (Status::Closed, 2, Some(Rating::Satisfied)));
}

#[test]
fn a_reopened_demand_counts_half_its_time_from_the_reopening_not_the_first_signing() {
    let mut s = fixture(Status::Handling, false);
    step(&mut s, reply(), K::DeptHandler, cst("2026-03-09T15:00"));
    step(&mut s, rate(Rating::Dissatisfied), K::EnterpriseUser, cst("2026-03-13T10:00"));
    assert_eq!(s.reopened_at, Some(cst("2026-03-13T10:00")));
    // One working day into the new five: on track, not "behind".
    assert_eq!(colour(&s, cst("2026-03-16T10:00"), cal()), Colour::None);
    // Past half of (03-13, 03-20] without an interim reply: behind.
    assert_eq!(colour(&s, cst("2026-03-18T15:00"), cal()), Colour::Yellow);
}

#[test]
fn an_objection_returns_to_the_coordinator_and_redispatch_keeps_the_dispatch_clock() {
    let mut s = fixture(Status::Dispatched, false);
    let (first, due_dispatch) = (s.first_dispatched_at, s.due_dispatch);
    // Empty reason refused.
    let err =
        decide(&s, &Command::Object { reason: "  ".into() }, &K::DeptHandler.who(), cst("2026-03-03T10:00"), cal());
    assert!(matches!(err, Err(DemandError::Invalid(ref f)) if f.field == "reason"), "{err:?}");
    step(&mut s, Command::Object { reason: "不属于本部门职责".into() }, K::DeptHandler, cst("2026-03-03T10:00"));
    assert_eq!((s.status, s.lead_department_id, s.sign_due), (Status::Submitted, None, None));
    assert!(s.assisting_department_ids.is_empty());
    assert_eq!(colour(&s, cst("2026-03-20T10:00"), cal()), Colour::None);
    step(&mut s, dispatch(OTHER), K::Coordinator, cst("2026-03-04T09:00"));
    assert_eq!(s.status, Status::Dispatched);
    assert_eq!(s.lead_department_id, Some(OTHER));
    assert_eq!(s.first_dispatched_at, first);
    assert_eq!(s.dispatched_at, Some(cst("2026-03-04T09:00")));
    assert_eq!(s.due_dispatch, due_dispatch);
    assert_eq!(s.sign_due, Some(cst("2026-03-06T00:00")));
    // The old department has no say any more.
    assert!(matches!(
        decide(&s, &Command::Sign, &K::DeptHandler.who(), cst("2026-03-04T10:00"), cal()),
        Err(DemandError::Forbidden { .. })
    ));
}

#[test]
fn an_objection_after_the_signing_period_is_refused() {
    let s = fixture(Status::Dispatched, false);
    // sign_due is Wednesday 00:00.
    let ok = decide(&s, &Command::Object { reason: reason() }, &K::DeptHead.who(), cst("2026-03-03T23:59"), cal());
    assert!(ok.is_ok());
    let late = decide(&s, &Command::Object { reason: reason() }, &K::DeptHead.who(), cst("2026-03-04T00:00"), cal());
    assert!(matches!(late, Err(DemandError::Invalid(ref f)) if f.field == "reason"), "{late:?}");
    assert!(!allowed_actions(&s, &K::DeptHead.who(), cst("2026-03-04T00:00"), cal()).contains(&Action::Object));
    assert!(allowed_actions(&s, &K::DeptHead.who(), cst("2026-03-04T00:00"), cal()).contains(&Action::Sign));
}

#[test]
fn a_transfer_keeps_the_dispatch_clock_and_sets_a_new_signing_deadline() {
    let mut s = fixture(Status::Handling, false);
    let due_dispatch = s.due_dispatch;
    let same = decide(
        &s,
        &Command::Transfer { lead: LEAD, reason: reason() },
        &K::Coordinator.who(),
        cst("2026-03-04T10:00"),
        cal(),
    );
    assert!(matches!(same, Err(DemandError::Invalid(ref f)) if f.field == "lead"), "{same:?}");
    let ev = step(
        &mut s,
        Command::Transfer { lead: OTHER, reason: "职责调整".into() },
        K::Coordinator,
        cst("2026-03-04T10:00"),
    );
    assert_eq!(
        ev[0].kind,
        EventKind::Transferred {
            from: LEAD,
            to: OTHER,
            reason: "职责调整".into(),
            sign_due: cst("2026-03-06T00:00"),
            provisional: false
        }
    );
    assert_eq!((s.status, s.lead_department_id), (Status::Dispatched, Some(OTHER)));
    assert_eq!(s.due_dispatch, due_dispatch);
    assert_eq!(s.sign_due, Some(cst("2026-03-06T00:00")));
    let new_handler = Who::User(DemandActor { department_id: Some(OTHER), ..user(40, Role::DeptHandler) });
    step_who(&mut s, Command::Sign, &new_handler, cst("2026-03-05T09:00"));
    assert_eq!(s.signed_by, Some(40));
    assert_eq!(s.due_sign, Some(cst("2026-03-13T00:00")));
    // The clock from dispatch still binds: bouncing does not hide lateness.
    assert_eq!(close_deadline(&s), due_dispatch);
    assert_eq!(colour(&s, cst("2026-03-10T00:00"), cal()), Colour::Red);
}

#[test]
fn suspension_over_national_day_moves_the_deadlines_by_the_working_days_suspended() {
    let mut s = submitted_at(false, cst("2026-09-21T09:00"));
    step(&mut s, dispatch(LEAD), K::Coordinator, cst("2026-09-21T09:30"));
    step(&mut s, Command::Sign, K::DeptHandler, cst("2026-09-21T10:00"));
    // Mon 09-21 + 5 working days: Tue 22, Wed 23, Thu 24, (Fri 25 – Sun 27
    // 中秋节), Mon 28, Tue 29.
    assert_eq!(s.due_sign, Some(cst("2026-09-30T00:00")));
    assert_eq!(s.due_dispatch, Some(cst("2026-09-30T00:00")));
    assert_eq!(s.interim_due, Some(cst("2026-09-25T00:00")));
    step(&mut s, Command::Suspend { reason: "等待企业补充材料".into() }, K::DeptHandler, cst("2026-09-25T10:00"));
    assert_eq!((s.status, s.suspended_at), (Status::Suspended, Some(cst("2026-09-25T10:00"))));
    // The clock is stopped: no colour, no active deadline, however late.
    assert_eq!(colour(&s, cst("2026-10-05T10:00"), cal()), Colour::None);
    assert_eq!(active_deadline(&s), None);
    let ev = step(&mut s, Command::Resume, K::DeptHead, cst("2026-10-08T10:00"));
    // Working days in (09-25, 10-08]: Mon 28, Tue 29, Wed 30 and Thu 10-08
    // (10-01 … 10-07 are 国庆节) = 4.
    assert_eq!(
        cal().working_days_between(
            chrono::NaiveDate::from_ymd_opt(2026, 9, 25).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 10, 8).unwrap()
        ),
        4
    );
    // Last day Tue 09-29 + 4: Wed 09-30, Thu 10-08, Fri 10-09 and Sat 10-10,
    // a make-up working day (调休上班).
    // Interim last day Thu 09-24 + 4: Mon 28, Tue 29, Wed 30, Thu 10-08.
    assert_eq!(
        ev[0].kind,
        EventKind::Resumed {
            shifted_days: 4,
            due_sign: Some(cst("2026-10-11T00:00")),
            due_dispatch: Some(cst("2026-10-11T00:00")),
            interim_due: Some(cst("2026-10-09T00:00")),
            provisional: false,
        }
    );
    assert_eq!((s.status, s.suspended_at), (Status::Handling, None));
    assert_eq!(s.due_sign, Some(cst("2026-10-11T00:00")));
    assert_eq!(s.due_dispatch, Some(cst("2026-10-11T00:00")));
    assert_eq!(s.interim_due, Some(cst("2026-10-09T00:00")));
    assert_eq!(colour(&s, cst("2026-10-10T09:00"), cal()), Colour::Yellow);
    assert_eq!(colour(&s, cst("2026-10-11T00:00"), cal()), Colour::Red);
}

#[test]
fn an_interim_reply_already_given_keeps_its_deadline_through_a_suspension() {
    let mut s = fixture(Status::Handling, false);
    step(&mut s, Command::InterimReply { text: "处理中".into() }, K::DeptHandler, cst("2026-03-03T09:00"));
    let interim = s.interim_due;
    step(&mut s, Command::Suspend { reason: reason() }, K::DeptHandler, cst("2026-03-03T10:00"));
    step(&mut s, Command::Resume, K::DeptHandler, cst("2026-03-05T10:00"));
    assert_eq!(s.interim_due, interim);
    // Two working days (Wed, Thu) suspended: Mon 03-09 becomes Wed 03-11.
    assert_eq!(s.due_sign, Some(cst("2026-03-12T00:00")));
}

#[test]
fn extensions_are_requested_before_the_deadline_and_approved_by_the_head() {
    let mut s = fixture(Status::Handling, false);
    for days in [0, 31] {
        let r = decide(
            &s,
            &Command::RequestExtension { days, reason: reason() },
            &K::DeptHandler.who(),
            cst("2026-03-09T15:00"),
            cal(),
        );
        assert!(matches!(r, Err(DemandError::Invalid(ref f)) if f.field == "days"), "{days}: {r:?}");
    }
    // After the deadline (Monday 03-09 24:00): refused, and not offered.
    let late = decide(&s, &canonical(Action::RequestExtension), &K::DeptHandler.who(), cst("2026-03-10T00:00"), cal());
    assert!(matches!(late, Err(DemandError::Invalid(ref f)) if f.field == "days"), "{late:?}");
    assert!(
        !allowed_actions(&s, &K::DeptHandler.who(), cst("2026-03-10T00:00"), cal()).contains(&Action::RequestExtension)
    );

    // On the last day: fine; a second request while one is pending is not.
    step(&mut s, canonical(Action::RequestExtension), K::DeptHandler, cst("2026-03-09T15:00"));
    assert_eq!(s.extension.as_ref().map(|e| (e.days, e.requested_by)), Some((2, 4)));
    let again = decide(&s, &canonical(Action::RequestExtension), &K::DeptHandler.who(), cst("2026-03-09T15:30"), cal());
    assert!(matches!(again, Err(DemandError::Invalid(_))), "{again:?}");
    // A handler cannot approve; the head can, even after the deadline passed.
    let by_handler = decide(&s, &Command::ApproveExtension, &K::DeptHandler.who(), cst("2026-03-10T09:00"), cal());
    assert!(matches!(by_handler, Err(DemandError::Forbidden { role: Some(Role::DeptHandler), .. })));
    let ev = step(&mut s, Command::ApproveExtension, K::DeptHead, cst("2026-03-10T09:00"));
    // Last day Mon 03-09 + 2 working days: Wed 03-11.
    assert_eq!(
        ev[0].kind,
        EventKind::ExtensionApproved {
            days: 2,
            due_sign: Some(cst("2026-03-12T00:00")),
            due_dispatch: Some(cst("2026-03-12T00:00")),
            provisional: false
        }
    );
    assert_eq!(
        (s.due_sign, s.due_dispatch, s.extension.clone()),
        (Some(cst("2026-03-12T00:00")), Some(cst("2026-03-12T00:00")), None)
    );
    assert_eq!(colour(&s, cst("2026-03-10T09:00"), cal()), Colour::Yellow);

    // A refused request changes no deadline.
    step(&mut s, Command::RequestExtension { days: 5, reason: reason() }, K::DeptHandler, cst("2026-03-10T10:00"));
    let empty = decide(
        &s,
        &Command::RefuseExtension { reason: String::new() },
        &K::DeptHead.who(),
        cst("2026-03-10T11:00"),
        cal(),
    );
    assert!(matches!(empty, Err(DemandError::Invalid(ref f)) if f.field == "reason"));
    step(&mut s, Command::RefuseExtension { reason: "理由不足".into() }, K::DeptHead, cst("2026-03-10T11:00"));
    assert_eq!((s.due_sign, s.extension.clone()), (Some(cst("2026-03-12T00:00")), None));
    assert!(matches!(
        decide(&s, &Command::ApproveExtension, &K::DeptHead.who(), cst("2026-03-10T12:00"), cal()),
        Err(DemandError::Invalid(ref f)) if f.field == "extension"
    ));
}

#[test]
fn an_unrated_reply_closes_itself_after_the_configured_working_days() {
    let mut s = fixture(Status::Handling, false);
    step(&mut s, reply(), K::DeptHandler, cst("2026-03-09T15:00"));
    // Mon 03-09 + 5 working days: Mon 03-16 24:00.
    let early = decide(&s, &Command::AutoClose, &Who::System, cst("2026-03-16T23:59"), cal());
    assert!(matches!(early, Err(DemandError::Invalid(ref f)) if f.field == "auto_close_days"), "{early:?}");
    assert!(allowed_actions(&s, &Who::System, cst("2026-03-16T23:59"), cal()).is_empty());
    let by_admin = decide(&s, &Command::AutoClose, &K::CityAdmin.who(), cst("2026-03-17T00:00"), cal());
    assert_eq!(by_admin, Err(DemandError::Forbidden { role: Some(Role::CityAdmin), action: "auto_close" }));
    let ev = step(&mut s, Command::AutoClose, K::System, cst("2026-03-17T00:00"));
    assert_eq!(ev, vec![Event { at: cst("2026-03-17T00:00"), actor_id: None, kind: EventKind::Closed { auto: true } }]);
    assert_eq!((s.status, s.rating, s.closed_at), (Status::Closed, None, Some(cst("2026-03-17T00:00"))));

    // With a shorter policy it closes sooner.
    let mut t = submitted_at(false, cst("2026-03-02T09:00"));
    t.limits.auto_close_days = 1;
    step(&mut t, dispatch(LEAD), K::Coordinator, cst("2026-03-02T09:30"));
    step(&mut t, Command::Sign, K::DeptHandler, cst("2026-03-02T10:00"));
    step(&mut t, reply(), K::DeptHandler, cst("2026-03-06T15:00"));
    assert!(decide(&t, &Command::AutoClose, &Who::System, cst("2026-03-09T23:00"), cal()).is_err());
    assert!(decide(&t, &Command::AutoClose, &Who::System, cst("2026-03-10T00:00"), cal()).is_ok());
}

#[test]
fn withdrawal_rejection_and_merging_need_reasons_and_end_the_demand() {
    let s = fixture(Status::Submitted, false);
    let empty =
        decide(&s, &Command::Withdraw { reason: " ".into() }, &K::EnterpriseUser.who(), cst("2026-03-02T10:00"), cal());
    assert!(matches!(empty, Err(DemandError::Invalid(ref f)) if f.field == "reason"));
    let empty =
        decide(&s, &Command::Reject { reason: String::new() }, &K::Coordinator.who(), cst("2026-03-02T10:00"), cal());
    assert!(matches!(empty, Err(DemandError::Invalid(ref f)) if f.field == "reason"));
    let itself = decide(&s, &Command::MergeInto { target: ID }, &K::Coordinator.who(), cst("2026-03-02T10:00"), cal());
    assert!(matches!(itself, Err(DemandError::Invalid(ref f)) if f.field == "target"));

    let mut w = s.clone();
    step(&mut w, Command::Withdraw { reason: "问题已自行解决".into() }, K::EnterpriseUser, cst("2026-03-02T10:00"));
    assert_eq!(w.status, Status::Withdrawn);
    let mut m = fixture(Status::Dispatched, false);
    step(&mut m, Command::MergeInto { target: 7 }, K::Coordinator, cst("2026-03-02T10:00"));
    assert_eq!((m.status, m.merged_into), (Status::Merged, Some(7)));
    // Once signed, the enterprise can no longer withdraw.
    let h = fixture(Status::Handling, false);
    assert_eq!(
        decide(&h, &Command::Withdraw { reason: reason() }, &K::EnterpriseUser.who(), cst("2026-03-02T14:00"), cal()),
        Err(DemandError::Illegal { status: Status::Handling, action: "withdraw" })
    );
}

#[test]
fn urges_and_supervision_orders_leave_the_state_and_carry_their_deadline() {
    let mut s = fixture(Status::Handling, false);
    let before = s.clone();
    step(&mut s, Command::Urge { note: String::new() }, K::Coordinator, cst("2026-03-03T10:00"));
    let ev = step(
        &mut s,
        Command::Supervise { note: "限期办结".into(), due_days: 2 },
        K::DistrictAdmin,
        cst("2026-03-03T10:00"),
    );
    assert_eq!(ev[0].kind, EventKind::Supervised { note: "限期办结".into(), due: cst("2026-03-06T00:00") });
    // Nothing else changes: only the order's deadline is kept (for its lapse).
    assert_eq!(s.supervision_due, Some(cst("2026-03-06T00:00")));
    assert_eq!(DemandState { version: before.version, supervision_due: None, ..s.clone() }, before);
    let no_note = decide(
        &s,
        &Command::Supervise { note: String::new(), due_days: 2 },
        &K::CityAdmin.who(),
        cst("2026-03-03T10:00"),
        cal(),
    );
    assert!(matches!(no_note, Err(DemandError::Invalid(ref f)) if f.field == "note"));
    let zero = decide(
        &s,
        &Command::Supervise { note: "x".into(), due_days: 0 },
        &K::CityAdmin.who(),
        cst("2026-03-03T10:00"),
        cal(),
    );
    assert!(matches!(zero, Err(DemandError::Invalid(ref f)) if f.field == "due_days"));
}

#[test]
fn a_supervision_order_lapses_once_at_its_deadline_unless_replied() {
    let lapse = |s: &DemandState, at: &str| decide(s, &Command::SupervisionLapse, &K::System.who(), cst(at), cal());
    let mut s = fixture(Status::Handling, false);
    assert!(lapse(&s, "2026-03-03T10:00").is_err(), "no order, no lapse");
    step(&mut s, Command::Supervise { note: "限期办结".into(), due_days: 2 }, K::CityAdmin, cst("2026-03-03T10:00"));
    let due = cst("2026-03-06T00:00");
    // Due 24:00 Thursday 2026-03-05: not before, from that instant on.
    assert!(lapse(&s, "2026-03-05T23:59").is_err());
    let ev = step(&mut s, Command::SupervisionLapse, K::System, due);
    assert_eq!(ev[0].kind, EventKind::SupervisionLapsed { due });
    assert_eq!(s.status, Status::Handling, "a lapse changes no status");
    assert!(lapse(&s, "2026-03-09T10:00").is_err(), "raised once per order");
    // A new order with a later deadline can lapse again.
    step(&mut s, Command::Supervise { note: "再次督办".into(), due_days: 1 }, K::CityAdmin, cst("2026-03-09T10:00"));
    // One working day from Monday 03-09: ends 24:00 Tuesday 03-10.
    assert!(lapse(&s, "2026-03-10T23:59").is_err());
    assert!(lapse(&s, "2026-03-11T00:00").is_ok());
    // Only the system raises it.
    let mut t = fixture(Status::Handling, false);
    step(&mut t, Command::Supervise { note: "限期办结".into(), due_days: 2 }, K::CityAdmin, cst("2026-03-03T10:00"));
    for k in KINDS.into_iter().filter(|k| *k != K::System) {
        assert!(decide(&t, &Command::SupervisionLapse, &k.who(), due, cal()).is_err(), "{}", k.name());
    }
    // Replied in time: the order is met, nothing lapses.
    step(&mut t, reply(), K::DeptHandler, cst("2026-03-04T10:00"));
    assert!(matches!(t.status, Status::Replied | Status::UnderReview), "{:?}", t.status);
    assert!(lapse(&t, "2026-03-09T10:00").is_err());
    assert_eq!(supervision_lapse(&t, cst("2026-03-09T10:00")), None);
}

#[test]
fn errors_name_the_state_and_the_action() {
    let closed = fixture(Status::Closed, false);
    let e = decide(&closed, &Command::Sign, &K::DeptHandler.who(), cst("2026-03-03T10:00"), cal()).unwrap_err();
    assert_eq!(e.to_string(), "当前状态“已办结”不能执行“签收” (cannot sign a demand that is closed)");
    let suspended = fixture(Status::Suspended, false);
    let e = decide(&suspended, &reply(), &K::DeptHandler.who(), cst("2026-03-03T10:00"), cal()).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("已挂起") && msg.contains("答复") && msg.contains("suspended") && msg.contains("reply"),
        "{msg}"
    );
    let e = decide(
        &fixture(Status::Dispatched, false),
        &Command::Sign,
        &K::EnterpriseUser.who(),
        cst("2026-03-03T10:00"),
        cal(),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "“企业用户”无权对此诉求执行“签收” (Enterprise user may not sign this demand)");
    let e = decide(&closed, &Command::Urge { note: String::new() }, &Who::System, cst("2026-03-03T10:00"), cal())
        .unwrap_err();
    assert!(e.to_string().contains("已办结") && e.to_string().contains("催办"), "{e}");
    let e = decide(&fixture(Status::Handling, false), &Command::Sign, &Who::System, cst("2026-03-03T10:00"), cal())
        .unwrap_err();
    assert!(e.to_string().contains("办理中"), "{e}");
    for status in Status::ALL {
        for action in Action::ALL {
            let e = DemandError::Illegal { status, action: action.as_str() }.to_string();
            assert!(e.contains(status.label_zh()) && e.contains(action.label_zh()), "{e}");
        }
    }
}

#[test]
fn escalations_are_raised_once_per_level_and_deadline() {
    let mut s = fixture(Status::Dispatched, false);
    let sys = Who::System;
    let t1 = cst("2026-03-04T09:00");
    assert_eq!(colour(&s, t1, cal()), Colour::Yellow);
    let red_now = decide(&s, &Command::Escalate { level: Colour::Red }, &sys, t1, cal());
    assert!(matches!(red_now, Err(DemandError::Invalid(ref f)) if f.field == "level"));
    let none = decide(&s, &Command::Escalate { level: Colour::None }, &sys, t1, cal());
    assert!(matches!(none, Err(DemandError::Invalid(_))));
    let ev = step(&mut s, Command::Escalate { level: Colour::Yellow }, K::System, t1);
    assert_eq!(ev[0].kind, EventKind::Escalated { level: Colour::Yellow, deadline: cst("2026-03-04T00:00") });
    assert!(decide(&s, &Command::Escalate { level: Colour::Yellow }, &sys, t1, cal()).is_err());
    assert!(!allowed_actions(&s, &sys, t1, cal()).contains(&Action::Escalate));
    // Catching up after downtime: blue and red for the close deadline.
    let t2 = cst("2026-03-11T09:00");
    assert_eq!(colour(&s, t2, cal()), Colour::Red);
    step(&mut s, Command::Escalate { level: Colour::Red }, K::System, t2);
    step(&mut s, Command::Escalate { level: Colour::Blue }, K::System, t2);
    for level in [Colour::Blue, Colour::Yellow, Colour::Red] {
        assert!(decide(&s, &Command::Escalate { level }, &sys, t2, cal()).is_err(), "{level:?}");
    }
    assert!(allowed_actions(&s, &sys, t2, cal()).is_empty());
    assert_eq!(
        s.escalations,
        vec![
            Escalation { level: Colour::Yellow, deadline: cst("2026-03-04T00:00") },
            Escalation { level: Colour::Red, deadline: cst("2026-03-10T00:00") },
            Escalation { level: Colour::Blue, deadline: cst("2026-03-10T00:00") },
        ]
    );
    // Signing late starts no new close deadline: the dispatch clock still
    // binds and was already warned about.
    step(&mut s, Command::Sign, K::DeptHandler, t2);
    assert_eq!(close_deadline(&s), Some(cst("2026-03-10T00:00")));
    assert!(decide(&s, &Command::Escalate { level: Colour::Red }, &sys, t2, cal()).is_err());
}

#[test]
fn colours_follow_the_table() {
    let dispatched = fixture(Status::Dispatched, false);
    let handling = fixture(Status::Handling, false);
    let mut interim = handling.clone();
    step(&mut interim, Command::InterimReply { text: "处理中".into() }, K::DeptHandler, cst("2026-03-03T09:00"));
    let suspended = fixture(Status::Suspended, false);
    let cases: Vec<(&str, DemandState, &str, Colour)> = vec![
        ("submitted, never dispatched", fixture(Status::Submitted, false), "2026-04-01T09:00", Colour::None),
        ("dispatched, within signing", dispatched.clone(), "2026-03-03T10:00", Colour::None),
        ("dispatched, overdue for signing", dispatched.clone(), "2026-03-04T00:00", Colour::Yellow),
        ("dispatched, last day, signing overdue wins", dispatched.clone(), "2026-03-09T10:00", Colour::Yellow),
        ("dispatched, past the dispatch clock", dispatched.clone(), "2026-03-10T00:00", Colour::Red),
        ("handling, under half used", handling.clone(), "2026-03-05T11:00", Colour::None),
        ("handling, over half used, no interim", handling.clone(), "2026-03-05T13:00", Colour::Yellow),
        ("handling, interim given", interim.clone(), "2026-03-06T10:00", Colour::None),
        ("handling, weekend before the last day", interim.clone(), "2026-03-08T23:59", Colour::None),
        ("handling, last working day", interim.clone(), "2026-03-09T00:00", Colour::Blue),
        ("handling, last minute", interim.clone(), "2026-03-09T23:59", Colour::Blue),
        ("handling, past due", interim.clone(), "2026-03-10T00:00", Colour::Red),
        ("handling, long past due, no interim", handling.clone(), "2026-04-10T00:00", Colour::Red),
        ("suspended, clock stopped", suspended.clone(), "2026-04-01T09:00", Colour::None),
        ("under review", fixture(Status::UnderReview, false), "2026-04-01T09:00", Colour::None),
        ("replied", fixture(Status::Replied, false), "2026-04-01T09:00", Colour::None),
        ("closed", fixture(Status::Closed, false), "2026-04-01T09:00", Colour::None),
        ("withdrawn", fixture(Status::Withdrawn, false), "2026-04-01T09:00", Colour::None),
    ];
    for (what, state, at, want) in cases {
        assert_eq!(colour(&state, cst(at), cal()), want, "{what} at {at}");
    }
    assert_eq!(active_deadline(&dispatched), Some(cst("2026-03-04T00:00")));
    assert_eq!(active_deadline(&handling), Some(cst("2026-03-10T00:00")));
    assert_eq!(active_deadline(&suspended), None);
    assert_eq!(active_deadline(&fixture(Status::Replied, false)), None);
}

#[test]
fn names_labels_and_strings_round_trip() {
    for s in Status::ALL {
        assert_eq!(Status::parse(s.as_str()), Some(s));
    }
    assert_eq!(Status::ALL.iter().filter(|s| s.is_open()).count(), 6);
    assert_eq!(
        Status::ALL.map(Status::label_zh),
        ["待受理", "待签收", "办理中", "已挂起", "待审核", "已答复", "已办结", "已撤回", "不予受理", "已合并"]
    );
    for c in Channel::ALL {
        assert_eq!(Channel::parse(c.as_str()), Some(c));
    }
    for u in Urgency::ALL {
        assert_eq!(Urgency::parse(u.as_str()), Some(u));
    }
    for r in Rating::ALL {
        assert_eq!(Rating::parse(r.as_str()), Some(r));
        assert_eq!(Rating::from_score(r.score()), Some(r));
    }
    assert_eq!(Rating::ALL.map(Rating::score), [5, 4, 3, 2, 1]);
    assert_eq!(Rating::ALL.map(Rating::reopens), [false, false, false, true, true]);
    for c in Colour::ALL {
        assert_eq!(Colour::parse(c.as_str()), Some(c));
    }
    assert_eq!(Colour::ALL.map(Colour::label_zh), ["正常", "临期(蓝)", "滞后(黄)", "超期(红)"]);
    assert_eq!(Action::ALL.map(Action::as_str).as_slice(), ACTIONS);
    for a in Action::ALL {
        assert_eq!(Action::parse(a.as_str()), Some(a));
        assert_eq!(canonical(a).name(), a.as_str());
        assert_eq!(canonical(a).action(), a);
    }
    assert_eq!(TimeLimits::default(), TimeLimits { sign_days: 1, reply_days: 3, close_days: 5, auto_close_days: 5 });
    assert_eq!(TimeLimits::parse(1, 3, 5, 5), Ok(TimeLimits::default()));
    assert_eq!(TimeLimits::parse(0, 3, 5, 5).unwrap_err().field, "sign_days");
    // The interim-reply limit longer than the close limit: the close limit is named (as the admin form always did).
    assert_eq!(TimeLimits::parse(1, 6, 5, 5).unwrap_err().field, "close_days");
}

#[test]
fn new_demands_are_validated() {
    assert!(new_demand().validate().is_ok());
    let bad = [
        (NewDemand { title: "   ".into(), ..new_demand() }, "title"),
        (NewDemand { title: "字".repeat(101), ..new_demand() }, "title"),
        (NewDemand { description: String::new(), ..new_demand() }, "description"),
        (NewDemand { description: "字".repeat(5001), ..new_demand() }, "description"),
    ];
    for (d, field) in bad {
        assert_eq!(d.validate().unwrap_err().field, field);
    }
    assert!(NewDemand { title: "字".repeat(100), description: "字".repeat(5000), ..new_demand() }.validate().is_ok());
    let ev = NewDemand { title: " 标题 ".into(), ..new_demand() }.submitted_event(7, 42);
    assert_eq!(
        ev,
        Event {
            at: 42,
            actor_id: Some(7),
            kind: EventKind::Submitted { channel: Channel::Officer, title: "标题".into() }
        }
    );
    let officer = DemandActor { serves_enterprise: true, ..user(6, Role::Officer) };
    assert!(officer.may_submit_for(ENT, DISTRICT));
    assert!(!user(6, Role::Officer).may_submit_for(ENT, DISTRICT));
    assert!(!user(8, Role::Auditor).may_submit_for(ENT, DISTRICT));
    assert!(DemandActor { enterprise_id: Some(ENT), ..user(7, Role::EnterpriseUser) }.may_submit_for(ENT, DISTRICT));
}

#[test]
fn deadlines_counted_into_a_year_without_data_are_provisional() {
    let mut s = submitted_at(false, cst("2026-12-28T09:00"));
    let ev = step(&mut s, dispatch(LEAD), K::Coordinator, cst("2026-12-28T09:30"));
    // Mon 12-28 + 5 working days reaches into 2027, which has no official data.
    assert!(matches!(ev[0].kind, EventKind::Dispatched { provisional: true, .. }));
    assert!(s.provisional);
    let mut t = submitted_at(false, cst("2026-03-02T09:00"));
    step(&mut t, dispatch(LEAD), K::Coordinator, cst("2026-03-02T09:30"));
    assert!(!t.provisional);
}

// ---------------------------------------------------------------------------
// Property tests: random sequences of commands, keeping those decide accepts.

/// The canonical actors plus the handler and head of the other department
/// (who become the lead after a transfer to it).
fn roster(i: u8) -> Who {
    match i {
        9 => Who::User(DemandActor { department_id: Some(OTHER), ..user(40, Role::DeptHandler) }),
        10 => Who::User(DemandActor { department_id: Some(OTHER), ..user(41, Role::DeptHead) }),
        _ => KINDS[usize::from(i) % KINDS.len()].who(),
    }
}

/// Actions drawn beyond the first 23 slots: the ones that move a demand
/// forward, so random sequences travel the whole life instead of mostly
/// ending at an early withdrawal.
const PROGRESS: [Action; 17] = [
    Action::Dispatch,
    Action::Sign,
    Action::Reply,
    Action::Rate,
    Action::ApproveReply,
    Action::InterimReply,
    Action::RequestExtension,
    Action::ApproveExtension,
    Action::Suspend,
    Action::Resume,
    Action::Transfer,
    Action::Object,
    Action::Escalate,
    Action::AutoClose,
    Action::ReturnReply,
    Action::RefuseExtension,
    Action::AddAssist,
];

/// A command for slot `i` (0..40), with parameters drawn from `r`. The
/// ending side paths (withdraw, reject, merge) are drawn rarely.
fn random_command(i: u8, r: u8, s: &DemandState) -> Command {
    let slot = usize::from(i);
    let mut action = if slot < Action::ALL.len() { Action::ALL[slot] } else { PROGRESS[(slot - 23) % PROGRESS.len()] };
    let rare = match action {
        Action::Withdraw | Action::Reject | Action::MergeInto => r & 0xF != 0,
        Action::Transfer | Action::Object => r & 0x3 != 0,
        _ => false,
    };
    if rare {
        action = PROGRESS[usize::from(r / 16) % 8];
    }
    match action {
        Action::Dispatch => dispatch(if r & 1 == 0 { LEAD } else { OTHER }),
        Action::Transfer => {
            Command::Transfer { lead: if s.lead_department_id == Some(LEAD) { OTHER } else { LEAD }, reason: reason() }
        }
        Action::AddAssist => Command::AddAssist { departments: vec![20 + i64::from(r % 5)] },
        Action::Rate => rate(Rating::ALL[usize::from(r) % 5]),
        Action::RequestExtension => Command::RequestExtension { days: 1 + u32::from(r % 10), reason: reason() },
        Action::Supervise => Command::Supervise { note: "限期".into(), due_days: 1 + u32::from(r % 5) },
        Action::Escalate => Command::Escalate { level: Colour::ALL[1 + usize::from(r) % 3] },
        other => canonical(other),
    }
}

fn deadlines(s: &DemandState) -> [Option<i64>; 5] {
    [s.sign_due, s.due_dispatch, s.due_sign, s.interim_due, s.callback_due]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn random_legal_sequences_keep_the_invariants(
        start_day in 0u32..365,
        review in any::<bool>(),
        steps in proptest::collection::vec((0u8..40, 0u8..11, 0u32..(24 * 60), any::<u8>()), 1..80),
    ) {
        let start = cst("2026-01-01T09:00") + i64::from(start_day) * 86_400_000;
        let mut s = submitted_at(review, start);
        let mut now = start;
        let mut applied: i64 = 1;
        let mut ever_signed = false;
        let mut first_dispatched: Option<i64> = None;
        let mut last = deadlines(&s);
        for (i, first_actor, minutes, r) in steps {
            now += i64::from(minutes) * 60_000;
            let cmd = random_command(i, r, &s);
            // Everyone on the roster tries, starting at a random one; the
            // first the rules accept acts. Every refusal must agree with
            // allowed_actions.
            let before = s.clone();
            let mut accepted = None;
            for k in 0..11u8 {
                let who = roster((first_actor + k) % 11);
                let allowed = allowed_actions(&s, &who, now, cal());
                match decide(&s, &cmd, &who, now, cal()) {
                    Err(DemandError::Illegal { .. } | DemandError::Forbidden { .. }) => {
                        prop_assert!(!allowed.contains(&cmd.action()), "{cmd:?} refused but offered");
                    }
                    Err(DemandError::Invalid(_)) => {}
                    Ok(events) => {
                        prop_assert!(allowed.contains(&cmd.action()), "{cmd:?} accepted but not offered");
                        accepted = Some(events);
                        break;
                    }
                }
            }
            if let Some(events) = accepted {
                prop_assert!(before.status.is_open());
                let mut again = s.clone();
                for e in &events {
                    prop_assert_eq!(e.at, now);
                    apply(&mut s, e);
                    apply(&mut again, e);
                    applied += 1;
                    if matches!(e.kind, EventKind::Signed { .. }) {
                        ever_signed = true;
                    }
                }
                prop_assert_eq!(&again, &s, "apply is deterministic");
                let moved_by_rule = events
                    .iter()
                    .any(|e| matches!(e.kind, EventKind::ExtensionApproved { .. } | EventKind::Resumed { .. }));
                if before.due_dispatch.is_some() && s.due_dispatch != before.due_dispatch {
                    prop_assert!(moved_by_rule, "due_dispatch moved by {:?}", events);
                }
            } else {
                prop_assert_eq!(&s, &before);
            }
            // The invariants.
            prop_assert_eq!(s.version, applied);
            prop_assert_eq!(s.signed_at.is_some(), ever_signed);
            if let Some(f) = first_dispatched {
                prop_assert_eq!(s.first_dispatched_at, Some(f));
            }
            first_dispatched = s.first_dispatched_at;
            let now_deadlines = deadlines(&s);
            for (old, new) in last.iter().zip(now_deadlines.iter()) {
                if let (Some(o), Some(n)) = (old, new) {
                    prop_assert!(n >= o, "a deadline moved earlier: {} -> {}", o, n);
                }
            }
            for d in now_deadlines.iter().flatten() {
                let day = super::supervision::last_day(*d);
                prop_assert!(cal().is_working_day(day), "deadline on a rest day: {}", day);
                if day.year() > 2026 {
                    prop_assert!(s.provisional, "a deadline in 2027 must be provisional");
                }
            }
            // Keep the last known value of each deadline (an objection clears
            // sign_due; the next one is compared with the one before).
            for (l, n) in last.iter_mut().zip(now_deadlines) {
                if n.is_some() {
                    *l = n;
                }
            }
            if matches!(s.status, Status::Suspended) {
                prop_assert_eq!(colour(&s, now, cal()), Colour::None);
            }
            if !s.status.is_open() {
                for a in Action::ALL {
                    for k in 0..11 {
                        prop_assert!(decide(&s, &canonical(a), &roster(k), now, cal()).is_err());
                        prop_assert!(allowed_actions(&s, &roster(k), now, cal()).is_empty());
                    }
                }
            }
        }
    }
}
