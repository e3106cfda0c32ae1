//! The REST API v1 at `/api/v1`, for the Chrome extension (and anyone with an account): bearer tokens instead of the
//! session cookie, JSON in and out, the same domain services and rules as the dashboard. Errors are `ApiProblem`
//! JSON with field details; other content types get 415; every address is rate limited.

use std::sync::Arc;

use app::{api::rest::API_PREFIX, rpc::AppState};
use axum::{
    extract::DefaultBodyLimit,
    http::{header, HeaderValue, Method, StatusCode},
    middleware,
    routing::{delete, get, post},
    Router,
};

use super::{
    auth,
    error::ApiFail,
    files, idempotency, jobs,
    limits::{self, Limits},
    manage, notifications, openapi, resumes, work,
};

/// Limits and origins of the REST API.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// Requests per minute per client address, all endpoints.
    pub rate_per_minute: u32,
    /// Sign-in and refresh attempts per minute per client address (on top of the per-account login throttle).
    pub auth_rate_per_minute: u32,
    /// Origins allowed by CORS (the extension's, e.g. `chrome-extension://<id>`); none by default.
    pub cors_origins: Vec<String>,
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings {
            rate_per_minute: 600,
            auth_rate_per_minute: 30,
            cors_origins: Vec::new(),
        }
    }
}

/// JSON bodies are small; the completion upload has its own limit.
const JSON_BODY_LIMIT: usize = 64 * 1024;

async fn not_found() -> ApiFail {
    ApiFail::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "No such endpoint in API v1; see /api/v1/docs.",
    )
}

async fn method_not_allowed() -> ApiFail {
    ApiFail::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This endpoint does not take this method; see /api/v1/docs for the ones it takes.",
    )
}

/// `/api/v1`: the endpoints, the OpenAPI document and its docs page, rate limits, CORS for the extension.
pub fn routes(state: &AppState, settings: &ApiSettings) -> Router<AppState> {
    let limits = Arc::new(Limits::new(
        settings.rate_per_minute,
        settings.auth_rate_per_minute,
        state.auth.rates.shared.clone(),
    ));
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/login/code", post(auth::login_code))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route(
            "/resume-types",
            get(jobs::resume_types)
                .post(resumes::upload)
                .layer(DefaultBodyLimit::max(files::UPLOAD_BODY_LIMIT)),
        )
        .route("/jobs", post(jobs::delegate).get(jobs::my_jobs))
        .route("/jobs/lookup", get(jobs::lookup))
        .route("/jobs/{id}", get(jobs::job))
        .route("/jobs/{id}/timeline", get(jobs::timeline))
        .route("/jobs/{id}/cancel", post(jobs::cancel))
        .route("/jobs/{id}/reassign", post(jobs::reassign))
        .route("/queue", get(work::queue))
        .route("/jobs/{id}/start", post(work::start))
        .route("/jobs/{id}/questions", post(work::ask))
        .route("/jobs/{id}/application", get(work::application))
        .route("/jobs/{id}/resume", get(work::application_resume))
        .route(
            "/jobs/{id}/complete",
            post(work::complete).layer(DefaultBodyLimit::max(files::COMPLETE_BODY_LIMIT)),
        )
        .route("/notifications", get(notifications::list_notifications))
        .route("/resumes", get(resumes::get_resumes))
        .route("/resumes/profile", post(resumes::save_profile))
        .route("/resume-types/{id}", delete(resumes::delete))
        .route("/resume-types/{id}/file", get(resumes::download))
        .route("/jobs/{id}/proof", get(resumes::proof))
        .route("/clients", get(manage::list_clients))
        .route("/clients/{id}/activation", post(manage::set_activation))
        .route("/users", get(manage::list_users))
        .route(
            "/assignments",
            get(manage::list_assignments).post(manage::assign),
        )
        .route("/assignments/end", post(manage::unassign))
        .route("/analytics/client", get(manage::client_analytics))
        .route("/analytics/employee", get(manage::employee_analytics))
        .route("/analytics/admin", get(manage::admin_analytics))
        .route(
            "/notifications/read-all",
            post(notifications::read_all_notifications),
        )
        .route(
            "/notifications/{id}/read",
            post(notifications::read_notification),
        )
        .route("/openapi.json", get(openapi::document))
        .route("/docs", get(openapi::docs_page))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::idempotent,
        ))
        .layer(middleware::from_fn_with_state(
            (state.clone(), limits),
            limits::rate_limit,
        ));
    let api = match cors(&settings.cors_origins) {
        Some(layer) => api.layer(layer),
        None => api,
    };
    Router::new().nest(API_PREFIX, api)
}

/// CORS for the configured origins only: GET and POST with a bearer token and JSON.
fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    let list: Vec<HeaderValue> = origins
        .iter()
        .map(|o| o.trim().trim_end_matches('/'))
        .filter(|o| !o.is_empty())
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    if list.is_empty() {
        return None;
    }
    Some(
        tower_http::cors::CorsLayer::new()
            .allow_origin(tower_http::cors::AllowOrigin::list(list))
            .allow_methods([Method::GET, Method::POST, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::HeaderName::from_static(idempotency::HEADER),
            ])
            .max_age(std::time::Duration::from_secs(3600)),
    )
}
