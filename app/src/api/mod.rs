//! The contract shared by the browser, the server and (later) the extension: DTOs, enums, validation rules, the
//! error type and the `#[server]` functions. No database types here.

pub mod activity;
pub mod analytics;
pub mod assignments;
pub mod auth;
pub mod clients;
pub mod error;
pub mod jobs;
pub mod notifications;
pub mod queue;
pub mod rest;
pub mod resumes;
pub mod types;
pub mod users;
pub mod validate;
pub mod work;

pub use error::{AppError, FieldError};
pub use types::{ClientSummary, CurrentUser, Page, PaymentStatus, Role, UserQuery, UserSummary};

/// URL prefix of every server function. Kept apart from `/api/v1` (REST) so each has its own middleware.
pub const RPC_PREFIX: &str = "/rpc";
