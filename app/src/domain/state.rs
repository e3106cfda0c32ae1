//! Application state shared by the router, server functions and REST handlers.

use std::{sync::Arc, time::Duration};

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use super::throttle::ThrottleConfig;

/// Settings the domain needs from configuration.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// The site's own origin, e.g. `https://jobs.example.com`; server functions refuse other origins.
    pub public_origin: String,
    /// Sessions end after this long without a request.
    pub idle_timeout: Duration,
    /// Sessions end this long after login, however active.
    pub absolute_timeout: Duration,
    pub throttle: ThrottleConfig,
    /// Take the client IP from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_proxy: bool,
}

impl AuthConfig {
    pub fn https(&self) -> bool {
        self.public_origin.starts_with("https://")
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub auth: Arc<AuthConfig>,
    pub leptos_options: LeptosOptions,
    /// Uploaded files (resumes, later screenshots).
    pub storage: Arc<dyn super::storage::Storage>,
    /// Live updates for open pages.
    pub events: super::events::EventBus,
    /// Signs and checks the REST API's access tokens.
    pub tokens: Arc<super::tokens::TokenKeys>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
