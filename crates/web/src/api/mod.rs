//! The JSON API, `/api/v1`. Lists answer `{"items": [...], "total": N,
//! "page": P, "per_page": K}`; errors answer the envelope of
//! [`crate::error`]. Authentication: `Authorization: Bearer <token>` from
//! `POST /api/v1/auth/login`, or the session cookie.

pub mod attachments;
pub mod auth;
pub mod catalogue;
pub mod demands;
pub mod directory;
pub mod enterprise_code;
pub mod hot_issues;
pub mod metrics;
pub mod org;
pub mod users;
pub mod visits;
