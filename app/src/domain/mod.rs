//! Server-only business rules. Plain async functions taking the acting user and a connection; no HTTP here.
//! The rules (this folder) stand on `entities` (the data model) and `infra` (storage, queue, events, sessions,
//! limits, passwords, tokens), which never import a rule. A rule that changes something publishes its own live
//! events after its transaction commits.

// The rules, over the infrastructure below them.
pub mod access;
pub mod accounts;
pub mod activity;
pub mod addresses;
pub mod analytics;
pub mod assignments;
pub mod audit;
pub mod background;
pub mod clients;
pub mod devices;
pub mod distribution;
pub mod integrations;
pub mod jobs;
pub mod mfa;
pub mod notifications;
pub mod policy;
pub mod preferences;
pub mod push;
pub mod questions;
pub mod quotas;
pub mod recovery;
pub mod resumes;
pub mod schedule;
pub mod settings;
pub mod setup;
pub mod signins;
pub mod users;
pub mod work;

// What the rules stand on: the data model and the infrastructure.
pub mod entities;
pub mod infra;

pub use infra::transactions::{
    begin_write, commit, conflict, is_conflict, retrying, unavailable, WriteTxn, CONFLICT_ATTEMPTS,
    CONFLICT_RETRY_AFTER_SECS, RETRY_AFTER_SECS,
};

/// Who is acting: every service that changes or reveals data takes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: uuid::Uuid,
    pub role: crate::api::Role,
}

impl Actor {
    /// The signed-in user acting.
    pub fn of(user: &entities::users::Model) -> Actor {
        Actor {
            user_id: user.id,
            role: user.role,
        }
    }
}

/// Where a request came from, for the activity log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The clock, to the microsecond: what PostgreSQL keeps, so a value written is the value read back.
pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}
