//! The employee's side of a job: the queue, start, complete with proof, hand back; their counters; proofs served
//! to those who may see them.

mod application;
mod completion;
mod correction;
mod proof;

pub use application::{application, application_resume};
pub use completion::{check_screenshot, complete, proof, Completion};
pub use correction::{correct_proof, correction_proof, Correction};
pub use proof::CaptureInput;

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
    entities::{employees, job_delegations as jobs},
    jobs::summaries,
    now, Actor, RequestMeta,
};
use crate::api::{
    jobs::{JobStatus, JobSummary},
    work::EmployeeStats,
    AppError, Role,
};
use crate::domain::infra::events::EventBus;

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
    job.status
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

/// Jobs per page of the queue when the caller does not say.
pub const QUEUE_LIMIT_DEFAULT: u64 = 50;
/// The most jobs one page of the queue holds.
pub const QUEUE_LIMIT_MAX: u64 = 200;

/// Open jobs assigned to the employee: urgent first, then nearest deadline, then oldest; `limit` per page (at most
/// [`QUEUE_LIMIT_MAX`]), page `page` counted from 1 (a page past the end is empty).
pub async fn queue(
    db: &DatabaseConnection,
    actor: &Actor,
    client_id: Option<Uuid>,
    (limit, page): (u64, u64),
    meta: &RequestMeta,
) -> Result<Vec<JobSummary>, AppError> {
    let limit = limit.clamp(1, QUEUE_LIMIT_MAX);
    let offset = page.max(1).saturating_sub(1).saturating_mul(limit);
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
        .order_by_asc(jobs::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    summaries(db, rows).await
}

/// Start a pending job.
pub async fn start(
    db: &DatabaseConnection,
    events: &EventBus,
    actor: &Actor,
    job_id: Uuid,
    meta: &RequestMeta,
) -> Result<JobSummary, AppError> {
    let (employee, job) = own_job(db, actor, job_id, "job.start", meta).await?;
    let job = crate::domain::retrying(|| async {
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
        am.status = Set(JobStatus::InProgress);
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
        crate::domain::commit(txn).await?;
        Ok(job)
    })
    .await?;
    events.job_changed(db, job.id, vec![]).await;
    Ok(summaries(db, vec![job]).await?.remove(0))
}

/// Hand a job back: it leaves the employee and goes to another available employee of the client, or waits.
pub async fn return_to_pool(
    db: &DatabaseConnection,
    events: &EventBus,
    actor: &Actor,
    job_id: Uuid,
    meta: &RequestMeta,
) -> Result<JobSummary, AppError> {
    let (employee, job) = own_job(db, actor, job_id, "job.return", meta).await?;
    let job = crate::domain::retrying(|| async {
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
        am.status = Set(JobStatus::Unassigned);
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
            Some(other) => distribution::assign_picked(&txn, job, &other, None, meta).await?,
            None => job,
        };
        crate::domain::commit(txn).await?;
        Ok(job)
    })
    .await?;
    // The employee who handed it back no longer sees it: their queue refreshes too.
    events.job_changed(db, job.id, vec![actor.user_id]).await;
    Ok(summaries(db, vec![job]).await?.remove(0))
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
