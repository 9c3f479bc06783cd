//! The one validation error of the domain: which field, and what is wrong.

/// A value that failed its rule. `field` names the input field (as the API and
/// forms spell it) so the error can be shown next to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}
