//! Writing and reading the audit log. Logins, lockouts, permission denials,
//! imports, exports and assignments are recorded; the table is append-only.

use crate::{App, AppError, RequestMeta, Result};
use zhuqi_domain::Actor;
use zhuqi_store::audit::{AuditEntry, NewAudit};
use zhuqi_store::{Page, Paged};

impl App {
    /// Appends one audit entry in its own transaction. A failure to audit is
    /// logged loudly but does not fail the caller's already-committed work.
    pub async fn audit(
        &self,
        actor: Option<&Actor>,
        action: &str,
        target: &str,
        outcome: &str,
        detail: &str,
        meta: &RequestMeta,
    ) {
        let entry = NewAudit {
            at: self.now_ms(),
            actor_id: actor.map(|a| a.user_id),
            actor_name: actor.map_or("", |a| a.username.as_str()),
            action,
            target,
            outcome,
            detail,
            ip: &meta.ip,
            request_id: &meta.request_id,
        };
        let res = async {
            let mut tx = self.store.begin().await?;
            zhuqi_store::audit::append(&mut tx, &entry).await?;
            tx.commit().await?;
            Ok::<_, zhuqi_store::StoreError>(())
        }
        .await;
        if let Err(e) = res {
            tracing::error!(error = %e, action, target, "could not write the audit log");
        }
    }

    /// Records a permission denial and returns the error to hand back.
    pub async fn deny(&self, actor: &Actor, action: &str, target: &str, meta: &RequestMeta) -> AppError {
        self.audit(Some(actor), action, target, "denied", actor.role.as_str(), meta).await;
        AppError::Forbidden(format!("role {} may not {action}", actor.role.as_str()))
    }

    /// Refuses (audited, 403) unless `actor`'s role has `capability` at
    /// all. For adapters that must refuse before they read a request's body
    /// (so a forbidden caller learns nothing from validation); the use case
    /// decides again on the object itself.
    pub async fn require(
        &self,
        actor: &Actor,
        capability: zhuqi_domain::capability::Capability,
        action: &str,
        target: &str,
        meta: &RequestMeta,
    ) -> Result<()> {
        if actor.may(capability) {
            Ok(())
        } else {
            Err(self.deny(actor, action, target, meta).await)
        }
    }

    /// The audit log, newest first (city admin and auditor only).
    pub async fn audit_log(
        &self,
        actor: &Actor,
        action: Option<&str>,
        page: Page,
        meta: &RequestMeta,
    ) -> Result<Paged<AuditEntry>> {
        if !actor.may_read_audit() {
            return Err(self.deny(actor, "read_audit_log", "audit_log", meta).await);
        }
        let mut c = self.store.read().await?;
        Ok(zhuqi_store::audit::list(&mut c, action, page).await?)
    }
}
