//! Saving a decided demand (events, projection, routing, metrics) and
//! notifying those concerned.

use super::json_err;
use crate::{App, AppError, Result};
use zhuqi_domain::calendar::WorkCalendar;
use zhuqi_domain::demand::{self, Colour, DemandState, Event, EventKind, Status};
use zhuqi_store::demands::{self as store, Projection};
use zhuqi_store::Conn;

impl App {
    /// Writes the events and the new projection if the version still
    /// matches; updates routing; sends notifications.
    pub(crate) async fn persist(
        &self,
        c: &mut Conn,
        before: &DemandState,
        after: &DemandState,
        events: &[Event],
        cal: Option<&WorkCalendar>,
        now: i64,
    ) -> Result<()> {
        let official;
        let cal = match cal {
            Some(c) => c,
            None => {
                official = self.work_calendar().await?;
                &official
            }
        };
        for (i, ev) in events.iter().enumerate() {
            let payload = serde_json::to_string(&ev.kind).map_err(json_err)?;
            let seq = before.version + 1 + i64::try_from(i).unwrap_or(0);
            store::append_event(c, after.id, seq, ev.at, ev.actor_id, ev.kind.name(), &payload).await?;
        }
        let json = serde_json::to_string(after).map_err(json_err)?;
        let colour = demand::colour(after, now, cal);
        let saved = store::save(
            c,
            after.id,
            before.version,
            &Projection {
                status: after.status.as_str(),
                colour: colour.as_str(),
                lead_department_id: after.lead_department_id,
                active_deadline: demand::active_deadline(after),
                closed_at: after.closed_at,
                rating: after.rating.map(|r| r.as_str()),
                redo_count: after.redo_count,
                state_json: &json,
                version: after.version,
                updated_at: now,
            },
        )
        .await?;
        if !saved {
            return Err(AppError::Conflict(format!(
                "诉求已被他人更新，请刷新后重试 (demand {} was changed by someone else; reload and retry)",
                after.id
            )));
        }
        crate::metrics::on_event(c, before, events, Some(cal), now).await?;
        if before.lead_department_id != after.lead_department_id
            || before.assisting_department_ids != after.assisting_department_ids
        {
            store::set_departments(c, after.id, after.lead_department_id, &after.assisting_department_ids).await?;
        }
        for ev in events {
            self.notify_event(c, after, ev).await?;
        }
        if after.provisional && !before.provisional {
            // A deadline was counted into a year without official calendar
            // data: the city admin must enter that year.
            let admins = store::recipients(c, "city_admin", None, None, None).await?;
            store::notify(
                c,
                &admins,
                now,
                "provisional",
                Some(after.id),
                "期限为暂定：请录入下一年度法定节假日安排",
                "A deadline reaches into a year with no official holiday data; enter it under /admin/calendar.",
            )
            .await?;
        }
        Ok(())
    }

    /// Who is told about an event, and what.
    async fn notify_event(&self, c: &mut Conn, d: &DemandState, ev: &Event) -> Result<()> {
        let lead = d.lead_department_id;
        let mut to: Vec<i64> = Vec::new();
        let (kind, title) = match &ev.kind {
            EventKind::Dispatched { .. } | EventKind::Transferred { .. } => {
                to.extend(handlers_of(c, lead, "dept_handler").await?);
                to.extend(handlers_of(c, lead, "dept_head").await?);
                ("dispatched", "新派单待签收")
            }
            EventKind::AssistAdded { departments } => {
                for dp in departments {
                    to.extend(handlers_of(c, Some(*dp), "dept_handler").await?);
                }
                ("assist", "请协办诉求")
            }
            EventKind::Objected { .. } => {
                to.extend(store::recipients(c, "coordinator", None, Some(d.district_id), None).await?);
                ("objected", "派单异议待处理")
            }
            EventKind::Replied { .. } | EventKind::InterimReplied { .. } | EventKind::ReplyApproved => {
                if d.status == Status::UnderReview {
                    to.extend(store::recipients(c, "coordinator", None, Some(d.district_id), None).await?);
                    ("review", "答复待审核")
                } else {
                    to.extend(store::recipients(c, "enterprise_user", None, None, Some(d.enterprise_id)).await?);
                    to.extend(store::officer_of(c, d.enterprise_id).await?);
                    ("replied", "诉求已答复")
                }
            }
            EventKind::ReplyReturned { .. }
            | EventKind::Reopened { .. }
            | EventKind::ExtensionApproved { .. }
            | EventKind::ExtensionRefused { .. } => {
                to.extend(handlers_of(c, lead, "dept_handler").await?);
                ("handling", "诉求需继续办理")
            }
            EventKind::ExtensionRequested { .. } => {
                to.extend(handlers_of(c, lead, "dept_head").await?);
                ("extension", "延期申请待审批")
            }
            EventKind::Urged { .. } | EventKind::Supervised { .. } => {
                to.extend(handlers_of(c, lead, "dept_handler").await?);
                to.extend(handlers_of(c, lead, "dept_head").await?);
                ("urge", "催办/督办")
            }
            EventKind::SupervisionLapsed { .. } => {
                to.extend(handlers_of(c, lead, "dept_head").await?);
                to.extend(store::recipients(c, "district_admin", None, Some(d.district_id), None).await?);
                to.extend(store::recipients(c, "city_admin", None, None, None).await?);
                ("supervision", "督办单逾期未办结")
            }
            EventKind::Escalated { level, .. } => match level {
                Colour::Blue => {
                    to.extend(handlers_of(c, lead, "dept_handler").await?);
                    ("blue", "诉求临期（蓝色预警）")
                }
                Colour::Yellow => {
                    to.extend(handlers_of(c, lead, "dept_handler").await?);
                    to.extend(handlers_of(c, lead, "dept_head").await?);
                    ("yellow", "诉求滞后（黄色预警）")
                }
                _ => {
                    to.extend(handlers_of(c, lead, "dept_head").await?);
                    to.extend(store::recipients(c, "coordinator", None, Some(d.district_id), None).await?);
                    to.extend(store::recipients(c, "district_admin", None, Some(d.district_id), None).await?);
                    ("red", "诉求超期（红色督办）")
                }
            },
            EventKind::Suspended { .. } | EventKind::InfoAdded { .. } => {
                to.extend(store::recipients(c, "enterprise_user", None, None, Some(d.enterprise_id)).await?);
                to.extend(store::officer_of(c, d.enterprise_id).await?);
                to.extend(handlers_of(c, lead, "dept_handler").await?);
                ("info", "诉求需补充材料")
            }
            EventKind::Closed { .. }
            | EventKind::Rejected { .. }
            | EventKind::Withdrawn { .. }
            | EventKind::Merged { .. } => {
                to.push(d.submitted_by);
                ("closed", "诉求已结束")
            }
            _ => return Ok(()),
        };
        to.retain(|u| Some(*u) != ev.actor_id);
        to.sort_unstable();
        to.dedup();
        let title_text = d_title(c, d.id).await?;
        store::notify(c, &to, ev.at, kind, Some(d.id), &format!("{title}：{title_text}"), ev.kind.label_zh()).await?;
        Ok(())
    }
}

/// Users of a role in a department (none when there is no department).
async fn handlers_of(c: &mut Conn, dept: Option<i64>, role: &str) -> zhuqi_store::Result<Vec<i64>> {
    match dept {
        Some(dp) => store::recipients(c, role, Some(dp), None, None).await,
        None => Ok(Vec::new()),
    }
}

async fn d_title(c: &mut Conn, id: i64) -> Result<String> {
    Ok(store::title(c, id).await?.unwrap_or_default())
}
