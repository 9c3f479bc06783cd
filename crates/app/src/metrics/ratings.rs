//! Enterprises' quarterly rating of their officer.

use crate::{App, AppError, RequestMeta, Result};
use chrono::Datelike;
use serde::Serialize;
use zhuqi_domain::metrics as m;
use zhuqi_domain::{Actor, FieldError, Role};
use zhuqi_store::metrics as store;

/// The calendar quarter (China time) of an instant: `YYYY-Qn`.
pub fn quarter_of(ms: i64) -> String {
    let d = m::china_day(ms);
    format!("{}-Q{}", d.year(), (d.month() - 1) / 3 + 1)
}

/// The enterprise user's officer and this quarter's rating, for `/my-officer/rate`.
#[derive(Debug, Clone, Serialize)]
pub struct MyOfficer {
    pub officer_id: Option<i64>,
    pub officer_name: Option<String>,
    pub quarter: String,
    pub rating: Option<zhuqi_store::metrics::OfficerRating>,
}

impl App {
    /// The actor's (an enterprise user's) current officer and rating this quarter.
    pub async fn my_officer(&self, actor: &Actor, meta: &RequestMeta) -> Result<MyOfficer> {
        let (Role::EnterpriseUser, Some(ent)) = (actor.role, actor.enterprise_id) else {
            return Err(self.deny(actor, "rate_officer", "officer_ratings", meta).await);
        };
        let quarter = quarter_of(self.now_ms());
        let mut c = self.store.read().await?;
        let officer_id = zhuqi_store::demands::officer_of(&mut c, ent).await?;
        let officer_name = match officer_id {
            Some(o) => zhuqi_store::users::get(&mut c, o).await?.map(|u| u.display_name),
            None => None,
        };
        let rating = store::rating_of(&mut c, actor.user_id, &quarter).await?;
        Ok(MyOfficer { officer_id, officer_name, quarter, rating })
    }

    /// An enterprise user rates their enterprise's current officer, once per
    /// calendar quarter: score 1..=5 (5 = 非常满意). A second rating in the
    /// quarter is refused (409) and changes nothing.
    pub async fn rate_officer(
        &self,
        actor: &Actor,
        score: i64,
        comment: &str,
        meta: &RequestMeta,
    ) -> Result<zhuqi_store::metrics::OfficerRating> {
        let (Role::EnterpriseUser, Some(ent)) = (actor.role, actor.enterprise_id) else {
            return Err(self.deny(actor, "rate_officer", "officer_ratings", meta).await);
        };
        if !(1..=5).contains(&score) {
            return Err(FieldError::new("score", format!("评分应为 1 至 5 (score must be 1 to 5, got {score})")).into());
        }
        let comment = comment.trim();
        if comment.chars().count() > 500 {
            return Err(FieldError::new("comment", "评价内容不能超过 500 字 (at most 500 characters)").into());
        }
        let now = self.now_ms();
        let quarter = quarter_of(now);
        let mut tx = self.store.begin().await?;
        let Some(officer_id) = zhuqi_store::demands::officer_of(&mut tx, ent).await? else {
            return Err(AppError::NotFound("本企业当前没有助企服务员 (your enterprise has no officer now)".into()));
        };
        if let Some(prev) = store::rating_of(&mut tx, actor.user_id, &quarter).await? {
            return Err(AppError::Conflict(format!(
                "本季度（{quarter}）您已评价过服务员，每季度只能评价一次 (you already rated your officer in {quarter}: \
                 score {}; one rating per quarter)",
                prev.score
            )));
        }
        let mut r = zhuqi_store::metrics::OfficerRating {
            id: 0,
            enterprise_id: ent,
            officer_id,
            user_id: actor.user_id,
            quarter: quarter.clone(),
            score,
            comment: comment.to_string(),
            at: now,
        };
        r.id = match store::insert_rating(&mut tx, &r).await {
            Ok(id) => id,
            Err(zhuqi_store::StoreError::Unique(_)) => {
                return Err(AppError::Conflict(format!(
                    "本季度（{quarter}）您已评价过服务员 (you already rated your officer in {quarter})"
                )))
            }
            Err(e) => return Err(e.into()),
        };
        tx.commit().await?;
        self.audit(Some(actor), "rate_officer", &format!("officer:{officer_id}"), "success", &score.to_string(), meta)
            .await;
        Ok(r)
    }
}
