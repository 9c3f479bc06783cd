//! Phone numbers: mainland mobile (11 digits starting 1[3-9]) or a landline
//! with area code. Masked in lists for roles that do not need them.

use crate::error::FieldError;

/// A phone number in canonical form (digits, one hyphen for landlines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(field: &str, input: &str) -> Result<Self, FieldError> {
        let s: String = input.trim().chars().filter(|c| !c.is_whitespace()).collect();
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        let only_digits_and_hyphen = s.chars().all(|c| c.is_ascii_digit() || c == '-');
        if !only_digits_and_hyphen {
            return Err(FieldError::new(
                field,
                format!("电话号码只能包含数字和“-” (a phone number has digits and '-' only, got '{s}')"),
            ));
        }
        let mobile = digits.len() == 11 && digits.starts_with('1') && matches!(digits.as_bytes()[1], b'3'..=b'9');
        let landline = digits.starts_with('0') && (10..=12).contains(&digits.len());
        if mobile {
            Ok(Self(digits))
        } else if landline {
            Ok(Self(s))
        } else {
            Err(FieldError::new(
                field,
                format!("“{s}”不是有效的手机号或带区号的固定电话 (not a mainland mobile number or a landline with area code)"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Masks the middle of a phone number: `13812345678` → `138****5678`.
pub fn mask(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "****".into();
    }
    let keep_tail = 4;
    let keep_head = 3;
    let mut out: String = chars[..keep_head].iter().collect();
    out.push_str("****");
    out.extend(&chars[chars.len() - keep_tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_and_landlines_parse() {
        assert_eq!(Phone::parse("phone", "138 1234 5678").unwrap().as_str(), "13812345678");
        assert_eq!(Phone::parse("phone", "0578-2123456").unwrap().as_str(), "0578-2123456");
    }

    #[test]
    fn bad_numbers_name_the_field() {
        for bad in ["12345678901", "1381234567", "abc", "+86 13812345678"] {
            let e = Phone::parse("contact_phone", bad).unwrap_err();
            assert_eq!(e.field, "contact_phone", "{bad}");
        }
    }

    #[test]
    fn masking_keeps_head_and_tail() {
        assert_eq!(mask("13812345678"), "138****5678");
        assert_eq!(mask("0578-2123456"), "057****3456");
        assert_eq!(mask("123"), "****");
    }
}
