//! Completing a job with a checked screenshot, and serving that proof to those who may see it.

use std::io::Cursor;

use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

use crate::api::{
    jobs::{JobStatus, JobSummary},
    work::{Outcome, SCREENSHOT_MAX_BYTES},
    AppError, FieldError, Role,
};
use crate::domain::infra::events::EventBus;
use crate::domain::{
    access, audit,
    entities::{job_completions, job_delegations as jobs},
    infra::storage::{new_key, Storage},
    jobs::summaries,
    now, Actor, RequestMeta,
};

use super::{
    proof::{check_capture, sha256_hex, Capture, CaptureInput},
    *,
};

/// What the employee sends to finish a job.
pub struct Completion {
    pub outcome: String,
    pub notes: String,
    pub failure_reason: String,
    /// File name and bytes, if a screenshot was attached.
    pub screenshot: Option<Vec<u8>>,
    /// What the screenshot shows (sent by the extension).
    pub capture: CaptureInput,
}

/// PNG or JPEG, decoded in full under dimension and allocation limits (so a decompression bomb is refused, not
/// expanded). Returns the file extension and content type.
pub fn check_screenshot(bytes: &[u8]) -> Result<(&'static str, &'static str), String> {
    let bad = || "Attach a PNG or JPEG screenshot.".to_string();
    if bytes.len() > SCREENSHOT_MAX_BYTES {
        return Err("The screenshot is larger than 10 MB.".into());
    }
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| bad())?;
    let kind = match reader.format() {
        Some(image::ImageFormat::Png) => ("png", "image/png"),
        Some(image::ImageFormat::Jpeg) => ("jpg", "image/jpeg"),
        _ => return Err(bad()),
    };
    let (w, h) = reader.into_dimensions().map_err(|_| bad())?;
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(format!(
            "The screenshot must be at most {MAX_SIDE} pixels wide and high."
        ));
    }
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| bad())?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    reader
        .decode()
        .map_err(|_| "The screenshot could not be read as an image.".to_string())?;
    Ok(kind)
}

/// Finish a started job: submitted (with a screenshot) or failed (with a reason). The screenshot is stored first,
/// then the completion and the job's new status are written in one transaction; a failure removes the file.
#[allow(clippy::too_many_arguments)] // what it writes to (db, events, storage), its limits, who, what, and from where
pub async fn complete(
    db: &DatabaseConnection,
    events: &EventBus,
    storage: &dyn Storage,
    limits: &crate::domain::infra::limits::RateConfig,
    actor: &Actor,
    job_id: Uuid,
    c: Completion,
    meta: &RequestMeta,
) -> Result<JobSummary, AppError> {
    let (employee, job) = own_job(db, actor, job_id, "job.complete", meta).await?;
    let mut f = Vec::new();
    let mut err = |field: &str, message: String| {
        f.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let outcome = Outcome::parse(c.outcome.trim());
    if outcome.is_none() {
        err("outcome", "Choose submitted or failed.".into());
    }
    let notes = c.notes.trim().to_string();
    if notes.chars().count() > NOTES_MAX {
        err("notes", format!("Use at most {NOTES_MAX} characters."));
    }
    let reason = c.failure_reason.trim().to_string();
    if outcome == Some(Outcome::Failed) && reason.is_empty() {
        err(
            "failure_reason",
            "Say why the application could not be submitted.".into(),
        );
    }
    if reason.chars().count() > REASON_MAX {
        err(
            "failure_reason",
            format!("Use at most {REASON_MAX} characters."),
        );
    }
    if outcome == Some(Outcome::Submitted) && c.screenshot.as_ref().is_none_or(|s| s.is_empty()) {
        err(
            "screenshot",
            "Attach a screenshot of the submitted application.".into(),
        );
    }
    let screenshot = c.screenshot.filter(|s| !s.is_empty());
    let mut capture_errors = Vec::new();
    let capture = if screenshot.is_some() {
        check_capture(&c.capture, &job.job_url, now(), &mut capture_errors)
    } else {
        Capture::default()
    };
    let kind = match &screenshot {
        Some(bytes) => match checked(bytes).await? {
            Ok(kind) => Some(kind),
            Err(m) => {
                err("screenshot", m);
                None
            }
        },
        None => None,
    };
    f.extend(capture_errors);
    let (Some(outcome), true) = (outcome, f.is_empty()) else {
        return Err(AppError::fields(f));
    };
    // Refuse a wrong state before storing anything.
    let status = status_of(&job);
    if status != JobStatus::InProgress {
        return Err(AppError::conflict(match status {
            JobStatus::Pending => "Start the job before completing it.".to_string(),
            s => format!(
                "This job is {} and cannot be completed.",
                s.label().to_lowercase()
            ),
        }));
    }
    let proof_size = screenshot.as_ref().map_or(0, |s| s.len() as i64);
    let sha256 = screenshot.as_deref().map(sha256_hex);
    let key = match (screenshot, kind) {
        (Some(bytes), Some((ext, content_type))) => {
            let key = new_key("proofs", ext);
            storage.put(&key, bytes, content_type).await?;
            Some(key)
        }
        _ => None,
    };
    let written: Result<jobs::Model, AppError> = crate::domain::retrying(|| async {
        let txn = crate::domain::begin_write(db).await?;
        // The client's lock first (as every writer takes it), then the job's.
        crate::domain::quotas::check_proof(&txn, limits, job.client_id, proof_size).await?;
        let job = locked(&txn, &job, employee.id, &[JobStatus::InProgress], |s| {
            format!(
                "This job is {} and cannot be completed.",
                s.label().to_lowercase()
            )
        })
        .await?;
        let t = now();
        job_completions::ActiveModel {
            id: Set(Uuid::now_v7()),
            job_delegation_id: Set(job.id),
            completed_by: Set(Some(employee.id)),
            proof_screenshot_path: Set(key.clone()),
            proof_size: Set(key.as_ref().map(|_| proof_size)),
            completion_notes: Set(notes.clone()),
            completion_status: Set(outcome),
            failure_reason: Set((!reason.is_empty()).then(|| reason.clone())),
            completed_at: Set(t),
            proof_sha256: Set(key.as_ref().and(sha256.clone())),
            captured_url: Set(capture.url.clone()),
            captured_title: Set(capture.title.clone()),
            captured_at: Set(capture.at),
            site_mismatch: Set(capture.site_mismatch),
            confirmation_page: Set(capture.confirmation_page),
        }
        .insert(&txn)
        .await?;
        let mut am: jobs::ActiveModel = job.into();
        am.status = Set(match outcome {
            Outcome::Submitted => JobStatus::Completed,
            Outcome::Failed => JobStatus::Failed,
        });
        am.completed_at = Set(Some(t));
        am.updated_at = Set(t);
        let job = am.update(&txn).await?;
        audit::record(
            &txn,
            Some(actor.user_id),
            "job.complete",
            "job",
            Some(job.id),
            json!({
                "outcome": outcome.as_str(),
                "proof": key.is_some(),
                "reason": reason,
                "sha256": sha256,
                "captured_url": capture.url,
                "site_mismatch": capture.site_mismatch,
                "confirmation_page": capture.confirmation_page,
            }),
            meta,
        )
        .await?;
        if let Some(client) = crate::domain::entities::clients::Entity::find_by_id(job.client_id)
            .one(&txn)
            .await?
        {
            let heading =
                crate::api::jobs::heading(&job.job_title, &job.company_name, &job.job_url);
            let (kind, title) = match outcome {
                Outcome::Submitted => {
                    ("job_completed", format!("Application submitted: {heading}"))
                }
                Outcome::Failed => ("job_failed", format!("Could not submit: {heading}")),
            };
            crate::domain::notifications::notify(
                &txn,
                client.user_id,
                kind,
                &title,
                if outcome == Outcome::Submitted {
                    "See the proof screenshot."
                } else {
                    reason.as_str()
                },
                Some(format!("/client/jobs?job={}", job.id)),
            )
            .await?;
        }
        crate::domain::commit(txn).await?;
        Ok(job)
    })
    .await;
    settle(db, events, storage, key.as_deref(), written).await
}

/// Check a screenshot off the async threads: its (extension, content type), or why it is refused.
pub(super) async fn checked(
    bytes: &[u8],
) -> Result<Result<(&'static str, &'static str), String>, AppError> {
    let bytes = bytes.to_vec();
    tokio::task::spawn_blocking(move || check_screenshot(&bytes))
        .await
        .map_err(|_| AppError::Internal)
}

/// After a proof's write: on success, tell those watching the job and answer its summary; on failure, remove the
/// stored screenshot (nothing refers to it).
pub(super) async fn settle(
    db: &DatabaseConnection,
    events: &EventBus,
    storage: &dyn Storage,
    key: Option<&str>,
    written: Result<jobs::Model, AppError>,
) -> Result<JobSummary, AppError> {
    match written {
        Ok(job) => {
            events.job_changed(db, job.id, vec![]).await;
            Ok(summaries(db, vec![job]).await?.remove(0))
        }
        Err(e) => {
            if let Some(key) = key {
                if let Err(e) = storage.delete(key).await {
                    tracing::warn!(error = %e, "could not remove the screenshot of a failed write");
                }
            }
            Err(e)
        }
    }
}

/// The job whose proofs the actor asks for, if they may see them: its client, admins, and the employee who did it
/// (while they serve the client); anyone else gets a logged refusal.
pub(super) async fn job_with_visible_proofs(
    db: &DatabaseConnection,
    actor: &Actor,
    job_id: Uuid,
    meta: &RequestMeta,
) -> Result<jobs::Model, AppError> {
    let job = jobs::Entity::find_by_id(job_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("No such job."))?;
    let allowed = match actor.role {
        Role::Employee => match access::employee_of(db, actor.user_id).await? {
            Some(e) => {
                job.assigned_employee_id == Some(e.id)
                    && access::serves(db, e.id, job.client_id).await?
            }
            None => false,
        },
        _ => access::may_read_client(db, actor, job.client_id).await?,
    };
    if allowed {
        return Ok(job);
    }
    Err(audit::denied(
        db,
        actor,
        "job.proof",
        "job",
        Some(job.id),
        meta,
        audit::NOT_PERMITTED,
    )
    .await)
}

/// A stored proof screenshot and its content type (from its key).
pub(super) async fn stored_image(
    storage: &dyn Storage,
    key: &str,
) -> Result<(&'static str, Vec<u8>), AppError> {
    let content_type = if key.ends_with(".png") {
        "image/png"
    } else {
        "image/jpeg"
    };
    Ok((content_type, storage.get(key).await?))
}

/// The proof screenshot of a job (the completion's own, never replaced), to those who may see it.
pub async fn proof(
    db: &DatabaseConnection,
    storage: &dyn Storage,
    actor: &Actor,
    job_id: Uuid,
    meta: &RequestMeta,
) -> Result<(&'static str, Vec<u8>), AppError> {
    job_with_visible_proofs(db, actor, job_id, meta).await?;
    let key = job_completions::Entity::find()
        .filter(job_completions::Column::JobDelegationId.eq(job_id))
        .one(db)
        .await?
        .and_then(|c| c.proof_screenshot_path)
        .ok_or_else(|| AppError::not_found("This job has no proof screenshot."))?;
    stored_image(storage, &key).await
}
