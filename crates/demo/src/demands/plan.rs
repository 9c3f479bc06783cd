//! The plan: which demands, from whom, when, with which script.

use super::*;

/// One demand to create and drive.
pub(super) struct Plan {
    pub(super) ent: usize,
    pub(super) category: &'static str,
    pub(super) title: String,
    pub(super) description: String,
    pub(super) channel: Channel,
    pub(super) submitter: DemandActor,
    pub(super) rater: DemandActor,
    pub(super) coord: DemandActor,
    pub(super) urgency: Urgency,
    pub(super) confidential: bool,
    /// Submission instant.
    pub(super) start: i64,
    pub(super) steps: Vec<Step>,
}

/// Plans the demands: pure given the directory, the calendar and now.
pub(super) fn plan_demands(dir: &Directory, cal: &WorkCalendar, now: i64) -> Result<Vec<Plan>> {
    let mut r = crate::rng::SplitMix64(SEED);
    let cats: Vec<&CategoryDemo> = corpus().categories.iter().filter(|c| dir.usable(c)).collect();
    if cats.is_empty() {
        return Err(internal("no demand categories to generate demo demands for"));
    }
    let with_officer: Vec<usize> = (0..dir.ents.len()).filter(|&i| dir.ents[i].officer.is_some()).collect();
    let with_user: Vec<usize> = (0..dir.ents.len()).filter(|&i| dir.ents[i].user.is_some()).collect();
    if with_officer.is_empty() {
        return Err(internal("no served enterprises to generate demo demands for"));
    }
    let mut plans: Vec<Plan> = Vec::with_capacity(DEMO_DEMANDS);
    let mut rejected = 0usize;

    // Kinds in a seeded order so that each kind gets varied categories and times.
    let mut kinds: Vec<Kind> = Vec::with_capacity(DEMO_DEMANDS);
    for &(k, n) in MIX {
        kinds.extend(std::iter::repeat_n(k, n));
    }
    let simple = DEMO_DEMANDS.saturating_sub(kinds.len() + MERGED + WAVE_DEMANDS);
    kinds.extend(std::iter::repeat_n(Kind::Simple, simple));
    for i in (1..kinds.len()).rev() {
        let j = r.below(i + 1);
        kinds.swap(i, j);
    }

    for kind in kinds {
        let mut made = None;
        for _attempt in 0..50 {
            // Category, enterprise, submitter.
            let (cat, case_idx, reject) = if kind == Kind::Rejected {
                let (code, ..) = corpus().rejected[rejected % corpus().rejected.len()];
                let Some(cat) = cats.iter().find(|c| c.code == code).or_else(|| cats.first()) else { break };
                (*cat, 0, Some(rejected % corpus().rejected.len()))
            } else {
                let pool: Vec<&CategoryDemo> = cats
                    .iter()
                    .filter(|c| !kind.needs_other() || c.other.as_ref().is_some_and(|o| dir.dept(o.dept).is_some()))
                    .copied()
                    .collect();
                let Some(ci) = r.weighted(&pool, |c| c.weight) else { break };
                let cat = pool[ci];
                (cat, r.below(cat.cases.len()), None)
            };
            let channel = match r.below(100) {
                0..=77 => Channel::Officer,
                78..=93 if !with_user.is_empty() => Channel::EnterpriseCode,
                _ => Channel::Hotline,
            };
            let ent_idx = match channel {
                Channel::EnterpriseCode => with_user[r.below(with_user.len())],
                _ => with_officer[r.below(with_officer.len())],
            };
            let ent = &dir.ents[ent_idx];
            let coord = dir
                .district_coordinators
                .get(&ent.district_id)
                .filter(|_| r.percent(60))
                .cloned()
                .unwrap_or_else(|| dir.coordinator.clone());
            let submitter = match channel {
                Channel::EnterpriseCode => ent.user_actor(),
                Channel::Hotline => Some(coord.clone()),
                _ => ent.officer_actor(),
            };
            let Some(submitter) = submitter else { continue };
            let rater = match (channel, ent.user_actor(), ent.officer_actor()) {
                (Channel::EnterpriseCode, Some(u), _) => u,
                (_, Some(u), _) if r.percent(50) => u,
                (_, _, Some(o)) => o,
                (_, Some(u), None) => u,
                (_, None, None) => continue,
            };
            let Some(lead) = dir.lead_for(cat.code, ent.district_id) else { continue };
            let vars = Vars::new(&mut r, ent);
            let (title, desc, reply, reject_reason) = match reject {
                Some(k) => {
                    let (_, t, d, reason) = corpus().rejected[k];
                    (t.to_string(), vars.fill(d), String::new(), Some(reason.to_string()))
                }
                None => {
                    let c = &cat.cases[case_idx];
                    (vars.fill(c.title), vars.fill(c.desc), vars.fill(c.reply), None)
                }
            };
            let description = match channel {
                Channel::Officer => match r.below(3) {
                    0 => format!("企业反映：{desc}"),
                    1 => format!("走访中企业负责人反映，{desc}"),
                    _ => desc,
                },
                Channel::Hotline => format!("企业负责人来电反映：{desc}"),
                _ => desc,
            };
            let assist: Vec<i64> = cat.assist.iter().filter_map(|c| dir.dept(c)).filter(|&d| d != lead).collect();
            let other = cat.other.as_ref().and_then(|o| dir.dept(o.dept).filter(|&d| d != lead).map(|d| (d, o)));
            if kind.needs_other() && other.is_none() {
                continue;
            }
            let lim = dir.limits(cat.code);
            let x = ScriptIn {
                lim,
                review: dir.review,
                lead,
                assist,
                other,
                reply,
                outcome: cat.outcome.then_some(vars.n),
                vars: &vars,
                reject_reason,
            };
            let Some((steps, now_at)) = script(kind, &mut r, &x) else { continue };
            let last = steps.last().map_or(0, |s| s.pos);
            let start = match now_at {
                Some(p) => sub_work(cal, now, p),
                None => {
                    let mut found = None;
                    for _ in 0..20 {
                        let back = r.range(HOUR, HISTORY_DAYS * DAY) / MINUTE * MINUTE;
                        let candidate = now - back;
                        let mut s = add_work(cal, candidate, 0);
                        if s != candidate {
                            // Outside working time: any working minute of the next working day.
                            s = add_work(cal, s, r.range(0, WD - 1));
                        }
                        if s < now && add_work(cal, s, last + 10) <= now {
                            found = Some(s);
                            break;
                        }
                    }
                    found.unwrap_or_else(|| sub_work(cal, now, last + r.range(10, 300)))
                }
            };
            let urgent = r.percent(12);
            let confidential = cat.code.starts_with("03") && r.percent(8);
            made = Some(Plan {
                ent: ent_idx,
                category: cat.code,
                title,
                description,
                channel,
                submitter,
                rater,
                coord,
                urgency: if urgent { Urgency::Urgent } else { Urgency::Normal },
                confidential,
                start,
                steps,
            });
            if kind == Kind::Rejected {
                rejected += 1;
            }
            break;
        }
        plans.push(made.ok_or_else(|| internal(format!("could not plan a demo demand of kind {kind:?}")))?);
    }

    plan_merged(&mut r, dir, cal, now, &mut plans)?;
    plan_wave(&mut r, dir, cal, now, &mut plans)?;
    Ok(plans)
}

/// Duplicates: the same enterprise raises the same matter again (often
/// through the other channel) and the coordinator merges it into the first.
pub(super) fn plan_merged(
    r: &mut Rng,
    dir: &Directory,
    cal: &WorkCalendar,
    now: i64,
    plans: &mut Vec<Plan>,
) -> Result<()> {
    let originals = plans.len();
    let mut made = 0;
    for _ in 0..1000 {
        if made == MERGED {
            return Ok(());
        }
        let oi = r.below(originals);
        let Some(o) = plans.get(oi) else { continue };
        if plans.iter().skip(originals).any(|p| p.steps.iter().any(|s| matches!(s.op, Op::MergeInto(t) if t == oi))) {
            continue;
        }
        let Some(ent) = dir.ents.get(o.ent) else { continue };
        let start = add_work(cal, o.start, r.range(30, 600));
        let merge_at = r.range(20, 300);
        if add_work(cal, start, merge_at + 10) > now {
            continue;
        }
        let (channel, submitter) = match (o.channel, ent.user_actor(), ent.officer_actor()) {
            (Channel::Officer, Some(u), _) => (Channel::EnterpriseCode, u),
            (Channel::EnterpriseCode, _, Some(off)) => (Channel::Officer, off),
            _ => (o.channel, o.submitter.clone()),
        };
        let description = match channel {
            Channel::EnterpriseCode => format!("（企业通过企业码再次反映）{}", strip_channel_prefix(&o.description)),
            _ => format!("（重复反映）{}", o.description),
        };
        let plan = Plan {
            ent: o.ent,
            category: o.category,
            title: o.title.clone(),
            description,
            channel,
            submitter,
            rater: o.rater.clone(),
            coord: o.coord.clone(),
            urgency: o.urgency,
            confidential: o.confidential,
            start,
            steps: vec![Step { pos: merge_at, who: W::Coord, op: Op::MergeInto(oi) }],
        };
        plans.push(plan);
        made += 1;
    }
    if made == MERGED {
        Ok(())
    } else {
        Err(internal("could not plan the merged demo demands"))
    }
}

pub(super) fn strip_channel_prefix(d: &str) -> &str {
    d.strip_prefix("企业反映：")
        .or_else(|| d.strip_prefix("走访中企业负责人反映，"))
        .or_else(|| d.strip_prefix("企业负责人来电反映："))
        .unwrap_or(d)
}

/// The 物流受限 wave: [`WAVE_DEMANDS`] demands of [`WAVE_CATEGORY`] within
/// one recent week, from different enterprises of four districts, with
/// similar descriptions, routed to transport with police and health
/// assisting.
pub(super) fn plan_wave(
    r: &mut Rng,
    dir: &Directory,
    cal: &WorkCalendar,
    now: i64,
    plans: &mut Vec<Plan>,
) -> Result<()> {
    let Some(cat) = corpus().categories.iter().find(|c| c.code == WAVE_CATEGORY && dir.usable(c)) else {
        return Err(internal(format!("category {WAVE_CATEGORY} is missing: cannot plan the 物流受限 wave")));
    };
    // Districts: the named ones, else the first with served enterprises.
    let mut districts: Vec<i64> = Vec::new();
    for name in &corpus().wave_districts {
        if let Some(e) = dir.ents.iter().find(|e| e.district_name == *name && e.officer.is_some()) {
            districts.push(e.district_id);
        }
    }
    for e in &dir.ents {
        if districts.len() >= corpus().wave_districts.len() {
            break;
        }
        if e.officer.is_some() && !districts.contains(&e.district_id) {
            districts.push(e.district_id);
        }
    }
    // 11 distinct enterprises, round-robin over the districts; one of them
    // reports twice (a second batch of trucks).
    let mut chosen: Vec<usize> = Vec::new();
    for k in 0..WAVE_DEMANDS - 1 {
        let Some(&d) = districts.get(k % districts.len().max(1)) else { break };
        let pool: Vec<usize> = (0..dir.ents.len())
            .filter(|&i| dir.ents[i].district_id == d && dir.ents[i].officer.is_some() && !chosen.contains(&i))
            .collect();
        if let Some(&i) = r.pick(&pool) {
            chosen.push(i);
        }
    }
    if let Some(&first) = chosen.first() {
        chosen.insert(5.min(chosen.len()), first);
    }
    let today = date_of(now);
    for (i, &ent_idx) in chosen.iter().enumerate() {
        let ent = &dir.ents[ent_idx];
        // Seven days ago for the first, two days ago for the last, at any
        // hour from 08:00 to 20:00 (weekends too: trucks do not wait).
        let days_ago = 7 - (i as i64 * 5) / (WAVE_DEMANDS as i64 - 1);
        let day = today - chrono::Duration::days(days_ago);
        let start = (day_start(day) + 8 * HOUR + r.range(0, 12 * 60) * MINUTE).min(now - 10 * MINUTE);
        let Some(lead) = dir.lead_for(cat.code, ent.district_id) else { continue };
        let vars = Vars::new(r, ent);
        let (channel, submitter) = match (ent.user_actor(), ent.officer_actor()) {
            (Some(u), _) if i % 3 == 0 => (Channel::EnterpriseCode, u),
            (_, Some(o)) => (Channel::Officer, o),
            (Some(u), None) => (Channel::EnterpriseCode, u),
            (None, None) => continue,
        };
        let rater = ent.user_actor().or_else(|| ent.officer_actor()).unwrap_or_else(|| submitter.clone());
        let coord = dir.district_coordinators.get(&ent.district_id).cloned().unwrap_or_else(|| dir.coordinator.clone());
        let assist: Vec<i64> = cat.assist.iter().filter_map(|c| dir.dept(c)).filter(|&d| d != lead).collect();
        let x = ScriptIn {
            lim: dir.limits(cat.code),
            review: dir.review,
            lead,
            assist,
            other: None,
            reply: vars.fill(corpus().wave_reply),
            outcome: Some(vars.n2),
            vars: &vars,
            reject_reason: None,
        };
        let avail = work_between(cal, start, now);
        let (steps, _) = wave_script(i, r, &x, avail);
        let desc = vars.fill(r.text(&corpus().wave_descs));
        plans.push(Plan {
            ent: ent_idx,
            category: cat.code,
            title: r.text(&corpus().wave_titles).to_string(),
            description: if channel == Channel::Officer { format!("企业反映：{desc}") } else { desc },
            channel,
            submitter,
            rater,
            coord,
            urgency: if r.percent(80) { Urgency::Urgent } else { Urgency::Normal },
            confidential: false,
            start,
            steps,
        });
    }
    Ok(())
}
