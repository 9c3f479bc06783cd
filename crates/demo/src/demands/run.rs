//! Running the plan: every step decided by the real rules and replayed
//! through the app's replay use case ([`zhuqi_app::replay`]).

use super::*;

/// Counters of one run.
#[derive(Default)]
pub(super) struct Tally {
    pub(super) events: usize,
    pub(super) escalations: usize,
    pub(super) truncated: usize,
}

/// [`Demo::build_demo_demands`](crate::Demo::build_demo_demands).
pub(crate) async fn build(app: &App, progress: &(dyn Fn(&str) + Send + Sync)) -> Result<DemoDemandsSummary> {
    crate::corpus::check()?;
    let now = app.now_ms();
    {
        let mut c = app.store.read().await?;
        if meta::get(&mut c, DEMANDS_BUILT_KEY).await?.is_some() {
            return Err(AppError::Conflict("演示诉求已生成 (the demo demands already exist)".into()));
        }
        if catalogue::list_categories(&mut c).await?.is_empty() {
            drop(c);
            let mut tx = app.store.begin().await?;
            catalogue::seed_default_catalogue(&mut tx, now).await?;
            tx.commit().await?;
        }
    }
    let cal = app.work_calendar().await?;
    let dir = demo_directory(app, now).await?;
    progress(&format!("诉求 (demands): 规划 {DEMO_DEMANDS} 条 (planning)"));
    let mut plans = plan_demands(&dir, &cal, now)?;
    // Ids in submission order; a duplicate always comes after its original.
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by_key(|&i| (plans[i].start, i));
    let mut ids: Vec<Option<i64>> = vec![None; plans.len()];
    let mut tally = Tally::default();
    let mut done = 0;
    for chunk in order.chunks(BATCH) {
        let mut tx = app.store.begin().await?;
        for &pi in chunk {
            let plan = &mut plans[pi];
            let id = run_plan(app, &mut tx, &dir, &cal, now, plan, &ids, &mut tally).await?;
            ids[pi] = Some(id);
            done += 1;
        }
        if done == plans.len() {
            meta::set(&mut tx, DEMANDS_BUILT_KEY, &zhuqi_domain::clock::rfc3339_cst(now)).await?;
        }
        tx.commit().await?;
        progress(&format!("诉求 (demands): {done}/{}", plans.len()));
    }
    progress("督办扫描 (sweeping deadlines)");
    let swept = app.sweep().await?;
    demo_read_old_notifications(app, &dir, &plans, now).await?;

    let mut counts: HashMap<Status, usize> = HashMap::new();
    let made: Vec<i64> = ids.iter().flatten().copied().collect();
    for status in app.replayed_statuses(&made).await? {
        *counts.entry(status).or_default() += 1;
    }
    let by_status: Vec<(Status, usize)> = Status::ALL.iter().filter_map(|s| counts.get(s).map(|n| (*s, *n))).collect();
    let truncated = match tally.truncated {
        0 => String::new(),
        n => format!("; {n} truncated"),
    };
    progress(&format!(
        "诉求 (demands): {} 条, {} 个事件 (events), {} 次预警 (warnings); {}{truncated}",
        ids.iter().flatten().count(),
        tally.events + swept.escalated + swept.auto_closed,
        tally.escalations + swept.escalated,
        by_status.iter().map(|(s, n)| format!("{} {n}", s.label_zh())).collect::<Vec<_>>().join(", ")
    ));
    Ok(DemoDemandsSummary {
        demands: ids.iter().flatten().count(),
        events: tally.events + swept.escalated + swept.auto_closed,
        escalations: tally.escalations + swept.escalated,
        truncated: tally.truncated,
        by_status,
        swept,
    })
}

/// Reads who is who.
pub(super) async fn demo_directory(app: &App, now: i64) -> Result<Directory> {
    let mut c = app.store.read().await?;
    let all = Page { page: 1, per_page: 100_000 };
    let mut by_role: HashMap<Role, Vec<users::UserRow>> = HashMap::new();
    for role in [
        Role::CityAdmin,
        Role::Coordinator,
        Role::DistrictAdmin,
        Role::DeptHandler,
        Role::DeptHead,
        Role::EnterpriseUser,
    ] {
        by_role.insert(role, users::list(&mut c, Some(role.as_str()), None, all).await?.items);
    }
    let rows = |role: Role| by_role.get(&role).map(Vec::as_slice).unwrap_or_default();
    let first = |role: Role, city_wide: bool| {
        rows(role).iter().filter(|u| !city_wide || u.district_id.is_none()).find_map(actor_of)
    };
    let admin = first(Role::CityAdmin, true).ok_or_else(|| internal("the demo has no city admin"))?;
    let coordinator =
        first(Role::Coordinator, true).ok_or_else(|| internal("the demo has no city-wide coordinator"))?;
    let by_key = |role: Role, key: fn(&users::UserRow) -> Option<i64>| {
        let mut m = HashMap::new();
        for u in rows(role) {
            if let (Some(k), Some(a)) = (key(u), actor_of(u)) {
                m.entry(k).or_insert(a);
            }
        }
        m
    };
    let district_coordinators = by_key(Role::Coordinator, |u| u.district_id);
    let district_admins = by_key(Role::DistrictAdmin, |u| u.district_id);
    let handlers = by_key(Role::DeptHandler, |u| u.department_id);
    let heads = by_key(Role::DeptHead, |u| u.department_id);
    let ent_users = by_key(Role::EnterpriseUser, |u| u.enterprise_id);

    let ents = enterprises::all(&mut c, Scope::All, &EnterpriseFilter::default())
        .await?
        .into_iter()
        .map(|e| Ent {
            id: e.id,
            district_id: e.district_id,
            ind: industry_of(&e.name),
            town: e.township_name.clone().unwrap_or_else(|| e.district_name.clone()),
            district_name: e.district_name,
            officer: e.officer_id,
            user: ent_users.get(&e.id).map(|a| a.user_id),
        })
        .collect();
    let dept_by_code = departments::list(&mut c).await?.into_iter().map(|d| (d.code, d.id)).collect();
    let routes = catalogue::routes(&mut c)
        .await?
        .into_iter()
        .map(|r| ((r.category_code, r.district_id), r.department_id))
        .collect();
    let categories: HashSet<String> = catalogue::list_categories(&mut c)
        .await?
        .into_iter()
        .filter(|k| k.active != 0 && zhuqi_domain::CategoryCode::is_minor_code(&k.code))
        .map(|k| k.code)
        .collect();
    let mut limits = HashMap::new();
    for code in &categories {
        limits.insert(code.clone(), catalogue::current_time_limits(&mut c, code, now).await?);
    }
    let review = catalogue::review_required(&mut c).await?;
    Ok(Directory {
        ents,
        admin,
        coordinator,
        district_coordinators,
        district_admins,
        handlers,
        heads,
        dept_by_code,
        routes,
        categories,
        limits,
        review,
    })
}

/// Inserts one demand and drives it through its script; returns its id.
#[expect(clippy::too_many_arguments, reason = "one private step of the generator")]
pub(super) async fn run_plan(
    app: &App,
    c: &mut Conn,
    dir: &Directory,
    cal: &WorkCalendar,
    now: i64,
    plan: &mut Plan,
    ids: &[Option<i64>],
    tally: &mut Tally,
) -> Result<i64> {
    let ent = dir.ents.get(plan.ent).ok_or_else(|| internal("demo plan refers to a missing enterprise"))?;
    let new = NewDemand {
        enterprise_id: ent.id,
        district_id: ent.district_id,
        category_code: plan.category.to_string(),
        title: plan.title.clone(),
        description: plan.description.clone(),
        channel: plan.channel,
        urgency: plan.urgency,
        confidential: plan.confidential,
    };
    let at = plan.start;
    let mut state =
        app.replay_submission(c, &new, plan.submitter.user_id, at, dir.limits(plan.category), dir.review, cal).await?;
    let id = state.id;
    tally.events += 1;

    let mut last = at;
    for step in std::mem::take(&mut plan.steps) {
        let t = match step.op {
            Op::AutoClose => match state.replied_at {
                Some(replied) => {
                    let n = WorkingDays::new(i64::from(state.limits.auto_close_days))?;
                    cal.due(from_ms(replied), n).deadline.timestamp_millis() + MINUTE
                }
                None => add_work(cal, at, step.pos),
            },
            _ => add_work(cal, at, step.pos),
        };
        if t <= last || t >= now {
            tracing::warn!(demand = id, "demo demand script stops: step at {t} is out of order or in the future");
            tally.truncated += 1;
            break;
        }
        demo_ticks(app, c, cal, &mut state, last, t, tally).await?;
        let cmd = match &step.op {
            Op::Do(cmd) => cmd.clone(),
            Op::AutoClose => Command::AutoClose,
            Op::MergeInto(target) => Command::MergeInto {
                target: ids
                    .get(*target)
                    .copied()
                    .flatten()
                    .ok_or_else(|| internal("a demo duplicate comes before its original"))?,
            },
        };
        let who = demo_who(dir, plan, &state, step.who);
        let Some(who) = who else {
            tracing::warn!(demand = id, "demo demand script stops: nobody to act as {:?}", step.who);
            tally.truncated += 1;
            break;
        };
        let events = match demand::decide(&state, &cmd, &who, t, cal) {
            Ok(ev) => ev,
            Err(e) => {
                tracing::warn!(demand = id, "demo demand script stops at {}: {e}", cmd.name());
                tally.truncated += 1;
                break;
            }
        };
        demo_apply(app, c, cal, &mut state, &events, t, tally).await?;
        last = t;
    }
    demo_ticks(app, c, cal, &mut state, last, now, tally).await?;
    if state.status == Status::Submitted {
        // Waiting in the coordinators' queue: they were told, as on a live submission.
        app.replay_waiting_notice(c, &state, &new.title, last).await?;
    }
    Ok(id)
}

/// People read their inbox: notifications older than three days are
/// marked read (two hours after they came), so unread counts show what
/// is new.
pub(super) async fn demo_read_old_notifications(app: &App, dir: &Directory, plans: &[Plan], now: i64) -> Result<()> {
    let mut people: Vec<i64> = [&dir.admin, &dir.coordinator]
        .into_iter()
        .chain(dir.district_coordinators.values())
        .chain(dir.district_admins.values())
        .chain(dir.handlers.values())
        .chain(dir.heads.values())
        .chain(plans.iter().flat_map(|p| [&p.submitter, &p.rater]))
        .map(|a| a.user_id)
        .collect();
    people.extend(dir.ents.iter().filter_map(|e| e.officer));
    people.sort_unstable();
    people.dedup();
    let mut tx = app.store.begin().await?;
    for user in people {
        app.replay_read_notifications(&mut tx, user, now - 3 * DAY, 2 * HOUR, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) fn demo_who(dir: &Directory, plan: &Plan, state: &DemandState, w: W) -> Option<Who> {
    let lead = state.lead_department_id;
    let a = match w {
        W::Submitter => plan.submitter.clone(),
        W::Rater => plan.rater.clone(),
        W::Coord => plan.coord.clone(),
        W::Handler => dir.handlers.get(&lead?)?.clone(),
        W::Head => dir.heads.get(&lead?)?.clone(),
        W::DistrictAdmin => dir.district_admins.get(&state.district_id).unwrap_or(&dir.admin).clone(),
        W::Admin => dir.admin.clone(),
        W::System => return Some(Who::System),
    };
    Some(Who::User(a))
}

/// Applies decided events and persists them as a live command would.
pub(super) async fn demo_apply(
    app: &App,
    c: &mut Conn,
    cal: &WorkCalendar,
    state: &mut DemandState,
    events: &[Event],
    at: i64,
    tally: &mut Tally,
) -> Result<()> {
    app.replay_events(c, cal, state, events, at).await?;
    tally.events += events.len();
    Ok(())
}

/// The sweeper as it would have run between `from` and `to`: at each
/// look, the warnings of the demand's colour that are due and not yet
/// raised (as [`App::sweep`] does, with the same marks).
pub(super) async fn demo_ticks(
    app: &App,
    c: &mut Conn,
    cal: &WorkCalendar,
    state: &mut DemandState,
    from: i64,
    to: i64,
    tally: &mut Tally,
) -> Result<()> {
    if !matches!(state.status, Status::Dispatched | Status::Handling) {
        return Ok(());
    }
    for t in ticks(from, to) {
        let levels: &[Colour] = match demand::colour(state, t, cal) {
            Colour::Red => &[Colour::Blue, Colour::Yellow, Colour::Red],
            Colour::Yellow => &[Colour::Yellow],
            Colour::Blue => &[Colour::Blue],
            Colour::None => continue,
        };
        for level in levels {
            let Some(deadline) = demand::active_deadline(state) else { continue };
            let Ok(events) = demand::decide(state, &Command::Escalate { level: *level }, &Who::System, t, cal) else {
                continue;
            };
            if !app.replay_escalation_mark(c, state.id, *level, deadline, t).await? {
                continue;
            }
            demo_apply(app, c, cal, state, &events, t, tally).await?;
            tally.escalations += 1;
        }
    }
    Ok(())
}
