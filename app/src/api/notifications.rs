//! In-app notifications: the bell's unread count, the list, mark read.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AppError;

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

/// The caller's notifications.
#[server(prefix = "/rpc", endpoint = "notifications")]
pub async fn get_notifications() -> Result<Notifications, AppError> {
    super::auth::ssr::run(async {
        let (state, actor, _) = super::auth::ssr_actor().await?;
        crate::domain::notifications::list(&state.db, &actor).await
    })
    .await
}

/// Mark one of the caller's notifications read.
#[server(prefix = "/rpc", endpoint = "notifications/read")]
pub async fn mark_read(id: Uuid) -> Result<(), AppError> {
    super::auth::ssr::run(async {
        let (state, actor, meta) = super::auth::ssr_actor().await?;
        crate::domain::notifications::mark_read(&state.db, &actor, id, &meta).await
    })
    .await
}

/// Mark all of the caller's notifications read.
#[server(prefix = "/rpc", endpoint = "notifications/read_all")]
pub async fn mark_all_read() -> Result<(), AppError> {
    super::auth::ssr::run(async {
        let (state, actor, _) = super::auth::ssr_actor().await?;
        crate::domain::notifications::mark_all_read(&state.db, &actor).await
    })
    .await
}
