//! Pure rules of zhuqi (助企): identifiers with rules, roles and scopes, the
//! clock seam. Nothing here performs I/O or reads the wall clock, so every
//! rule can be tested by table and property tests alone.

pub mod account;
pub mod calendar;
pub mod capability;
pub mod category;
pub mod city;
pub mod clock;
pub mod credit_code;
pub mod demand;
pub mod department;
pub mod enterprise;
pub mod error;
pub mod hot_issues;
pub mod metrics;
pub mod password;
pub mod phone;
pub mod region;
pub mod role;
pub mod secret;
pub mod visit;

pub use capability::{Capability, Relation};
pub use category::CategoryCode;
pub use clock::{Clock, FixedClock, OffsetClock, SystemClock};
pub use credit_code::CreditCode;
pub use error::FieldError;
pub use role::{Actor, Role, Scope};
pub use secret::{DatabaseUrl, Secret};
