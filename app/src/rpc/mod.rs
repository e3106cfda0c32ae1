//! The `#[server]` functions, one file per area. Each is thin: [`actor`] (or [`context`]) for who is asking, one
//! domain call, and [`run`] to give its error the right HTTP status. The rules and their effects (audit, live
//! events, mail) live in `domain`.

pub mod account;
pub mod activity;
pub mod analytics;
pub mod assignments;
pub mod auth;
pub mod clients;
pub mod codec;
mod error;
pub mod integrations;
pub mod jobs;
pub mod mfa;
pub mod notifications;
pub mod push;
pub mod questions;
pub mod queue;
pub mod resumes;
pub mod users;
pub mod work;

#[cfg(feature = "ssr")]
mod context;
#[cfg(feature = "ssr")]
pub use context::*;
