//! The background workers: apalis on the application database, one worker per priority lane (high: email and
//! reminders; normal: expiring overdue jobs; low: cleanup), plus the scheduler that puts the periodic jobs on the
//! lanes. `server serve` runs them in-process; `server worker` runs only them.

use std::{sync::Arc, time::Duration};

use apalis::{
    layers::retry::{
        backoff::{ExponentialBackoffMaker, MakeBackoff},
        HasherRng,
    },
    prelude::*,
};
use app::domain::{
    infra::{
        events::EventBus,
        queue::{HighJob, LowJob, NormalJob, HIGH, LOW, MAX_ATTEMPTS, NORMAL},
        storage::Storage,
    },
    schedule::{self, Rules},
};
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

/// How the workers run.
#[derive(Debug, Clone)]
pub struct QueueSettings {
    /// How often a worker proves it is alive; one silent for three beats is dead and its jobs run again.
    pub heartbeat: Duration,
    /// The scheduler's base period (reminders and expiry run once per period, cleanup less often); `None`
    /// turns the scheduler off in this process.
    pub schedule_every: Option<Duration>,
    pub rules: Rules,
}

/// What the job handlers use.
pub struct Workers {
    pub db: DatabaseConnection,
    pub mailer: Arc<Mailer>,
    pub storage: Arc<dyn Storage>,
    pub events: EventBus,
    pub settings: QueueSettings,
}

fn fail(what: &str, e: impl std::fmt::Display) -> BoxDynError {
    tracing::warn!(error = %e, "{what} failed; it will be retried");
    BoxDynError::from(format!("{what}: {e}"))
}

async fn high(job: HighJob, w: Data<Arc<Workers>>) -> Result<(), BoxDynError> {
    match job {
        HighJob::Email(e) => {
            w.mailer.send(&e).await.map_err(|err| fail("email", err))?;
            tracing::info!(subject = %e.subject, "email sent");
        }
        HighJob::Remind => {
            schedule::run_reminders(&w.db, &w.events, &w.settings.rules, chrono::Utc::now())
                .await
                .map_err(|e| fail("deadline reminders and waiting-job alerts", e))?;
        }
    }
    Ok(())
}

async fn normal(job: NormalJob, w: Data<Arc<Workers>>) -> Result<(), BoxDynError> {
    match job {
        NormalJob::ExpireOverdue => {
            let expired = schedule::run_expiry(&w.db, &w.events, chrono::Utc::now())
                .await
                .map_err(|e| fail("expiring jobs", e))?;
            if expired > 0 {
                tracing::info!(jobs = expired, "expired jobs past their deadline");
            }
        }
    }
    Ok(())
}

async fn low(job: LowJob, w: Data<Arc<Workers>>) -> Result<(), BoxDynError> {
    let now = chrono::Utc::now();
    match job {
        LowJob::CleanUp => {
            let c = schedule::clean_up(&w.db, &w.settings.rules, now)
                .await
                .map_err(|e| fail("cleanup", e))?;
            tracing::info!(
                sessions = c.sessions,
                throttles = c.throttles,
                queue_entries = c.queue_entries,
                api_tokens = c.api_tokens,
                "cleanup done"
            );
        }
        LowJob::CleanOrphanFiles => {
            let n = schedule::clean_orphan_files(&w.db, w.storage.as_ref(), &w.settings.rules, now)
                .await
                .map_err(|e| fail("orphaned files", e))?;
            tracing::info!(removed = n, "orphaned files swept");
        }
    }
    Ok(())
}

/// Run one lane's worker until it stops. Worker names are unique per start, so a job a killed worker held is
/// picked up again once that worker is seen dead.
macro_rules! lane {
    ($w:expr, $job:ty, $queue:expr, $concurrency:expr, $poll:expr, $handler:expr) => {{
        let w: Arc<Workers> = $w;
        let name = format!("{}-{}", $queue, uuid::Uuid::now_v7().simple());
        let heartbeat = w.settings.heartbeat;
        let poll = Strategy::new().interval($poll);
        let db = w.db.clone();
        let run = async {
            let backoff = ExponentialBackoffMaker::new(
                Duration::from_millis(500),
                Duration::from_secs(300),
                0.5,
                HasherRng::default(),
            )
            .map_err(|e| e.to_string())?
            .make_backoff();
            let retry = RetryPolicy::retries((MAX_ATTEMPTS - 1) as usize).with_backoff(backoff);
            match db.get_database_backend() {
                DbBackend::Postgres => {
                    let storage: apalis_postgres::PostgresStorage<$job> =
                        apalis_postgres::PostgresStorage::new(db.get_postgres_connection_pool())
                            .with_config(
                                apalis_postgres::Config::default()
                                    .queue($queue)
                                    .heartbeat_interval(heartbeat)
                                    .missed_heartbeats(3),
                            );
                    WorkerBuilder::new(name)
                        .backend(storage.poll_with_strategy(poll))
                        .concurrency($concurrency)
                        .retry(retry)
                        .data(w)
                        .build($handler)
                        .run()
                        .await
                        .map_err(|e| e.to_string())
                }
                _ => {
                    let storage: apalis_sqlite::SqliteStorage<$job> =
                        apalis_sqlite::SqliteStorage::new(db.get_sqlite_connection_pool())
                            .with_config(
                                apalis_sqlite::Config::default()
                                    .queue($queue)
                                    .heartbeat_interval(heartbeat)
                                    .missed_heartbeats(3),
                            );
                    WorkerBuilder::new(name)
                        .backend(storage.poll_with_strategy(poll))
                        .concurrency($concurrency)
                        .retry(retry)
                        .data(w)
                        .build($handler)
                        .run()
                        .await
                        .map_err(|e| e.to_string())
                }
            }
        };
        if let Err(e) = run.await {
            tracing::error!(error = %e, queue = $queue, "a queue worker stopped");
        }
    }};
}

/// Put the periodic jobs on their lanes, on this process's clock (several processes may do it: the queue keeps
/// one job per period).
async fn scheduler(db: DatabaseConnection, every: Duration) {
    let check = (every / 2).clamp(Duration::from_millis(200), Duration::from_secs(30));
    let mut tick = tokio::time::interval(check);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        if let Err(e) =
            app::domain::infra::queue::enqueue_scheduled(&db, every, chrono::Utc::now()).await
        {
            tracing::warn!(error = %e, "could not enqueue scheduled work");
        }
    }
}

/// Run the three lanes (and the scheduler, unless turned off) until the task is dropped.
pub fn spawn_workers(w: Workers) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let w = Arc::new(w);
        let schedule = {
            let db = w.db.clone();
            let every = w.settings.schedule_every;
            async move {
                match every {
                    Some(every) => scheduler(db, every).await,
                    None => std::future::pending().await,
                }
            }
        };
        tokio::join!(
            async {
                lane!(
                    w.clone(),
                    HighJob,
                    HIGH,
                    4,
                    Duration::from_millis(250),
                    high
                )
            },
            async {
                lane!(
                    w.clone(),
                    NormalJob,
                    NORMAL,
                    2,
                    Duration::from_secs(1),
                    normal
                )
            },
            async { lane!(w.clone(), LowJob, LOW, 1, Duration::from_secs(1), low) },
            schedule,
        );
    })
}
