//! REST for resumes and proofs: a client's resume profile and resumes (read, profile saved, PDF uploaded, replaced,
//! deleted, downloaded), and a job's proof screenshot. The same domain services as the dashboard: a client works on
//! their own; the employees assigned to a client and admins read them.

use app::{
    api::{
        rest::{ApiProblem, Done},
        resumes::{ResumeProfile, ResumeTypeView, Resumes},
    },
    domain::{resumes, work},
    rpc::AppState,
};
use axum::{
    extract::{Path, Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};

use super::{
    error::ApiResult,
    extract::{uuid_of, ApiJson, ApiQuery, Caller},
};

/// Query of `GET /api/v1/resumes`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResumesParams {
    /// Whose (admins and the client's employees); a client leaves it out for their own.
    #[param(value_type = Option<Uuid>)]
    pub client_id: Option<String>,
}

/// A client's resume profile and resumes.
#[utoipa::path(get, path = "/api/v1/resumes", tag = "resumes", security(("bearer" = [])), params(ResumesParams),
    responses((status = 200, body = Resumes), (status = 403, body = ApiProblem), (status = 422, body = ApiProblem)))]
pub async fn get_resumes(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<ResumesParams>,
) -> ApiResult<Json<Resumes>> {
    let client_id = super::jobs::id_filter(p.client_id.as_deref(), "client_id")?;
    Ok(Json(
        resumes::get(&state.db, &caller.actor, client_id, &caller.meta).await?,
    ))
}

/// Save the signed-in client's resume profile (summary, experience, education, skills, contact, answers).
#[utoipa::path(post, path = "/api/v1/resumes/profile", tag = "resumes", security(("bearer" = [])),
    request_body(content = ResumeProfile, description = "The whole profile, as `GET /api/v1/resumes` gives it"),
    responses((status = 200, body = Resumes), (status = 403, body = ApiProblem), (status = 422, body = ApiProblem)))]
pub async fn save_profile(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(profile): ApiJson<ResumeProfile>,
) -> ApiResult<Json<Resumes>> {
    Ok(Json(
        resumes::save_profile(&state.db, &caller.actor, profile, &caller.meta).await?,
    ))
}

/// The multipart form of a resume upload.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ResumeUpload {
    /// What this resume is for, e.g. "Backend roles".
    name: String,
    /// A PDF, at most 10 MB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The id of one of the client's resumes to replace (its jobs keep pointing at it).
    #[schema(value_type = Option<Uuid>)]
    replace: Option<String>,
}

/// Upload a resume (PDF) for the signed-in client, or replace one.
#[utoipa::path(post, path = "/api/v1/resume-types", tag = "resumes", security(("bearer" = [])),
    request_body(content = ResumeUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = ResumeTypeView),
        (status = 403, body = ApiProblem),
        (status = 404, description = "The resume to replace is not one of the client's", body = ApiProblem),
        (status = 415, description = "Not multipart/form-data", body = ApiProblem),
        (status = 422, description = "No name, not a PDF, or too large", body = ApiProblem),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    req: Request,
) -> ApiResult<Response> {
    super::files::require_multipart(&req, "resume")?;
    let form = super::files::multipart_of(req, &state).await?;
    let view: ResumeTypeView =
        super::files::read_and_upload_resume(&state, &caller.actor, &caller.meta, form).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// Delete one of the signed-in client's resumes and its file.
#[utoipa::path(delete, path = "/api/v1/resume-types/{id}", tag = "resumes", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Resume id")),
    responses((status = 200, body = Done), (status = 403, body = ApiProblem), (status = 404, body = ApiProblem)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Done>> {
    let id = uuid_of(&id, "resume")?;
    resumes::delete_type(&state.db, &*state.storage, &caller.actor, id, &caller.meta).await?;
    Ok(Json(Done { ok: true }))
}

/// A resume's PDF: to its client, admins and the client's employees (counted against the download limit).
#[utoipa::path(get, path = "/api/v1/resume-types/{id}/file", tag = "resumes", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Resume id")),
    responses(
        (status = 200, description = "The PDF; its name in Content-Disposition", content_type = "application/pdf"),
        (status = 403, body = ApiProblem),
        (status = 404, body = ApiProblem),
    ))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = uuid_of(&id, "resume")?;
    super::limits::spend(
        &state,
        app::domain::infra::limits::Limited::Download,
        caller.actor.user_id,
    )
    .await?;
    let (file_name, bytes) =
        resumes::download(&state.db, &*state.storage, &caller.actor, id, &caller.meta).await?;
    Ok(super::files::pdf_response(&file_name, bytes))
}

/// A job's proof screenshot: to its client, admins and its employee (the metadata is in `GET /api/v1/jobs/{id}`).
#[utoipa::path(get, path = "/api/v1/jobs/{id}/proof", tag = "jobs", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Job id")),
    responses(
        (status = 200, description = "The screenshot as filed",
            content((Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"))),
        (status = 403, body = ApiProblem),
        (status = 404, description = "No such job, or no proof filed", body = ApiProblem),
    ))]
pub async fn proof(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = uuid_of(&id, "job")?;
    super::limits::spend(
        &state,
        app::domain::infra::limits::Limited::Download,
        caller.actor.user_id,
    )
    .await?;
    let (content_type, bytes) =
        work::proof(&state.db, &*state.storage, &caller.actor, id, &caller.meta).await?;
    Ok(super::files::image_response(content_type, bytes))
}
