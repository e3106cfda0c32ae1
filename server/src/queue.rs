//! The background workers: apalis on the application database. `server serve` runs them in-process.

use std::{sync::Arc, time::Duration};

use apalis::{
    layers::retry::{
        backoff::{ExponentialBackoffMaker, MakeBackoff},
        HasherRng,
    },
    prelude::*,
};
use app::domain::queue::{HighJob, HIGH, MAX_ATTEMPTS};
use sea_orm::{DatabaseConnection, DbBackend};

use crate::{error::StartupError, mailer::Mailer};

/// Create apalis's tables (SQLite: its migrations only, not `setup()`, which would turn off synchronous writes for
/// the shared pool; PostgreSQL: schema `apalis`).
pub async fn migrate(db: &DatabaseConnection) -> Result<(), StartupError> {
    let fail = |e: &dyn std::fmt::Display| StartupError::Config(format!("queue tables: {e}"));
    match db.get_database_backend() {
        DbBackend::Postgres => {
            apalis_postgres::PostgresStorage::setup(db.get_postgres_connection_pool())
                .await
                .map_err(|e| fail(&e))
        }
        _ => apalis_sqlite::SqliteStorage::migrations()
            .run(db.get_sqlite_connection_pool())
            .await
            .map_err(|e| fail(&e)),
    }
}

async fn handle(job: HighJob, mailer: Data<Arc<Mailer>>) -> Result<(), BoxDynError> {
    match job {
        HighJob::Email(e) => {
            mailer.send(&e).await.map_err(|err| {
                tracing::warn!(error = %err, "email not sent; it will be retried");
                BoxDynError::from(err)
            })?;
            tracing::info!(subject = %e.subject, "email sent");
            Ok(())
        }
    }
}

/// Run the high lane until the task is dropped. Worker names are unique per start, so a job a killed worker held
/// is picked up again once that worker is seen dead.
pub fn spawn_workers(
    db: DatabaseConnection,
    mailer: Arc<Mailer>,
    heartbeat: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let name = format!("high-{}", uuid::Uuid::now_v7().simple());
        let backoff = match ExponentialBackoffMaker::new(
            Duration::from_millis(500),
            Duration::from_secs(300),
            0.5,
            HasherRng::default(),
        ) {
            Ok(mut b) => b.make_backoff(),
            Err(e) => {
                tracing::error!(error = %e, "queue backoff settings are invalid");
                return;
            }
        };
        let retry = RetryPolicy::retries((MAX_ATTEMPTS - 1) as usize).with_backoff(backoff);
        let poll = Strategy::new().interval(Duration::from_millis(250));
        let result = match db.get_database_backend() {
            DbBackend::Postgres => {
                let storage: apalis_postgres::PostgresStorage<HighJob> =
                    apalis_postgres::PostgresStorage::new(db.get_postgres_connection_pool())
                        .with_config(
                            apalis_postgres::Config::default()
                                .queue(HIGH)
                                .heartbeat_interval(heartbeat)
                                .missed_heartbeats(3),
                        );
                WorkerBuilder::new(name)
                    .backend(storage.poll_with_strategy(poll))
                    .retry(retry)
                    .concurrency(4)
                    .data(mailer)
                    .build(handle)
                    .run()
                    .await
                    .map_err(|e| e.to_string())
            }
            _ => {
                let storage: apalis_sqlite::SqliteStorage<HighJob> =
                    apalis_sqlite::SqliteStorage::new(db.get_sqlite_connection_pool()).with_config(
                        apalis_sqlite::Config::default()
                            .queue(HIGH)
                            .heartbeat_interval(heartbeat)
                            .missed_heartbeats(3),
                    );
                WorkerBuilder::new(name)
                    .backend(storage.poll_with_strategy(poll))
                    .retry(retry)
                    .concurrency(4)
                    .data(mailer)
                    .build(handle)
                    .run()
                    .await
                    .map_err(|e| e.to_string())
            }
        };
        if let Err(e) = result {
            tracing::error!(error = %e, "the queue worker stopped");
        }
    })
}
