//! REST `/api/v1/notifications`: the caller's notifications.

use app::{domain::notifications, rpc::AppState};
use axum::{
    extract::{Path, State},
    Json,
};

use super::{
    error::ApiResult,
    extract::{uuid_of, ApiQuery, Caller},
};
use app::api::{
    notifications::Notifications,
    rest::{ApiProblem, Done},
};

/// Query of `GET /api/v1/notifications`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationsParams {
    /// Notifications per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next` of the page before; leave it out for the first page.
    pub cursor: Option<String>,
}

/// The caller's notifications, newest first a page at a time, and how many are unread.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "account", security(("bearer" = [])),
    params(NotificationsParams),
    responses((status = 200, body = Notifications), (status = 422, body = ApiProblem)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<NotificationsParams>,
) -> ApiResult<Json<Notifications>> {
    let limit = app::domain::infra::cursor::limit(p.limit, 50, 200)?;
    Ok(Json(
        notifications::list_page(&state.db, &caller.actor, p.cursor.as_deref(), limit).await?,
    ))
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
