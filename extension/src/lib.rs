//! The Chrome extension: job-page extraction (shared by the content script and the tests), and (in the browser)
//! the popup, options page and API client.

pub mod extract;
pub mod fill;

#[cfg(target_arch = "wasm32")]
mod web;
#[cfg(target_arch = "wasm32")]
pub use web::*;
