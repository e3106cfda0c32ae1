//! Server-only business rules. Plain async functions taking the acting user and a connection; no HTTP here.
//! The rules (this folder) stand on `entities` (the data model) and `infra` (storage, queue, events, sessions,
//! limits, passwords, tokens), which never import a rule. A rule that changes something publishes its own live
//! events after its transaction commits.

// The rules, over the infrastructure below them.
pub mod access;
pub mod accounts;
pub mod activity;
pub mod analytics;
pub mod assignments;
pub mod audit;
pub mod background;
pub mod clients;
pub mod distribution;
pub mod jobs;
pub mod notifications;
pub mod policy;
pub mod resumes;
pub mod schedule;
pub mod signins;
pub mod users;
pub mod work;

// What the rules stand on: the data model and the infrastructure.
pub mod entities;
pub mod infra;

use crate::api::AppError;
use sea_orm::DbErr;

/// Seconds a caller is told to wait when the database is unavailable.
pub const RETRY_AFTER_SECS: u64 = 5;

/// Database failures are logged with their cause and reported to the user as a plain sentence. A database that is
/// down, out of connections, or that gave up on this change (a lost connection, a serialization failure, a
/// deadlock, a statement timeout, SQLite busy past its timeout) is a 503 with `Retry-After`: the transaction was
/// rolled back whole, and trying again makes sense.
impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if unavailable(&err) {
            tracing::warn!(error = %err, "database unavailable");
            return AppError::Unavailable {
                retry_after_secs: RETRY_AFTER_SECS,
            };
        }
        tracing::error!(error = %err, "database error");
        AppError::Internal
    }
}

/// Whether an error says "try again later" rather than "this is wrong".
pub fn unavailable(err: &DbErr) -> bool {
    use sea_orm::{sqlx::Error as E, RuntimeErr};
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e)) => {
            match e.as_ref() {
                E::Io(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed | E::Protocol(_) => {
                    true
                }
                E::Database(db) => db.code().is_some_and(|code| {
                    // PostgreSQL: connection exceptions (08…), serialization failure, deadlock, statement timeout or
                    // cancel, shutdown and "cannot connect now", too many connections. SQLite: busy, locked.
                    code.starts_with("08")
                        || matches!(
                            code.as_ref(),
                            "40001"
                                | "40P01"
                                | "57014"
                                | "57P01"
                                | "57P02"
                                | "57P03"
                                | "53300"
                                | "5"
                                | "6"
                                | "261"
                                | "517"
                        )
                }),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Who is acting: every service that changes or reveals data takes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: uuid::Uuid,
    pub role: crate::api::Role,
}

/// Where a request came from, for the activity log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// Start a transaction that will write. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`, waiting up to
/// the busy timeout) instead of upgrading a read snapshot later, which SQLite refuses outright when another writer
/// (a request, the queue worker) committed in between. PostgreSQL ignores the mode.
///
/// BEGIN runs in a task of its own, so that it is never cut short. sqlx counts a transaction only once BEGIN has
/// answered: a caller cancelled (a client gone, a timeout) while BEGIN was in flight handed its connection back to
/// the pool inside a transaction nobody knew of, and the next request's BEGIN, COMMIT or ROLLBACK landed in it
/// ("there is already a transaction in progress").
pub async fn begin_write(
    db: &sea_orm::DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    use sea_orm::TransactionTrait;
    let db = db.clone();
    finish(async move {
        db.begin_with_options(sea_orm::TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
    })
    .await
}

/// Commit in a task of its own, for the same reason: a caller cancelled while COMMIT was in flight left the
/// transaction marked open, and the ROLLBACK queued when it was dropped then ran on the next request
/// ("there is no transaction in progress"). A transaction dropped without commit rolls back cleanly.
pub async fn commit(txn: sea_orm::DatabaseTransaction) -> Result<(), sea_orm::DbErr> {
    finish(txn.commit()).await
}

/// Run a database step to its end whatever happens to the caller.
async fn finish<T: Send + 'static>(
    step: impl std::future::Future<Output = Result<T, sea_orm::DbErr>> + Send + 'static,
) -> Result<T, sea_orm::DbErr> {
    tokio::spawn(step)
        .await
        .map_err(|e| sea_orm::DbErr::Custom(format!("a database step did not finish: {e}")))?
}
