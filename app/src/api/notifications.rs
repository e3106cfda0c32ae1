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
    /// The newest first (at most 20).
    pub items: Vec<NotificationView>,
}
