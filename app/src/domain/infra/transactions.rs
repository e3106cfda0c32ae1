//! Write transactions that survive their caller being cancelled, and what database failures mean to a user: a
//! 503 with `Retry-After` when trying again makes sense, retried inside the server when the write lost to a
//! conflicting one.

use crate::api::AppError;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, ExecResult, QueryResult, Statement};

/// Seconds a caller is told to wait when the database is unavailable.
pub const RETRY_AFTER_SECS: u64 = 5;

/// Seconds a caller is told to wait after a write lost to a conflicting one (a deadlock, a serialization failure,
/// SQLite busy) more often than the server retries it by itself.
pub const CONFLICT_RETRY_AFTER_SECS: u64 = 1;

/// How many times a write that lost to a conflicting one runs in all before its caller is told to try again.
pub const CONFLICT_ATTEMPTS: u32 = 4;

/// Database failures are logged with their cause and reported to the user as a plain sentence. A database that is
/// down, out of connections, or that gave up on this change (a lost connection, a serialization failure, a
/// deadlock, a statement timeout, SQLite busy past its timeout) is a 503 with `Retry-After`: the transaction was
/// rolled back whole, and trying again makes sense. A conflict with another write says so by its shorter
/// `Retry-After` ([`CONFLICT_RETRY_AFTER_SECS`]), which is also how [`retrying`] knows to run the write again.
impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if conflict(&err) {
            tracing::info!(error = %err, "a write lost to a conflicting one");
            return AppError::Unavailable {
                retry_after_secs: CONFLICT_RETRY_AFTER_SECS,
            };
        }
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
                    // cancel, lock timeout, shutdown and "cannot connect now", too many connections. SQLite: busy, locked.
                    code.starts_with("08")
                        || matches!(
                            code.as_ref(),
                            "40001"
                                | "40P01"
                                | "57014"
                                | "55P03"
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

/// Whether the database gave up on this change because of another one: a deadlock or a serialization failure on
/// PostgreSQL, busy or locked on SQLite. The change was rolled back whole; running it again is safe.
pub fn conflict(err: &DbErr) -> bool {
    use sea_orm::{sqlx::Error as E, RuntimeErr};
    match err {
        DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e)) => {
            match e.as_ref() {
                E::Database(db) => db.code().is_some_and(|code| {
                    matches!(code.as_ref(), "40001" | "40P01" | "5" | "6" | "261" | "517")
                }),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether `err` is what [`From<DbErr>`] makes of a conflict.
pub fn is_conflict(err: &AppError) -> bool {
    matches!(err, AppError::Unavailable { retry_after_secs } if *retry_after_secs == CONFLICT_RETRY_AFTER_SECS)
}

/// Run a write (its whole transaction, from `begin_write` to `commit`) again when it loses to a conflicting one, up
/// to [`CONFLICT_ATTEMPTS`] times in all, after a short randomized pause that grows with each attempt. Each attempt
/// must start from scratch: whatever the failed one wrote was rolled back with its transaction.
pub async fn retrying<T, F, Fut>(mut write: F) -> Result<T, AppError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let mut attempt = 1;
    loop {
        match write().await {
            Err(e) if is_conflict(&e) && attempt < CONFLICT_ATTEMPTS => {
                // 10–30 ms, 20–60 ms, 40–120 ms: enough for the other write to finish, far below the request timeout.
                let base = 10u64 << (attempt - 1);
                let jitter = u64::from(uuid::Uuid::new_v4().as_u128() as u16) % (2 * base);
                tracing::info!(attempt, "retrying a write that lost to a conflicting one");
                tokio::time::sleep(std::time::Duration::from_millis(base + jitter)).await;
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// A transaction that will write. On SQLite it also holds this process's turn to write: SQLite lets one writer in
/// at a time, and writers that waited for its lock inside `BEGIN` each held a pooled connection meanwhile, so a
/// writer slower than usual (another process's, a long cleanup) left later requests without a connection (503).
/// Writers now wait for their turn first, in arrival order, without a connection; readers are never held up.
pub struct WriteTxn {
    // Dropped first: a transaction dropped without commit rolls back before the turn passes on.
    txn: sea_orm::DatabaseTransaction,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// The lanes it put work on: their workers are woken once it commits.
    queued: std::sync::atomic::AtomicU8,
}

/// How long a writer waits for its turn on SQLite before it is told to try again (503): well inside the request
/// timeout.
const TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(15);

/// This process's write turn for a SQLite database file (one per file, so tests with a database each keep theirs).
fn write_turn(db: &sea_orm::DatabaseConnection) -> Option<std::sync::Arc<tokio::sync::Mutex<()>>> {
    use std::{
        collections::HashMap,
        sync::{Arc, Mutex, OnceLock},
    };
    if db.get_database_backend() != sea_orm::DbBackend::Sqlite {
        return None;
    }
    static TURNS: OnceLock<Mutex<HashMap<std::path::PathBuf, Arc<tokio::sync::Mutex<()>>>>> =
        OnceLock::new();
    let file = db
        .get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .to_path_buf();
    let mut turns = TURNS.get_or_init(Default::default).lock().ok()?;
    Some(turns.entry(file).or_default().clone())
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let lanes = super::queue::enqueued_lanes(&stmt);
        if lanes != 0 {
            self.queued
                .fetch_or(lanes, std::sync::atomic::Ordering::Relaxed);
        }
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

/// Start a transaction that will write. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`, waiting up to
/// the busy timeout) instead of upgrading a read snapshot later, which SQLite refuses outright when another writer
/// (a request, the queue worker) committed in between. PostgreSQL ignores the mode.
///
/// BEGIN runs in a task of its own, so that it is never cut short. sqlx counts a transaction only once BEGIN has
/// answered: a caller cancelled (a client gone, a timeout) while BEGIN was in flight handed its connection back to
/// the pool inside a transaction nobody knew of, and the next request's BEGIN, COMMIT or ROLLBACK landed in it
/// ("there is already a transaction in progress").
pub async fn begin_write(db: &sea_orm::DatabaseConnection) -> Result<WriteTxn, DbErr> {
    use sea_orm::TransactionTrait;
    let turn = match write_turn(db) {
        Some(turn) => Some(
            tokio::time::timeout(TURN_WAIT, turn.lock_owned())
                .await
                .map_err(|_| DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout))?,
        ),
        None => None,
    };
    let db = db.clone();
    let txn = finish(async move {
        db.begin_with_options(sea_orm::TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
    })
    .await?;
    Ok(WriteTxn {
        txn,
        _turn: turn,
        queued: Default::default(),
    })
}

/// Commit in a task of its own, for the same reason: a caller cancelled while COMMIT was in flight left the
/// transaction marked open, and the ROLLBACK queued when it was dropped then ran on the next request
/// ("there is no transaction in progress"). A transaction dropped without commit rolls back cleanly.
pub async fn commit(txn: WriteTxn) -> Result<(), DbErr> {
    let WriteTxn { txn, _turn, queued } = txn;
    let backend = txn.get_database_backend();
    finish(async move {
        let done = txn.commit().await;
        drop(_turn);
        let lanes = queued.into_inner();
        if done.is_ok() && lanes != 0 {
            super::queue::committed(backend, lanes);
        }
        done
    })
    .await
}

/// Run a database step to its end whatever happens to the caller.
async fn finish<T: Send + 'static>(
    step: impl std::future::Future<Output = Result<T, sea_orm::DbErr>> + Send + 'static,
) -> Result<T, sea_orm::DbErr> {
    tokio::spawn(step)
        .await
        .map_err(|e| sea_orm::DbErr::Custom(format!("a database step did not finish: {e}")))?
}
