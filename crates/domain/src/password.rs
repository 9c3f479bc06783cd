//! Password rules, configurable by the city (minimum length and character
//! classes). Hashing lives in the application layer.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};

/// The configurable password policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub require_letter: bool,
    pub require_digit: bool,
    /// Refuse passwords everyone tries first: the common ones, one character
    /// repeated, a run of the alphabet, of digits or of a keyboard row.
    pub refuse_common: bool,
}

/// Passwords tried first by anyone guessing (lower case; the ones at least
/// 8 characters long matter, shorter ones fail the length rule anyway).
const COMMON: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "iloveyou",
    "iloveyou1",
    "woaini1314",
    "woaini520",
    "5201314a",
    "a5201314",
    "abc12345",
    "abc123456",
    "abcd1234",
    "a1234567",
    "a12345678",
    "a123456789",
    "aa123456",
    "aa12345678",
    "qq123456",
    "admin123",
    "admin1234",
    "admin888",
    "administrator",
    "root1234",
    "test1234",
    "welcome1",
    "letmein1",
    "changeme",
    "sunshine",
    "football",
    "baseball",
    "superman",
    "trustno1",
    "1qaz2wsx",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "qazwsx123",
    "qwe12345",
    "qwer1234",
    "qwerty12",
    "qwerty123",
    "zxc12345",
    "asd12345",
    "wang1234",
    "zhang123",
    "li123456",
    "zhuqi123",
    "zhuqi2026",
];

/// Keyboard rows and the alphabet, forwards; a password that is a run of
/// one of them (either way) is refused.
const RUNS: &[&str] = &["abcdefghijklmnopqrstuvwxyz", "01234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"];

/// Whether `password` is one everyone tries first.
pub fn is_common(password: &str) -> bool {
    let p = password.to_lowercase();
    if COMMON.contains(&p.as_str()) {
        return true;
    }
    let mut chars = p.chars();
    if let Some(first) = chars.next() {
        if chars.all(|c| c == first) {
            return true;
        }
    }
    let reversed: String = p.chars().rev().collect();
    RUNS.iter().any(|run| run.contains(p.as_str()) || run.contains(reversed.as_str()))
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self { min_length: 8, require_letter: true, require_digit: false, refuse_common: true }
    }
}

impl PasswordPolicy {
    pub fn check(&self, password: &str) -> Result<(), FieldError> {
        let n = password.chars().count();
        if n < self.min_length {
            return Err(FieldError::new(
                "password",
                format!("密码至少{}位 (a password needs at least {} characters)", self.min_length, self.min_length),
            ));
        }
        if n > 128 {
            return Err(FieldError::new("password", "密码最多128位 (at most 128 characters)"));
        }
        if self.require_letter && !password.chars().any(char::is_alphabetic) {
            return Err(FieldError::new("password", "密码须包含字母 (a password needs a letter)"));
        }
        if self.require_digit && !password.chars().any(|c| c.is_ascii_digit()) {
            return Err(FieldError::new("password", "密码须包含数字 (a password needs a digit)"));
        }
        if self.refuse_common && is_common(password) {
            return Err(FieldError::new(
                "password",
                "密码过于常见，容易被猜中，请换一个 (this password is too common and easily guessed: choose another)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_accepts_the_demo_password() {
        assert!(PasswordPolicy::default().check("zhuqi-demo").is_ok());
    }

    #[test]
    fn each_rule_is_enforced() {
        let p = PasswordPolicy { min_length: 10, require_letter: true, require_digit: true, refuse_common: true };
        assert!(p.check("short1a").unwrap_err().message.contains("10"));
        assert!(p.check("1234567890").unwrap_err().message.contains("letter"));
        assert!(p.check("abcdefghij").unwrap_err().message.contains("digit"));
        assert!(p.check("abcdefghi1").is_ok());
    }

    #[test]
    fn common_passwords_are_refused_and_ordinary_ones_pass() {
        let p = PasswordPolicy::default();
        for weak in [
            "password",
            "Password",
            "PASSWORD1",
            "aaaaaaaa",
            "zzzzzzzzzzzz",
            "abcdefgh",
            "hgfedcba",
            "qwertyui",
            "asdfghjkl",
            "12345678",
            "87654321",
            "iloveyou",
            "woaini1314",
            "1qaz2wsx",
            "11111111",
        ] {
            assert!(is_common(weak), "{weak:?} is common");
            assert!(p.check(weak).is_err(), "{weak:?} must be refused");
        }
        assert!(p.check("password").unwrap_err().message.contains("too common"));
        for fine in ["zhuqi-demo", "secret-pass1", "e2e-bind-pass", "丽水助企2026", "correct horse battery"] {
            assert!(!is_common(fine), "{fine:?}");
            assert!(p.check(fine).is_ok(), "{fine:?}");
        }
        let lax = PasswordPolicy { refuse_common: false, ..PasswordPolicy::default() };
        assert!(lax.check("password").is_ok(), "the city may turn the rule off");
    }
}
