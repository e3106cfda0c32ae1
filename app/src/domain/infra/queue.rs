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
    /// The message's identity (its Message-ID header): a digest's, recorded before it is sent, so a try after a
    /// crash mid-send sends the same message again. Others get one made up when they are sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<uuid::Uuid>,
    pub to: String,
    pub name: String,
    pub subject: String,
    pub body: String,
    /// A path on the site, e.g. `/client/jobs?job=…`.
    pub link: Option<String>,
    /// Several pieces of news in one email (a recipient's batch of notifications), newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<EmailItem>,
}

/// One piece of news in an email that carries several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailItem {
    pub title: String,
    pub message: String,
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HighJob {
    Email(Email),
    /// The user's notifications waiting to be told by email, in one email (see
    /// [`crate::domain::notifications::email_batch`]).
    Digest {
        user_id: uuid::Uuid,
    },
    /// "Forgot password" for this address: the worker makes the link and sends it, if an account uses the address
    /// (see [`crate::domain::recovery`]).
    PasswordReset {
        email: String,
    },
    /// A link that confirms the user's own address (after sign-up, or asked for again); made and sent by the worker.
    VerifyEmail {
        user_id: uuid::Uuid,
    },
    /// A link, sent to `email`, that makes it the user's address once opened (see [`crate::domain::addresses`]).
    ConfirmEmailChange {
        user_id: uuid::Uuid,
        email: String,
    },
    /// Scheduled: deadline reminders and "waiting too long" alerts.
    Remind,
    /// Push notification `notification_id` to its recipient's subscribed browsers (see [`crate::domain::push`]).
    Push {
        notification_id: uuid::Uuid,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NormalJob {
    /// Scheduled: open jobs whose deadline passed become expired.
    ExpireOverdue,
    /// Send webhook delivery `delivery_id` (see [`crate::domain::integrations::deliveries`]).
    Webhook { delivery_id: uuid::Uuid },
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
/// wakes the lane's worker once it commits ([`committed`]).
const INSERT_PG: &str = "INSERT INTO apalis.jobs (job, id, job_type, status, attempts, max_attempts, run_at, \
     priority, metadata, idempotency_key) VALUES ($1, $2, $3, 'Pending', 0, $4, LEAST(to_timestamp($5), now()), 0, \
     NULL, $6) ON CONFLICT (job_type, idempotency_key) DO NOTHING";
const INSERT_SQLITE: &str =
    "INSERT INTO Jobs (job, id, job_type, status, attempts, max_attempts, run_at, \
     priority, metadata, idempotency_key) VALUES (?, ?, ?, 'Pending', 0, ?, ?, 0, '{}', ?) \
     ON CONFLICT (job_type, idempotency_key) DO NOTHING";

/// On PostgreSQL, the same for a job due later: its time as given (apalis's trigger announces only jobs already due).
/// SQLite takes every job's time as given, so [`INSERT_SQLITE`] serves both.
const INSERT_PG_LATER: &str = "INSERT INTO apalis.jobs (job, id, job_type, status, attempts, max_attempts, \
     run_at, priority, metadata, idempotency_key) VALUES ($1, $2, $3, 'Pending', 0, $4, to_timestamp($5), 0, NULL, \
     $6) ON CONFLICT (job_type, idempotency_key) DO NOTHING";

/// The lanes, in the order of their bits in a [`Lanes`] set.
pub const LANES: [&str; 3] = [HIGH, NORMAL, LOW];

/// A set of lanes, a bit each (see [`LANES`]).
pub type Lanes = u8;

/// Every lane.
pub const ALL_LANES: Lanes = 0b111;

fn lane_index(lane: &str) -> Option<usize> {
    LANES.iter().position(|l| *l == lane)
}

fn lane_bit(lane: &str) -> Option<Lanes> {
    lane_index(lane).map(|i| 1 << i)
}

/// The lane a statement puts a job on, if it is one of the enqueueing statements and the job is due already (every
/// lane when its queue is not one of ours, which does not happen). A job due later wakes nobody now.
pub(crate) fn enqueued_lanes(stmt: &Statement) -> Lanes {
    if stmt.sql != INSERT_PG && stmt.sql != INSERT_SQLITE {
        return 0;
    }
    let values = stmt.values.as_ref();
    if let Some(sea_orm::Value::BigInt(Some(run_at))) = values.and_then(|v| v.0.get(4)) {
        if *run_at > chrono::Utc::now().timestamp() {
            return 0;
        }
    }
    match values.and_then(|v| v.0.get(2)) {
        Some(sea_orm::Value::String(Some(queue))) => lane_bit(queue).unwrap_or(ALL_LANES),
        _ => ALL_LANES,
    }
}

/// This process's wake-up calls for its queue workers, one per lane: a counter bumped after a commit that put work
/// on that lane (and, on PostgreSQL, when an insert into it is announced by `NOTIFY`). Each lane's worker waits on
/// its own call instead of polling, and polls only as a slow safety net; a lane that got no work is left asleep.
fn wake_signals() -> &'static [tokio::sync::watch::Sender<u64>; 3] {
    static WAKE: std::sync::OnceLock<[tokio::sync::watch::Sender<u64>; 3]> =
        std::sync::OnceLock::new();
    WAKE.get_or_init(|| std::array::from_fn(|_| tokio::sync::watch::channel(0).0))
}

/// Wake this process's workers of `lanes`: work was just committed to them.
pub fn wake(lanes: Lanes) {
    for (i, signal) in wake_signals().iter().enumerate() {
        if lanes & (1 << i) != 0 {
            signal.send_modify(|n| *n = n.wrapping_add(1));
        }
    }
}

/// Wake the worker of the lane named `queue` (every lane for a name that is not one of ours).
pub fn wake_queue(queue: &str) {
    wake(lane_bit(queue).unwrap_or(ALL_LANES));
}

/// What to wake once a transaction that put work on `lanes` committed. On PostgreSQL nothing here: apalis's
/// trigger announces every insert (`NOTIFY` on commit) to the listener of every process, this one's included, and
/// waking the lane here as well made it fetch twice for each job.
pub(crate) fn committed(backend: DbBackend, lanes: Lanes) {
    if backend != DbBackend::Postgres {
        wake(lanes);
    }
}

/// A receiver that sees every wake-up of the lane named `queue` from now on (`None` for a name that is not one of
/// ours).
pub fn wake_ups(queue: &str) -> Option<tokio::sync::watch::Receiver<u64>> {
    Some(wake_signals()[lane_index(queue)?].subscribe())
}

/// Put a job on `queue` as part of the caller's transaction.
pub async fn enqueue<C: ConnectionTrait, T: Serialize>(
    db: &C,
    queue: &str,
    job: &T,
) -> Result<(), AppError> {
    insert(db, queue, job, None).await.map(|_| ())
}

/// Put a job on `queue` as part of the caller's transaction, due now, unless a job of this queue already holds `key`
/// (then `false`).
pub async fn enqueue_once<C: ConnectionTrait, T: Serialize>(
    db: &C,
    queue: &str,
    job: &T,
    key: &str,
) -> Result<bool, AppError> {
    insert(db, queue, job, Some(key)).await
}

/// Put a job on `queue` as part of the caller's transaction, due at `run_at` (later than now), unless a job of this
/// queue already holds `key` (then `false`). Nothing is woken: the job is not due yet, and whoever wants it run on
/// time wakes its lane then.
pub async fn enqueue_later<C: ConnectionTrait, T: Serialize>(
    db: &C,
    queue: &str,
    job: &T,
    key: &str,
    run_at: chrono::DateTime<chrono::Utc>,
) -> Result<bool, AppError> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => INSERT_PG_LATER,
        _ => INSERT_SQLITE,
    };
    insert_with(db, sql, queue, job, Some(key), run_at.timestamp()).await
}

/// Insert a job row; with a key, only if no job of this queue holds the same key (then `false`).
async fn insert<C: ConnectionTrait, T: Serialize>(
    db: &C,
    queue: &str,
    job: &T,
    key: Option<&str>,
) -> Result<bool, AppError> {
    // On PostgreSQL the job is due no later than the transaction's start (`now()`), so that apalis's trigger
    // announces it (`NOTIFY` on commit) to the workers of every process.
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => INSERT_PG,
        _ => INSERT_SQLITE,
    };
    insert_with(db, sql, queue, job, key, chrono::Utc::now().timestamp()).await
}

async fn insert_with<C: ConnectionTrait, T: Serialize>(
    db: &C,
    sql: &str,
    queue: &str,
    job: &T,
    key: Option<&str>,
    run_at: i64,
) -> Result<bool, AppError> {
    let payload = serde_json::to_vec(job).map_err(|e| {
        tracing::error!(error = %e, "could not encode a queued job");
        AppError::Internal
    })?;
    let id = ulid::Ulid::generate().to_string();
    let added = db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            [
                payload.into(),
                id.into(),
                queue.into(),
                MAX_ATTEMPTS.into(),
                run_at.into(),
                key.map(str::to_string).into(),
            ],
        ))
        .await?
        .rows_affected();
    Ok(added > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enqueue_on(backend: DbBackend, sql: &str, queue: &str) -> Statement {
        Statement::from_sql_and_values(
            backend,
            sql,
            [
                vec![1u8].into(),
                "01J".into(),
                queue.into(),
                MAX_ATTEMPTS.into(),
                0i64.into(),
                None::<String>.into(),
            ],
        )
    }

    /// An enqueue is known by its statement and names its own lane; anything else names none.
    #[test]
    fn an_enqueue_names_its_lane_and_only_it() {
        for (backend, sql) in [
            (DbBackend::Postgres, INSERT_PG),
            (DbBackend::Sqlite, INSERT_SQLITE),
        ] {
            assert_eq!(enqueued_lanes(&enqueue_on(backend, sql, HIGH)), 0b001);
            assert_eq!(enqueued_lanes(&enqueue_on(backend, sql, NORMAL)), 0b010);
            assert_eq!(enqueued_lanes(&enqueue_on(backend, sql, LOW)), 0b100);
            assert_eq!(
                enqueued_lanes(&enqueue_on(backend, sql, "jobs.someday")),
                ALL_LANES,
                "a queue that is not ours wakes every lane rather than none"
            );
            let other = Statement::from_string(backend, "SELECT 1");
            assert_eq!(enqueued_lanes(&other), 0);
        }
    }

    /// A job due later wakes nobody when it is committed (its lane is woken when it comes due).
    #[test]
    fn a_job_due_later_wakes_nobody_yet() {
        let later = chrono::Utc::now().timestamp() + 60;
        let stmt = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            INSERT_SQLITE,
            [
                vec![1u8].into(),
                "01J".into(),
                HIGH.into(),
                MAX_ATTEMPTS.into(),
                later.into(),
                Some("key".to_string()).into(),
            ],
        );
        assert_eq!(enqueued_lanes(&stmt), 0);
    }

    /// A wake-up reaches the lane it names.
    #[test]
    fn a_wake_up_reaches_the_lane_it_names() {
        assert!(wake_ups("jobs.someday").is_none());
        for lane in LANES {
            let mut rx = wake_ups(lane).expect("one of the lanes");
            rx.mark_unchanged();
            wake_queue(lane);
            assert!(rx.has_changed().unwrap_or(false), "{lane} was not woken");
        }
        let mut all: Vec<_> = LANES.iter().filter_map(|l| wake_ups(l)).collect();
        all.iter_mut().for_each(|rx| rx.mark_unchanged());
        wake_queue("jobs.someday");
        assert!(all.iter().all(|rx| rx.has_changed().unwrap_or(false)));
    }
}
