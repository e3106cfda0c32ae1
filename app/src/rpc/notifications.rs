//! Server functions: notifications.

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{notifications::*, *};

/// The caller's notifications.
#[server(prefix = "/rpc", endpoint = "notifications", output = crate::rpc::codec::JsonOut)]
pub async fn get_notifications() -> Result<Notifications, AppError> {
    super::run(async {
        let (state, actor, _) = super::actor().await?;
        crate::domain::notifications::list(&state.db, &actor).await
    })
    .await
}

/// Mark one of the caller's notifications read.
#[server(prefix = "/rpc", endpoint = "notifications/read", output = crate::rpc::codec::JsonOut)]
pub async fn mark_read(id: Uuid) -> Result<(), AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::notifications::mark_read(&state.db, &state.events, &actor, id, &meta).await
    })
    .await
}

/// Mark all of the caller's notifications read.
#[server(prefix = "/rpc", endpoint = "notifications/read_all", output = crate::rpc::codec::JsonOut)]
pub async fn mark_all_read() -> Result<(), AppError> {
    super::run(async {
        let (state, actor, _) = super::actor().await?;
        crate::domain::notifications::mark_all_read(&state.db, &state.events, &actor).await
    })
    .await
}
