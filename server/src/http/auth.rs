//! REST `/api/v1/auth/*` and `/api/v1/me`: tokens for the extension and integrations.

use app::{
    api::CurrentUser,
    domain::{
        accounts,
        signins::{self, LoginOutcome},
    },
    rpc::AppState,
};
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};

use super::{
    error::ApiResult,
    extract::{ApiJson, Caller, Meta},
};
use app::api::rest::{
    ApiProblem, LoginCodeRequest, LoginRequest, MfaChallenge, RefreshRequest, TokenResponse,
};

fn client_name(given: &str) -> &str {
    if given.trim().is_empty() {
        "API client"
    } else {
        given.trim()
    }
}

/// Sign in: a short-lived access token and a refresh token; or, for an account with two-step sign-in, a challenge
/// to send with the code to `/api/v1/auth/login/code`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 202, description = "The password was right and the account uses two-step sign-in: send a code \
            with this challenge to /api/v1/auth/login/code", body = MfaChallenge),
        (status = 401, description = "Wrong email or password (or a deactivated account)", body = ApiProblem),
        (status = 403, description = "The account's role requires two-step sign-in and it is not set up yet \
            (set it up in the dashboard)", body = ApiProblem),
        (status = 415, description = "Not JSON", body = ApiProblem),
        (status = 422, description = "Missing or invalid fields", body = ApiProblem),
        (status = 429, description = "Too many attempts", body = ApiProblem),
    ))]
pub async fn login(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let outcome = signins::login(
        &state.db,
        &state.auth,
        &state.tokens,
        &body.email,
        &body.password,
        client_name(&body.client_name),
        &meta,
    )
    .await?;
    Ok(match outcome {
        LoginOutcome::Tokens(tokens) => Json(*tokens).into_response(),
        LoginOutcome::Code(challenge) => (StatusCode::ACCEPTED, Json(challenge)).into_response(),
    })
}

/// The second step of signing in: the login's challenge and a code from the authenticator app (or a recovery
/// code). A code is good once; wrong codes count toward the account's login throttle.
#[utoipa::path(post, path = "/api/v1/auth/login/code", tag = "auth", request_body = LoginCodeRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Unknown or expired challenge: sign in again", body = ApiProblem),
        (status = 415, description = "Not JSON", body = ApiProblem),
        (status = 422, description = "Missing, malformed, wrong or already used code (field `code`)", body = ApiProblem),
        (status = 429, description = "Too many attempts", body = ApiProblem),
    ))]
pub async fn login_code(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<LoginCodeRequest>,
) -> ApiResult<Json<TokenResponse>> {
    Ok(Json(
        signins::login_code(
            &state.db,
            &state.auth,
            &state.tokens,
            &body.challenge,
            &body.code,
            client_name(&body.client_name),
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
