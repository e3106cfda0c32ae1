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
        queue::{self, HighJob, LowJob, NormalJob, HIGH, LOW, MAX_ATTEMPTS, NORMAL},
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

/// How often an idle lane looks at the queue anyway: a safety net for work nobody announced (a job enqueued by
/// another process on SQLite, a notification lost while the listener reconnected). Work committed in this process
/// wakes its lane at once ([`app::domain::infra::queue::wake`]), and on PostgreSQL so does work committed by any
/// process (`NOTIFY`, see [`listen_for_jobs`]).
pub const SAFETY_POLL: Duration = Duration::from_secs(10);

/// After a wake-up the lanes keep looking every [`RECHECK`] for [`AWAKE_FOR`]: a fetch already in flight when the
/// work was committed may not have seen it, and work tends to come in bursts.
const RECHECK: Duration = Duration::from_millis(250);
const AWAKE_FOR: Duration = Duration::from_secs(3);

/// A wake-up is answered after this pause, so that the jobs committed meanwhile (a burst of delegations, each with
/// its email) come in one fetch: apalis fetches, locks and acknowledges up to 10 jobs in one transaction each, and a
/// job fetched alone cost those three transactions by itself. An email leaves a few milliseconds later.
const GATHER: Duration = Duration::from_millis(25);

/// What wakes a lane's worker: the lane's wake-up call (then a few more looks shortly after it), or the safety
/// net. The worker fetches from the queue only when woken, when it has just finished work, or at its heartbeat.
struct WakeUp {
    stream: std::sync::Mutex<std::pin::Pin<Box<dyn futures_util::Stream<Item = ()> + Send>>>,
}

impl WakeUp {
    fn new(lane: &str, safety: Duration) -> Self {
        let rx = queue::wake_ups(lane);
        let start: Option<tokio::time::Instant> = None;
        let stream =
            futures_util::stream::unfold((rx, start), move |(mut rx, awake_until)| async move {
                let now = tokio::time::Instant::now();
                let wait = match awake_until {
                    Some(until) if until > now => RECHECK,
                    _ => safety,
                };
                let woken = async {
                    match rx.as_mut() {
                        Some(rx) => rx.changed().await.is_ok(),
                        // Not one of the lanes: only the safety net.
                        None => std::future::pending().await,
                    }
                };
                let awake_until = tokio::select! {
                    woken = woken => if woken {
                        tokio::time::sleep(GATHER).await;
                        Some(tokio::time::Instant::now() + AWAKE_FOR)
                    } else {
                        // The wake-up call lives as long as the process; were it gone, the safety net remains.
                        tokio::time::sleep(wait).await;
                        awake_until
                    },
                    _ = tokio::time::sleep(wait) => awake_until,
                };
                Some(((), (rx, awake_until)))
            });
        WakeUp {
            stream: std::sync::Mutex::new(Box::pin(stream)),
        }
    }
}

impl PollStrategy for WakeUp {
    /// Ready when a wake-up came. The stream is always left waiting (polled until it is pending), so that its next
    /// wake-up reaches this task: apalis polls the strategy only when something else wakes the worker, and a stream
    /// left without a registered waker would sleep through every later wake-up until the next heartbeat.
    fn poll_drive(
        &mut self,
        cx: &mut std::task::Context<'_>,
        _: &PollSnapshot,
    ) -> std::task::Poll<Option<()>> {
        use futures_util::StreamExt;
        let Ok(stream) = self.stream.get_mut() else {
            return std::task::Poll::Pending;
        };
        let mut woken = false;
        // Each item waits on a wake-up or a timer, so this ends within a few turns.
        for _ in 0..16 {
            match stream.poll_next_unpin(cx) {
                std::task::Poll::Ready(Some(())) => woken = true,
                _ => break,
            }
        }
        if woken {
            std::task::Poll::Ready(Some(()))
        } else {
            std::task::Poll::Pending
        }
    }
}

/// On PostgreSQL, wake this process's lanes whenever any process commits a job: apalis's trigger announces each
/// insert on the channel `apalis::job::insert`. One listening connection per process; when it is lost, the lanes
/// are woken (whatever was announced meanwhile is fetched) and it reconnects.
async fn listen_for_jobs(db: DatabaseConnection) {
    use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with((*db.get_postgres_connection_pool().connect_options()).clone());
    let mut pause = Duration::from_secs(1);
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "the queue's listener could not connect; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(30));
                continue;
            }
        };
        if let Err(e) = listener.listen("apalis::job::insert").await {
            tracing::warn!(error = %e, "the queue's listener could not listen; retrying");
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(30));
            continue;
        }
        pause = Duration::from_secs(1);
        queue::wake(queue::ALL_LANES);
        loop {
            match listener.try_recv().await {
                // Only the lane the job went to: the others have nothing new.
                Ok(Some(n)) => queue::wake_queue(&announced_queue(n.payload())),
                // The connection was lost (and is being made again): look at the queue now.
                Ok(None) => queue::wake(queue::ALL_LANES),
                Err(e) => {
                    tracing::warn!(error = %e, "the queue's listener failed; reconnecting");
                    break;
                }
            }
        }
        tokio::time::sleep(pause).await;
    }
}

/// The queue named in apalis's announcement of an insert (`{"job_type": …, "id": …, "run_at": …}`); an empty name
/// (which wakes every lane) when the payload is not that.
fn announced_queue(payload: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Announced {
        job_type: String,
    }
    serde_json::from_str::<Announced>(payload)
        .map(|a| a.job_type)
        .unwrap_or_default()
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

    /// apalis's announcement names the queue the job went to; anything else names none (every lane is woken).
    #[test]
    fn an_announcement_names_its_queue() {
        assert_eq!(
            announced_queue(
                r#"{"job_type":"jobs.high","id":"01J","run_at":"2026-11-30T19:00:00+00:00"}"#
            ),
            HIGH
        );
        assert_eq!(announced_queue("insert"), "");
    }

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
