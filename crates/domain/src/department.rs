//! Departments (涉企部门): the rules of their names and codes.

use crate::FieldError;

/// The longest department name accepted (characters).
pub const MAX_NAME: usize = 60;
/// The longest short name (简称) accepted (characters).
pub const MAX_SHORT_NAME: usize = 20;

/// A department's name, trimmed: 1 to [`MAX_NAME`] characters.
pub fn department_name(name: &str) -> Result<String, FieldError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > MAX_NAME {
        return Err(FieldError::new(
            "name",
            format!("部门名称不能为空且不超过{MAX_NAME}字 (name is required, at most {MAX_NAME} characters)"),
        ));
    }
    Ok(n.to_string())
}

/// A short name (简称), trimmed; may be empty.
pub fn short_name(s: &str) -> Result<String, FieldError> {
    let n = s.trim();
    if n.chars().count() > MAX_SHORT_NAME {
        return Err(FieldError::new(
            "short_name",
            format!("简称不超过{MAX_SHORT_NAME}字 (a short name has at most {MAX_SHORT_NAME} characters)"),
        ));
    }
    Ok(n.to_string())
}

/// The parent unit (派出单位上级), trimmed; may be empty.
pub fn parent_unit(s: &str) -> Result<String, FieldError> {
    let n = s.trim();
    if n.chars().count() > MAX_NAME {
        return Err(FieldError::new("parent_unit", format!("不超过{MAX_NAME}字 (at most {MAX_NAME} characters)")));
    }
    Ok(n.to_string())
}

/// A department code as imports and the demo use them (`transport`,
/// `health`): 2 to 32 lowercase ASCII letters, digits, `_` or `-`,
/// starting with a letter.
pub fn department_code(code: &str) -> Result<String, FieldError> {
    let c = code.trim();
    let ok = (2..=32).contains(&c.len())
        && c.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && c.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-'));
    if !ok {
        return Err(FieldError::new(
            "code",
            format!(
                "部门代码应为2-32位小写字母、数字、_或-，以字母开头（如transport），实际为“{c}”；可留空自动生成 \
                 (a department code is 2-32 lowercase letters, digits, _ or -, starting with a letter, e.g. transport, \
                 got '{c}'; leave it empty to generate one)"
            ),
        ));
    }
    Ok(c.to_string())
}

/// The `n`-th generated department code: `dept-001`, `dept-002`, …
pub fn generated_code(n: u32) -> String {
    format!("dept-{n:03}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_short_names_are_trimmed_and_bounded() {
        assert_eq!(department_name(" 丽水市数据局 "), Ok("丽水市数据局".into()));
        assert_eq!(department_name("").unwrap_err().field, "name");
        assert!(department_name(&"局".repeat(MAX_NAME + 1)).is_err());
        assert_eq!(short_name(""), Ok(String::new()));
        assert_eq!(short_name(" 数据局 "), Ok("数据局".into()));
        assert_eq!(short_name(&"局".repeat(MAX_SHORT_NAME + 1)).unwrap_err().field, "short_name");
    }

    #[test]
    fn codes_are_lowercase_words() {
        assert_eq!(department_code("transport"), Ok("transport".into()));
        assert!(department_code("data-bureau_2").is_ok());
        for bad in ["", "t", "Transport", "2data", "交通", "a b", &"a".repeat(33)] {
            assert_eq!(department_code(bad).unwrap_err().field, "code", "{bad}");
        }
        assert_eq!(generated_code(7), "dept-007");
        assert!(department_code(&generated_code(7)).is_ok());
    }
}
