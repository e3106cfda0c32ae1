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
    addresses,
    infra::{
        events::EventBus,
        queue::{self, HighJob, LowJob, NormalJob, HIGH, LOW, MAX_ATTEMPTS, NORMAL},
        storage::Storage,
    },
    notifications, recovery,
    schedule::{self, Rules},
};
use sea_orm::{DatabaseConnection, DbBackend};

use crate::{error::StartupError, mailer::Mailer};

mod digest;
mod wakeup;
pub use wakeup::SAFETY_POLL;
use wakeup::{listen_for_jobs, WakeUp};

/// Create apalis's tables (SQLite: its migrations only, not `setup()`, which would turn off synchronous writes for
/// the shared pool; PostgreSQL: schema `apalis`).
pub async fn migrate(db: &DatabaseConnection) -> Result<(), StartupError> {
    let fail = |e: &dyn std::fmt::Display| StartupError::Config(format!("queue tables: {e}"));
    match db.get_database_backend() {
        DbBackend::Postgres => {
            apalis_postgres::PostgresStorage::setup(db.get_postgres_connection_pool())
                .await
                .map_err(|e| fail(&e))?;
            use sea_orm::ConnectionTrait;
            db.execute_unprepared(LIVE_LOCK_INDEX)
                .await
                .map(|_| ())
                .map_err(|e| fail(&e))
        }
        _ => apalis_sqlite::SqliteStorage::migrations()
            .run(db.get_sqlite_connection_pool())
            .await
            .map_err(|e| fail(&e)),
    }
}

/// apalis indexes `lock_by` over every job, finished ones included (twice: `lidx` from its first migration too),
/// and its acknowledgement and heartbeat look a worker's jobs up by `lock_by` first: each acknowledgement read every
/// job the worker had ever done (1.3 ms after 20,000 emails, and growing until the cleanup removes finished jobs).
/// Only the jobs in flight are indexed by their worker now; those two statements then find their few jobs by id,
/// and the statements that do want a dead worker's jobs in flight (`Running` or `Queued`) use this index. Replicas
/// starting together take turns.
const LIVE_LOCK_INDEX: &str = "BEGIN; \
     SELECT pg_advisory_xact_lock(hashtext('jobdelegate: apalis live lock index')); \
     DROP INDEX IF EXISTS apalis.idx_apalis_jobs_lock_by; \
     DROP INDEX IF EXISTS apalis.lidx; \
     CREATE INDEX IF NOT EXISTS jd_apalis_jobs_live_lock_by ON apalis.jobs (lock_by) \
     WHERE status = 'Running' OR status = 'Queued'; \
     COMMIT;";

/// How the workers run.
#[derive(Debug, Clone)]
pub struct QueueSettings {
    /// How often a worker proves it is alive; one silent for three beats is dead and its jobs run again.
    pub heartbeat: Duration,
    /// The scheduler's base period (reminders and expiry run once per period, cleanup less often); `None`
    /// turns the scheduler off in this process.
    pub schedule_every: Option<Duration>,
    pub rules: Rules,
    /// How this process's lanes are doing (shared with `/readyz`).
    pub health: Arc<LaneHealth>,
    /// How long notification emails are gathered ([`notifications::email_batch`]).
    pub email_batch: Duration,
    /// How webhook deliveries are retried, and when an endpoint is turned off.
    pub webhooks: app::domain::integrations::deliveries::RetryPolicy,
}

/// One lane as this process runs it.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct LaneState {
    /// Whether the lane's worker is running now (false while it waits to be restarted).
    pub running: bool,
    /// How many times the lane's worker stopped and was started again.
    pub restarts: u32,
    /// Why it last stopped.
    pub last_stop: Option<String>,
}

/// The lanes this process runs: empty in `serve --no-workers`.
#[derive(Debug, Default)]
pub struct LaneHealth {
    lanes: std::sync::Mutex<std::collections::BTreeMap<&'static str, LaneState>>,
}

impl LaneHealth {
    fn update(&self, lane: &'static str, f: impl FnOnce(&mut LaneState)) {
        if let Ok(mut lanes) = self.lanes.lock() {
            f(lanes.entry(lane).or_default());
        }
    }

    /// A copy of every lane's state, by lane name.
    pub fn snapshot(&self) -> std::collections::BTreeMap<&'static str, LaneState> {
        self.lanes.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

/// What the job handlers use.
pub struct Workers {
    pub db: DatabaseConnection,
    pub mailer: Arc<Mailer>,
    pub pusher: Arc<crate::push::Pusher>,
    pub storage: Arc<dyn Storage>,
    pub events: EventBus,
    pub settings: QueueSettings,
    /// Opens the webhooks' sealed secrets.
    pub tokens: Arc<app::domain::infra::tokens::TokenKeys>,
    pub webhooks: Arc<crate::webhooks::Sender>,
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
        HighJob::Digest { user_id } => digest::send(Arc::clone(&w), user_id).await?,
        HighJob::PasswordReset { email } => {
            // Made here, not when asked for: the link's token is never stored, only its hash.
            let message = recovery::reset_email(&w.db, &email)
                .await
                .map_err(|e| fail("password reset", e))?;
            if let Some(m) = message {
                w.mailer.send(&m).await.map_err(|err| fail("email", err))?;
                tracing::info!("password reset link sent");
            }
        }
        HighJob::VerifyEmail { user_id } => {
            let message = addresses::verification_email(&w.db, user_id)
                .await
                .map_err(|e| fail("email confirmation", e))?;
            if let Some(m) = message {
                w.mailer.send(&m).await.map_err(|err| fail("email", err))?;
                tracing::info!("email confirmation link sent");
            }
        }
        HighJob::ConfirmEmailChange { user_id, email } => {
            let message = addresses::change_email(&w.db, user_id, &email)
                .await
                .map_err(|e| fail("new address confirmation", e))?;
            if let Some(m) = message {
                w.mailer.send(&m).await.map_err(|err| fail("email", err))?;
                tracing::info!("new address confirmation link sent");
            }
        }
        HighJob::Push { notification_id } => push(&w, notification_id).await?,
        HighJob::Remind => {
            let now = chrono::Utc::now();
            schedule::run_reminders(&w.db, &w.events, &w.settings.rules, now)
                .await
                .map_err(|e| fail("deadline reminders and waiting-job alerts", e))?;
            let late = notifications::sweep_email(&w.db, now)
                .await
                .map_err(|e| fail("late notification emails", e))?;
            if late > 0 {
                tracing::info!(recipients = late, "queued notification emails left behind");
            }
        }
    }
    Ok(())
}

/// Push a notification to every browser its recipient subscribed. A push service that failed makes the job run again
/// (the others may then get it twice: a push is told at least once); a subscription its service calls gone is
/// forgotten.
async fn push(w: &Workers, notification_id: uuid::Uuid) -> Result<(), BoxDynError> {
    use app::domain::push;
    let Some(pending) = push::pending(&w.db, notification_id)
        .await
        .map_err(|e| fail("push", e))?
    else {
        return Ok(());
    };
    let body = serde_json::to_vec(&pending.message).map_err(|e| fail("push", e))?;
    let mut failed = None;
    for target in &pending.targets {
        match w.pusher.send(target, &body).await {
            Ok(crate::push::Sent::Delivered) => push::delivered(&w.db, target.id)
                .await
                .map_err(|e| fail("push", e))?,
            Ok(crate::push::Sent::Gone) => {
                tracing::info!("a browser's push subscription is gone; forgotten");
                push::gone(&w.db, target.id)
                    .await
                    .map_err(|e| fail("push", e))?
            }
            Ok(crate::push::Sent::Refused(status)) => {
                tracing::warn!(status, "a push service refused a push for good")
            }
            Err(e) => failed = Some(e),
        }
    }
    if let Some(e) = failed {
        return Err(fail("push", e));
    }
    push::pushed(&w.db, notification_id)
        .await
        .map_err(|e| fail("push", e))?;
    tracing::info!(devices = pending.targets.len(), "notification pushed");
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
        NormalJob::Webhook { delivery_id } => crate::webhooks::deliver(
            &w.db,
            &w.tokens,
            &w.webhooks,
            &w.settings.webhooks,
            delivery_id,
        )
        .await
        .map_err(|e| fail("webhook delivery", e))?,
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
                reset_links = c.reset_links,
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

/// Connections of each lane's own pool: the queue's storage calls (fetch, heartbeat, acknowledgement) run on it,
/// never on the pool that serves requests.
const LANE_CONNECTIONS: u32 = 3;

/// Close a stopped lane's pool. apalis's storage calls open transactions with sqlx's `begin`, which is not safe to
/// cut short (a BEGIN in flight when its future is dropped leaves the connection inside a transaction nobody
/// knows of), and a worker that stops drops whatever storage call it had in flight. Closing the lane's own pool
/// ends those connections (the database rolls back anything they held), so nothing a stopped worker left half
/// done reaches a request or the restarted worker.
async fn close_lane_pool(close: impl std::future::Future<Output = ()>) {
    if tokio::time::timeout(Duration::from_secs(5), close)
        .await
        .is_err()
    {
        tracing::warn!("a stopped queue lane's connections did not close within 5 s");
    }
}

/// Run one lane's worker until it stops. Worker names are unique per start, so a job a killed worker held is
/// picked up again once that worker is seen dead.
macro_rules! lane {
    ($w:expr, $job:ty, $queue:expr, $concurrency:expr, $handler:expr) => {{
        let w: Arc<Workers> = $w;
        let name = format!("{}-{}", $queue, uuid::Uuid::now_v7().simple());
        let heartbeat = w.settings.heartbeat;
        let poll = WakeUp::new($queue, SAFETY_POLL);
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
                    let pool = sea_orm::sqlx::postgres::PgPoolOptions::new()
                        .max_connections(LANE_CONNECTIONS)
                        .min_connections(0)
                        .acquire_timeout(Duration::from_secs(5))
                        .idle_timeout(Duration::from_secs(60))
                        .connect_lazy_with(
                            (*db.get_postgres_connection_pool().connect_options()).clone(),
                        );
                    let storage: apalis_postgres::PostgresStorage<$job> =
                        apalis_postgres::PostgresStorage::new(&pool).with_config(
                            apalis_postgres::Config::default()
                                .queue($queue)
                                .heartbeat_interval(heartbeat)
                                .missed_heartbeats(3),
                        );
                    let stopped = WorkerBuilder::new(name)
                        .backend(storage.poll_with_strategy(poll))
                        .concurrency($concurrency)
                        .retry(retry)
                        .data(w)
                        .build($handler)
                        .run()
                        .await
                        .map_err(|e| e.to_string());
                    close_lane_pool(pool.close()).await;
                    stopped
                }
                _ => {
                    let pool = sea_orm::sqlx::sqlite::SqlitePoolOptions::new()
                        .max_connections(LANE_CONNECTIONS)
                        .min_connections(0)
                        .acquire_timeout(Duration::from_secs(5))
                        .idle_timeout(Duration::from_secs(60))
                        .connect_lazy_with(
                            (*db.get_sqlite_connection_pool().connect_options()).clone(),
                        );
                    let storage: apalis_sqlite::SqliteStorage<$job> =
                        apalis_sqlite::SqliteStorage::new(&pool).with_config(
                            apalis_sqlite::Config::default()
                                .queue($queue)
                                .heartbeat_interval(heartbeat)
                                .missed_heartbeats(3),
                        );
                    let stopped = WorkerBuilder::new(name)
                        .backend(storage.poll_with_strategy(poll))
                        .concurrency($concurrency)
                        .retry(retry)
                        .data(w)
                        .build($handler)
                        .run()
                        .await
                        .map_err(|e| e.to_string());
                    close_lane_pool(pool.close()).await;
                    stopped
                }
            }
        };
        match run.await {
            Err(e) => e,
            Ok(()) => "the worker ended".to_string(),
        }
    }};
}

/// The pause before a stopped lane's first restart; it doubles while the lane keeps stopping, up to 30 times it.
const RESTART_PAUSE: Duration = Duration::from_secs(1);

/// Keep a lane running: a worker that stops (its storage failed, a handler panicked) is logged, counted in
/// `/readyz`, and started again after a pause that grows from `first_pause` to 30 times it while it keeps stopping
/// at once.
async fn supervise<F, Fut>(
    health: Arc<LaneHealth>,
    lane: &'static str,
    first_pause: Duration,
    start: F,
) where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = String> + Send + 'static,
{
    let mut pause = first_pause;
    loop {
        health.update(lane, |l| l.running = true);
        let started = std::time::Instant::now();
        let why = match tokio::spawn(start()).await {
            Ok(why) => why,
            Err(e) if e.is_panic() => "the worker panicked".to_string(),
            Err(_) => return, // cancelled: the process is stopping
        };
        health.update(lane, |l| {
            l.running = false;
            l.restarts += 1;
            l.last_stop = Some(why.clone());
        });
        if started.elapsed() > Duration::from_secs(60) {
            pause = first_pause;
        }
        tracing::error!(error = %why, queue = lane, restart_in = ?pause, "a queue worker stopped; restarting it");
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(first_pause * 30);
    }
}

/// Put the periodic jobs on their lanes, on this process's clock (several processes may do it: the queue keeps
/// one job per period).
async fn scheduler(db: DatabaseConnection, every: Duration) {
    let check = (every / 2).clamp(Duration::from_millis(200), Duration::from_secs(30));
    let mut tick = tokio::time::interval(check);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        match app::domain::infra::queue::enqueue_scheduled(&db, every, chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(_) => queue::wake(queue::ALL_LANES),
            Err(e) => tracing::warn!(error = %e, "could not enqueue scheduled work"),
        }
    }
}

/// Wake the high lane when each window's notification emails come due (they were queued for later, so nothing
/// announced them). The windows are aligned to the clock, so every process knows when that is.
async fn email_clock() {
    loop {
        let now = chrono::Utc::now();
        let (_, due) = notifications::email_window(now, notifications::email_batch());
        let wait = (due - now).to_std().unwrap_or_default() + Duration::from_millis(50);
        tokio::time::sleep(wait).await;
        queue::wake_queue(HIGH);
    }
}

/// Run the three lanes (and the scheduler, unless turned off) until the task is dropped.
pub fn spawn_workers(w: Workers) -> tokio::task::JoinHandle<()> {
    notifications::set_email_batch(w.settings.email_batch);
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
        let health = w.settings.health.clone();
        let listen = {
            let db = w.db.clone();
            async move {
                match db.get_database_backend() {
                    DbBackend::Postgres => listen_for_jobs(db).await,
                    _ => std::future::pending().await,
                }
            }
        };
        tokio::join!(
            listen,
            email_clock(),
            supervise(health.clone(), HIGH, RESTART_PAUSE, || {
                let w = w.clone();
                async move { lane!(w, HighJob, HIGH, 4, high) }
            }),
            supervise(health.clone(), NORMAL, RESTART_PAUSE, || {
                let w = w.clone();
                async move { lane!(w, NormalJob, NORMAL, 2, normal) }
            }),
            supervise(health.clone(), LOW, RESTART_PAUSE, || {
                let w = w.clone();
                async move { lane!(w, LowJob, LOW, 1, low) }
            }),
            schedule,
        );
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A lane whose worker fails, then panics, is started again each time, and says so; once it runs, it is
    /// reported running with its restarts counted.
    #[tokio::test]
    async fn a_stopped_lane_is_restarted_and_reported() {
        let health = Arc::new(LaneHealth::default());
        let starts = Arc::new(AtomicU32::new(0));
        let run = {
            let (health, starts) = (health.clone(), starts.clone());
            tokio::spawn(async move {
                supervise(health, HIGH, Duration::from_millis(5), move || {
                    let n = starts.fetch_add(1, Ordering::SeqCst);
                    async move {
                        match n {
                            0 => "the storage failed".to_string(),
                            1 => panic!("a handler panicked"),
                            _ => std::future::pending().await,
                        }
                    }
                })
                .await
            })
        };
        for _ in 0..200 {
            if starts.load(Ordering::SeqCst) >= 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(
            starts.load(Ordering::SeqCst),
            3,
            "started again after each stop"
        );
        let lanes = health.snapshot();
        let high = &lanes[HIGH];
        assert!(high.running);
        assert_eq!(high.restarts, 2);
        assert_eq!(high.last_stop.as_deref(), Some("the worker panicked"));
        run.abort();
    }
}
