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
/// Normal lane: expiring past-deadline jobs (and, later, analytics).
pub const NORMAL: &str = "jobs.normal";
/// Low lane: cleanup.
pub const LOW: &str = "jobs.low";
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
    /// Scheduled: deadline reminders and "waiting too long" alerts.
    Remind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NormalJob {
    /// Scheduled: open jobs whose deadline passed become expired.
    ExpireOverdue,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LowJob {
    /// Scheduled: expired sessions, stale login throttles, old finished queue rows.
    CleanUp,
    /// Scheduled: stored files no row refers to.
    CleanOrphanFiles,
}

/// Work the scheduler puts on the queue at a fixed period (a multiple of the base period).
#[derive(Debug, Clone, Copy)]
pub struct Scheduled {
    pub name: &'static str,
    pub lane: &'static str,
    pub periods: i64,
}

pub const SCHEDULE: [Scheduled; 4] = [
    Scheduled {
        name: "remind",
        lane: HIGH,
        periods: 1,
    },
    Scheduled {
        name: "expire",
        lane: NORMAL,
        periods: 1,
    },
    Scheduled {
        name: "clean-up",
        lane: LOW,
        periods: 3,
    },
    Scheduled {
        name: "orphan-files",
        lane: LOW,
        periods: 12,
    },
];

/// Enqueue the scheduled jobs of the current period. Every worker process calls this on its own clock; the
/// idempotency key (name and period number) lets exactly one job per period in, whoever is first.
pub async fn enqueue_scheduled<C: ConnectionTrait>(
    db: &C,
    base: std::time::Duration,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, AppError> {
    let base = base.as_secs().max(1) as i64;
    let mut added = 0;
    for s in SCHEDULE {
        let slot = now.timestamp().div_euclid(base * s.periods);
        let key = format!("{}:{slot}", s.name);
        let fresh = match s.name {
            "remind" => insert(db, s.lane, &HighJob::Remind, Some(&key)).await?,
            "expire" => insert(db, s.lane, &NormalJob::ExpireOverdue, Some(&key)).await?,
            "clean-up" => insert(db, s.lane, &LowJob::CleanUp, Some(&key)).await?,
            _ => insert(db, s.lane, &LowJob::CleanOrphanFiles, Some(&key)).await?,
        };
        added += usize::from(fresh);
    }
    Ok(added)
}

/// The statements that put a job on the queue (PostgreSQL, SQLite). A [`super::transactions::WriteTxn`] that ran one
/// wakes this process's workers once it commits ([`wake`]).
const INSERT_PG: &str = "INSERT INTO apalis.jobs (job, id, job_type, status, attempts, max_attempts, run_at, \
     priority, metadata, idempotency_key) VALUES ($1, $2, $3, 'Pending', 0, $4, LEAST(to_timestamp($5), now()), 0, \
     NULL, $6) ON CONFLICT (job_type, idempotency_key) DO NOTHING";
const INSERT_SQLITE: &str =
    "INSERT INTO Jobs (job, id, job_type, status, attempts, max_attempts, run_at, \
     priority, metadata, idempotency_key) VALUES (?, ?, ?, 'Pending', 0, ?, ?, 0, '{}', ?) \
     ON CONFLICT (job_type, idempotency_key) DO NOTHING";

/// Whether a statement puts a job on the queue.
pub(crate) fn is_enqueue(sql: &str) -> bool {
    sql == INSERT_PG || sql == INSERT_SQLITE
}

/// This process's wake-up call for its queue workers: a counter bumped after a commit that put work on the queue
/// (and, on PostgreSQL, when another process's insert is announced by `NOTIFY`). Workers wait on it instead of
/// polling, and poll only as a slow safety net.
fn wake_signal() -> &'static tokio::sync::watch::Sender<u64> {
    static WAKE: std::sync::OnceLock<tokio::sync::watch::Sender<u64>> = std::sync::OnceLock::new();
    WAKE.get_or_init(|| tokio::sync::watch::channel(0).0)
}

/// Wake this process's queue workers: work was just committed to the queue.
pub fn wake() {
    wake_signal().send_modify(|n| *n = n.wrapping_add(1));
}

/// A receiver that sees every [`wake`] from now on.
pub fn wake_ups() -> tokio::sync::watch::Receiver<u64> {
    wake_signal().subscribe()
}

/// Put a job on `queue` as part of the caller's transaction.
pub async fn enqueue<C: ConnectionTrait, T: Serialize>(
    db: &C,
    queue: &str,
    job: &T,
) -> Result<(), AppError> {
    insert(db, queue, job, None).await.map(|_| ())
}

/// Insert a job row; with a key, only if no job of this queue holds the same key (then `false`).
async fn insert<C: ConnectionTrait, T: Serialize>(
    db: &C,
    queue: &str,
    job: &T,
    key: Option<&str>,
) -> Result<bool, AppError> {
    let payload = serde_json::to_vec(job).map_err(|e| {
        tracing::error!(error = %e, "could not encode a queued job");
        AppError::Internal
    })?;
    let id = ulid::Ulid::generate().to_string();
    let now = chrono::Utc::now().timestamp();
    let backend = db.get_database_backend();
    // On PostgreSQL the job is due no later than the transaction's start (`now()`), so that apalis's trigger
    // announces it (`NOTIFY` on commit) to the workers of every process.
    let sql = match backend {
        DbBackend::Postgres => INSERT_PG,
        _ => INSERT_SQLITE,
    };
    let added = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [
                payload.into(),
                id.into(),
                queue.into(),
                MAX_ATTEMPTS.into(),
                now.into(),
                key.map(str::to_string).into(),
            ],
        ))
        .await?
        .rows_affected();
    Ok(added > 0)
}
