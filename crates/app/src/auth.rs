//! Sign-in, sessions and lockout.
//!
//! Passwords are hashed with Argon2id off the async executor. A session is a
//! random 256-bit token: the cookie (or bearer token) carries it, the
//! database keeps only its SHA-256. Sessions end after an idle timeout and
//! an absolute lifetime; a new token is minted at every login.

use crate::{App, AppError, RequestMeta, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};
use zhuqi_domain::{Actor, Role};
use zhuqi_store::sessions::{self, SessionRow};

/// The audit log's target for a sign-in with an unknown account name.
pub const UNKNOWN_ACCOUNT: &str = "(unknown account)";

/// A fresh session as handed to the client.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The secret token (cookie value / bearer token). Shown once.
    pub token: String,
    /// The CSRF token forms must echo.
    pub csrf_token: String,
    pub actor: Actor,
    pub expires_at: i64,
    /// Signed in with a one-time password: the session may only change it.
    pub must_change_password: bool,
}

/// Recently resolved sessions, so a burst of requests does not read the
/// session and the user on every call. An entry is trusted for at most
/// [`SessionCache::TRUST_MS`] (by the injected clock) and never past the
/// session's own idle or absolute limit; logout removes it at once. A change
/// of a user's role or scope therefore takes effect within that time.
#[derive(Debug, Default)]
pub struct SessionCache(std::sync::Mutex<std::collections::HashMap<String, CachedSession>>);

#[derive(Debug, Clone)]
struct CachedSession {
    info: SessionInfo,
    fetched_at: i64,
    expires_at: i64,
    last_seen_at: i64,
}

impl SessionCache {
    /// How long a resolved session is reused without reading the database.
    pub const TRUST_MS: i64 = 5_000;

    fn get(&self, hash: &str, now: i64, idle_ms: i64) -> Option<SessionInfo> {
        let g = self.0.lock().ok()?;
        let c = g.get(hash)?;
        let fresh = now - c.fetched_at < Self::TRUST_MS && now >= c.fetched_at;
        (fresh && c.expires_at > now && c.last_seen_at + idle_ms > now).then(|| c.info.clone())
    }

    fn put(&self, hash: String, info: SessionInfo, now: i64, expires_at: i64, last_seen_at: i64) {
        if let Ok(mut g) = self.0.lock() {
            if g.len() > 50_000 {
                g.clear();
            }
            g.insert(hash, CachedSession { info, fetched_at: now, expires_at, last_seen_at });
        }
    }

    fn remove(&self, hash: &str) {
        if let Ok(mut g) = self.0.lock() {
            g.remove(hash);
        }
    }

    /// Forgets every cached session (a user was deactivated).
    pub(crate) fn clear(&self) {
        if let Ok(mut g) = self.0.lock() {
            g.clear();
        }
    }
}

/// A resolved session.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub actor: Actor,
    pub csrf_token: String,
    /// The user signed in with a one-time password and has not chosen a
    /// password yet: the web layer lets them reach only their own account,
    /// the password change and sign-out.
    pub must_change_password: bool,
}

pub(crate) fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Hashes a password with Argon2id (default parameters) on a blocking thread.
pub async fn hash_password(password: &str) -> Result<String> {
    let pw = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default()
            .hash_password(pw.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Verifies a password against a stored hash on a blocking thread. A
/// malformed hash (for example the `!` of an account without a password)
/// never verifies.
pub async fn verify_password(password: &str, hash: &str) -> bool {
    let pw = password.to_string();
    let hash = hash.to_string();
    tokio::task::spawn_blocking(move || match PasswordHash::new(&hash) {
        Ok(parsed) => Argon2::default().verify_password(pw.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    })
    .await
    .unwrap_or(false)
}

/// A real Argon2id hash of a random secret, computed once: checking a
/// password against it costs the same as against a user's hash, so unknown
/// usernames take as long as wrong passwords.
static DUMMY_HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn dummy_hash() -> String {
    DUMMY_HASH.get_or_init(|| async { hash_password(&random_token()).await.unwrap_or_default() }).await.clone()
}

pub(crate) async fn actor_of(c: &mut zhuqi_store::Conn, user_id: i64) -> Result<Option<Actor>> {
    Ok(account_of(c, user_id).await?.map(|(a, _)| a))
}

/// The actor of an active user and whether they must change their password.
pub(crate) async fn account_of(c: &mut zhuqi_store::Conn, user_id: i64) -> Result<Option<(Actor, bool)>> {
    let Some(u) = zhuqi_store::users::get(c, user_id).await? else { return Ok(None) };
    if u.active == 0 {
        return Ok(None);
    }
    let Some(role) = Role::parse(&u.role) else { return Ok(None) };
    // The users of a deregistered enterprise (注销 / 迁出) no longer sign in.
    if let Some(e) = u.enterprise_id {
        if zhuqi_store::enterprises::is_deregistered(c, e).await? {
            return Ok(None);
        }
    }
    let must_change = u.must_change_password != 0;
    Ok(Some((
        Actor {
            user_id: u.id,
            username: u.username,
            display_name: u.display_name,
            role,
            district_id: u.district_id,
            department_id: u.department_id,
            enterprise_id: u.enterprise_id,
        },
        must_change,
    )))
}

impl App {
    /// Checks a username and password; on success opens a new session.
    /// Failed attempts count towards the lockout; every outcome is audited
    /// (an unknown account as [`UNKNOWN_ACCOUNT`], never what was typed).
    pub async fn login(&self, username: &str, password: &str, meta: &RequestMeta) -> Result<NewSession> {
        let username = username.trim();
        let now = self.now_ms();
        let creds = {
            let mut c = self.store.read().await?;
            match zhuqi_store::users::credentials(&mut c, username).await? {
                Some(u) => Some(u),
                // Enterprise users bound through the enterprise code sign in with their phone.
                None => match zhuqi_domain::phone::Phone::parse("username", username) {
                    Ok(p) => zhuqi_store::enterprise_codes::credentials_by_phone(&mut c, p.as_str()).await?,
                    Err(_) => None,
                },
            }
        };
        let Some(creds) = creds else {
            let _ = verify_password(password, &dummy_hash().await).await;
            // What was typed is not kept: for an unknown account it may be a
            // password typed into the wrong field.
            self.audit(None, "login", UNKNOWN_ACCOUNT, "failure", "unknown user", meta).await;
            return Err(AppError::BadCredentials);
        };
        if let Some(until) = creds.locked_until.filter(|u| *u > now) {
            self.audit(None, "login", username, "locked", "attempt while locked", meta).await;
            return Err(AppError::Locked(until));
        }
        let mut ok = creds.active != 0 && verify_password(password, &creds.password_hash).await;
        if ok {
            // A one-time password signs in once; the second time it is wrong.
            let mut c = self.store.read().await?;
            let st = zhuqi_store::accounts::password_state(&mut c, creds.id).await?;
            ok = !st.is_some_and(|s| s.must_change_password != 0 && s.one_time_used_at.is_some());
        }
        if !ok {
            let threshold = self.config.lockout_threshold.max(1);
            let mut tx = self.store.begin().await?;
            let n = zhuqi_store::users::record_failure(&mut tx, creds.id, None).await?;
            let locked = n >= threshold;
            let until = now + self.config.lockout_minutes * 60_000;
            if locked {
                zhuqi_store::users::lock(&mut tx, creds.id, until).await?;
            }
            tx.commit().await?;
            self.audit(None, "login", username, "failure", &format!("wrong password ({n} in a row)"), meta).await;
            if locked {
                self.audit(None, "lockout", username, "locked", &format!("after {n} failed logins"), meta).await;
                return Err(AppError::Locked(until));
            }
            return Err(AppError::BadCredentials);
        }
        let mut tx = self.store.begin().await?;
        zhuqi_store::users::reset_failures(&mut tx, creds.id).await?;
        let (actor, must_change_password) = account_of(&mut tx, creds.id).await?.ok_or(AppError::BadCredentials)?;
        if must_change_password && !zhuqi_store::accounts::use_one_time_password(&mut tx, creds.id, now).await? {
            // Another sign-in used the one-time password meanwhile.
            drop(tx);
            self.audit(None, "login", username, "failure", "one-time password already used", meta).await;
            return Err(AppError::BadCredentials);
        }
        let token = random_token();
        let csrf_token = random_token();
        let expires_at = now + self.config.session_absolute_hours * 3_600_000;
        sessions::insert(
            &mut tx,
            &SessionRow {
                token_hash: token_hash(&token),
                user_id: creds.id,
                csrf_token: csrf_token.clone(),
                created_at: now,
                last_seen_at: now,
                expires_at,
            },
        )
        .await?;
        tx.commit().await?;
        let detail = if must_change_password { "one-time password: must change it" } else { "" };
        self.audit(Some(&actor), "login", username, "success", detail, meta).await;
        Ok(NewSession { token, csrf_token, actor, expires_at, must_change_password })
    }

    /// Resolves a session token. Expired (idle or absolute) sessions are
    /// deleted and answer `Unauthenticated`. Activity refreshes the idle
    /// clock at most once a minute to spare the writer.
    pub async fn session(&self, token: &str) -> Result<SessionInfo> {
        let now = self.now_ms();
        let hash = token_hash(token);
        let idle_ms = self.config.session_idle_minutes * 60_000;
        if let Some(hit) = self.session_cache.get(&hash, now, idle_ms) {
            return Ok(hit);
        }
        let row = {
            let mut c = self.store.read().await?;
            sessions::get(&mut c, &hash).await?
        };
        let Some(row) = row else { return Err(AppError::Unauthenticated) };
        if row.expires_at <= now || row.last_seen_at + idle_ms <= now {
            self.session_cache.remove(&hash);
            let mut tx = self.store.begin().await?;
            sessions::delete(&mut tx, &hash).await?;
            tx.commit().await?;
            return Err(AppError::Unauthenticated);
        }
        let account = {
            let mut c = self.store.read().await?;
            account_of(&mut c, row.user_id).await?
        };
        let Some((actor, must_change_password)) = account else { return Err(AppError::Unauthenticated) };
        let mut last_seen = row.last_seen_at;
        if now - row.last_seen_at >= 60_000 {
            let mut tx = self.store.begin().await?;
            sessions::touch(&mut tx, &hash, now).await?;
            tx.commit().await?;
            last_seen = now;
        }
        let info = SessionInfo { actor, csrf_token: row.csrf_token, must_change_password };
        self.session_cache.put(hash, info.clone(), now, row.expires_at, last_seen);
        Ok(info)
    }

    /// Ends a session.
    pub async fn logout(&self, token: &str, actor: &Actor, meta: &RequestMeta) -> Result<()> {
        self.session_cache.remove(&token_hash(token));
        let mut tx = self.store.begin().await?;
        sessions::delete(&mut tx, &token_hash(token)).await?;
        tx.commit().await?;
        self.audit(Some(actor), "logout", &actor.username, "success", "", meta).await;
        Ok(())
    }
}

impl App {
    /// Deletes sessions past their idle or absolute limit.
    pub async fn purge_sessions(&self) -> Result<u64> {
        let mut tx = self.store.begin().await?;
        let n = sessions::purge(&mut tx, self.now_ms(), self.config.session_idle_minutes * 60_000).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The actor of an active user, for the CLI's `--as`.
    pub async fn actor_by_username(&self, username: &str) -> Result<Option<Actor>> {
        let mut c = self.store.read().await?;
        match zhuqi_store::users::by_username(&mut c, username).await? {
            Some(u) => actor_of(&mut c, u.id).await,
            None => Ok(None),
        }
    }
}
