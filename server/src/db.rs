//! Connecting to the database and migrating it.

use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::error::StartupError;

/// Connect to SQLite (WAL, foreign keys on, waits instead of failing when busy) or PostgreSQL.
pub async fn connect(url: &str) -> Result<DatabaseConnection, StartupError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap_or_default();
        if let Some(dir) = std::path::Path::new(file).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)?;
            }
        }
    }
    let mut opts = ConnectOptions::new(url.to_string());
    opts.max_connections(if url.starts_with("sqlite") { 8 } else { 20 })
        .connect_timeout(Duration::from_secs(10))
        // Out of connections: answer 503 after a few seconds rather than hold the request for its whole timeout.
        // Long enough for a burst to drain (200 delegations at once by one client queue on that client's lock,
        // each holding a connection meanwhile); a database that is down refuses new connections at once anyway.
        .acquire_timeout(Duration::from_secs(5))
        // Ping a pooled connection only once it sat idle for 30 s (a dropped connection is likely then); pinging on
        // every checkout cost one extra round trip per statement outside a transaction (15 per delegation).
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
        });
    Ok(Database::connect(opts).await?)
}

/// A pool on the read replica, connected on first use (a replica that is down at start does not stop it), with short
/// timeouts so that a replica that stops answering hands its reads to the primary quickly.
pub async fn connect_replica(url: &str) -> Result<DatabaseConnection, StartupError> {
    if !url.starts_with("postgres") {
        return Err(StartupError::Config(
            "DATABASE_READ_URL must be a PostgreSQL URL (a streaming replica of DATABASE_URL)"
                .into(),
        ));
    }
    let mut opts = ConnectOptions::new(url.to_string());
    opts.max_connections(10)
        .min_connections(0)
        .connect_timeout(Duration::from_secs(1))
        .acquire_timeout(Duration::from_secs(1))
        .test_before_acquire_if_idle_for(Duration::from_secs(5))
        .sqlx_logging(false)
        .connect_lazy(true);
    Ok(Database::connect(opts).await?)
}

/// Apply every pending migration. A failure stops startup: never serve on a half-migrated schema.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), StartupError> {
    Migrator::up(db, None).await?;
    crate::queue::migrate(db).await?;
    // Delegations written before postings had an identity get theirs (a no-op once done).
    let keyed = app::domain::jobs::backfill_posting_keys(db).await?;
    if keyed > 0 {
        tracing::info!(
            keyed,
            "computed the posting identity of earlier delegations"
        );
    }
    Ok(())
}
