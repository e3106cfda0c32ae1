//! The admins' activity log browser.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Filters; every one optional. Dates are `YYYY-MM-DD` (UTC), both ends included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityQuery {
    /// Part of the acting user's email.
    #[serde(default)]
    pub user: Option<String>,
    /// Exact action, e.g. `job.delegate`.
    #[serde(default)]
    pub action: Option<String>,
    /// Exact entity type, e.g. `job`.
    #[serde(default)]
    pub entity_type: Option<String>,
    #[serde(default)]
    pub entity_id: Option<Uuid>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub page: Option<u64>,
    #[serde(default)]
    pub per_page: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub id: Uuid,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_email: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<Uuid>,
    /// The recorded data, as JSON text.
    pub data: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
