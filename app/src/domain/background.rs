//! The admins' view of the background queue: jobs that failed for good, and retrying them.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::{Deserialize, Serialize};

use super::infra::queue::{HighJob, LowJob, NormalJob};
use crate::api::AppError;

/// A job that used up its attempts (or was killed), for the admins' queue screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedJob {
    pub id: String,
    pub queue: String,
    /// What the job was about (an email's subject and recipient).
    pub summary: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
    pub finished: Option<String>,
}

#[derive(Debug, sea_orm::FromQueryResult)]
struct FailedRow {
    id: String,
    job_type: String,
    job: String,
    attempts: i64,
    max_attempts: i64,
    last_result: Option<String>,
    done_at: Option<String>,
}

fn admin_only(actor: &super::Actor) -> bool {
    super::policy::allows(
        actor.role,
        super::policy::Resource::UserManagement,
        super::policy::Action::View,
    )
}

fn summary(
    job_type: &str,
    job: &str,
    addresses: &std::collections::HashMap<uuid::Uuid, String>,
) -> String {
    if let Ok(j) = serde_json::from_str::<HighJob>(job) {
        return match j {
            HighJob::Email(e) => format!("Email “{}” to {}", e.subject, e.to),
            HighJob::Digest { user_id } => match addresses.get(&user_id) {
                Some(to) => format!("Notification email to {to}"),
                None => format!("Notification email to a removed user ({user_id})"),
            },
            HighJob::PasswordReset { email } => format!("Password reset link for {email}"),
            HighJob::VerifyEmail { user_id } => match addresses.get(&user_id) {
                Some(to) => format!("Email confirmation link to {to}"),
                None => format!("Email confirmation link to a removed user ({user_id})"),
            },
            HighJob::ConfirmEmailChange { email, .. } => {
                format!("New address confirmation link to {email}")
            }
            HighJob::Remind => "Deadline reminders and waiting-job alerts".into(),
            HighJob::Push { notification_id } => {
                format!("Browser push of notification {notification_id}")
            }
        };
    }
    match serde_json::from_str::<NormalJob>(job) {
        Ok(NormalJob::ExpireOverdue) => return "Expiring jobs past their deadline".into(),
        Ok(NormalJob::Webhook { delivery_id }) => return format!("Webhook delivery {delivery_id}"),
        Err(_) => {}
    }
    match serde_json::from_str::<LowJob>(job) {
        Ok(LowJob::CleanUp) => "Cleaning expired sessions and old queue entries".into(),
        Ok(LowJob::CleanOrphanFiles) => "Removing orphaned files".into(),
        Err(_) => format!("{job_type} job"),
    }
}

/// Jobs that failed for good, newest first (admins).
pub async fn failed(
    db: &sea_orm::DatabaseConnection,
    actor: &super::Actor,
    meta: &super::RequestMeta,
) -> Result<Vec<FailedJob>, AppError> {
    if !admin_only(actor) {
        return Err(super::audit::denied(
            db,
            actor,
            "queue.list",
            "queue_job",
            None,
            meta,
            super::audit::NOT_PERMITTED,
        )
        .await);
    }
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT id, job_type, convert_from(job, 'UTF8') AS job, CAST(attempts AS BIGINT) AS attempts, \
             CAST(max_attempts AS BIGINT) AS max_attempts, CAST(last_result AS TEXT) AS last_result, \
             CAST(done_at AS TEXT) AS done_at FROM apalis.jobs \
             WHERE status = 'Killed' OR (status = 'Failed' AND attempts >= max_attempts) \
             ORDER BY done_at DESC NULLS LAST LIMIT 200"
        }
        _ => {
            "SELECT id, job_type, CAST(job AS TEXT) AS job, attempts, max_attempts, \
             CAST(last_result AS TEXT) AS last_result, CAST(done_at AS TEXT) AS done_at FROM Jobs \
             WHERE status = 'Killed' OR (status = 'Failed' AND attempts >= max_attempts) \
             ORDER BY done_at DESC LIMIT 200"
        }
    };
    let rows = <FailedRow as sea_orm::FromQueryResult>::find_by_statement(Statement::from_string(
        backend, sql,
    ))
    .all(db)
    .await?;
    // Notification emails name their recipient by id: show the address.
    let recipients: Vec<uuid::Uuid> = rows
        .iter()
        .filter_map(|r| match serde_json::from_str::<HighJob>(&r.job) {
            Ok(HighJob::Digest { user_id } | HighJob::VerifyEmail { user_id }) => Some(user_id),
            _ => None,
        })
        .collect();
    let addresses: std::collections::HashMap<uuid::Uuid, String> = if recipients.is_empty() {
        Default::default()
    } else {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        super::entities::users::Entity::find()
            .filter(super::entities::users::Column::Id.is_in(recipients))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.email))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|r| FailedJob {
            summary: summary(&r.job_type, &r.job, &addresses),
            id: r.id,
            queue: r.job_type,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            last_error: r.last_result,
            finished: r.done_at,
        })
        .collect())
}

/// Put a failed job back in line with fresh attempts (admins).
pub async fn retry(
    db: &sea_orm::DatabaseConnection,
    actor: &super::Actor,
    id: &str,
    meta: &super::RequestMeta,
) -> Result<(), AppError> {
    if !admin_only(actor) {
        return Err(super::audit::denied(
            db,
            actor,
            "queue.retry",
            "queue_job",
            None,
            meta,
            super::audit::NOT_PERMITTED,
        )
        .await);
    }
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "UPDATE apalis.jobs SET status = 'Pending', attempts = 0, run_at = now(), lock_by = NULL, lock_at = NULL, \
             done_at = NULL WHERE id = $1 AND (status = 'Killed' OR (status = 'Failed' AND attempts >= max_attempts))"
        }
        _ => {
            "UPDATE Jobs SET status = 'Pending', attempts = 0, run_at = strftime('%s', 'now'), lock_by = NULL, \
             lock_at = NULL, done_at = NULL WHERE id = ? AND (status = 'Killed' OR (status = 'Failed' AND attempts >= max_attempts))"
        }
    };
    let txn = super::begin_write(db).await?;
    let changed = txn
        .execute_raw(Statement::from_sql_and_values(backend, sql, [id.into()]))
        .await?
        .rows_affected();
    if changed == 0 {
        return Err(AppError::not_found("No failed job with this id."));
    }
    super::audit::record(
        &txn,
        Some(actor.user_id),
        "queue.retry",
        "queue_job",
        None,
        serde_json::json!({"job": id}),
        meta,
    )
    .await?;
    crate::domain::commit(txn).await?;
    Ok(())
}
