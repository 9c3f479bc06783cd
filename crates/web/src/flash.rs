//! One-time notices after a form post-redirect-get ("已保存", or what went
//! wrong): the text comes only from the server. The redirect carries it in
//! `?flash=`, sealed with an HMAC keyed by the session's own secret (its
//! CSRF token): a link someone else made — "缴纳加急费200元…" — does not
//! verify for the person who opens it and shows nothing. A notice is a
//! success or an error, and looks like one (an error is red, `role=alert`).

use crate::ctx::Ctx;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A notice to show once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
}

impl Flash {
    pub fn ok(text: impl Into<String>) -> Flash {
        Flash { text: text.into(), error: false }
    }

    pub fn error(text: impl Into<String>) -> Flash {
        Flash { text: text.into(), error: true }
    }

    /// The CSS classes of the notice.
    pub fn class(&self) -> &'static str {
        if self.error {
            "error-msg"
        } else {
            "flash"
        }
    }

    /// `alert` for an error (read out at once), `status` otherwise.
    pub fn role(&self) -> &'static str {
        if self.error {
            "alert"
        } else {
            "status"
        }
    }
}

fn seal(secret: &str, payload: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(b"zhuqi-flash\0");
    mac.update(payload.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The query parameter (`flash=…`) that shows `flash` on the next page of this session.
pub fn query(ctx: &Ctx, flash: &Flash) -> String {
    let payload = format!("{}{}", if flash.error { 'e' } else { 'o' }, flash.text);
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.as_bytes());
    format!("flash={b64}.{}", seal(&ctx.csrf, &payload))
}

/// The notice of a `flash=` value, if this session sealed it.
pub fn read(ctx: &Ctx, raw: Option<&str>) -> Option<Flash> {
    let (b64, mac) = raw?.split_once('.')?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(b64).ok()?;
    let payload = String::from_utf8(bytes).ok()?;
    let expected = seal(&ctx.csrf, &payload);
    if expected.is_empty() || !crate::ctx::constant_time_eq(expected.as_bytes(), mac.as_bytes()) {
        return None;
    }
    let mut chars = payload.chars();
    let error = match chars.next()? {
        'e' => true,
        'o' => false,
        _ => return None,
    };
    Some(Flash { text: chars.as_str().to_string(), error })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(csrf: &str) -> Ctx {
        Ctx {
            actor: zhuqi_domain::Actor {
                user_id: 1,
                username: "u".into(),
                display_name: "u".into(),
                role: zhuqi_domain::Role::Officer,
                district_id: None,
                department_id: None,
                enterprise_id: None,
            },
            token: String::new(),
            csrf: csrf.into(),
            meta: Default::default(),
            lang: Default::default(),
            path: String::new(),
            unread: 0,
            must_change_password: false,
        }
    }

    fn value(q: &str) -> &str {
        q.strip_prefix("flash=").unwrap()
    }

    #[test]
    fn a_notice_reads_back_in_its_own_session_only() {
        let mine = ctx("a".repeat(64).as_str());
        for f in [Flash::ok("已保存"), Flash::error("版本冲突：请刷新后重试")] {
            let q = query(&mine, &f);
            assert_eq!(read(&mine, Some(value(&q))), Some(f.clone()));
            assert_eq!(read(&ctx("b".repeat(64).as_str()), Some(value(&q))), None, "another session");
        }
    }

    #[test]
    fn forged_or_altered_notices_show_nothing() {
        let mine = ctx("a".repeat(64).as_str());
        let q = query(&mine, &Flash::ok("已保存"));
        let (b64, mac) = value(&q).split_once('.').unwrap();
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("o缴纳加急费200元".as_bytes());
        for raw in
            [format!("{forged}.{mac}"), format!("{b64}.00"), b64.to_string(), "缴纳加急费200元".into(), String::new()]
        {
            assert_eq!(read(&mine, Some(&raw)), None, "{raw}");
        }
        assert_eq!(read(&mine, None), None);
    }
}
