//! 统一社会信用代码 (unified social credit code), GB 32100-2015.
//!
//! 18 characters from a 31-character alphabet (digits and upper-case letters
//! without I, O, Z, S, V). Character 18 is a check character: with the
//! values of the first 17 characters `c_i` and the weights `W_i = 3^(i-1)
//! mod 31`, `check = 31 - (Σ c_i·W_i mod 31)`, where 31 becomes 0.

use crate::error::FieldError;
use serde::{Serialize, Serializer};
use std::fmt;

/// The code alphabet in value order.
pub const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// A credit code whose length, alphabet, division digits and check character
/// have been verified.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode(String);

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Computes the GB 32100-2015 check character for the first 17 characters.
/// Returns `None` when one of them is outside the alphabet.
pub fn check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (b, w) in bytes.iter().zip(WEIGHTS) {
        sum += value_of(*b)? * w;
    }
    let check = (31 - sum % 31) % 31;
    ALPHABET.get(check as usize).map(|&c| c as char)
}

/// Computes the GB 11714 check character of a 9-character organisation code
/// body (its first 8 characters), used to generate realistic codes.
pub fn org_check_char(first8: &str) -> Option<char> {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let bytes = first8.as_bytes();
    if bytes.len() != 8 {
        return None;
    }
    let mut sum = 0u32;
    for (b, w) in bytes.iter().zip(W) {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return None,
        };
        sum += v * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10)?,
    })
}

impl CreditCode {
    /// Parses user input (surrounding spaces ignored, letters upper-cased).
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        const FIELD: &str = "credit_code";
        let s = input.trim().to_ascii_uppercase();
        let n = s.chars().count();
        if n != 18 {
            return Err(FieldError::new(
                FIELD,
                format!(
                    "统一社会信用代码应为18位，实际为{n}位 (a unified social credit code has 18 characters, got {n})"
                ),
            ));
        }
        if let Some((i, c)) = s.char_indices().find(|(_, c)| !c.is_ascii() || value_of(*c as u8).is_none()) {
            return Err(FieldError::new(
                FIELD,
                format!(
                    "第{}位字符“{c}”不允许 (character {} '{c}' is not allowed; I, O, Z, S, V are never used)",
                    i + 1,
                    i + 1
                ),
            ));
        }
        if !s[2..8].bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(
                FIELD,
                "第3至8位应为行政区划代码数字 (characters 3–8 must be the digits of an administrative division code)",
            ));
        }
        let expected = check_char(&s[..17]).ok_or_else(|| FieldError::new(FIELD, "invalid characters"))?;
        let got = s.as_bytes()[17] as char;
        if expected != got {
            return Err(FieldError::new(
                FIELD,
                format!("校验码错误：第18位应为“{expected}”，实际为“{got}” (check character is wrong: expected '{expected}', got '{got}')"),
            ));
        }
        Ok(Self(s))
    }

    /// Builds a valid code from its first 17 characters (for generators).
    pub fn complete(first17: &str) -> Result<Self, FieldError> {
        let c = check_char(first17).ok_or_else(|| FieldError::new("credit_code", "invalid first 17 characters"))?;
        Self::parse(&format!("{first17}{c}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 6-digit administrative division code embedded in characters 3–8.
    pub fn division_code(&self) -> &str {
        &self.0[2..8]
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for CreditCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_published_codes() {
        // Codes printed on public business licences.
        for code in ["91110108551385082Q", "9144030071526726XG"] {
            assert!(CreditCode::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn lower_case_and_spaces_are_normalised() {
        assert_eq!(CreditCode::parse(" 91110108551385082q ").unwrap().as_str(), "91110108551385082Q");
    }

    #[test]
    fn a_wrong_check_character_is_refused_naming_the_field_and_the_expected_character() {
        let e = CreditCode::parse("91110108551385082A").unwrap_err();
        assert_eq!(e.field, "credit_code");
        assert!(e.message.contains("expected 'Q'"), "{}", e.message);
    }

    #[test]
    fn wrong_length_and_forbidden_letters_are_refused() {
        assert!(CreditCode::parse("9111010855138508").unwrap_err().message.contains("16"));
        let e = CreditCode::parse("91110108551385O82Q").unwrap_err();
        assert!(e.message.contains("character 15"), "{}", e.message);
        assert!(CreditCode::parse("91AB0108551385082Q").unwrap_err().message.contains("3–8"));
    }

    #[test]
    fn org_check_matches_a_known_organisation_code() {
        // 55138508-2 is the organisation code inside 91110108551385082Q.
        assert_eq!(org_check_char("55138508"), Some('2'));
    }

    proptest! {
        #[test]
        fn completing_any_body_yields_a_valid_code_and_any_other_check_fails(
            body in "[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{9}",
            other in 0usize..31,
        ) {
            let code = CreditCode::complete(&body).unwrap();
            let good = code.as_str().as_bytes()[17];
            let bad = ALPHABET[other];
            if bad != good {
                let s = format!("{body}{}", bad as char);
                prop_assert!(CreditCode::parse(&s).is_err());
            }
        }
    }
}
