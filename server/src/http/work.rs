//! REST `/api/v1/queue` and `/api/v1/jobs/{id}/start|complete|questions`: the employee's side.

use app::{domain::work, rpc::AppState};
use axum::{
    extract::{Path, Request, State},
    http::StatusCode,
    Json,
};

use super::{
    error::ApiResult,
    extract::{uuid_of, ApiJson, ApiQuery, Caller},
};
use app::api::{
    jobs::{JobSummary, QuestionsAsked},
    questions::AskQuestions,
    rest::ApiProblem,
};

/// Query of `GET /api/v1/queue`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// Jobs per page, from 1 to 200 (default 50).
    #[serde(default, deserialize_with = "limit_number")]
    #[param(value_type = Option<u64>, minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// From 1 to 20000 (default 1); a page past the end is empty.
    #[serde(default, deserialize_with = "page_number")]
    #[param(value_type = Option<u64>, minimum = 1, maximum = 20000)]
    pub page: Option<u64>,
}

/// A page size from 1 to [`work::QUEUE_LIMIT_MAX`].
fn limit_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    super::extract::number_in(d, "limit", 1..=work::QUEUE_LIMIT_MAX)
}

/// A page number from 1 to [`app::domain::jobs::PAGE_MAX`].
fn page_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    super::extract::number_in(d, "page", 1..=app::domain::jobs::PAGE_MAX)
}

/// The employee's open jobs: most urgent first, then nearest deadline; 50 per page unless `limit` says otherwise.
#[utoipa::path(get, path = "/api/v1/queue", tag = "work", security(("bearer" = [])), params(QueueParams),
    responses(
        (status = 200, body = [JobSummary]),
        (status = 400, description = "A query parameter is not valid", body = ApiProblem),
        (status = 403, description = "Not an employee", body = ApiProblem),
    ))]
pub async fn queue(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<QueueParams>,
) -> ApiResult<Json<Vec<JobSummary>>> {
    let page = (
        p.limit.unwrap_or(work::QUEUE_LIMIT_DEFAULT),
        p.page.unwrap_or(1),
    );
    Ok(Json(
        work::queue(&state.db, &caller.actor, None, page, &caller.meta).await?,
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

/// Ask the job's client what the application form wants and the profile cannot tell (the job's employee, while
/// working it): the job waits for the client (`needs_answer`) until every question is answered, then returns to the
/// employee's queue.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/questions", tag = "work", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Job id")),
    request_body = AskQuestions,
    responses(
        (status = 201, description = "Asked; the job now waits for the client", body = QuestionsAsked),
        (status = 403, description = "Not the job's employee", body = ApiProblem),
        (status = 409, description = "The job is not being worked on", body = ApiProblem),
        (status = 422, description = "No question, too many, or one empty or too long (`questions.<i>`)", body = ApiProblem),
    ))]
pub async fn ask(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AskQuestions>,
) -> ApiResult<(StatusCode, Json<QuestionsAsked>)> {
    let id = uuid_of(&id, "job")?;
    let asked = app::domain::questions::ask(
        &state.db,
        &state.events,
        &caller.actor,
        id,
        &body.questions,
        &caller.meta,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(asked)))
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
    /// The captured tab's address (http or https). On another site than the job's, `confirm_site` must be true.
    captured_url: Option<String>,
    /// The captured tab's title.
    captured_title: Option<String>,
    /// When it was captured, RFC 3339 (within the last day, not in the future).
    captured_at: Option<String>,
    /// The page's headings and status messages, to recognize a confirmation page.
    page_text: Option<String>,
    /// `true`: the employee confirms a page on another site than the job's.
    confirm_site: Option<bool>,
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
    super::files::require_multipart(&req, "completion")?;
    let id = uuid_of(&id, "job")?;
    super::limits::spend(
        &state,
        app::domain::infra::limits::Limited::Upload,
        caller.actor.user_id,
    )
    .await?;
    let form = super::files::multipart_of(req, &state).await?;
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

/// What the assigned employee needs to fill the job's application form: the client's name, profile and answers,
/// and which resume to attach.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/application", tag = "work", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Job id")),
    responses(
        (status = 200, body = app::api::resumes::ApplicationPacket),
        (status = 403, description = "Not the job's employee", body = ApiProblem),
        (status = 409, description = "The job is not open", body = ApiProblem),
    ))]
pub async fn application(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<app::api::resumes::ApplicationPacket>> {
    let id = uuid_of(&id, "job")?;
    Ok(Json(
        work::application(&state.db, &caller.actor, id, &caller.meta).await?,
    ))
}

/// The PDF of the resume the client chose for the job, to attach to its application form (the job's employee).
#[utoipa::path(get, path = "/api/v1/jobs/{id}/resume", tag = "work", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Job id")),
    responses(
        (status = 200, description = "The PDF; its name in Content-Disposition", content_type = "application/pdf"),
        (status = 403, description = "Not the job's employee", body = ApiProblem),
        (status = 404, description = "No resume chosen for this job", body = ApiProblem),
        (status = 409, description = "The job is not open", body = ApiProblem),
    ))]
pub async fn application_resume(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    let id = uuid_of(&id, "job")?;
    super::limits::spend(
        &state,
        app::domain::infra::limits::Limited::Download,
        caller.actor.user_id,
    )
    .await?;
    let (file_name, bytes) =
        work::application_resume(&state.db, &*state.storage, &caller.actor, id, &caller.meta)
            .await?;
    Ok(super::files::pdf_response(&file_name, bytes))
}
