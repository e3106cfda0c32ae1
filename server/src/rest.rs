//! The REST API v1 at `/api/v1`, for the Chrome extension (and anyone with an account): bearer tokens instead of the
//! session cookie, JSON in and out, the same domain services and rules as the dashboard. Errors are `ApiProblem`
//! JSON with field details; other content types get 415; every address is rate limited.

use std::{
    net::{IpAddr, SocketAddr},
    num::NonZeroU32,
    sync::Arc,
};

use app::{
    api::{
        auth::ssr::{meta_of, touch_job},
        jobs::{DelegateForm, JobQuery, JobStatus, JobSummary},
        notifications::Notifications,
        rest::{ApiProblem, Done, LoginRequest, RefreshRequest, TokenResponse, API_PREFIX},
        resumes::ResumeTypeView,
        AppError, CurrentUser, Page,
    },
    domain::{
        accounts, jobs, notifications, resumes, state::AppState, tokens, work, Actor, RequestMeta,
    },
};
use axum::{
    body::Bytes,
    extract::{
        ConnectInfo, DefaultBodyLimit, FromRequest, FromRequestParts, Multipart, Path, Query,
        Request, State,
    },
    http::{header, request::Parts, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::de::DeserializeOwned;
use uuid::Uuid;

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

// ---------------------------------------------------------------------------------------------------------------
// Errors

/// An error of the API: `ApiProblem` JSON with the error's status (and `WWW-Authenticate` / `Retry-After`).
pub struct ApiFail {
    status: StatusCode,
    problem: ApiProblem,
}

impl ApiFail {
    fn new(status: StatusCode, kind: &str, message: impl Into<String>) -> ApiFail {
        ApiFail {
            status,
            problem: ApiProblem::new(kind, message),
        }
    }
}

impl From<AppError> for ApiFail {
    fn from(e: AppError) -> Self {
        ApiFail {
            status: StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            problem: ApiProblem::from(&e),
        }
    }
}

impl IntoResponse for ApiFail {
    fn into_response(self) -> Response {
        let retry = self.problem.retry_after_secs;
        let mut res = (self.status, Json(self.problem)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"jobdelegate\""),
            );
        }
        if let Some(secs) = retry {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        res
    }
}

type ApiResult<T> = Result<T, ApiFail>;

// ---------------------------------------------------------------------------------------------------------------
// Extractors

/// A JSON body: 415 unless `Content-Type: application/json`; 422 with the field named when the shape is wrong.
pub struct ApiJson<T>(pub T);

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiFail;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiFail::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send a JSON body with Content-Type: application/json.",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiFail::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "bad_request",
                    "The request body is too large.",
                )
            } else {
                ApiFail::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "The request body could not be read.",
                )
            }
        })?;
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| json_error(&e))
    }
}

/// A serde error as a problem: a missing or mistyped field is named; broken JSON is a 400.
fn json_error(e: &serde_json::Error) -> ApiFail {
    use serde_json::error::Category;
    match e.classify() {
        Category::Data => {
            let text = e.to_string();
            let field = text
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split('`').next())
                .map(str::to_string);
            match field {
                Some(f) => AppError::field(&f, "This field is required.").into(),
                None => ApiFail {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    problem: ApiProblem {
                        kind: "validation".into(),
                        message: format!(
                            "The request body does not have the expected shape: {text}."
                        ),
                        fields: Vec::new(),
                        existing_job_id: None,
                        retry_after_secs: None,
                    },
                },
            }
        }
        _ => ApiFail::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The request body is not valid JSON.",
        ),
    }
}

/// Where the request came from (for the activity log and the rate limits).
fn request_meta(state: &AppState, parts: &Parts) -> RequestMeta {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    meta_of(&parts.headers, peer, state.auth.trust_proxy)
}

pub struct Meta(pub RequestMeta);

impl FromRequestParts<AppState> for Meta {
    type Rejection = ApiFail;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Meta(request_meta(state, parts)))
    }
}

/// The caller, from `Authorization: Bearer <access token>`.
pub struct Caller {
    pub actor: Actor,
    pub user: app::domain::entities::users::Model,
    pub meta: RequestMeta,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiFail;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("bearer")
                    .then(|| rest.trim().to_string())
            })
            .filter(|t| !t.is_empty())
            .ok_or(AppError::Unauthenticated)?;
        let (actor, user) = tokens::authenticate(&state.db, &state.tokens, &token).await?;
        Ok(Caller {
            actor,
            user,
            meta: request_meta(state, parts),
        })
    }
}

fn uuid_of(raw: &str, what: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::not_found(format!("No such {what}.")))
}

// ---------------------------------------------------------------------------------------------------------------
// Handlers

/// Sign in: a short-lived access token and a refresh token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong email or password", body = ApiProblem),
        (status = 403, description = "Account deactivated", body = ApiProblem),
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
        tokens::login(
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
        tokens::refresh(&state.db, &state.tokens, &body.refresh_token, &meta).await?,
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
    tokens::logout(&state.db, &body.refresh_token, &meta).await?;
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

/// The client's resumes (to choose one when delegating).
#[utoipa::path(get, path = "/api/v1/resume-types", tag = "jobs", security(("bearer" = [])),
    responses(
        (status = 200, body = [ResumeTypeView]),
        (status = 403, description = "Not a client", body = ApiProblem),
    ))]
pub async fn resume_types(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<ResumeTypeView>>> {
    Ok(Json(
        resumes::get(&state.db, &caller.actor, None, &caller.meta)
            .await?
            .types,
    ))
}

/// Delegate a job (clients).
#[utoipa::path(post, path = "/api/v1/jobs", tag = "jobs", security(("bearer" = [])), request_body = DelegateForm,
    responses(
        (status = 201, description = "Delegated", body = JobSummary),
        (status = 403, description = "Not an activated client", body = ApiProblem),
        (status = 409, description = "Delegated before (see existing_job_id)", body = ApiProblem),
        (status = 422, description = "Invalid fields", body = ApiProblem),
    ))]
pub async fn delegate(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(form): ApiJson<DelegateForm>,
) -> ApiResult<(StatusCode, Json<JobSummary>)> {
    let job = jobs::delegate(&state.db, &caller.actor, &form, &caller.meta).await?;
    touch_job(&state, job.id, vec![]).await;
    Ok((StatusCode::CREATED, Json(job)))
}

/// Query of `GET /api/v1/jobs`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobsParams {
    /// `unassigned`, `pending`, `in_progress`, `completed`, `failed`, `cancelled` or `expired`.
    pub status: Option<String>,
    /// Matches title, company or address.
    pub search: Option<String>,
    /// From 1.
    pub page: Option<u64>,
}

/// The caller's jobs, newest first: a client's own, an employee's assigned ones (20 per page).
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", security(("bearer" = [])), params(JobsParams),
    responses((status = 200, body = Page<JobSummary>), (status = 422, body = ApiProblem)))]
pub async fn my_jobs(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<JobsParams>,
) -> ApiResult<Json<Page<JobSummary>>> {
    let status = match p.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            Some(JobStatus::parse(s).ok_or_else(|| AppError::field("status", "Unknown status."))?)
        }
    };
    let q = JobQuery {
        status,
        search: p.search,
        page: p.page,
        ..Default::default()
    };
    Ok(Json(
        jobs::list(&state.db, &caller.actor, &q, &caller.meta).await?,
    ))
}

/// The employee's open jobs: most urgent first, then nearest deadline.
#[utoipa::path(get, path = "/api/v1/queue", tag = "work", security(("bearer" = [])),
    responses((status = 200, body = [JobSummary]), (status = 403, description = "Not an employee", body = ApiProblem)))]
pub async fn queue(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<JobSummary>>> {
    Ok(Json(
        work::queue(&state.db, &caller.actor, None, &caller.meta).await?,
    ))
}

/// Start an assigned job (employees).
#[utoipa::path(post, path = "/api/v1/jobs/{id}/start", tag = "work", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Job id")),
    responses(
        (status = 200, body = JobSummary),
        (status = 403, body = ApiProblem),
        (status = 409, description = "Not in a state to start", body = ApiProblem),
    ))]
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<JobSummary>> {
    let id = uuid_of(&id, "job")?;
    let job = work::start(&state.db, &caller.actor, id, &caller.meta).await?;
    touch_job(&state, job.id, vec![]).await;
    Ok(Json(job))
}

/// The completion form, as documented (the handler reads it as multipart).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CompleteForm {
    /// `submitted` (needs `screenshot`) or `failed` (needs `failure_reason`).
    outcome: String,
    notes: Option<String>,
    failure_reason: Option<String>,
    /// PNG or JPEG, at most 10 MB.
    #[schema(value_type = String, format = Binary)]
    screenshot: Option<Vec<u8>>,
}

/// Complete a started job with a proof screenshot (employees); multipart/form-data.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/complete", tag = "work", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Job id")),
    request_body(content = CompleteForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = JobSummary),
        (status = 403, body = ApiProblem),
        (status = 409, description = "Not started", body = ApiProblem),
        (status = 415, description = "Not multipart/form-data", body = ApiProblem),
        (status = 422, description = "Bad screenshot or missing fields", body = ApiProblem),
    ))]
pub async fn complete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    req: Request,
) -> ApiResult<Json<JobSummary>> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart {
        return Err(ApiFail::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the completion as multipart/form-data.",
        ));
    }
    let id = uuid_of(&id, "job")?;
    let form = Multipart::from_request(req, &state).await.map_err(|_| {
        ApiFail::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The upload could not be read.",
        )
    })?;
    let c = crate::files::read_completion(form).await?;
    let job = work::complete(
        &state.db,
        &*state.storage,
        &caller.actor,
        id,
        c,
        &caller.meta,
    )
    .await?;
    touch_job(&state, job.id, vec![]).await;
    Ok(Json(job))
}

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
    notifications::mark_read(&state.db, &caller.actor, id, &caller.meta).await?;
    state.events.publish(vec![caller.actor.user_id]);
    Ok(Json(Done { ok: true }))
}

/// Mark all of the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = Done)))]
pub async fn read_all_notifications(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Done>> {
    notifications::mark_all_read(&state.db, &caller.actor).await?;
    state.events.publish(vec![caller.actor.user_id]);
    Ok(Json(Done { ok: true }))
}

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
        "bad_request",
        "This endpoint does not take this method.",
    )
}

// ---------------------------------------------------------------------------------------------------------------
// Rate limits

struct Limits {
    all: DefaultKeyedRateLimiter<IpAddr>,
    auth: DefaultKeyedRateLimiter<IpAddr>,
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN))
}

async fn rate_limit(
    State((state, limits)): State<(AppState, Arc<Limits>)>,
    req: Request,
    next: Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let ip = request_meta(&state, &parts)
        .ip
        .and_then(|ip| ip.parse::<IpAddr>().ok())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let is_auth = parts.uri.path().contains("/auth/") && parts.method == Method::POST;
    let mut verdict = limits.all.check_key(&ip);
    if verdict.is_ok() && is_auth {
        verdict = limits.auth.check_key(&ip);
    }
    if let Err(not_until) = verdict {
        let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return ApiFail::from(AppError::TooManyRequests {
            retry_after_secs: secs.max(1),
        })
        .into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

// ---------------------------------------------------------------------------------------------------------------
// Router

/// `/api/v1`: the endpoints, the OpenAPI document and its docs page, rate limits, CORS for the extension.
pub fn routes(state: &AppState, settings: &ApiSettings) -> Router<AppState> {
    let limits = Arc::new(Limits {
        all: RateLimiter::keyed(quota(settings.rate_per_minute)),
        auth: RateLimiter::keyed(quota(settings.auth_rate_per_minute)),
    });
    let api = Router::new()
        .route("/auth/login", post(login))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
        .route("/resume-types", get(resume_types))
        .route("/jobs", post(delegate).get(my_jobs))
        .route("/queue", get(queue))
        .route("/jobs/{id}/start", post(start))
        .route(
            "/jobs/{id}/complete",
            post(complete).layer(DefaultBodyLimit::max(crate::files::COMPLETE_BODY_LIMIT)),
        )
        .route("/notifications", get(list_notifications))
        .route("/notifications/read-all", post(read_all_notifications))
        .route("/notifications/{id}/read", post(read_notification))
        .route("/openapi.json", get(crate::openapi::document))
        .route("/docs", get(crate::openapi::docs_page))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            (state.clone(), limits),
            rate_limit,
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
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .max_age(std::time::Duration::from_secs(3600)),
    )
}
