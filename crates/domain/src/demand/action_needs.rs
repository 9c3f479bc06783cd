//! What each [`Action`] needs from the person taking it: the input fields of
//! its form (named as the form and the API spell them), and whether it turns
//! the demand away or back (shown as a secondary, cautionary button).

use super::command::Action;

/// The kind of input a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One department.
    Department,
    /// Several departments.
    Departments,
    /// A line of text.
    Text,
    /// Several lines of text.
    Textarea,
    /// A positive whole number.
    Number,
    /// A [`Rating`](super::Rating).
    Rating,
}

impl FieldKind {
    /// The name templates switch on.
    pub const fn as_str(self) -> &'static str {
        match self {
            FieldKind::Department => "department",
            FieldKind::Departments => "departments",
            FieldKind::Text => "text",
            FieldKind::Textarea => "textarea",
            FieldKind::Number => "number",
            FieldKind::Rating => "rating",
        }
    }
}

/// One input of an action's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionField {
    /// The form / API field name.
    pub name: &'static str,
    pub kind: FieldKind,
    pub required: bool,
}

/// An [`ActionField`] literal (a literal, so `&[…]` of them is `'static`).
macro_rules! field {
    ($name:literal, $kind:ident, $required:literal) => {
        ActionField { name: $name, kind: FieldKind::$kind, required: $required }
    };
}

const REASON: &[ActionField] = &[field!("reason", Text, true)];

impl Action {
    /// The inputs the action takes, in form order (empty: a bare button).
    pub const fn fields(self) -> &'static [ActionField] {
        match self {
            Action::Dispatch => &[
                field!("department_id", Department, true),
                field!("assisting", Departments, false),
                field!("note", Text, false),
            ],
            Action::Transfer => &[field!("department_id", Department, true), field!("reason", Text, true)],
            Action::AddAssist => &[field!("departments", Departments, true)],
            Action::InterimReply | Action::AddInfo => &[field!("text", Textarea, true)],
            Action::Reply => &[field!("text", Textarea, true), field!("outcome_count", Number, false)],
            Action::Rate => &[field!("rating", Rating, true), field!("comment", Text, false)],
            Action::RequestExtension => &[field!("days", Number, true), field!("reason", Text, true)],
            Action::Supervise => &[field!("note", Text, true), field!("due_days", Number, true)],
            Action::Urge => &[field!("note", Text, false)],
            Action::MergeInto => &[field!("target", Number, true)],
            Action::Object
            | Action::ReturnReply
            | Action::RefuseExtension
            | Action::Suspend
            | Action::Withdraw
            | Action::Reject => REASON,
            Action::Sign
            | Action::ApproveReply
            | Action::ApproveExtension
            | Action::Resume
            | Action::AutoClose
            | Action::Escalate => &[],
        }
    }

    /// Turns the demand away or back (reject, withdraw, object, refuse an
    /// extension, return a reply): asks for care before it is taken.
    pub const fn is_destructive(self) -> bool {
        matches!(
            self,
            Action::Reject | Action::Withdraw | Action::Object | Action::RefuseExtension | Action::ReturnReply
        )
    }

    /// Taken by the system (the deadline sweeper), never offered as a button.
    pub const fn is_automatic(self) -> bool {
        matches!(self, Action::AutoClose | Action::Escalate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_actions_take_no_input_and_are_not_destructive() {
        for a in Action::ALL.into_iter().filter(|a| a.is_automatic()) {
            assert!(a.fields().is_empty() && !a.is_destructive(), "{a:?}");
        }
        assert_eq!(Action::ALL.iter().filter(|a| a.is_automatic()).count(), 2);
    }

    #[test]
    fn every_destructive_action_asks_a_reason() {
        for a in Action::ALL.into_iter().filter(|a| a.is_destructive()) {
            assert_eq!(a.fields(), REASON, "{a:?}");
        }
        assert_eq!(Action::ALL.iter().filter(|a| a.is_destructive()).count(), 5);
        assert!(!Action::Suspend.is_destructive(), "suspending keeps the demand in hand");
    }

    #[test]
    fn field_names_are_unique_within_a_form() {
        for a in Action::ALL {
            let f = a.fields();
            for (i, x) in f.iter().enumerate() {
                assert!(f[i + 1..].iter().all(|y| y.name != x.name), "{a:?}: {}", x.name);
            }
        }
        assert_eq!(Action::Reply.fields()[1], field!("outcome_count", Number, false));
    }
}
