//! The application, in four rooms stacked from the ground up, each importing only the rooms below it:
//! - `api`: the contract (DTOs, enums, validation, the error type, REST types). Plain Rust and serde: the
//!   extension compiles it alone, without any feature.
//! - `domain` (server only): the rules over their infrastructure.
//! - `rpc`: the `#[server]` functions and the context helper both ways in share.
//! - `ui`: the Leptos components, nested routes per role.
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod domain;
#[cfg(feature = "web")]
pub mod rpc;
#[cfg(feature = "web")]
pub mod ui;

#[cfg(feature = "web")]
pub use ui::{shell, App};
