//! Departments (涉企部门), each with its parent unit. A department is
//! retired, never deleted: demands, users and history keep pointing at it.

use crate::{Conn, Result};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Department {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_unit: String,
    /// 简称, e.g. 交通局 (empty when none was given).
    pub short_name: String,
    /// When the department was retired (hidden from pickers, cannot lead a
    /// category or receive a dispatch); `None` while in use.
    pub retired_at: Option<i64>,
}

const COLS: &str = "id, code, name, parent_unit, short_name, retired_at";

/// The demand statuses that are finished (see `Status::is_open`): a
/// department with demands in any other status has open demands.
const CLOSED: &str = "('closed', 'withdrawn', 'rejected', 'merged')";

pub async fn insert(c: &mut Conn, code: &str, name: &str, parent_unit: &str, at: i64) -> Result<i64> {
    insert_with_short_name(c, code, name, "", parent_unit, at).await
}

pub async fn insert_with_short_name(
    c: &mut Conn,
    code: &str,
    name: &str,
    short_name: &str,
    parent_unit: &str,
    at: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO departments (code, name, short_name, parent_unit, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(short_name)
    .bind(parent_unit)
    .bind(at)
    .fetch_one(&mut *c)
    .await?)
}

/// Every department, retired ones included.
pub async fn list(c: &mut Conn) -> Result<Vec<Department>> {
    Ok(sqlx::query_as(&format!("SELECT {COLS} FROM departments ORDER BY id")).fetch_all(&mut *c).await?)
}

pub async fn get(c: &mut Conn, id: i64) -> Result<Option<Department>> {
    Ok(sqlx::query_as(&format!("SELECT {COLS} FROM departments WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?)
}

pub async fn by_code(c: &mut Conn, code: &str) -> Result<Option<Department>> {
    Ok(sqlx::query_as(&format!("SELECT {COLS} FROM departments WHERE code = $1"))
        .bind(code)
        .fetch_optional(&mut *c)
        .await?)
}

/// The department named `name`, other than `except`.
pub async fn named(c: &mut Conn, name: &str, except: Option<i64>) -> Result<Option<Department>> {
    Ok(sqlx::query_as(&format!("SELECT {COLS} FROM departments WHERE name = $1 AND id <> $2"))
        .bind(name)
        .bind(except.unwrap_or(-1))
        .fetch_optional(&mut *c)
        .await?)
}

/// A department's editable fields.
#[derive(Debug, Clone)]
pub struct DepartmentUpdate<'a> {
    pub name: &'a str,
    pub short_name: &'a str,
    pub parent_unit: &'a str,
}

pub async fn update(c: &mut Conn, id: i64, u: &DepartmentUpdate<'_>) -> Result<()> {
    sqlx::query("UPDATE departments SET name = $1, short_name = $2, parent_unit = $3 WHERE id = $4")
        .bind(u.name)
        .bind(u.short_name)
        .bind(u.parent_unit)
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Retires (`Some(at)`) or restores (`None`) a department.
pub async fn set_retired(c: &mut Conn, id: i64, at: Option<i64>) -> Result<()> {
    sqlx::query("UPDATE departments SET retired_at = $1 WHERE id = $2").bind(at).bind(id).execute(&mut *c).await?;
    Ok(())
}

/// Demands not finished that the department leads or assists.
pub async fn open_demand_count(c: &mut Conn, id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM demands d WHERE d.status NOT IN {CLOSED} AND (d.lead_department_id = $1 \
         OR d.id IN (SELECT demand_id FROM demand_departments WHERE department_id = $1))"
    ))
    .bind(id)
    .fetch_one(&mut *c)
    .await?)
}

/// Open demands per department (lead or assisting), for the admin list.
pub async fn open_demand_counts(c: &mut Conn) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(&format!(
        "SELECT p.department_id, COUNT(*) FROM (SELECT d.id, d.lead_department_id AS department_id FROM demands d \
         WHERE d.lead_department_id IS NOT NULL AND d.status NOT IN {CLOSED} \
         UNION SELECT d.id, x.department_id FROM demands d JOIN demand_departments x ON x.demand_id = d.id \
         WHERE d.status NOT IN {CLOSED}) p GROUP BY p.department_id"
    ))
    .fetch_all(&mut *c)
    .await?)
}

/// Active users per department (handlers, heads, officers it sent).
pub async fn user_counts(c: &mut Conn) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT department_id, COUNT(*) FROM users WHERE department_id IS NOT NULL AND active = 1 GROUP BY department_id",
    )
    .fetch_all(&mut *c)
    .await?)
}

/// The catalogue routes leading to a department: (category code, category
/// name, district id — `None` for the city-wide default).
pub async fn routes_to(c: &mut Conn, id: i64) -> Result<Vec<(String, String, Option<i64>)>> {
    Ok(sqlx::query_as(
        "SELECT r.category_code, g.name, r.district_id FROM dispatch_routes r JOIN categories g ON g.code = r.category_code \
         WHERE r.department_id = $1 ORDER BY r.category_code, r.district_id",
    )
    .bind(id)
    .fetch_all(&mut *c)
    .await?)
}

/// Moves every catalogue route leading to `from` to `to`; returns how many.
pub async fn move_routes(c: &mut Conn, from: i64, to: i64, at: i64, by: Option<i64>) -> Result<u64> {
    let r = sqlx::query(
        "UPDATE dispatch_routes SET department_id = $1, updated_at = $2, updated_by = $3 WHERE department_id = $4",
    )
    .bind(to)
    .bind(at)
    .bind(by)
    .bind(from)
    .execute(&mut *c)
    .await?;
    Ok(r.rows_affected())
}
