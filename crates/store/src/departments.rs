//! Departments (涉企部门), each with its parent unit.

use crate::{Conn, Result};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Department {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_unit: String,
}

pub async fn insert(c: &mut Conn, code: &str, name: &str, parent_unit: &str, at: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO departments (code, name, parent_unit, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(parent_unit)
    .bind(at)
    .fetch_one(&mut *c)
    .await?)
}

pub async fn list(c: &mut Conn) -> Result<Vec<Department>> {
    Ok(sqlx::query_as("SELECT id, code, name, parent_unit FROM departments ORDER BY id").fetch_all(&mut *c).await?)
}

pub async fn get(c: &mut Conn, id: i64) -> Result<Option<Department>> {
    Ok(sqlx::query_as("SELECT id, code, name, parent_unit FROM departments WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *c)
        .await?)
}
