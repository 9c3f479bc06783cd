//! Keyed token buckets for the public endpoints (code landing, binding,
//! sign-in). A bucket holds up to `capacity` tokens and refills
//! `capacity` per window, by the injected clock (so tests can prove that a
//! limit triggers and then resets). In memory, per process: behind several
//! nodes each node counts for itself, which still bounds guessing.

use crate::App;
use std::collections::HashMap;
use std::sync::Mutex;

/// Refused: try again after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Tokens left, in thousandths (integer arithmetic, no float drift).
    milli: i64,
    at: i64,
}

/// The buckets of every key.
#[derive(Debug, Default)]
pub struct RateLimiter(Mutex<HashMap<String, Bucket>>);

impl RateLimiter {
    /// Refills the key's bucket to `now`; when `take`, spends one token.
    /// `Err` when the bucket has less than one token (nothing is spent).
    pub fn hit(&self, key: &str, capacity: u32, window_ms: i64, now: i64, take: bool) -> Result<(), RetryAfter> {
        if capacity == 0 || window_ms <= 0 {
            return Ok(());
        }
        let cap = i64::from(capacity) * 1000;
        // Thousandths of a token gained per millisecond, times window: cap / window.
        let Ok(mut g) = self.0.lock() else { return Ok(()) };
        if g.len() > 100_000 {
            // A flood of distinct keys: start over rather than grow without bound.
            g.retain(|_, b| now - b.at < window_ms);
        }
        let b = g.entry(key.to_string()).or_insert(Bucket { milli: cap, at: now });
        let elapsed = (now - b.at).max(0);
        let gained = elapsed.saturating_mul(cap) / window_ms;
        if b.milli + gained >= cap {
            b.milli = cap;
            b.at = now;
        } else {
            // Keep the time not yet turned into tokens (no rounding loss).
            b.milli += gained;
            b.at += gained * window_ms / cap;
        }
        if b.milli < 1000 {
            let missing = 1000 - b.milli;
            let ms = (missing * window_ms + cap - 1) / cap;
            return Err(RetryAfter(u64::try_from((ms + 999) / 1000).unwrap_or(1).max(1)));
        }
        if take {
            b.milli -= 1000;
        }
        Ok(())
    }
}

impl App {
    fn window_ms(&self) -> i64 {
        i64::try_from(self.config.rate_limit.window_seconds).unwrap_or(60).saturating_mul(1000)
    }

    /// Counts one request to a public enterprise-code endpoint against the
    /// client's IP and the code's token (both must have room).
    pub fn limit_code_request(&self, ip: &str, token: &str) -> Result<(), RetryAfter> {
        let rl = &self.config.rate_limit;
        let now = self.now_ms();
        let w = self.window_ms();
        let ip_key = format!("code-ip:{ip}");
        let tok_key = format!("code-token:{}", token.chars().take(64).collect::<String>());
        // Check both before spending either, so one full bucket does not drain the other.
        self.rate_limiter.hit(&ip_key, rl.code_per_ip, w, now, false)?;
        self.rate_limiter.hit(&tok_key, rl.code_per_token, w, now, false)?;
        self.rate_limiter.hit(&ip_key, rl.code_per_ip, w, now, true)?;
        self.rate_limiter.hit(&tok_key, rl.code_per_token, w, now, true)
    }

    /// May this IP try to sign in now (fewer failures than the limit)?
    pub fn login_allowed(&self, ip: &str) -> Result<(), RetryAfter> {
        let rl = &self.config.rate_limit;
        self.rate_limiter.hit(
            &format!("login-ip:{ip}"),
            rl.login_failures_per_ip,
            self.window_ms(),
            self.now_ms(),
            false,
        )
    }

    /// Counts a failed sign-in against the IP.
    pub fn login_failed(&self, ip: &str) {
        let rl = &self.config.rate_limit;
        let _ = self.rate_limiter.hit(
            &format!("login-ip:{ip}"),
            rl.login_failures_per_ip,
            self.window_ms(),
            self.now_ms(),
            true,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_empties_then_refills_with_time() {
        let r = RateLimiter::default();
        for _ in 0..3 {
            assert!(r.hit("k", 3, 60_000, 0, true).is_ok());
        }
        assert_eq!(r.hit("k", 3, 60_000, 0, true), Err(RetryAfter(20)));
        // Another key is not affected.
        assert!(r.hit("other", 3, 60_000, 0, true).is_ok());
        // A third of the window gives one token back.
        assert!(r.hit("k", 3, 60_000, 19_999, false).is_err());
        assert!(r.hit("k", 3, 60_000, 20_000, true).is_ok());
        assert!(r.hit("k", 3, 60_000, 20_000, true).is_err());
        // A whole window refills to capacity, never beyond.
        for _ in 0..3 {
            assert!(r.hit("k", 3, 60_000, 500_000, true).is_ok());
        }
        assert!(r.hit("k", 3, 60_000, 500_000, true).is_err());
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let r = RateLimiter::default();
        for _ in 0..1000 {
            assert!(r.hit("k", 0, 60_000, 0, true).is_ok());
        }
    }
}
