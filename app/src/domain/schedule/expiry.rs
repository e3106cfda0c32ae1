//! Open jobs past their deadline become expired.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::api::{
    jobs::{heading, JobStatus},
    AppError,
};
use crate::domain::{audit, entities::job_delegations as jobs, RequestMeta};

use super::*;

/// Open jobs whose deadline has passed become expired; their client and employee are told. Returns the jobs
/// expired.
pub async fn expire_overdue(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, AppError> {
    let mut expired = Vec::new();
    loop {
        let due = jobs::Entity::find()
            .filter(jobs::Column::Status.is_in(open_statuses()))
            .filter(jobs::Column::Deadline.lte(now))
            .order_by_asc(jobs::Column::Deadline)
            .limit(BATCH)
            .all(db)
            .await?;
        if due.is_empty() {
            return Ok(expired);
        }
        let mut progressed = false;
        for job in due {
            let txn = crate::domain::begin_write(db).await?;
            let (job, status) =
                crate::domain::jobs::lock_and_reload(&txn, job.client_id, job.id).await?;
            if !status.is_open() || job.deadline.is_none_or(|d| d > now) {
                continue;
            }
            let id = job.id;
            let title = format!(
                "Expired: {}",
                heading(&job.job_title, &job.company_name, &job.job_url)
            );
            let (client_id, employee_id) = (job.client_id, job.assigned_employee_id);
            let mut am: jobs::ActiveModel = job.into();
            am.status = Set(JobStatus::Expired);
            am.updated_at = Set(now);
            am.update(&txn).await?;
            audit::record(
                &txn,
                None,
                "job.expire",
                "job",
                Some(id),
                json!({"from": status.as_str()}),
                &RequestMeta::default(),
            )
            .await?;
            if let Some(user) = user_of_client(&txn, client_id).await? {
                crate::domain::notifications::notify(
                    &txn,
                    user,
                    "job_expired",
                    &title,
                    "The deadline passed before the application was submitted.",
                    Some(format!("/client/jobs?job={id}")),
                )
                .await?;
            }
            if let Some(user) = user_of_employee(&txn, employee_id).await? {
                crate::domain::notifications::notify(
                    &txn,
                    user,
                    "job_expired",
                    &title,
                    "The deadline passed; the job has left your queue.",
                    Some(format!("/employee?job={id}")),
                )
                .await?;
            }
            crate::domain::commit(txn).await?;
            expired.push(id);
            progressed = true;
        }
        if !progressed {
            return Ok(expired);
        }
    }
}
