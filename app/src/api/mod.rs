//! The contract, the ground floor: DTOs, enums, validation rules, the error type and the REST types, shared by the
//! server, the browser and the extension. No database types, no domain, no Leptos: the extension compiles it alone.

pub mod account;
pub mod activity;
pub mod analytics;
pub mod assignments;
pub mod error;
pub mod integrations;
pub mod jobs;
pub mod notifications;
pub mod push;
pub mod questions;
pub mod queue;
pub mod rest;
pub mod resumes;
pub mod types;
pub mod validate;
pub mod work;

pub use error::{AppError, FieldError};
pub use types::{
    ClientSummary, CurrentUser, CursorPage, Page, PaymentStatus, Role, UserQuery, UserSummary,
};

/// URL prefix of every server function. Kept apart from `/api/v1` (REST) so each has its own middleware.
pub const RPC_PREFIX: &str = "/rpc";
