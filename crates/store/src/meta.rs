//! Key/value facts about the database itself (e.g. that the demo city was built).

use crate::{Conn, Result};

pub async fn get(c: &mut Conn, key: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1").bind(key).fetch_optional(&mut *c).await?)
}

pub async fn set(c: &mut Conn, key: &str, value: &str) -> Result<()> {
    sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(&mut *c)
        .await?;
    Ok(())
}
