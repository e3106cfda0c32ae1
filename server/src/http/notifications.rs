//! REST `/api/v1/notifications`: the caller's notifications.

use app::{domain::notifications, rpc::AppState};
use axum::{
    extract::{Path, State},
    Json,
};

use super::{
    error::ApiResult,
    extract::{uuid_of, Caller},
};
use app::api::{
    notifications::Notifications,
    rest::{ApiProblem, Done},
};

/// The caller's notifications (newest 20) and unread count.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = Notifications)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Notifications>> {
    Ok(Json(notifications::list(&state.db, &caller.actor).await?))
}

/// Mark one of the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "account", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Notification id")),
    responses((status = 200, body = Done), (status = 403, body = ApiProblem), (status = 404, body = ApiProblem)))]
pub async fn read_notification(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Done>> {
    let id = uuid_of(&id, "notification")?;
    notifications::mark_read(&state.db, &state.events, &caller.actor, id, &caller.meta).await?;
    Ok(Json(Done { ok: true }))
}

/// Mark all of the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = Done)))]
pub async fn read_all_notifications(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Done>> {
    notifications::mark_all_read(&state.db, &state.events, &caller.actor).await?;
    Ok(Json(Done { ok: true }))
}
