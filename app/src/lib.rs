//! The application: the typed API contract (`api`), the server-only domain (`domain`) and the UI (`ui`).
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod domain;
pub mod ui;

pub use ui::{shell, App};
