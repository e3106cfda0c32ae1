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

/// Database failures are logged with their cause and reported to the user as a plain sentence.
impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        tracing::error!(error = %err, "database error");
        AppError::Internal
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
