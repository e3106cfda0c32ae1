//! File handlers: resume PDFs in and out. Every request is authorized by the domain services; nothing under the
//! storage is ever served directly.

use app::{
    api::{resumes::RESUME_MAX_BYTES, work::SCREENSHOT_MAX_BYTES, AppError},
    domain::{resumes, work},
    rpc::AppState,
};
use axum::{
    extract::{DefaultBodyLimit, Multipart, Path, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use uuid::Uuid;

use super::{
    error::{ApiFail, ApiResult},
    extract::{uuid_of, SameOriginCaller, SessionCaller},
};

/// Room for the PDF plus the form's other fields and multipart framing.
pub(crate) const UPLOAD_BODY_LIMIT: usize = RESUME_MAX_BYTES + 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            app::api::resumes::RESUME_UPLOAD_PATH,
            post(upload_resume).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/files/resumes/{id}", get(download_resume))
        .route(
            "/files/jobs/{id}/complete",
            post(complete_job).layer(DefaultBodyLimit::max(COMPLETE_BODY_LIMIT)),
        )
        .route(
            "/files/jobs/{id}/proof",
            post(correct_proof).layer(DefaultBodyLimit::max(COMPLETE_BODY_LIMIT)),
        )
        .route("/files/proofs/{id}", get(download_proof))
        .route("/files/proofs/{id}/{correction}", get(download_correction))
}

pub(crate) const COMPLETE_BODY_LIMIT: usize = SCREENSHOT_MAX_BYTES + 64 * 1024;

/// A REST upload must be `multipart/form-data`: else 415, naming what to send (`what`: "the completion").
pub(crate) fn require_multipart(req: &axum::extract::Request, what: &str) -> Result<(), ApiFail> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if multipart {
        return Ok(());
    }
    Err(ApiFail::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!("Send the {what} as multipart/form-data."),
    ))
}

/// The multipart body of a REST upload, or 400.
pub(crate) async fn multipart_of(
    req: axum::extract::Request,
    state: &AppState,
) -> Result<Multipart, ApiFail> {
    use axum::extract::FromRequest;
    Multipart::from_request(req, state).await.map_err(|_| {
        ApiFail::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The upload could not be read.",
        )
    })
}

/// Read one multipart file field in chunks, refusing (as a field error) as soon as it passes `max` bytes.
async fn read_limited(
    field: &mut axum::extract::multipart::Field<'_>,
    max: usize,
    name: &str,
    too_big: &str,
) -> Result<Vec<u8>, AppError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::field(name, too_big)
        } else {
            bad_form()
        }
    })? {
        if bytes.len() + chunk.len() > max {
            return Err(AppError::field(name, too_big));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// `POST /files/jobs/{id}/complete` (multipart: `outcome`, `notes`, `failure_reason`, `screenshot`). Same-origin
/// only; the employee the job is assigned to.
async fn complete_job(
    State(state): State<AppState>,
    SameOriginCaller(SessionCaller { actor, meta }): SameOriginCaller,
    Path(id): Path<String>,
    form: Multipart,
) -> ApiResult<Response> {
    let id = uuid_of(&id, "job")?;
    super::limits::spend(
        &state,
        app::domain::infra::limits::Limited::Upload,
        actor.user_id,
    )
    .await?;
    let c = read_completion(form).await?;
    let job = work::complete(
        &state.db,
        &state.events,
        &*state.storage,
        &state.auth.rates,
        &actor,
        id,
        c,
        &meta,
    )
    .await?;
    Ok(Json(job).into_response())
}

/// The completion form (multipart: `outcome`, `notes`, `failure_reason`, `screenshot`, and what the screenshot
/// shows: `captured_url`, `captured_title`, `captured_at`, `confirm_site`, `page_text`), the screenshot read up to its
/// limit. Shared by the dashboard's upload and the REST API.
pub(crate) async fn read_completion(form: Multipart) -> Result<work::Completion, AppError> {
    let (fields, screenshot, capture) = read_proof_form(form).await?;
    let get = |name: &str| fields.get(name).cloned().unwrap_or_default();
    Ok(work::Completion {
        outcome: get("outcome"),
        notes: get("notes"),
        failure_reason: get("failure_reason"),
        screenshot,
        capture,
    })
}

/// A form with a screenshot: its text fields, the screenshot (read up to its limit) and the capture fields.
async fn read_proof_form(
    mut form: Multipart,
) -> Result<
    (
        std::collections::HashMap<String, String>,
        Option<Vec<u8>>,
        work::CaptureInput,
    ),
    AppError,
> {
    let mut fields = std::collections::HashMap::new();
    let mut screenshot = None;
    let mut capture = work::CaptureInput::default();
    while let Some(mut field) = form.next_field().await.map_err(|_| bad_form())? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "captured_url" => capture.url = field.text().await.map_err(|_| bad_form())?,
            "captured_title" => capture.title = field.text().await.map_err(|_| bad_form())?,
            "captured_at" => capture.at = field.text().await.map_err(|_| bad_form())?,
            "page_text" => capture.page_text = field.text().await.map_err(|_| bad_form())?,
            "confirm_site" => {
                let v = field.text().await.map_err(|_| bad_form())?;
                capture.confirm_site = matches!(v.trim(), "true" | "on" | "1" | "yes");
            }
            "outcome" | "notes" | "failure_reason" | "reason" => {
                let v = field.text().await.map_err(|_| bad_form())?;
                fields.insert(name, v);
            }
            "screenshot" => {
                screenshot = Some(
                    read_limited(
                        &mut field,
                        SCREENSHOT_MAX_BYTES,
                        "screenshot",
                        "The screenshot is larger than 10 MB.",
                    )
                    .await?,
                )
            }
            _ => {}
        }
    }
    Ok((fields, screenshot, capture))
}

/// `POST /files/jobs/{id}/proof` (multipart: `screenshot`, `reason`, optional capture fields): a corrected proof,
/// added beside the first (never replacing it). Same-origin only; the employee who completed the job.
async fn correct_proof(
    State(state): State<AppState>,
    SameOriginCaller(SessionCaller { actor, meta }): SameOriginCaller,
    Path(id): Path<String>,
    form: Multipart,
) -> ApiResult<Response> {
    let id = uuid_of(&id, "job")?;
    super::limits::spend(
        &state,
        app::domain::infra::limits::Limited::Upload,
        actor.user_id,
    )
    .await?;
    let (fields, screenshot, capture) = read_proof_form(form).await?;
    let c = work::Correction {
        reason: fields.get("reason").cloned().unwrap_or_default(),
        screenshot,
        capture,
    };
    let job = work::correct_proof(
        &state.db,
        &state.events,
        &*state.storage,
        &state.auth.rates,
        &actor,
        id,
        c,
        &meta,
    )
    .await?;
    Ok(Json(job).into_response())
}

/// `GET /files/proofs/{job_id}/{correction_id}`: a corrected proof, to those who may see the job's proofs.
async fn download_correction(
    State(state): State<AppState>,
    SessionCaller { actor, meta }: SessionCaller,
    Path((id, correction)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id = uuid_of(&id, "job")?;
    let correction = uuid_of(&correction, "correction")?;
    let (content_type, bytes) =
        work::correction_proof(&state.db, &*state.storage, &actor, id, correction, &meta).await?;
    Ok(image_response(content_type, bytes))
}

pub(crate) fn image_response(content_type: &'static str, bytes: Vec<u8>) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    res
}

/// `GET /files/proofs/{job_id}`: the proof screenshot, to the job's client, admins and its employee.
async fn download_proof(
    State(state): State<AppState>,
    SessionCaller { actor, meta }: SessionCaller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = uuid_of(&id, "job")?;
    let (content_type, bytes) = work::proof(&state.db, &*state.storage, &actor, id, &meta).await?;
    Ok(image_response(content_type, bytes))
}

fn bad_form() -> AppError {
    AppError::Validation {
        message: "The upload was incomplete or malformed. Please try again.".into(),
        fields: vec![],
    }
}

/// `POST /files/resumes` (multipart: `name`, `file`, optional `replace` = a resume type id). Same-origin only.
async fn upload_resume(
    State(state): State<AppState>,
    SameOriginCaller(SessionCaller { actor, meta }): SameOriginCaller,
    form: Multipart,
) -> ApiResult<Response> {
    let view = read_and_upload_resume(&state, &actor, &meta, form).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// A resume upload (multipart: `name`, `file`, optional `replace`), counted against the upload limit, stored. Shared
/// by the dashboard's upload and the REST API.
pub(crate) async fn read_and_upload_resume(
    state: &AppState,
    actor: &app::domain::Actor,
    meta: &app::domain::RequestMeta,
    mut form: Multipart,
) -> Result<app::api::resumes::ResumeTypeView, AppError> {
    super::limits::spend(
        state,
        app::domain::infra::limits::Limited::Upload,
        actor.user_id,
    )
    .await?;
    let mut name = String::new();
    let mut replace = None;
    let mut file_name = String::new();
    let mut bytes = Vec::new();
    while let Some(mut field) = form.next_field().await.map_err(|_| bad_form())? {
        match field.name().unwrap_or_default() {
            "name" => name = field.text().await.map_err(|_| bad_form())?,
            "replace" => {
                let v = field.text().await.map_err(|_| bad_form())?;
                if !v.trim().is_empty() {
                    replace = Some(
                        Uuid::parse_str(v.trim())
                            .map_err(|_| AppError::field("replace", "No such resume."))?,
                    );
                }
            }
            "file" => {
                file_name = field.file_name().unwrap_or_default().to_string();
                // Read in chunks and stop as soon as the limit is passed: never buffer more than 10 MB.
                bytes = read_limited(
                    &mut field,
                    RESUME_MAX_BYTES,
                    "file",
                    "The file is larger than 10 MB.",
                )
                .await?;
            }
            _ => {}
        }
    }
    resumes::upload(
        &state.db,
        &*state.storage,
        &state.auth.rates,
        actor,
        resumes::Upload {
            name,
            file_name,
            bytes,
            replace,
        },
        meta,
    )
    .await
}

/// `GET /files/resumes/{id}`: the PDF, to its client, admins and employees assigned to the client.
async fn download_resume(
    State(state): State<AppState>,
    SessionCaller { actor, meta }: SessionCaller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = uuid_of(&id, "resume")?;
    let (file_name, bytes) =
        resumes::download(&state.db, &*state.storage, &actor, id, &meta).await?;
    Ok(pdf_response(&file_name, bytes))
}

/// A PDF download, never cached, under its own name.
pub(crate) fn pdf_response(file_name: &str, bytes: Vec<u8>) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// `attachment` with an ASCII fallback name and the exact name percent-encoded (RFC 6266 / 5987).
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn content_disposition_is_safe_for_any_name() {
        assert_eq!(
            super::content_disposition("Résumé \"x\".pdf"),
            "attachment; filename=\"R_sum_ _x_.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22x%22.pdf"
        );
    }
}
