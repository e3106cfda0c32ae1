//! REST `/api/v1/queue` and `/api/v1/jobs/{id}/start|complete`: the employee's side.

use app::{domain::work, rpc::AppState};
use axum::{
    extract::{FromRequest, Multipart, Path, Request, State},
    http::{header, StatusCode},
    Json,
};

use super::{
    error::{ApiFail, ApiResult},
    extract::{uuid_of, Caller},
};
use app::api::{jobs::JobSummary, rest::ApiProblem};

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
    let job = work::start(&state.db, &state.events, &caller.actor, id, &caller.meta).await?;
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
    super::limits::spend(
        &state,
        app::domain::infra::limits::Limited::Upload,
        caller.actor.user_id,
    )
    .await?;
    let form = Multipart::from_request(req, &state).await.map_err(|_| {
        ApiFail::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The upload could not be read.",
        )
    })?;
    let c = super::files::read_completion(form).await?;
    let job = work::complete(
        &state.db,
        &state.events,
        &*state.storage,
        &state.auth.rates,
        &caller.actor,
        id,
        c,
        &caller.meta,
    )
    .await?;
    Ok(Json(job))
}
