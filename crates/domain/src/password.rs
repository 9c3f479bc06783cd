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
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self { min_length: 8, require_letter: true, require_digit: false }
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
        let p = PasswordPolicy { min_length: 10, require_letter: true, require_digit: true };
        assert!(p.check("short1a").unwrap_err().message.contains("10"));
        assert!(p.check("1234567890").unwrap_err().message.contains("letter"));
        assert!(p.check("abcdefghij").unwrap_err().message.contains("digit"));
        assert!(p.check("abcdefghi1").is_ok());
    }
}
