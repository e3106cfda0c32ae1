//! REST `/api/v1/jobs` and `/api/v1/resume-types`: a client delegates and lists; an employee lists their jobs; whoever
//! may see a job gets it whole and its timeline; its client cancels it, an admin reassigns it.

use app::{
    api::{AppError, Page},
    domain::{jobs, resumes},
    rpc::AppState,
};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};

use super::{
    error::ApiResult,
    extract::{uuid_of, ApiJson, Caller},
};
use app::api::{
    jobs::{
        DelegateForm, DelegatedBefore, JobDetail, JobQuery, JobStatus, JobSummary, TimelineEntry,
    },
    rest::{ApiProblem, ReassignForm},
    resumes::ResumeTypeView,
};

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
    // A client's own resumes: anyone else is refused here (and the attempt logged), rather than asked which client.
    app::domain::access::require_client(
        &state.db,
        &caller.actor,
        "resume.list",
        "resume_profile",
        &caller.meta,
    )
    .await?;
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
    let job = jobs::delegate(&state.db, &state.events, &caller.actor, &form, &caller.meta).await?;
    Ok((StatusCode::CREATED, Json(job)))
}

/// Query of `GET /api/v1/jobs/lookup`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupParams {
    /// A posting's address, as the browser shows it (tracking parameters and variants are fine).
    pub url: Option<String>,
}

/// Did this client delegate this posting already? (clients; compares the posting's identity: site and job id.)
#[utoipa::path(get, path = "/api/v1/jobs/lookup", tag = "jobs", security(("bearer" = [])), params(LookupParams),
    responses(
        (status = 200, description = "The live delegation of this posting, or null", body = DelegatedBefore),
        (status = 403, description = "Not a client", body = ApiProblem),
        (status = 422, description = "Not an address that can be delegated", body = ApiProblem),
    ))]
pub async fn lookup(
    State(state): State<AppState>,
    caller: Caller,
    super::extract::ApiQuery(p): super::extract::ApiQuery<LookupParams>,
) -> ApiResult<Json<DelegatedBefore>> {
    let job = jobs::delegated_before(
        &state.db,
        &caller.actor,
        p.url.as_deref().unwrap_or_default(),
        &caller.meta,
    )
    .await?;
    Ok(Json(DelegatedBefore { job }))
}

/// Query of `GET /api/v1/jobs`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobsParams {
    /// `unassigned`, `pending`, `in_progress`, `completed`, `failed`, `cancelled` or `expired`.
    pub status: Option<String>,
    /// Matches title, company or address.
    pub search: Option<String>,
    /// From 1 to 20000.
    #[serde(default, deserialize_with = "page_number")]
    #[param(value_type = Option<u64>, minimum = 1, maximum = 20000)]
    pub page: Option<u64>,
}

/// A page number from 1 to [`app::domain::jobs::PAGE_MAX`]; anything else is refused naming the field.
fn page_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let raw: Option<String> = serde::Deserialize::deserialize(d)?;
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(None);
    };
    super::extract::whole_number_in(&raw, "page", 1..=app::domain::jobs::PAGE_MAX)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// The caller's jobs, newest first: a client's own, an employee's assigned ones (20 per page).
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", security(("bearer" = [])), params(JobsParams),
    responses((status = 200, body = Page<JobSummary>), (status = 422, body = ApiProblem)))]
pub async fn my_jobs(
    State(state): State<AppState>,
    caller: Caller,
    super::extract::ApiQuery(p): super::extract::ApiQuery<JobsParams>,
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

/// One job with its timeline, its completion and its questions: a client's own, an employee's assigned one, any
/// for admins. Anyone else's answers 403 (and is logged), an unknown id 404.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Job id")),
    responses(
        (status = 200, body = JobDetail),
        (status = 403, body = ApiProblem),
        (status = 404, body = ApiProblem),
    ))]
pub async fn job(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<JobDetail>> {
    let id = uuid_of(&id, "job")?;
    Ok(Json(
        jobs::detail(&state.db, &caller.actor, id, &caller.meta).await?,
    ))
}

/// A job's timeline, oldest first (whoever may see the job).
#[utoipa::path(get, path = "/api/v1/jobs/{id}/timeline", tag = "jobs", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Job id")),
    responses(
        (status = 200, body = Vec<TimelineEntry>),
        (status = 403, body = ApiProblem),
        (status = 404, body = ApiProblem),
    ))]
pub async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<TimelineEntry>>> {
    let id = uuid_of(&id, "job")?;
    let detail = jobs::detail(&state.db, &caller.actor, id, &caller.meta).await?;
    Ok(Json(detail.timeline))
}

/// Cancel a job that is not finished (its client).
#[utoipa::path(post, path = "/api/v1/jobs/{id}/cancel", tag = "jobs", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Job id")),
    responses(
        (status = 200, body = JobSummary),
        (status = 403, body = ApiProblem),
        (status = 404, body = ApiProblem),
        (status = 409, description = "Already finished", body = ApiProblem),
    ))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<JobSummary>> {
    let id = uuid_of(&id, "job")?;
    Ok(Json(
        jobs::cancel(&state.db, &state.events, &caller.actor, id, &caller.meta).await?,
    ))
}

/// Give an open job to another employee assigned to its client (admins).
#[utoipa::path(post, path = "/api/v1/jobs/{id}/reassign", tag = "jobs", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Job id")),
    request_body = ReassignForm,
    responses(
        (status = 200, body = JobSummary),
        (status = 403, body = ApiProblem),
        (status = 404, body = ApiProblem),
        (status = 409, description = "Finished, or the employee does not serve its client", body = ApiProblem),
    ))]
pub async fn reassign(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<ReassignForm>,
) -> ApiResult<Json<JobSummary>> {
    let id = uuid_of(&id, "job")?;
    Ok(Json(
        jobs::reassign(
            &state.db,
            &state.events,
            &caller.actor,
            id,
            form.employee_id,
            &caller.meta,
        )
        .await?,
    ))
}
