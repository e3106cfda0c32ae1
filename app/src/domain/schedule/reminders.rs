//! Deadline reminders and waiting-job alerts.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use crate::api::{
    jobs::{heading, JobStatus},
    AppError, Role,
};
use crate::domain::{
    audit,
    entities::{clients, job_delegations as jobs, users},
    RequestMeta,
};

use super::*;

/// Tell the client and the assigned employee that an open job's deadline is near (once per job). Returns the
/// users to refresh.
pub async fn remind_deadlines(
    db: &DatabaseConnection,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, AppError> {
    let mut touched = Vec::new();
    loop {
        let due = jobs::Entity::find()
            .filter(jobs::Column::Status.is_in(open_statuses()))
            .filter(jobs::Column::Deadline.gt(now))
            .filter(jobs::Column::Deadline.lte(now + rules.remind_before))
            .filter(jobs::Column::DeadlineRemindedAt.is_null())
            .order_by_asc(jobs::Column::Deadline)
            .limit(BATCH)
            .all(db)
            .await?;
        let last = (due.len() as u64) < BATCH;
        for job in due {
            let txn = crate::domain::begin_write(db).await?;
            // Claim the job: a second run (or a change that closed it meanwhile) finds nothing to do.
            let claimed = jobs::Entity::update_many()
                .col_expr(jobs::Column::DeadlineRemindedAt, Expr::value(now))
                .filter(jobs::Column::Id.eq(job.id))
                .filter(jobs::Column::DeadlineRemindedAt.is_null())
                .filter(jobs::Column::Status.is_in(open_statuses()))
                .exec(&txn)
                .await?
                .rows_affected;
            if claimed == 0 {
                continue;
            }
            let Some(deadline) = job.deadline else {
                continue;
            };
            let title = format!(
                "Deadline approaching: {}",
                heading(&job.job_title, &job.company_name, &job.job_url)
            );
            if let Some(user) = user_of_client(&txn, job.client_id).await? {
                crate::domain::notifications::notify(
                    &txn,
                    user,
                    "deadline_approaching",
                    &title,
                    &format!(
                        "Due {}. Status: {}.",
                        when(deadline),
                        job.status.client_label()
                    ),
                    Some(format!("/client/jobs?job={}", job.id)),
                )
                .await?;
                touched.push(user);
            }
            if let Some(user) = user_of_employee(&txn, job.assigned_employee_id).await? {
                crate::domain::notifications::notify(
                    &txn,
                    user,
                    "deadline_approaching",
                    &title,
                    &format!("Due {}. Submit it before then.", when(deadline)),
                    Some(format!("/employee?job={}", job.id)),
                )
                .await?;
                touched.push(user);
            }
            audit::record(
                &txn,
                None,
                "job.deadline_reminder",
                "job",
                Some(job.id),
                json!({"deadline": deadline}),
                &RequestMeta::default(),
            )
            .await?;
            crate::domain::commit(txn).await?;
        }
        if last {
            return Ok(touched);
        }
    }
}

/// Tell every active admin, in one notification per run, about jobs that have waited too long for an assistant
/// (each job is reported once). Returns the users to refresh.
pub async fn alert_unassigned(
    db: &DatabaseConnection,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, AppError> {
    let waiting = jobs::Entity::find()
        .filter(jobs::Column::Status.eq(JobStatus::Unassigned.as_str()))
        .filter(jobs::Column::DelegatedAt.lte(now - rules.unassigned_after))
        .filter(jobs::Column::UnassignedAlertedAt.is_null())
        .order_by_asc(jobs::Column::DelegatedAt)
        .limit(1000)
        .all(db)
        .await?;
    if waiting.is_empty() {
        return Ok(Vec::new());
    }
    let txn = crate::domain::begin_write(db).await?;
    let mut claimed = Vec::new();
    for job in waiting {
        let n = jobs::Entity::update_many()
            .col_expr(jobs::Column::UnassignedAlertedAt, Expr::value(now))
            .filter(jobs::Column::Id.eq(job.id))
            .filter(jobs::Column::UnassignedAlertedAt.is_null())
            .filter(jobs::Column::Status.eq(JobStatus::Unassigned.as_str()))
            .exec(&txn)
            .await?
            .rows_affected;
        if n == 1 {
            audit::record(
                &txn,
                None,
                "job.unassigned_alert",
                "job",
                Some(job.id),
                json!({"waiting_since": job.delegated_at}),
                &RequestMeta::default(),
            )
            .await?;
            claimed.push(job);
        }
    }
    let Some(oldest) = claimed.first() else {
        return Ok(Vec::new());
    };
    let client_email = match clients::Entity::find_by_id(oldest.client_id)
        .one(&txn)
        .await?
    {
        Some(c) => users::Entity::find_by_id(c.user_id)
            .one(&txn)
            .await?
            .map(|u| u.email)
            .unwrap_or_default(),
        None => String::new(),
    };
    let title = match claimed.len() {
        1 => format!(
            "A job has waited over {} for an assistant",
            span(rules.unassigned_after)
        ),
        n => format!(
            "{n} jobs have waited over {} for an assistant",
            span(rules.unassigned_after)
        ),
    };
    let message = format!(
        "Oldest: {} for {client_email}, delegated {}. Assign an employee to the client or mark one available.",
        heading(&oldest.job_title, &oldest.company_name, &oldest.job_url),
        when(oldest.delegated_at),
    );
    let admins: Vec<Uuid> = users::Entity::find()
        .filter(users::Column::Role.is_in([Role::Admin.as_str(), Role::SuperAdmin.as_str()]))
        .filter(users::Column::IsActive.eq(true))
        .all(&txn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    for admin in &admins {
        crate::domain::notifications::notify(
            &txn,
            *admin,
            "job_unassigned_too_long",
            &title,
            &message,
            Some("/admin/jobs?unassigned=true&sort=oldest".into()),
        )
        .await?;
    }
    crate::domain::commit(txn).await?;
    Ok(admins)
}
