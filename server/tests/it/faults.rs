//! Issue 20: faults never leave half-done work. Delegations whose connections are closed at random points, from
//! before the request is read to the middle of its transaction, leave every job whole (its activity entries, its
//! notification and its queued email) and every pooled connection outside any transaction.

use std::time::Duration;

use app::domain::entities::{activity_logs, job_delegations as jobs, notifications};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Statement};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

use crate::{both, helpers::*};

both!(delegations_dropped_at_any_point_leave_nothing_half_done);

const REQUESTS: u64 = 200;

/// A small deterministic spread of delays: 0 µs to 40 ms, most of them short (inside the transaction).
fn delay(i: u64) -> Duration {
    let x = i.wrapping_mul(2_654_435_761) % 1_000;
    Duration::from_micros(if x < 700 { x * 20 } else { x * 40 })
}

async fn queued_emails(app: &TestApp) -> u64 {
    let sql = match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            "SELECT count(*) AS n FROM apalis.jobs WHERE job_type = 'jobs.high'"
        }
        _ => "SELECT count(*) AS n FROM Jobs WHERE job_type = 'jobs.high'",
    };
    let row = app
        .db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap() as u64
}

async fn delegations_dropped_at_any_point_leave_nothing_half_done(b: Backend) {
    let warnings_before = transaction_state_warnings();
    let app = TestApp::spawn(b).await;
    let (_, client) = app.activated_client("jo@example.com").await;
    let (_, employee) = app.employee("sam@example.com").await;
    app.assign(client, employee).await;
    let http = reqwest::Client::new();
    let token = api_token(&app, "jo@example.com").await;
    let emails_before = queued_emails(&app).await;
    let addr = app.base.trim_start_matches("http://").to_string();

    // Each request is written whole, then its connection is closed after its delay, answered or not.
    let mut tasks = Vec::new();
    for i in 0..REQUESTS {
        let (addr, token) = (addr.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"job_url": format!("https://jobs.example.com/view/{i}"), "job_title": "Analyst"})
                .to_string();
            let request = format!(
                "POST /api/v1/jobs HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            let mut socket = tokio::net::TcpStream::connect(&addr).await.unwrap();
            socket.write_all(request.as_bytes()).await.unwrap();
            tokio::time::sleep(delay(i)).await;
            drop(socket);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }

    // Let the work that was started finish: the count of jobs stops moving.
    let mut last = u64::MAX;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let n = jobs::Entity::find().count(&app.db).await.unwrap();
        if n == last {
            break;
        }
        last = n;
    }
    let made = jobs::Entity::find().all(&app.db).await.unwrap();
    assert!(!made.is_empty(), "some delegations got through");

    // Every job is whole: delegated and assigned in the log, its employee told, the email queued.
    for job in &made {
        assert!(
            job.assigned_employee_id.is_some(),
            "job {} assigned",
            job.id
        );
        for action in ["job.delegate", "job.assign"] {
            let n = activity_logs::Entity::find()
                .filter(activity_logs::Column::ActionType.eq(action))
                .filter(activity_logs::Column::EntityId.eq(job.id))
                .count(&app.db)
                .await
                .unwrap();
            assert_eq!(n, 1, "{action} of job {}", job.id);
        }
    }
    let told = notifications::Entity::find()
        .filter(notifications::Column::NotificationType.eq("job_assigned"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(told, made.len() as u64, "one notification per job");
    // The employee's news goes out in one email per window (at least one was queued), and every job's notification
    // is taken by one of them: none is left waiting.
    assert!(
        queued_emails(&app).await > emails_before,
        "the employee's email is queued"
    );
    let waiting = || async {
        notifications::Entity::find()
            .filter(notifications::Column::NotificationType.eq("job_assigned"))
            .filter(notifications::Column::EmailPending.eq(true))
            .count(&app.db)
            .await
            .unwrap()
    };
    let until = std::time::Instant::now() + Duration::from_secs(15);
    while waiting().await > 0 && std::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(waiting().await, 0, "every job's notification was emailed");

    // No connection was handed back inside a transaction: none sits idle in one for seconds (the queue's workers
    // and the server's own writes are in and out of theirs in milliseconds).
    if b == Backend::Postgres {
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let row = app
            .db
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT count(*) AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND state LIKE 'idle in transaction%' \
                 AND state_change < now() - interval '2 seconds'",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            row.try_get::<i64>("", "n").unwrap(),
            0,
            "idle in transaction"
        );
    }
    // Nothing used a connection inside a transaction it was not in: PostgreSQL said nothing about it.
    assert_eq!(
        transaction_state_warnings(),
        warnings_before,
        "no warning about transaction state"
    );
    // And the pool serves the next requests normally, each on a clean connection.
    for i in 0..20 {
        let res = http
            .post(format!("{}/api/v1/jobs", app.base))
            .bearer_auth(&token)
            .json(&json!({"job_url": format!("https://jobs.example.com/after/{i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
    // Another client still cannot see these jobs.
    let (_, _) = app.activated_client("other@example.com").await;
    let other = api_token(&app, "other@example.com").await;
    let theirs: Value = http
        .get(format!("{}/api/v1/jobs", app.base))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["items"], json!([]));
}

both!(transactions_cut_short_at_any_point_leave_no_connection_inside_one);

/// Whether the (only) connection of `db` sits inside a transaction: PostgreSQL takes a SAVEPOINT only inside one.
async fn inside_a_transaction(db: &sea_orm::DatabaseConnection) -> bool {
    if db.execute_unprepared("SAVEPOINT probe").await.is_err() {
        return false;
    }
    db.execute_unprepared("RELEASE SAVEPOINT probe")
        .await
        .unwrap();
    true
}

/// BEGIN, the writes and COMMIT are cut short at every point, 400 times (a caller's future dropped, as a closed
/// connection or a timeout drops it), on a pool of one connection so that each attempt inherits what the last one
/// left. After each, that connection is outside any transaction; every write that reported success is there, and
/// nothing else.
async fn transactions_cut_short_at_any_point_leave_no_connection_inside_one(b: Backend) {
    let db = TestDb::new(b).await;
    let mut opts = sea_orm::ConnectOptions::new(db.url.clone());
    opts.max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    let conn = sea_orm::Database::connect(opts).await.unwrap();
    let backend = conn.get_database_backend();
    conn.execute_unprepared("CREATE TABLE cut_short (id BIGINT PRIMARY KEY)")
        .await
        .unwrap();
    let mut committed = Vec::new();
    let mut cut = 0;
    for i in 0..400i64 {
        let db = conn.clone();
        let write = async move {
            let txn = app::domain::begin_write(&db).await?;
            txn.execute_raw(app::domain::distribution::stmt(
                backend,
                "INSERT INTO cut_short (id) VALUES ($1)",
                vec![i.into()],
            ))
            .await?;
            app::domain::commit(txn).await
        };
        let limit = Duration::from_micros((i as u64 * 37) % 2000);
        match tokio::time::timeout(limit, write).await {
            Ok(Ok(())) => committed.push(i),
            Ok(Err(e)) => panic!("write {i} failed: {e}"),
            Err(_) => cut += 1,
        }
        if b == Backend::Postgres {
            assert!(
                !inside_a_transaction(&conn).await,
                "attempt {i} left its connection inside a transaction"
            );
        }
    }
    assert!(
        cut > 0 && !committed.is_empty(),
        "{cut} cut short, {} finished",
        committed.len()
    );
    // What finished is there; what was cut short either finished in the background or left nothing.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rows = conn
        .query_all_raw(Statement::from_string(backend, "SELECT id FROM cut_short"))
        .await
        .unwrap();
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get::<i64>("", "id").unwrap())
        .collect();
    for i in &committed {
        assert!(ids.contains(i), "committed write {i} is there");
    }
    assert!(ids.iter().all(|id| (0..400).contains(id)));
    conn.close().await.unwrap();
}

/// PostgreSQL refuses this application's database (no new connections, the open ones ended), as when it is down:
/// the API, server functions and pages answer 503 with `Retry-After` at once instead of holding the request, and
/// `/readyz` says why. When the database comes back, everything works again by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unavailable_database_answers_503_at_once_and_recovers() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let (_, client) = app.activated_client("jo@example.com").await;
    let (_, employee) = app.employee("sam@example.com").await;
    app.assign(client, employee).await;
    let http = reqwest::Client::new();
    let token = api_token(&app, "jo@example.com").await;
    let browser = app.signed_in("jo@example.com").await;
    let name = app.testdb.url.rsplit('/').next().unwrap().to_string();
    let admin = sea_orm::Database::connect(pg_admin_url()).await.unwrap();
    let allow = |on: bool| format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS {on}");
    admin.execute_unprepared(&allow(false)).await.unwrap();
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .await
        .unwrap();

    let started = std::time::Instant::now();
    let res = http
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let api_took = started.elapsed();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "5");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["kind"], "unavailable");
    let started = std::time::Instant::now();
    let rpc = app.rpc(&browser, "me", &[]).await;
    assert_eq!(rpc.status(), 503);
    assert!(rpc.headers().contains_key("retry-after"));
    let page = app.page(&browser, "/client/jobs").await;
    assert_eq!(page.status(), 503);
    let ready = http
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    let ready: Value = ready.json().await.unwrap();
    assert_ne!(ready["database"], "ok");
    let others_took = started.elapsed();
    println!("unavailable database: API answered in {api_took:?}; a server function, a page and /readyz in {others_took:?}");
    // Far from the 30 s request timeout: nobody waits for a database that is not there.
    assert!(api_took < Duration::from_secs(10) && others_took < Duration::from_secs(20));

    admin.execute_unprepared(&allow(true)).await.unwrap();
    let mut back = false;
    for _ in 0..40 {
        let res = http
            .get(format!("{}/api/v1/me", app.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if res.status() == 200 {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(back, "the API recovers by itself");
    assert_eq!(app.page(&browser, "/client/jobs").await.status(), 200);
    assert_eq!(app.rpc(&browser, "me", &[]).await.status(), 200);
    admin.close().await.unwrap();

    // The queue's lanes came through (restarted if they stopped): ready again, and new work is done.
    let mut ready = Value::Null;
    for _ in 0..120 {
        let res = http
            .get(format!("{}/readyz", app.base))
            .send()
            .await
            .unwrap();
        let ok = res.status() == 200;
        ready = res.json().await.unwrap();
        if ok {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(ready["status"], "ready", "{ready}");
    for lane in ["jobs.high", "jobs.normal", "jobs.low"] {
        assert_eq!(ready["workers_here"][lane]["running"], true, "{ready}");
    }
    println!("after the outage: {ready}");
    // The outage stopped the high lane's worker (it polls every 250 ms), and it was started again.
    let restarts: u64 = ["jobs.high", "jobs.normal", "jobs.low"]
        .iter()
        .map(|lane| {
            ready["workers_here"][lane]["restarts"]
                .as_u64()
                .unwrap_or(0)
        })
        .sum();
    assert!(
        restarts >= 1,
        "a lane stopped by the outage was restarted: {ready}"
    );
    let res = http
        .post(format!("{}/api/v1/jobs", app.base))
        .bearer_auth(&token)
        .json(&json!({"job_url": "https://jobs.example.com/after-the-outage", "job_title": "Outage Analyst"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let mail = wait_for_outbox(&app.outbox, 30, |mail| {
        mail.iter().any(|m| m.contains("Outage Analyst"))
    })
    .await;
    assert!(
        mail.iter().any(|m| m.contains("Outage Analyst")),
        "the high lane sends the new job's email"
    );
}

/// SQLite: another process holds the write lock for two seconds. Writes that arrive meanwhile wait for it (the busy
/// timeout) instead of failing, and all succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_writes_wait_for_another_writer_instead_of_failing() {
    use sea_orm::TransactionTrait;
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, client) = app.activated_client("jo@example.com").await;
    let (_, employee) = app.employee("sam@example.com").await;
    app.assign(client, employee).await;
    let token = api_token(&app, "jo@example.com").await;
    let mut opts = sea_orm::ConnectOptions::new(app.testdb.url.clone());
    opts.max_connections(1).sqlx_logging(false);
    let other = sea_orm::Database::connect(opts).await.unwrap();
    let held = other
        .begin_with_options(sea_orm::TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let sends: Vec<_> = (0..10)
        .map(|i| {
            let req = http
                .post(format!("{}/api/v1/jobs", app.base))
                .bearer_auth(&token)
                .json(&json!({"job_url": format!("https://jobs.example.com/held/{i}")}));
            tokio::spawn(async move { req.send().await.unwrap().status() })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let early: Vec<_> = sends.iter().filter(|s| s.is_finished()).collect();
    if !early.is_empty() {
        for s in sends {
            eprintln!("{:?}", s.await);
        }
        panic!("the writes wait for the lock");
    }
    held.commit().await.unwrap();
    for s in sends {
        assert_eq!(s.await.unwrap(), 201);
    }
    assert_eq!(
        jobs::Entity::find().count(&app.db).await.unwrap(),
        10,
        "every write is there"
    );
    other.close().await.unwrap();
}

/// Every connection of the pool is taken (by long transactions here; by a burst of work in life): a request that
/// needs one answers 503 with `Retry-After` once the pool's short wait is over, instead of holding on for the whole
/// request timeout, and the next request after the connections come back is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_pool_answers_503_quickly() {
    let app = TestApp::spawn_without_workers(Backend::Postgres).await;
    app.activated_client("jo@example.com").await;
    let token = api_token(&app, "jo@example.com").await;
    // Take every connection there is (the pool holds 20 on PostgreSQL, one of them the live events' listener); stop
    // at the first that does not come.
    let mut held = Vec::new();
    while let Ok(txn) = app::domain::begin_write(&app.db).await {
        held.push(txn);
        assert!(held.len() <= 20, "the pool is bounded");
    }
    assert!(held.len() >= 15, "held {} connections", held.len());
    let started = std::time::Instant::now();
    let res = reqwest::Client::new()
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    println!("exhausted pool: answered {} in {took:?}", res.status());
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "5");
    assert!(
        took < Duration::from_secs(10),
        "far from the 30 s request timeout"
    );
    drop(held);
    let res = reqwest::Client::new()
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

both!(concurrent_writers_never_fail_for_being_concurrent);

/// 60 delegations at once from three clients (SQLite serializes writers; PostgreSQL locks per client): every one
/// succeeds, none fails because another write was in progress, and each client sees only its own 20.
async fn concurrent_writers_never_fail_for_being_concurrent(b: Backend) {
    let app = TestApp::spawn(b).await;
    let mut tokens = Vec::new();
    for name in ["ann", "bob", "cat"] {
        let email = format!("{name}@example.com");
        let (_, client) = app.activated_client(&email).await;
        let (_, employee) = app.employee(&format!("{name}.helper@example.com")).await;
        app.assign(client, employee).await;
        tokens.push(api_token(&app, &email).await);
    }
    let http = reqwest::Client::new();
    let sends = (0..60).map(|i| {
        let (http, token, base) = (http.clone(), tokens[i % 3].clone(), app.base.clone());
        async move {
            http.post(format!("{base}/api/v1/jobs"))
                .bearer_auth(token)
                .json(&json!({"job_url": format!("https://jobs.example.com/concurrent/{i}")}))
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    let statuses = futures_util::future::join_all(sends).await;
    assert!(
        statuses.iter().all(|s| *s == 201),
        "every concurrent delegation succeeds: {statuses:?}"
    );
    for token in &tokens {
        let mine: Value = http
            .get(format!("{}/api/v1/jobs?limit=200", app.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(mine["items"].as_array().map(Vec::len), Some(20));
    }
}
