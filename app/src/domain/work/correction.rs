//! A corrected proof: the completion's own proof is never replaced; the employee who completed the job may add a new
//! screenshot with a reason, which is logged and shown to the client beside the first.

use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

use super::{
    completion::{checked, job_with_visible_proofs, settle, stored_image},
    locked, own_job,
    proof::{check_capture, sha256_hex, CaptureInput},
    status_of, REASON_MAX,
};
use crate::api::{
    jobs::{JobStatus, JobSummary},
    AppError, FieldError,
};
use crate::domain::{
    audit,
    entities::{clients, job_delegations as jobs, proof_corrections},
    infra::{
        events::EventBus,
        storage::{new_key, Storage},
    },
    now, Actor, RequestMeta,
};

/// What the employee sends to add a corrected proof.
pub struct Correction {
    /// Why the first proof needs a correction.
    pub reason: String,
    pub screenshot: Option<Vec<u8>>,
    pub capture: CaptureInput,
}

/// Add a corrected proof to a job the employee completed (submitted). The file is stored first, then the row, the
/// log entry and the client's notification in one transaction; a failure removes the file.
#[allow(clippy::too_many_arguments)] // what it writes to (db, events, storage), its limits, who, what, and from where
pub async fn correct_proof(
    db: &DatabaseConnection,
    events: &EventBus,
    storage: &dyn Storage,
    limits: &crate::domain::infra::limits::RateConfig,
    actor: &Actor,
    job_id: Uuid,
    c: Correction,
    meta: &RequestMeta,
) -> Result<JobSummary, AppError> {
    let (employee, job) = own_job(db, actor, job_id, "job.proof_correct", meta).await?;
    let mut f = Vec::new();
    let reason = c.reason.trim().to_string();
    if reason.is_empty() {
        f.push(FieldError {
            field: "reason".into(),
            message: "Say what the new screenshot corrects.".into(),
        });
    } else if reason.chars().count() > REASON_MAX {
        f.push(FieldError {
            field: "reason".into(),
            message: format!("Use at most {REASON_MAX} characters."),
        });
    }
    let capture = check_capture(&c.capture, &job.job_url, now(), &mut f);
    let bytes = match c.screenshot.filter(|s| !s.is_empty()) {
        Some(bytes) => bytes,
        None => {
            f.push(FieldError {
                field: "screenshot".into(),
                message: "Attach the corrected screenshot.".into(),
            });
            Vec::new()
        }
    };
    let kind = if bytes.is_empty() {
        None
    } else {
        match checked(&bytes).await? {
            Ok(kind) => Some(kind),
            Err(m) => {
                f.push(FieldError {
                    field: "screenshot".into(),
                    message: m,
                });
                None
            }
        }
    };
    let (Some((ext, content_type)), true) = (kind, f.is_empty()) else {
        return Err(AppError::fields(f));
    };
    let refuse = |s: JobStatus| match s {
        JobStatus::Completed => String::new(),
        s => format!(
            "Only a submitted application's proof can be corrected; this job is {}.",
            s.label().to_lowercase()
        ),
    };
    if status_of(&job) != JobStatus::Completed {
        return Err(AppError::conflict(refuse(status_of(&job))));
    }
    let size = bytes.len() as i64;
    let sha256 = sha256_hex(&bytes);
    let key = new_key("proofs", ext);
    storage.put(&key, bytes, content_type).await?;
    let written: Result<jobs::Model, AppError> = crate::domain::retrying(|| async {
        let txn = crate::domain::begin_write(db).await?;
        crate::domain::quotas::check_proof(&txn, limits, job.client_id, size).await?;
        let job = locked(&txn, &job, employee.id, &[JobStatus::Completed], refuse).await?;
        let id = Uuid::now_v7();
        proof_corrections::ActiveModel {
            id: Set(id),
            job_delegation_id: Set(job.id),
            added_by: Set(Some(employee.id)),
            proof_screenshot_path: Set(key.clone()),
            proof_size: Set(size),
            proof_sha256: Set(Some(sha256.clone())),
            captured_url: Set(capture.url.clone()),
            captured_title: Set(capture.title.clone()),
            captured_at: Set(capture.at),
            site_mismatch: Set(capture.site_mismatch),
            confirmation_page: Set(capture.confirmation_page),
            reason: Set(reason.clone()),
            added_at: Set(now()),
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            Some(actor.user_id),
            "job.proof_correct",
            "job",
            Some(job.id),
            json!({
                "correction": id,
                "reason": reason,
                "sha256": sha256,
                "captured_url": capture.url,
                "site_mismatch": capture.site_mismatch,
            }),
            meta,
        )
        .await?;
        if let Some(client) = clients::Entity::find_by_id(job.client_id).one(&txn).await? {
            let heading =
                crate::api::jobs::heading(&job.job_title, &job.company_name, &job.job_url);
            crate::domain::notifications::notify(
                &txn,
                client.user_id,
                "job_completed",
                &format!("Proof corrected: {heading}"),
                &reason,
                Some(format!("/client/jobs?job={}", job.id)),
            )
            .await?;
        }
        crate::domain::commit(txn).await?;
        Ok(job)
    })
    .await;
    settle(db, events, storage, Some(&key), written).await
}

/// One corrected proof's screenshot, to those who may see the job's proofs.
pub async fn correction_proof(
    db: &DatabaseConnection,
    storage: &dyn Storage,
    actor: &Actor,
    job_id: Uuid,
    correction_id: Uuid,
    meta: &RequestMeta,
) -> Result<(&'static str, Vec<u8>), AppError> {
    job_with_visible_proofs(db, actor, job_id, meta).await?;
    let key = proof_corrections::Entity::find_by_id(correction_id)
        .filter(proof_corrections::Column::JobDelegationId.eq(job_id))
        .one(db)
        .await?
        .map(|c| c.proof_screenshot_path)
        .ok_or_else(|| AppError::not_found("This job has no such corrected proof."))?;
    stored_image(storage, &key).await
}
