//! The client's cancel and the admin's reassign.

use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use serde_json::json;
use uuid::Uuid;

use crate::api::{
    jobs::{JobStatus, JobSummary},
    AppError,
};
use crate::domain::{
    access, audit, distribution,
    entities::job_delegations as jobs,
    now,
    policy::{allows, Action, Resource},
    Actor, RequestMeta,
};

use super::query::*;
use crate::domain::infra::events::EventBus;

/// Take the client's lock, then read the job afresh (its status may have changed since it was first loaded).
pub async fn lock_and_reload<C: ConnectionTrait>(
    txn: &C,
    client_id: Uuid,
    id: Uuid,
) -> Result<(jobs::Model, JobStatus), AppError> {
    access::lock_client(txn, client_id).await?;
    let job = jobs::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("No such job."))?;
    let status = job.status;
    Ok((job, status))
}

/// The client cancels a job that is not finished.
pub async fn cancel(
    db: &DatabaseConnection,
    events: &EventBus,
    actor: &Actor,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<JobSummary, AppError> {
    let client = access::require_client(db, actor, "job.cancel", "job", meta).await?;
    let job = load(db, id).await?;
    if job.client_id != client.id {
        return Err(audit::denied(
            db,
            actor,
            "job.cancel",
            "job",
            Some(id),
            meta,
            audit::NOT_PERMITTED,
        )
        .await);
    }
    let job = crate::domain::retrying(|| async {
        let txn = crate::domain::begin_write(db).await?;
        let (job, status) = lock_and_reload(&txn, client.id, id).await?;
        if !status.is_open() {
            return Err(AppError::conflict(format!(
                "This job is {} and can no longer be cancelled.",
                status.label().to_lowercase()
            )));
        }
        let mut am: jobs::ActiveModel = job.into();
        am.status = Set(JobStatus::Cancelled);
        am.updated_at = Set(now());
        let job = am.update(&txn).await?;
        audit::record(
            &txn,
            Some(actor.user_id),
            "job.cancel",
            "job",
            Some(job.id),
            json!({"from": status.as_str()}),
            meta,
        )
        .await?;
        crate::domain::commit(txn).await?;
        Ok(job)
    })
    .await?;
    events.job_changed(db, job.id, vec![]).await;
    Ok(summaries(db, vec![job]).await?.remove(0))
}

/// An admin gives an open job to another employee assigned to the job's client.
pub async fn reassign(
    db: &DatabaseConnection,
    events: &EventBus,
    actor: &Actor,
    id: Uuid,
    employee_id: Uuid,
    meta: &RequestMeta,
) -> Result<JobSummary, AppError> {
    if !allows(actor.role, Resource::EmployeeAssignment, Action::Update) {
        return Err(audit::denied(
            db,
            actor,
            "job.reassign",
            "job",
            Some(id),
            meta,
            audit::NOT_PERMITTED,
        )
        .await);
    }
    let job = load(db, id).await?;
    let job = crate::domain::retrying(|| async {
        let txn = crate::domain::begin_write(db).await?;
        let (job, status) = lock_and_reload(&txn, job.client_id, id).await?;
        if !status.is_open() {
            return Err(AppError::conflict(format!(
                "This job is {} and cannot be reassigned.",
                status.label().to_lowercase()
            )));
        }
        if job.assigned_employee_id == Some(employee_id) {
            return Err(AppError::field(
                "employee_id",
                "The job is already assigned to this employee.",
            ));
        }
        if !access::serves(&txn, employee_id, job.client_id).await? {
            return Err(AppError::field(
                "employee_id",
                "Choose an employee assigned to this job's client.",
            ));
        }
        let job = distribution::assign_to(&txn, job, employee_id, Some(actor), meta).await?;
        crate::domain::commit(txn).await?;
        Ok(job)
    })
    .await?;
    events.job_changed(db, job.id, vec![]).await;
    Ok(summaries(db, vec![job]).await?.remove(0))
}
