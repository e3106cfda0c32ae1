//! REST `/api/v1/auth/*` and `/api/v1/me`: tokens for the extension and integrations.

use app::{
    api::CurrentUser,
    domain::{accounts, signins},
    rpc::AppState,
};
use axum::{extract::State, http::StatusCode, Json};

use super::{
    error::ApiResult,
    extract::{ApiJson, Caller, Meta},
};
use app::api::rest::{ApiProblem, LoginRequest, RefreshRequest, TokenResponse};

/// Sign in: a short-lived access token and a refresh token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong email or password (or a deactivated account)", body = ApiProblem),
        (status = 415, description = "Not JSON", body = ApiProblem),
        (status = 422, description = "Missing or invalid fields", body = ApiProblem),
        (status = 429, description = "Too many attempts", body = ApiProblem),
    ))]
pub async fn login(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let client_name = if body.client_name.trim().is_empty() {
        "API client"
    } else {
        body.client_name.trim()
    };
    Ok(Json(
        signins::login(
            &state.db,
            &state.auth,
            &state.tokens,
            &body.email,
            &body.password,
            client_name,
            &meta,
        )
        .await?,
    ))
}

/// Trade a refresh token for a new pair. A refresh token works once; presenting it again ends the sign-in.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token", body = ApiProblem),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<Json<TokenResponse>> {
    Ok(Json(
        signins::refresh(
            &state.db,
            &state.tokens,
            &state.auth,
            &body.refresh_token,
            &meta,
        )
        .await?,
    ))
}

/// Sign out: the refresh token's sign-in is revoked, with its access tokens.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "Signed out")))]
pub async fn logout(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<StatusCode> {
    signins::logout(&state.db, &body.refresh_token, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("bearer" = [])),
    responses(
        (status = 200, body = CurrentUser),
        (status = 401, description = "Missing, expired or revoked token", body = ApiProblem),
    ))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<CurrentUser>> {
    Ok(Json(
        accounts::current_user_view(&state.db, &caller.user).await?,
    ))
}
