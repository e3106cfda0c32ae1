//! The durable background queue (apalis, in the application database). Jobs are enqueued inside the transaction of
//! the change that causes them: a rolled-back change leaves no job, a committed one always has its job.
//!
//! sea-orm's transactions do not hand out their sqlx connection, so the job row is inserted here the way apalis
//! 1.0.0 inserts it (`Jobs` on SQLite, `apalis.jobs` on PostgreSQL; JSON payload). apalis is pinned to that
//! version and a test runs a real worker on rows written this way, on both databases.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::{Deserialize, Serialize};

use crate::api::AppError;

/// High lane: email and reminders.
pub const HIGH: &str = "jobs.high";
/// Attempts before a job is left failed for an admin to look at.
pub const MAX_ATTEMPTS: i32 = 5;

/// An email to one person, rendered by the worker (which knows the site's address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub to: String,
    pub name: String,
    pub subject: String,
    pub body: String,
    /// A path on the site, e.g. `/client/jobs?job=…`.
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HighJob {
    Email(Email),
}

/// Put a job on `queue` as part of the caller's transaction.
pub async fn enqueue<C: ConnectionTrait, T: Serialize>(
    db: &C,
    queue: &str,
    job: &T,
) -> Result<(), AppError> {
    let payload = serde_json::to_vec(job).map_err(|e| {
        tracing::error!(error = %e, "could not encode a queued job");
        AppError::Internal
    })?;
    let id = ulid::Ulid::generate().to_string();
    let now = chrono::Utc::now().timestamp();
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO apalis.jobs (job, id, job_type, status, attempts, max_attempts, run_at, priority, metadata, \
             idempotency_key) VALUES ($1, $2, $3, 'Pending', 0, $4, to_timestamp($5), 0, NULL, NULL)"
        }
        _ => {
            "INSERT INTO Jobs (job, id, job_type, status, attempts, max_attempts, run_at, priority, metadata, \
             idempotency_key) VALUES (?, ?, ?, 'Pending', 0, ?, ?, 0, '{}', NULL)"
        }
    };
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [
            payload.into(),
            id.into(),
            queue.into(),
            MAX_ATTEMPTS.into(),
            now.into(),
        ],
    ))
    .await?;
    Ok(())
}
