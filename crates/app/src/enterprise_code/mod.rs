//! The enterprise code (企业码): every enterprise has a QR code pointing at
//! `{public_base_url}/c/{token}`; scanning it lets a person of the
//! enterprise bind their phone, either at once with a one-time code their
//! officer hands over or by a request the officer (or district admin)
//! approves. Bound users (role `enterprise_user`) then sign in with phone
//! and password.
//!
//! Who manages an enterprise's code, codes and users: its current officer,
//! the admin of its district and the city admin. Other roles are refused
//! (403, audited); an enterprise outside the actor's scope is not found.
//! Every binding attempt is written to the audit log.

use crate::{App, AppError, RequestMeta, Result};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use zhuqi_domain::capability::{self, Capability};
use zhuqi_domain::{Actor, Role, Scope};
use zhuqi_store::enterprise_codes as store;
use zhuqi_store::enterprises::EnterpriseRow;

mod binding;
mod posters;

pub use binding::{BindInput, BindOutcome, EnterpriseBindings};
pub use posters::Poster;

/// How long a one-time binding code stays valid.
pub const BINDING_CODE_TTL_MS: i64 = 24 * 3_600_000;
/// Digits of a one-time binding code.
const BINDING_CODE_DIGITS: u32 = 8;

/// The code of an enterprise as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CodeView {
    pub enterprise_id: i64,
    pub token: String,
    /// What the QR code encodes.
    pub url: String,
    pub svg_url: String,
    pub png_url: String,
    pub poster_url: String,
    pub created_at: i64,
    pub rotated_at: Option<i64>,
}

/// What the public landing page of a code shows.
#[derive(Debug, Clone, Serialize)]
pub struct Landing {
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub district_name: String,
    pub officer_name: Option<String>,
}

fn random_token() -> String {
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

fn random_digits() -> String {
    let modulo = 10u64.pow(BINDING_CODE_DIGITS);
    // Rejection sampling keeps the digits uniform.
    loop {
        let v = rand::rngs::OsRng.next_u64();
        if v < u64::MAX - u64::MAX % modulo {
            return format!("{:0width$}", v % modulo, width = BINDING_CODE_DIGITS as usize);
        }
    }
}

fn sha(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A token as it may appear in a URL: 32 lowercase hex digits.
pub fn token_shape_ok(token: &str) -> bool {
    token.len() == 32 && token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// May this role manage enterprise codes and bindings at all?
pub fn may_manage(role: Role) -> bool {
    capability::may(role, Capability::EnterpriseCodeManage)
}

impl App {
    fn code_view(&self, row: &store::CodeRow) -> CodeView {
        let id = row.enterprise_id;
        CodeView {
            enterprise_id: id,
            token: row.token.clone(),
            url: format!("{}/c/{}", self.config.public_base_url.trim_end_matches('/'), row.token),
            svg_url: format!("/api/v1/enterprises/{id}/code.svg"),
            png_url: format!("/api/v1/enterprises/{id}/code.png"),
            poster_url: format!("/enterprises/{id}/poster"),
            created_at: row.created_at,
            rotated_at: row.rotated_at,
        }
    }

    /// The enterprise, if the actor may manage it (403 for other roles, 404 out of scope).
    async fn managed_enterprise(
        &self,
        actor: &Actor,
        id: i64,
        action: &str,
        meta: &RequestMeta,
    ) -> Result<EnterpriseRow> {
        let scope = actor.enterprise_scope();
        if !may_manage(actor.role) || scope == Scope::Nothing {
            return Err(self.deny(actor, action, &format!("enterprise:{id}"), meta).await);
        }
        let mut c = self.store.read().await?;
        zhuqi_store::enterprises::get(&mut c, scope, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("enterprise {id}")))
    }

    /// The enterprise's code, created on first use.
    async fn ensure_code(&self, enterprise_id: i64) -> Result<store::CodeRow> {
        {
            let mut c = self.store.read().await?;
            if let Some(r) = store::get(&mut c, enterprise_id).await? {
                return Ok(r);
            }
        }
        let mut tx = self.store.begin().await?;
        store::insert_if_missing(&mut tx, enterprise_id, &random_token(), self.now_ms()).await?;
        let r = store::get(&mut tx, enterprise_id).await?;
        tx.commit().await?;
        r.ok_or_else(|| AppError::Internal(format!("no code for enterprise {enterprise_id}")))
    }

    /// `GET /api/v1/enterprises/{id}/code`.
    pub async fn enterprise_code(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<CodeView> {
        self.managed_enterprise(actor, id, "read_enterprise_code", meta).await?;
        Ok(self.code_view(&self.ensure_code(id).await?))
    }

    /// Replaces the token: the old QR code stops working at once.
    pub async fn rotate_enterprise_code(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<CodeView> {
        self.managed_enterprise(actor, id, "rotate_enterprise_code", meta).await?;
        self.ensure_code(id).await?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        store::rotate(&mut tx, id, &random_token(), now, actor.user_id).await?;
        let row = store::get(&mut tx, id).await?.ok_or_else(|| AppError::NotFound(format!("enterprise {id}")))?;
        tx.commit().await?;
        self.audit(Some(actor), "rotate_enterprise_code", &format!("enterprise:{id}"), "success", "", meta).await;
        Ok(self.code_view(&row))
    }

    /// The QR code as SVG or PNG (`png` true).
    pub async fn enterprise_code_image(
        &self,
        actor: &Actor,
        id: i64,
        png: bool,
        meta: &RequestMeta,
    ) -> Result<Vec<u8>> {
        let view = self.enterprise_code(actor, id, meta).await?;
        if png {
            tokio::task::spawn_blocking(move || crate::qr::png(&view.url, 10))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?
        } else {
            Ok(crate::qr::svg(&view.url)?.into_bytes())
        }
    }
}

/// The refusal of a deregistered enterprise's code (landing and binding).
pub const DEREGISTERED_CODE: &str =
    "企业已注销，企业码已停用 (the enterprise is deregistered; its code no longer binds)";

impl App {
    /// The public landing page of a token: `NotFound` for an unknown or
    /// rotated-away token, `Conflict` (企业已注销) for a deregistered enterprise.
    pub async fn code_landing(&self, token: &str) -> Result<Landing> {
        let nf = || AppError::NotFound("enterprise code".into());
        if !token_shape_ok(token) {
            return Err(nf());
        }
        let mut c = self.store.read().await?;
        let code = store::by_token(&mut c, token).await?.ok_or_else(nf)?;
        let e = zhuqi_store::enterprises::get(&mut c, Scope::All, code.enterprise_id).await?.ok_or_else(nf)?;
        if e.is_deregistered() {
            return Err(AppError::Conflict(DEREGISTERED_CODE.into()));
        }
        Ok(Landing {
            enterprise_id: e.id,
            enterprise_name: e.name,
            district_name: e.district_name,
            officer_name: e.officer_name,
        })
    }
}
