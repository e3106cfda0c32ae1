//! The employee's side of a job: the queue, start, complete with proof, hand back; their counters; proofs served
//! to those who may see them.

use std::io::Cursor;

use chrono::{Datelike, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    access, audit,
    distribution::{self, stmt},
    entities::{employees, job_completions, job_delegations as jobs, users},
    jobs::{full_name, summaries},
    now,
    storage::{new_key, Storage},
    Actor, RequestMeta,
};
use crate::api::{
    jobs::{JobStatus, JobSummary},
    work::{CompletionView, EmployeeStats, Outcome, SCREENSHOT_MAX_BYTES},
    AppError, FieldError, Role,
};

const NOTES_MAX: usize = 5000;
const REASON_MAX: usize = 2000;
/// Screenshots larger than this in either dimension are refused before decoding.
const MAX_SIDE: u32 = 16_384;
/// The decoder may not allocate more than this (a decompression bomb stops here).
const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;

/// The actor's employee row, or a logged refusal for anyone else.
async fn require_employee(
    db: &DatabaseConnection,
    actor: &Actor,
    attempted: &str,
    job: Option<Uuid>,
    meta: &RequestMeta,
) -> Result<employees::Model, AppError> {
    if actor.role == Role::Employee {
        if let Some(e) = access::employee_of(db, actor.user_id).await? {
            return Ok(e);
        }
    }
    Err(audit::denied(db, actor, attempted, "job", job, meta, audit::NOT_PERMITTED).await)
}

/// The job, if it is assigned to this employee and they still serve its client; otherwise a logged refusal.
async fn own_job(
    db: &DatabaseConnection,
    actor: &Actor,
    job_id: Uuid,
    attempted: &str,
    meta: &RequestMeta,
) -> Result<(employees::Model, jobs::Model), AppError> {
    let employee = require_employee(db, actor, attempted, Some(job_id), meta).await?;
    let job = jobs::Entity::find_by_id(job_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("No such job."))?;
    if job.assigned_employee_id == Some(employee.id)
        && access::serves(db, employee.id, job.client_id).await?
    {
        Ok((employee, job))
    } else {
        Err(audit::denied(
            db,
            actor,
            attempted,
            "job",
            Some(job_id),
            meta,
            audit::NOT_PERMITTED,
        )
        .await)
    }
}

fn status_of(job: &jobs::Model) -> JobStatus {
    JobStatus::parse(&job.status).unwrap_or(JobStatus::Unassigned)
}

/// Re-read the job under the client's lock and check it is still this employee's and in one of `allowed`.
async fn locked<C: ConnectionTrait>(
    txn: &C,
    job: &jobs::Model,
    employee: Uuid,
    allowed: &[JobStatus],
    refuse: impl Fn(JobStatus) -> String,
) -> Result<jobs::Model, AppError> {
    access::lock_client(txn, job.client_id).await?;
    let fresh = jobs::Entity::find_by_id(job.id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("No such job."))?;
    if fresh.assigned_employee_id != Some(employee) {
        return Err(AppError::conflict("This job is no longer assigned to you."));
    }
    let status = status_of(&fresh);
    if !allowed.contains(&status) {
        return Err(AppError::conflict(refuse(status)));
    }
    Ok(fresh)
}

/// Open jobs assigned to the employee: urgent first, then nearest deadline, then oldest.
pub async fn queue(
    db: &DatabaseConnection,
    actor: &Actor,
    client_id: Option<Uuid>,
    meta: &RequestMeta,
) -> Result<Vec<JobSummary>, AppError> {
    let employee = require_employee(db, actor, "work.queue", None, meta).await?;
    let mut select = jobs::Entity::find()
        .filter(jobs::Column::AssignedEmployeeId.eq(employee.id))
        .filter(jobs::Column::Status.is_in(JobStatus::ASSIGNED_OPEN.map(|s| s.as_str())));
    if let Some(c) = client_id {
        select = select.filter(jobs::Column::ClientId.eq(c));
    }
    let rows = select
        .order_by_asc(sea_orm::sea_query::Expr::cust(
            "CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END",
        ))
        .order_by_asc(sea_orm::sea_query::Expr::cust(
            "CASE WHEN deadline IS NULL THEN 1 ELSE 0 END",
        ))
        .order_by_asc(jobs::Column::Deadline)
        .order_by_asc(jobs::Column::DelegatedAt)
        .limit(500)
        .all(db)
        .await?;
    summaries(db, rows).await
}

/// Start a pending job.
pub async fn start(
    db: &DatabaseConnection,
    actor: &Actor,
    job_id: Uuid,
    meta: &RequestMeta,
) -> Result<JobSummary, AppError> {
    let (employee, job) = own_job(db, actor, job_id, "job.start", meta).await?;
    let txn = super::begin_write(db).await?;
    let job = locked(
        &txn,
        &job,
        employee.id,
        &[JobStatus::Pending],
        |s| match s {
            JobStatus::InProgress => "You have started this job already.".into(),
            s => format!(
                "This job is {} and cannot be started.",
                s.label().to_lowercase()
            ),
        },
    )
    .await?;
    let t = now();
    let mut am: jobs::ActiveModel = job.into();
    am.status = Set(JobStatus::InProgress.as_str().into());
    am.started_at = Set(Some(t));
    am.updated_at = Set(t);
    let job = am.update(&txn).await?;
    employees::ActiveModel {
        id: Set(employee.id),
        last_active: Set(Some(t)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor.user_id),
        "job.start",
        "job",
        Some(job.id),
        json!({}),
        meta,
    )
    .await?;
    txn.commit().await?;
    Ok(summaries(db, vec![job]).await?.remove(0))
}

/// Hand a job back: it leaves the employee and goes to another available employee of the client, or waits.
pub async fn return_to_pool(
    db: &DatabaseConnection,
    actor: &Actor,
    job_id: Uuid,
    meta: &RequestMeta,
) -> Result<JobSummary, AppError> {
    let (employee, job) = own_job(db, actor, job_id, "job.return", meta).await?;
    let txn = super::begin_write(db).await?;
    let job = locked(&txn, &job, employee.id, &JobStatus::ASSIGNED_OPEN, |s| {
        format!(
            "This job is {} and cannot be handed back.",
            s.label().to_lowercase()
        )
    })
    .await?;
    let mut am: jobs::ActiveModel = job.into();
    am.assigned_employee_id = Set(None);
    am.status = Set(JobStatus::Unassigned.as_str().into());
    am.assigned_at = Set(None);
    am.started_at = Set(None);
    am.updated_at = Set(now());
    let job = am.update(&txn).await?;
    audit::record(
        &txn,
        Some(actor.user_id),
        "job.unassign",
        "job",
        Some(job.id),
        json!({"from_employee_id": employee.id, "reason": "handed back by the employee"}),
        meta,
    )
    .await?;
    let job = match distribution::pick_except(&txn, job.client_id, Some(employee.id)).await? {
        Some(other) => distribution::assign_to(&txn, job, other, None, meta).await?,
        None => job,
    };
    txn.commit().await?;
    Ok(summaries(db, vec![job]).await?.remove(0))
}

/// What the employee sends to finish a job.
pub struct Completion {
    pub outcome: String,
    pub notes: String,
    pub failure_reason: String,
    /// File name and bytes, if a screenshot was attached.
    pub screenshot: Option<Vec<u8>>,
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
pub async fn complete(
    db: &DatabaseConnection,
    storage: &dyn Storage,
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
    let kind = match &screenshot {
        Some(bytes) => {
            let bytes = bytes.clone();
            match tokio::task::spawn_blocking(move || check_screenshot(&bytes)).await {
                Ok(Ok(kind)) => Some(kind),
                Ok(Err(m)) => {
                    err("screenshot", m);
                    None
                }
                Err(_) => return Err(AppError::Internal),
            }
        }
        None => None,
    };
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
    let key = match (screenshot, kind) {
        (Some(bytes), Some((ext, content_type))) => {
            let key = new_key("proofs", ext);
            storage.put(&key, bytes, content_type).await?;
            Some(key)
        }
        _ => None,
    };
    let written: Result<jobs::Model, AppError> = async {
        let txn = super::begin_write(db).await?;
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
            completion_notes: Set(notes.clone()),
            completion_status: Set(outcome.as_str().into()),
            failure_reason: Set((!reason.is_empty()).then(|| reason.clone())),
            completed_at: Set(t),
        }
        .insert(&txn)
        .await?;
        let mut am: jobs::ActiveModel = job.into();
        am.status = Set(match outcome {
            Outcome::Submitted => JobStatus::Completed,
            Outcome::Failed => JobStatus::Failed,
        }
        .as_str()
        .into());
        am.completed_at = Set(Some(t));
        am.updated_at = Set(t);
        let job = am.update(&txn).await?;
        audit::record(
            &txn,
            Some(actor.user_id),
            "job.complete",
            "job",
            Some(job.id),
            json!({"outcome": outcome.as_str(), "proof": key.is_some(), "reason": reason}),
            meta,
        )
        .await?;
        if let Some(client) = super::entities::clients::Entity::find_by_id(job.client_id)
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
            super::notifications::notify(
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
        txn.commit().await?;
        Ok(job)
    }
    .await;
    match written {
        Ok(job) => Ok(summaries(db, vec![job]).await?.remove(0)),
        Err(e) => {
            if let Some(key) = &key {
                if let Err(e) = storage.delete(key).await {
                    tracing::warn!(error = %e, "could not remove the proof of a failed completion");
                }
            }
            Err(e)
        }
    }
}

/// How the job ended, for anyone who may see the job.
pub async fn completion_of<C: ConnectionTrait>(
    db: &C,
    job_id: Uuid,
) -> Result<Option<CompletionView>, AppError> {
    let Some(c) = job_completions::Entity::find()
        .filter(job_completions::Column::JobDelegationId.eq(job_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let by = match c.completed_by {
        Some(e) => match employees::Entity::find_by_id(e).one(db).await? {
            Some(e) => users::Entity::find_by_id(e.user_id)
                .one(db)
                .await?
                .map(|u| full_name(&u)),
            None => None,
        },
        None => None,
    };
    Ok(Some(CompletionView {
        outcome: Outcome::parse(&c.completion_status).unwrap_or(Outcome::Failed),
        notes: c.completion_notes,
        failure_reason: c.failure_reason,
        completed_at: c.completed_at,
        completed_by: by,
        has_proof: c.proof_screenshot_path.is_some(),
    }))
}

/// The proof screenshot of a job: its client, admins, and the employee who did it (while they serve the client).
pub async fn proof(
    db: &DatabaseConnection,
    storage: &dyn Storage,
    actor: &Actor,
    job_id: Uuid,
    meta: &RequestMeta,
) -> Result<(&'static str, Vec<u8>), AppError> {
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
    if !allowed {
        return Err(audit::denied(
            db,
            actor,
            "job.proof",
            "job",
            Some(job_id),
            meta,
            audit::NOT_PERMITTED,
        )
        .await);
    }
    let key = job_completions::Entity::find()
        .filter(job_completions::Column::JobDelegationId.eq(job_id))
        .one(db)
        .await?
        .and_then(|c| c.proof_screenshot_path)
        .ok_or_else(|| AppError::not_found("This job has no proof screenshot."))?;
    let content_type = if key.ends_with(".png") {
        "image/png"
    } else {
        "image/jpeg"
    };
    Ok((content_type, storage.get(&key).await?))
}

#[derive(Debug, FromQueryResult)]
struct Avg {
    m: Option<f64>,
}

/// The employee's counters: open load, completed today (UTC) and this week (from Monday, UTC), average minutes
/// from start to completion. Counted by the database.
pub async fn stats(
    db: &DatabaseConnection,
    actor: &Actor,
    meta: &RequestMeta,
) -> Result<EmployeeStats, AppError> {
    let employee = require_employee(db, actor, "work.stats", None, meta).await?;
    let today = Utc::now().date_naive();
    let day_start = today.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let week_start = day_start - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let mine = || jobs::Entity::find().filter(jobs::Column::AssignedEmployeeId.eq(employee.id));
    let open = mine()
        .filter(jobs::Column::Status.is_in(JobStatus::ASSIGNED_OPEN.map(|s| s.as_str())))
        .count(db)
        .await?;
    let done = || mine().filter(jobs::Column::Status.eq(JobStatus::Completed.as_str()));
    let completed_today = done()
        .filter(jobs::Column::CompletedAt.gte(day_start))
        .count(db)
        .await?;
    let completed_this_week = done()
        .filter(jobs::Column::CompletedAt.gte(week_start))
        .count(db)
        .await?;
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT (AVG(EXTRACT(EPOCH FROM (completed_at - started_at))) / 60.0)::float8 AS m \
             FROM job_delegations WHERE assigned_employee_id = $1 AND status = 'completed' \
             AND started_at IS NOT NULL AND completed_at IS NOT NULL"
        }
        _ => {
            "SELECT AVG((julianday(completed_at) - julianday(started_at)) * 1440.0) AS m \
             FROM job_delegations WHERE assigned_employee_id = $1 AND status = 'completed' \
             AND started_at IS NOT NULL AND completed_at IS NOT NULL"
        }
    };
    let avg = Avg::find_by_statement(stmt(backend, sql, vec![employee.id.into()]))
        .one(db)
        .await?
        .and_then(|a| a.m);
    Ok(EmployeeStats {
        employee_id: employee.id,
        is_available: employee.is_available,
        open_jobs: open,
        completed_today,
        completed_this_week,
        average_minutes: avg,
    })
}
