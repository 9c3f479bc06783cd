//! Parsing a time-limit policy (办理时限) from what an admin entered.

use super::state::TimeLimits;
use crate::error::FieldError;

impl TimeLimits {
    /// The largest sign, reply or close limit a city may set, in working days.
    pub const MAX_DAYS: u32 = 60;
    /// The largest auto-close period, in working days.
    pub const MAX_AUTO_CLOSE_DAYS: u32 = 30;

    /// The one constructor from input: 1 ≤ sign ≤ reply ≤ close ≤
    /// [`TimeLimits::MAX_DAYS`] and auto-close 1..=[`TimeLimits::MAX_AUTO_CLOSE_DAYS`]
    /// working days; the error names the field to correct.
    pub fn parse(sign_days: i64, reply_days: i64, close_days: i64, auto_close_days: i64) -> Result<Self, FieldError> {
        let days = |field: &str, v: i64, max: u32| -> Result<u32, FieldError> {
            match u32::try_from(v) {
                Ok(d) if (1..=max).contains(&d) => Ok(d),
                _ => Err(FieldError::new(
                    field,
                    format!("{field} 须为 1 至 {max} 个工作日 ({field} must be 1 to {max} working days, got {v})"),
                )),
            }
        };
        let limits = TimeLimits {
            sign_days: days("sign_days", sign_days, Self::MAX_DAYS)?,
            reply_days: days("reply_days", reply_days, Self::MAX_DAYS)?,
            close_days: days("close_days", close_days, Self::MAX_DAYS)?,
            auto_close_days: days("auto_close_days", auto_close_days, Self::MAX_AUTO_CLOSE_DAYS)?,
        };
        if limits.reply_days < limits.sign_days {
            return Err(FieldError::new(
                "reply_days",
                format!("答复时限不能短于签收时限 (reply_days {reply_days} must be at least sign_days {sign_days})"),
            ));
        }
        if limits.close_days < limits.reply_days {
            return Err(FieldError::new(
                "close_days",
                format!("办结时限不能短于答复时限 (close_days {close_days} must be at least reply_days {reply_days})"),
            ));
        }
        Ok(limits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(s: i64, r: i64, c: i64, a: i64) -> Option<String> {
        TimeLimits::parse(s, r, c, a).err().map(|e| e.field)
    }

    #[test]
    fn the_bounds_hold_at_their_edges() {
        let max = i64::from(TimeLimits::MAX_DAYS);
        let auto = i64::from(TimeLimits::MAX_AUTO_CLOSE_DAYS);
        assert_eq!(TimeLimits::parse(1, 3, 5, 5), Ok(TimeLimits::default()));
        assert_eq!(field(1, 1, 1, 1), None);
        assert_eq!(field(max, max, max, auto), None);
        assert_eq!(field(0, 3, 5, 5).as_deref(), Some("sign_days"));
        assert_eq!(field(max + 1, max + 1, max + 1, 5).as_deref(), Some("sign_days"));
        assert_eq!(field(1, max + 1, max + 1, 5).as_deref(), Some("reply_days"));
        assert_eq!(field(1, 3, max + 1, 5).as_deref(), Some("close_days"));
        assert_eq!(field(1, 3, 5, 0).as_deref(), Some("auto_close_days"));
        assert_eq!(field(1, 3, 5, auto + 1).as_deref(), Some("auto_close_days"));
        assert_eq!(field(i64::MIN, 3, 5, 5).as_deref(), Some("sign_days"));
        assert_eq!(field(1, 3, 5, i64::MAX).as_deref(), Some("auto_close_days"));
    }

    #[test]
    fn the_limits_are_ordered() {
        assert_eq!(field(2, 1, 5, 5).as_deref(), Some("reply_days"));
        assert_eq!(field(1, 3, 2, 5).as_deref(), Some("close_days"));
        assert_eq!(field(1, 6, 5, 5).as_deref(), Some("close_days"));
        assert_eq!(field(3, 3, 3, 1), None);
    }
}
