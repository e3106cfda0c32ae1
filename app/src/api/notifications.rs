//! In-app notifications: the bell's unread count, the list, mark read.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NotificationView {
    pub id: Uuid,
    /// `job_assigned`, `job_completed`, `job_failed`, `client_activated`, ...
    pub kind: String,
    pub title: String,
    pub message: String,
    pub is_read: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Where the notification leads, if anywhere.
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Notifications {
    pub unread: u64,
    /// The newest first (20 on the dashboard; `limit` of the REST API).
    pub items: Vec<NotificationView>,
    /// The REST API's cursor of the next page, when there are more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}
