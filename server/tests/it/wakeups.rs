//! The queue's workers sleep until there is work: a commit in this process wakes them, on PostgreSQL so does a
//! commit in any process (`NOTIFY`), and the scheduler's work runs as soon as it is due. They poll only as a slow
//! safety net (`server::queue::SAFETY_POLL`, 10 s), so each check below would fail by seconds without the wake-up.

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use sea_orm::{ConnectionTrait, Statement};

use crate::{both, helpers::*};

both!(
    a_job_committed_in_this_process_wakes_its_workers,
    scheduled_work_runs_as_soon_as_it_is_due,
);

/// Commit an email job due now, as the domain queues one: inside a write transaction.
async fn commit_email(db: &sea_orm::DatabaseConnection, subject: &str) {
    use app::domain::infra::queue;
    let txn = app::domain::begin_write(db).await.unwrap();
    let email = queue::Email {
        message_id: None,
        to: "jo@example.com".into(),
        name: "Jo".into(),
        subject: subject.into(),
        body: "Woken, not polled.".into(),
        link: None,
        items: Vec::new(),
    };
    queue::enqueue(&txn, queue::HIGH, &queue::HighJob::Email(email))
        .await
        .unwrap();
    app::domain::commit(txn).await.unwrap();
}

/// The `n` a `SELECT COUNT(*) AS n …` answers.
async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

/// Wait until the app's three lanes have registered with the queue (on a busy machine starting them takes a
/// while), then let them go idle: what is measured afterwards is waking, not starting.
async fn lanes_idle(app: &TestApp) {
    let sql = match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "SELECT COUNT(*) AS n FROM apalis.workers",
        _ => "SELECT COUNT(*) AS n FROM Workers",
    };
    let started = Instant::now();
    while count(&app.db, sql).await < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the lanes never started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

/// Milliseconds until `subject` is in the outbox (at most `within`).
async fn mail_after(outbox: &std::path::Path, subject: &str, within: Duration) -> Option<u128> {
    let start = Instant::now();
    while start.elapsed() < within {
        if with_subject(&outbox_mail(outbox), subject) > 0 {
            return Some(start.elapsed().as_millis());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

async fn a_job_committed_in_this_process_wakes_its_workers(b: Backend) {
    let app = TestApp::spawn(b).await;
    lanes_idle(&app).await;
    for round in 0..3 {
        let subject = format!("Wake-up {round}");
        commit_email(&app.db, &subject).await;
        let took = mail_after(&app.outbox, &subject, Duration::from_secs(15)).await;
        let took = took.unwrap_or_else(|| panic!("{subject} was never sent"));
        assert!(
            took < 1000,
            "{subject} was sent {took} ms after its commit: the workers were not woken"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// On PostgreSQL the workers' jobs in flight are indexed by worker, and finished ones are not: apalis's own index
/// held every job a worker had ever done, and its acknowledgement and heartbeat read them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_jobs_are_not_indexed_by_their_worker() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let indexes = app
        .db
        .query_all_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'apalis' AND tablename = 'jobs' \
             AND indexdef LIKE '%(lock_by)%'",
        ))
        .await
        .unwrap();
    let defs: Vec<(String, String)> = indexes
        .iter()
        .map(|r| {
            (
                r.try_get("", "indexname").unwrap(),
                r.try_get("", "indexdef").unwrap(),
            )
        })
        .collect();
    assert_eq!(defs.len(), 1, "one index on lock_by: {defs:?}");
    assert_eq!(defs[0].0, "jd_apalis_jobs_live_lock_by");
    assert!(
        defs[0].1.contains("WHERE")
            && defs[0].1.contains("Running")
            && defs[0].1.contains("Queued"),
        "only the jobs in flight: {}",
        defs[0].1
    );
    // Migrating again (another replica starting) keeps it so.
    server::db::migrate(&app.db).await.unwrap();
}

/// Each period's scheduled job (high lane) is done soon after its row appears, not at the next safety poll.
async fn scheduled_work_runs_as_soon_as_it_is_due(b: Backend) {
    let app = TestApp::spawn_with(b, |s| {
        s.queue.schedule_every = Some(Duration::from_secs(2));
    })
    .await;
    lanes_idle(&app).await;
    let backend = app.db.get_database_backend();
    let count = |status: Option<&str>| {
        let (table, ph) = match backend {
            sea_orm::DbBackend::Postgres => ("apalis.jobs", "$1"),
            _ => ("Jobs", "?"),
        };
        let mut sql = format!(
            "SELECT COUNT(*) AS n FROM {table} WHERE job_type = {ph} AND idempotency_key IS NOT NULL"
        );
        if let Some(s) = status {
            sql.push_str(&format!(" AND status = '{s}'"));
        }
        let db = app.db.clone();
        async move {
            db.query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [app::domain::infra::queue::HIGH.into()],
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap()
        }
    };
    // Watch two periods: each time a period's job appears, it is done well before the safety net would look.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = 0;
    let mut appeared: Option<Instant> = None;
    let mut lags = Vec::new();
    while lags.len() < 2 {
        assert!(
            Instant::now() < deadline,
            "scheduled work never ran: {lags:?}"
        );
        let (all, done) = (count(None).await, count(Some("Done")).await);
        if all > seen && appeared.is_none() {
            appeared = Some(Instant::now());
        }
        if let Some(at) = appeared {
            if done >= all {
                lags.push(at.elapsed().as_millis());
                seen = all;
                appeared = None;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        lags.iter().all(|&ms| ms < 1500),
        "scheduled jobs waited {lags:?} ms after they were due"
    );
}

/// PostgreSQL: a job committed by this process is picked up within a second by a `server worker` running as a
/// process of its own (it hears of it through `NOTIFY`; nothing in-process can wake it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_in_another_process_is_woken_by_postgres() {
    let (db, conn, _) = database_with_a_client(Backend::Postgres).await;
    let dir = std::env::temp_dir().join(format!("jd-wake-{}", uuid::Uuid::new_v4().simple()));
    let outbox = dir.join("outbox");
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("worker.log");
    let mut worker = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("worker")
        .env("DATABASE_URL", &db.url)
        .env("DATA_DIR", &dir)
        .env("OUTBOX_DIR", &outbox)
        // Heartbeats (which also look at the queue) far apart, and no scheduler: only NOTIFY can wake it in time.
        .env("QUEUE_HEARTBEAT_SECS", "60")
        .env("SCHEDULE_EVERY_SECS", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let worker_log = || std::fs::read_to_string(&log).unwrap_or_default();
    // Wait for its three lanes to register and for it to listen, then for it to settle.
    let started = Instant::now();
    while count(&conn, "SELECT COUNT(*) AS n FROM apalis.workers").await < 3
        || count(
            &conn,
            "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
             AND query LIKE 'LISTEN%'",
        )
        .await
            < 1
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the worker never started listening; its log:\n{}",
            worker_log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;

    let mut lags = Vec::new();
    for round in 0..3 {
        let subject = format!("Across processes {round}");
        commit_email(&conn, &subject).await;
        lags.push(mail_after(&outbox, &subject, Duration::from_secs(15)).await);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let _ = worker.kill();
    let _ = worker.wait();
    let printed = worker_log();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        lags.iter().all(|l| l.is_some_and(|ms| ms < 1000)),
        "milliseconds from commit to sent, per job: {lags:?}; the worker's log:\n{printed}"
    );
}
