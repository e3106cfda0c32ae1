//! REST `/api/v1/jobs` and `/api/v1/resume-types`: a client delegates and lists; an employee lists their jobs; whoever
//! may see a job gets it whole and its timeline; its client cancels it, an admin reassigns it.

use app::{
    api::{AppError, CursorPage},
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
    /// `unassigned`, `pending`, `in_progress`, `needs_answer`, `completed`, `failed`, `cancelled` or `expired`.
    pub status: Option<String>,
    /// Matches title, company or address.
    pub search: Option<String>,
    /// Only this client's jobs (admins and employees; a client's own are theirs anyway).
    #[param(value_type = Option<Uuid>)]
    pub client_id: Option<String>,
    /// Only the jobs assigned to this employee (admins).
    #[param(value_type = Option<Uuid>)]
    pub employee_id: Option<String>,
    /// Delegated on or after this day (`YYYY-MM-DD`, UTC) or time (RFC 3339).
    pub from: Option<String>,
    /// Delegated on or before this day (`YYYY-MM-DD`, UTC, the whole day) or before this time (RFC 3339).
    pub to: Option<String>,
    /// Jobs per page, 1 to 200 (default 50).
    #[serde(default, deserialize_with = "limit_number")]
    #[param(value_type = Option<u64>, minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next` of the page before; leave it out for the first page.
    pub cursor: Option<String>,
}

/// A page size from 1 to [`jobs::FEED_LIMIT_MAX`]; anything else is refused naming the field.
fn limit_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    super::extract::number_in(d, "limit", 1..=jobs::FEED_LIMIT_MAX)
}

/// A day or a time of a filter; a day `to` ends at the day's end.
fn when(
    raw: Option<&str>,
    field: &str,
    end_of_day: bool,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(t.with_timezone(&chrono::Utc)));
    }
    let day = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        AppError::field(
            field,
            "Use a day as YYYY-MM-DD or a time as RFC 3339 (2026-12-01T09:00:00Z).",
        )
    })?;
    let day = if end_of_day {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    Ok(day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
}

/// An id filter: absent, or a UUID (an empty value too is refused), else 422 naming the field.
pub(crate) fn id_filter(raw: Option<&str>, field: &str) -> Result<Option<uuid::Uuid>, AppError> {
    match raw {
        None => Ok(None),
        Some(r) => uuid::Uuid::parse_str(r.trim())
            .map(Some)
            .map_err(|_| AppError::field(field, "Use an id (a UUID).")),
    }
}

/// The jobs the caller may see, newest first, a page at a time: a client's own, an employee's assigned ones, every
/// job for admins. Filter by status, client, employee, delegation dates and text; follow `next` for the next page.
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", security(("bearer" = [])), params(JobsParams),
    responses((status = 200, body = CursorPage<JobSummary>), (status = 422, body = ApiProblem)))]
pub async fn my_jobs(
    State(state): State<AppState>,
    caller: Caller,
    super::extract::ApiQuery(p): super::extract::ApiQuery<JobsParams>,
) -> ApiResult<Json<CursorPage<JobSummary>>> {
    let status = match p.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            Some(JobStatus::parse(s).ok_or_else(|| AppError::field("status", "Unknown status."))?)
        }
    };
    let feed = jobs::Feed {
        query: JobQuery {
            status,
            search: p.search,
            client_id: id_filter(p.client_id.as_deref(), "client_id")?,
            employee_id: id_filter(p.employee_id.as_deref(), "employee_id")?,
            ..Default::default()
        },
        from: when(p.from.as_deref(), "from", false)?,
        until: when(p.to.as_deref(), "to", true)?,
        cursor: p.cursor,
        limit: p.limit,
    };
    Ok(Json(
        jobs::feed(&state.db, &caller.actor, &feed, &caller.meta).await?,
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
