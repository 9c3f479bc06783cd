//! Hot issues (热点问题): the detection run that flags waves of similar
//! demands (the rule is `zhuqi_domain::hot_issues`, explained in
//! `docs/hot-issues.md`), the coordinator's decisions on them, and the reads
//! for the pages and the API.
//!
//! Who: coordinators and the city admin read and decide; a district admin
//! reads the issues touching their district; the auditor reads all; other
//! roles are refused. Member demands outside the viewer's demand scope are
//! counted, never shown.
//!
//! "Merge" is 并案处理: the coordinator names a lead demand (default: the
//! earliest open member), every member still waiting for a department
//! (待受理 / 待签收) is merged into it through the demand lifecycle's
//! `merge_into` (so it gets the 合并 event, the enterprise is told, and the
//! lead department answers once), and members already being handled keep
//! their own course and stay linked through the issue.

use crate::{App, AppError, RequestMeta, Result};
use serde::Serialize;
use zhuqi_domain::capability::{self, Reach};
use zhuqi_domain::demand::{self, Command, DemandActor, DemandState, Status, Who};
use zhuqi_domain::hot_issues::{self as rule, Change, Decision, Doc, HotStatus, Params, Stored};
use zhuqi_domain::{Actor, Capability, FieldError, Scope};
use zhuqi_store::demands::DemandScope;
use zhuqi_store::hot_issues::{self as store, Decided, EventRow, HotIssueRow, HotScope, MemberRow, MemberScope};
use zhuqi_store::{catalogue, Page, Paged};

/// How far back detection reads demands: the window D, at least 60 days
/// (so that the IDF weights see a few months of ordinary demands).
const MIN_LOOKBACK_DAYS: i64 = 60;
const DAY_MS: i64 = 86_400_000;

/// What one detection run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DetectReport {
    /// Demands read.
    pub demands: usize,
    /// Groups the rule found (new or known).
    pub groups: usize,
    /// Newly flagged issues.
    pub flagged: Vec<i64>,
    /// Issues that gained members: (issue id, demands added).
    pub extended: Vec<(i64, usize)>,
    /// Dismissed issues raised again because new demands joined.
    pub reflagged: Vec<i64>,
}

/// A hot issue with its members and history, and what the viewer may do.
#[derive(Debug, Clone, Serialize)]
pub struct HotIssueDetail {
    #[serde(flatten)]
    pub issue: HotIssueRow,
    pub key_terms: Vec<String>,
    /// District names of the visible members, each once.
    pub districts: Vec<String>,
    pub members: Vec<MemberRow>,
    /// Members outside the viewer's scope (counted only).
    pub hidden_members: i64,
    pub events: Vec<EventRow>,
    /// `confirm`, `merge`, `dismiss` as the viewer may take them now.
    pub allowed_actions: Vec<&'static str>,
}

/// A list item: the row with its key terms as a list.
#[derive(Debug, Clone, Serialize)]
pub struct HotIssueItem {
    #[serde(flatten)]
    pub issue: HotIssueRow,
    pub key_terms: Vec<String>,
}

/// What a coordinator sends with a decision.
#[derive(Debug, Clone, Default)]
pub struct DecisionInput {
    /// Why (required to dismiss).
    pub reason: String,
    /// Merge: the demand the others are merged into (default: the earliest open member).
    pub lead_demand_id: Option<i64>,
}

/// Tells the coordinators of the touched districts (and the city-wide ones)
/// and the city admins that an issue waits for them, in their inbox (and
/// through the webhook channel, like every notification).
async fn tell_coordinators(
    c: &mut zhuqi_store::Conn,
    issue_id: i64,
    g: &rule::Group,
    now: i64,
    note: &str,
) -> Result<()> {
    use zhuqi_store::demands as dstore;
    let mut to = dstore::recipients(c, "city_admin", None, None, None).await?;
    for d in &g.district_ids {
        to.extend(dstore::recipients(c, "coordinator", None, Some(*d), None).await?);
    }
    to.sort_unstable();
    to.dedup();
    let terms = g.key_terms.iter().take(3).cloned().collect::<Vec<_>>().join(" ");
    let title = format!("热点问题 #{issue_id}：{} {terms}（{} 家企业）", g.category, g.enterprises);
    let body = format!("{note} /hot-issues/{issue_id}");
    dstore::notify(c, &to, now, "hot_issue", None, &title, &body).await?;
    Ok(())
}

fn parse_setting(v: Option<String>, default: u32) -> u32 {
    v.and_then(|s| s.trim().parse().ok()).unwrap_or(default)
}

impl App {
    /// The hot issues an actor may read: as far as `hot_issue.read` reaches
    /// (city-wide, or the district of the actor's enterprise scope).
    pub fn hot_issue_scope(&self, actor: &Actor) -> HotScope {
        match capability::reach(actor.role, Capability::HotIssueRead) {
            None => HotScope::Nothing,
            Some(Reach::All) => HotScope::All,
            Some(Reach::Scope | Reach::Own) => match actor.enterprise_scope() {
                Scope::All => HotScope::All,
                Scope::District(d) => HotScope::District(d),
                Scope::Officer(_) | Scope::Enterprise(_) | Scope::Nothing => HotScope::Nothing,
            },
        }
    }

    fn member_scope(&self, actor: &Actor) -> MemberScope {
        match self.demand_scope(actor) {
            DemandScope::All { confidential } => MemberScope { district_id: None, confidential },
            DemandScope::District { district_id, confidential } => {
                MemberScope { district_id: Some(district_id), confidential }
            }
            // Roles without a hot-issue scope never get here; show nothing.
            _ => MemberScope { district_id: Some(-1), confidential: false },
        }
    }

    /// The detection parameters in force (defaults where not set).
    pub async fn hot_issue_params(&self) -> Result<Params> {
        let mut c = self.store.read().await?;
        let d = Params::default();
        Ok(Params {
            min_enterprises: parse_setting(
                catalogue::setting(&mut c, store::MIN_ENTERPRISES_KEY).await?,
                d.min_enterprises,
            ),
            window_days: parse_setting(catalogue::setting(&mut c, store::WINDOW_DAYS_KEY).await?, d.window_days),
            min_similarity_pct: parse_setting(
                catalogue::setting(&mut c, store::MIN_SIMILARITY_KEY).await?,
                d.min_similarity_pct,
            ),
            min_significance_pct: parse_setting(
                catalogue::setting(&mut c, store::MIN_SIGNIFICANCE_KEY).await?,
                d.min_significance_pct,
            ),
        })
    }

    /// Changes K, D, the similarity threshold and the significance (city admin). Takes effect
    /// at the next detection run; issues already flagged stay.
    pub async fn set_hot_issue_params(&self, actor: &Actor, p: &Params, meta: &RequestMeta) -> Result<()> {
        if !actor.may(Capability::HotIssueConfigure) {
            return Err(self.deny(actor, "set_hot_issue_params", "setting:hot_issues", meta).await);
        }
        p.validate()?;
        let mut tx = self.store.begin().await?;
        catalogue::set_setting(&mut tx, store::MIN_ENTERPRISES_KEY, &p.min_enterprises.to_string()).await?;
        catalogue::set_setting(&mut tx, store::WINDOW_DAYS_KEY, &p.window_days.to_string()).await?;
        catalogue::set_setting(&mut tx, store::MIN_SIMILARITY_KEY, &p.min_similarity_pct.to_string()).await?;
        catalogue::set_setting(&mut tx, store::MIN_SIGNIFICANCE_KEY, &p.min_significance_pct.to_string()).await?;
        tx.commit().await?;
        let detail = format!(
            "min_enterprises={} window_days={} min_similarity_pct={} min_significance_pct={}",
            p.min_enterprises, p.window_days, p.min_similarity_pct, p.min_significance_pct
        );
        self.audit(Some(actor), "set_hot_issue_params", "setting:hot_issues", "success", &detail, meta).await;
        Ok(())
    }

    /// Runs detection over the recent demands and stores what is new, in
    /// one transaction: new groups are flagged, newcomers extend their
    /// issue (raising a dismissed one again), known groups change nothing.
    pub async fn detect_hot_issues(&self) -> Result<DetectReport> {
        let p = self.hot_issue_params().await?;
        let now = self.now_ms();
        let since = now - i64::from(p.window_days).max(MIN_LOOKBACK_DAYS) * DAY_MS;
        let mut tx = self.store.begin().await?;
        let rows = store::docs_since(&mut tx, since).await?;
        let docs: Vec<Doc> = rows
            .into_iter()
            .map(|r| Doc {
                id: r.id,
                enterprise_id: r.enterprise_id,
                district_id: r.district_id,
                category: r.category_code,
                submitted_at: r.submitted_at,
                terms: r.search_text.split_whitespace().map(str::to_string).collect(),
            })
            .collect();
        let groups = rule::detect(&docs, &p);
        let mut stored: Vec<Stored> = Vec::new();
        for (issue, status, demand_id) in store::memberships_since(&mut tx, since).await? {
            let status = HotStatus::parse(&status).unwrap_or(HotStatus::Flagged);
            match stored.last_mut() {
                Some(s) if s.id == issue => s.demand_ids.push(demand_id),
                _ => stored.push(Stored { id: issue, status, demand_ids: vec![demand_id] }),
            }
        }
        let mut report = DetectReport { demands: docs.len(), groups: groups.len(), ..Default::default() };
        let mut audits: Vec<(String, String, &'static str)> = Vec::new();
        for change in rule::reconcile(&groups, &stored) {
            match change {
                Change::Flag { group } => {
                    let g = &groups[group];
                    let id = store::insert(&mut tx, &g.category, &g.key_terms.join(" "), now).await?;
                    store::add_members(&mut tx, id, &g.demand_ids, now).await?;
                    let note = format!(
                        "{} 条诉求，{} 家企业，{} 个片区 ({} demands, {} enterprises, {} districts)",
                        g.demand_ids.len(),
                        g.enterprises,
                        g.district_ids.len(),
                        g.demand_ids.len(),
                        g.enterprises,
                        g.district_ids.len()
                    );
                    store::append_event(&mut tx, id, now, None, "flagged", &note).await?;
                    tell_coordinators(&mut tx, id, g, now, &note).await?;
                    audits.push((format!("hot_issue:{id}"), note, "hot_issue_flagged"));
                    report.flagged.push(id);
                }
                Change::Extend { issue_id, group, new_demand_ids, reflag } => {
                    let g = &groups[group];
                    store::add_members(&mut tx, issue_id, &new_demand_ids, now).await?;
                    store::set_key_terms(&mut tx, issue_id, &g.key_terms.join(" ")).await?;
                    let list = new_demand_ids.iter().map(|d| format!("#{d}")).collect::<Vec<_>>().join(" ");
                    let note = format!("新增诉求 (demands joined): {list}");
                    store::append_event(&mut tx, issue_id, now, None, "extended", &note).await?;
                    if reflag {
                        store::reflag(&mut tx, issue_id, now).await?;
                        store::append_event(
                            &mut tx,
                            issue_id,
                            now,
                            None,
                            "reflagged",
                            "排除后又有新诉求加入，重新提示 (new demands joined after the dismissal)",
                        )
                        .await?;
                        tell_coordinators(&mut tx, issue_id, g, now, &note).await?;
                        report.reflagged.push(issue_id);
                    }
                    audits.push((format!("hot_issue:{issue_id}"), note, "hot_issue_extended"));
                    report.extended.push((issue_id, new_demand_ids.len()));
                }
            }
        }
        tx.commit().await?;
        let meta = RequestMeta { ip: "system".into(), request_id: String::new() };
        for (target, detail, action) in audits {
            self.audit(None, action, &target, "success", &detail, &meta).await;
        }
        Ok(report)
    }

    /// Hot issues in scope, optionally of one status.
    pub async fn hot_issues(
        &self,
        actor: &Actor,
        status: Option<&str>,
        page: Page,
        meta: &RequestMeta,
    ) -> Result<Paged<HotIssueItem>> {
        let scope = self.hot_issue_scope(actor);
        if scope == HotScope::Nothing {
            return Err(self.deny(actor, "list_hot_issues", "hot_issues", meta).await);
        }
        let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(HotStatus::parse(s).ok_or_else(|| {
                FieldError::new("status", format!("状态应为 flagged|confirmed|merged|dismissed，实际为“{s}”"))
            })?),
        };
        let mut c = self.store.read().await?;
        let p = store::list(&mut c, scope, status.map(HotStatus::as_str), page).await?;
        Ok(Paged {
            items: p.items.into_iter().map(|i| HotIssueItem { key_terms: i.terms(), issue: i }).collect(),
            total: p.total,
            page: p.page,
            per_page: p.per_page,
        })
    }

    /// Flagged issues in scope (0 for roles without one).
    pub async fn flagged_hot_issues(&self, actor: &Actor) -> Result<i64> {
        let scope = self.hot_issue_scope(actor);
        if scope == HotScope::Nothing {
            return Ok(0);
        }
        let mut c = self.store.read().await?;
        Ok(store::flagged_count(&mut c, scope).await?)
    }

    /// One hot issue with its members, history and the viewer's actions.
    pub async fn hot_issue(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<HotIssueDetail> {
        let scope = self.hot_issue_scope(actor);
        if scope == HotScope::Nothing {
            return Err(self.deny(actor, "read_hot_issue", &format!("hot_issue:{id}"), meta).await);
        }
        let mut c = self.store.read().await?;
        let issue =
            store::get(&mut c, scope, id).await?.ok_or_else(|| AppError::NotFound(format!("hot issue {id}")))?;
        let (members, hidden_members) = store::members(&mut c, id, self.member_scope(actor)).await?;
        let events = store::events(&mut c, id).await?;
        let mut districts: Vec<String> = Vec::new();
        for m in &members {
            if !districts.contains(&m.district_name) {
                districts.push(m.district_name.clone());
            }
        }
        let status = HotStatus::parse(&issue.status).unwrap_or(HotStatus::Flagged);
        let allowed_actions = if actor.may(Capability::HotIssueDecide) {
            [Decision::Confirm, Decision::Merge, Decision::Dismiss]
                .into_iter()
                .filter(|d| matches!(rule::decide(status, *d), Ok(Some(_))))
                .map(Decision::as_str)
                .collect()
        } else {
            Vec::new()
        };
        Ok(HotIssueDetail {
            key_terms: issue.terms(),
            issue,
            districts,
            members,
            hidden_members,
            events,
            allowed_actions,
        })
    }

    /// Confirms, merges or dismisses a hot issue (coordinator, city admin).
    /// Repeating a decision already taken changes nothing; a merged issue
    /// can only be merged again (to fold in newcomers).
    pub async fn decide_hot_issue(
        &self,
        actor: &Actor,
        id: i64,
        decision: Decision,
        input: &DecisionInput,
        meta: &RequestMeta,
    ) -> Result<HotIssueDetail> {
        let target = format!("hot_issue:{id}");
        let action = format!("hot_issue_{}", decision.as_str());
        let scope = self.hot_issue_scope(actor);
        if scope == HotScope::Nothing || !actor.may(Capability::HotIssueDecide) {
            return Err(self.deny(actor, &action, &target, meta).await);
        }
        let reason = input.reason.trim();
        if decision == Decision::Dismiss && reason.is_empty() {
            return Err(FieldError::new("reason", "排除热点问题须说明理由 (a dismissal needs a reason)").into());
        }
        if reason.chars().count() > 2000 {
            return Err(FieldError::new("reason", "理由过长，最多 2000 字 (at most 2000 characters)").into());
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let issue =
            store::get(&mut tx, scope, id).await?.ok_or_else(|| AppError::NotFound(format!("hot issue {id}")))?;
        let status = HotStatus::parse(&issue.status).unwrap_or(HotStatus::Flagged);
        let next = rule::decide(status, decision).map_err(|e| AppError::Conflict(e.to_string()))?;
        let Some(next) = next else {
            drop(tx);
            return self.hot_issue(actor, id, meta).await;
        };
        let mut note = reason.to_string();
        let mut lead = None;
        if decision == Decision::Merge {
            let (l, merged, left) = self.merge_members(&mut tx, actor, id, input.lead_demand_id, now).await?;
            lead = Some(l);
            let summary = format!(
                "牵头诉求 #{l}，合并 {merged} 条，{left} 条已在办理中、各自办结 (lead #{l}; {merged} merged, {left} already in hand)"
            );
            note = if note.is_empty() { summary } else { format!("{note}；{summary}") };
        }
        store::set_status(
            &mut tx,
            id,
            &Decided { status: next.as_str(), by: Some(actor.user_id), at: now, note: &note, lead_demand_id: lead },
        )
        .await?;
        store::append_event(&mut tx, id, now, Some(actor.user_id), next.as_str(), &note).await?;
        tx.commit().await?;
        self.audit(Some(actor), &action, &target, "success", &note, meta).await;
        self.hot_issue(actor, id, meta).await
    }

    /// Merges the open members of an issue into the lead demand; returns
    /// (lead, merged, left in hand). Members outside the actor's demand
    /// scope, or that the demand rules do not let this actor merge, are left.
    async fn merge_members(
        &self,
        tx: &mut zhuqi_store::Tx,
        actor: &Actor,
        issue_id: i64,
        lead: Option<i64>,
        now: i64,
    ) -> Result<(i64, usize, usize)> {
        use zhuqi_store::demands as dstore;
        let dscope = self.demand_scope(actor);
        let ids = store::member_ids(tx, issue_id).await?;
        let mut states: Vec<DemandState> = Vec::new();
        for d in &ids {
            if dstore::get(tx, dscope, *d).await?.is_none() {
                continue;
            }
            if let Some((json, _)) = dstore::state(tx, *d).await? {
                let s: DemandState =
                    serde_json::from_str(&json).map_err(|e| AppError::Internal(format!("json: {e}")))?;
                states.push(s);
            }
        }
        states.sort_by_key(|s| (s.submitted_at, s.id));
        let open = |s: &DemandState| !s.status.is_in(&Status::SET_ASIDE);
        let lead = match lead {
            Some(l) => {
                let Some(s) = states.iter().find(|s| s.id == l) else {
                    return Err(FieldError::new(
                        "lead_demand_id",
                        format!("诉求 {l} 不是本热点问题中您可见的诉求 (demand {l} is not a member you can see)"),
                    )
                    .into());
                };
                if !open(s) {
                    return Err(FieldError::new(
                        "lead_demand_id",
                        format!("诉求 {l} 已撤回、不予受理或已合并，不能牵头 (demand {l} is closed to merging)"),
                    )
                    .into());
                }
                l
            }
            None => states.iter().find(|s| open(s)).map(|s| s.id).ok_or_else(|| {
                AppError::Conflict("没有可牵头的诉求 (no open member demand to lead the merge)".into())
            })?,
        };
        let who = Who::User(DemandActor::from_actor(actor, false));
        let cal = self.work_calendar().await?;
        let (mut merged, mut left) = (0, 0);
        for before in states.iter().filter(|s| s.id != lead && open(s)) {
            match demand::decide(before, &Command::MergeInto { target: lead }, &who, now, &cal) {
                Ok(events) => {
                    let mut after = before.clone();
                    for ev in &events {
                        demand::apply(&mut after, ev);
                    }
                    self.persist(tx, before, &after, &events, Some(&cal), now).await?;
                    merged += 1;
                }
                Err(_) => left += 1,
            }
        }
        Ok((lead, merged, left))
    }
}
