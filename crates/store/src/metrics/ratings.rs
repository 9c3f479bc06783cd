//! Officer ratings by enterprises, and the door-knock counts (enterprises
//! served and visited on site) behind the officers' figures.

use crate::{Conn, Result};
use serde::Serialize;
use sqlx::Row;

/// One officer rating.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OfficerRating {
    pub id: i64,
    pub enterprise_id: i64,
    pub officer_id: i64,
    pub user_id: i64,
    pub quarter: String,
    pub score: i64,
    pub comment: String,
    pub at: i64,
}

/// Records a rating; a second one by the same user in the quarter is a
/// unique violation ([`crate::StoreError::Unique`]).
pub async fn insert_rating(c: &mut Conn, r: &OfficerRating) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO officer_ratings (enterprise_id, officer_id, user_id, quarter, score, comment, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(r.enterprise_id)
    .bind(r.officer_id)
    .bind(r.user_id)
    .bind(&r.quarter)
    .bind(r.score)
    .bind(&r.comment)
    .bind(r.at)
    .fetch_one(&mut *c)
    .await?;
    Ok(id)
}

/// The user's rating in a quarter, if any.
pub async fn rating_of(c: &mut Conn, user_id: i64, quarter: &str) -> Result<Option<OfficerRating>> {
    Ok(sqlx::query_as(
        "SELECT id, enterprise_id, officer_id, user_id, quarter, score, comment, at FROM officer_ratings \
         WHERE user_id = $1 AND quarter = $2",
    )
    .bind(user_id)
    .bind(quarter)
    .fetch_optional(&mut *c)
    .await?)
}

/// Per officer: (ratings, sum of scores, ratings of 3 or more) in `[from, to)` (ms).
pub async fn rating_sums(c: &mut Conn, from: i64, to: i64) -> Result<Vec<(i64, i64, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT officer_id, COUNT(*), CAST(SUM(score) AS BIGINT), CAST(SUM(CASE WHEN score >= 3 THEN 1 ELSE 0 END) AS BIGINT) \
         FROM officer_ratings WHERE at >= $1 AND at < $2 GROUP BY officer_id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push((
            r.try_get::<i64, _>(0)?,
            r.try_get::<i64, _>(1)?,
            r.try_get::<Option<i64>, _>(2)?.unwrap_or(0),
            r.try_get::<Option<i64>, _>(3)?.unwrap_or(0),
        ));
    }
    Ok(out)
}

/// Per officer: (enterprises served at some time in `[from, to)`, of them
/// with at least one on-site visit by that officer in the window).
/// Enterprises deregistered by `from` are not counted.
pub async fn door_knock(c: &mut Conn, from: i64, to: i64) -> Result<Vec<(i64, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT a.officer_id, COUNT(DISTINCT a.enterprise_id), \
         COUNT(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM visits v WHERE v.officer_id = a.officer_id \
           AND v.enterprise_id = a.enterprise_id AND v.mode = 'on_site' AND v.started_at >= $1 AND v.started_at < $2) \
           THEN a.enterprise_id END) \
         FROM assignments a WHERE a.valid_from < $2 AND (a.valid_to IS NULL OR a.valid_to > $1) \
         AND NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.id = a.enterprise_id AND e.deregistered_at <= $1) \
         GROUP BY a.officer_id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?, r.try_get::<i64, _>(2)?));
    }
    Ok(out)
}
