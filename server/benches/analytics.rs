//! Prints how long each dashboard's figures take with 1,000,000 jobs (figures, not pass/fail).
//!
//! cargo bench -p server --bench analytics                       (SQLite in a temp folder)
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p server --bench analytics
//!     (PostgreSQL: a throwaway database is created on that server and dropped afterwards)
//! BENCH_JOBS=100000 ... seeds fewer jobs.
//!
//! Seeding: 100 clients and 20 employees through the domain, then the jobs in one INSERT … SELECT per database
//! (a recursive CTE on SQLite, generate_series on PostgreSQL) spread over the last 400 days with a realistic mix of
//! statuses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use app::{
    api::{analytics::Period, validate::NewAccount, Role},
    domain::{accounts, analytics, Actor, RequestMeta},
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

const CLIENTS: usize = 100;
const EMPLOYEES: usize = 20;
const ROUNDS: usize = 5;

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

async fn seed(db: &DatabaseConnection, jobs: u64) -> (Vec<uuid::Uuid>, Vec<uuid::Uuid>) {
    let meta = RequestMeta::default();
    let mut clients = Vec::new();
    let mut employees = Vec::new();
    for i in 0..CLIENTS {
        let a = NewAccount::parse(
            &format!("client{i}@bench.example"),
            "correct horse battery",
            "Client",
            &i.to_string(),
        )
        .unwrap();
        let u = accounts::signup_client(db, &Default::default(), a, &meta)
            .await
            .unwrap();
        clients.push(
            app::domain::access::client_of(db, u.id)
                .await
                .unwrap()
                .unwrap()
                .id,
        );
    }
    for i in 0..EMPLOYEES {
        let a = NewAccount::parse(
            &format!("employee{i}@bench.example"),
            "correct horse battery",
            "Employee",
            &i.to_string(),
        )
        .unwrap();
        let u = accounts::create_user(db, None, Role::Employee, a, &meta)
            .await
            .unwrap();
        employees.push(
            app::domain::access::employee_of(db, u.id)
                .await
                .unwrap()
                .unwrap()
                .id,
        );
    }
    let backend = db.get_database_backend();
    let uuid_type = if backend == DbBackend::Postgres {
        "uuid"
    } else {
        "blob"
    };
    for (table, ids) in [("bench_clients", &clients), ("bench_employees", &employees)] {
        db.execute_unprepared(&format!(
            "CREATE TABLE {table} (i INTEGER PRIMARY KEY, id {uuid_type} NOT NULL)"
        ))
        .await
        .unwrap();
        for (i, id) in ids.iter().enumerate() {
            let sql = if backend == DbBackend::Postgres {
                format!("INSERT INTO {table} (i, id) VALUES ($1, $2)")
            } else {
                format!("INSERT INTO {table} (i, id) VALUES (?, ?)")
            };
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [(i as i64).into(), (*id).into()],
            ))
            .await
            .unwrap();
        }
    }
    // Status by x % 20: 60% submitted, 10% could not submit, 5% expired, 5% cancelled, 5% waiting, 5% assigned,
    // 5% in progress, 5% submitted. Delegated x % 400 days and x % 1440 minutes ago; work takes 2 h to start and
    // 3 h more to finish; a third have a 3-day deadline.
    let status = "CASE WHEN x % 20 < 12 OR x % 20 = 19 THEN 'completed' WHEN x % 20 < 14 THEN 'failed' \
                  WHEN x % 20 = 14 THEN 'expired' WHEN x % 20 = 15 THEN 'cancelled' WHEN x % 20 = 16 THEN 'unassigned' \
                  WHEN x % 20 = 17 THEN 'pending' ELSE 'in_progress' END";
    let ended = "(x % 20 < 14 OR x % 20 = 19)";
    let sql = if backend == DbBackend::Postgres {
        let at = |extra: i64| {
            format!("(now() - make_interval(mins => ((x % 400) * 1440 + x % 1440)::int - {extra}))")
        };
        format!(
            "INSERT INTO job_delegations (id, client_id, assigned_employee_id, resume_type_id, job_url, company_name, \
               job_title, status, priority, deadline, delegated_at, assigned_at, started_at, completed_at, notes, \
               metadata, updated_at) \
             SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(x), 12, '0'))::uuid, c.id, \
               CASE WHEN x % 20 IN (15, 16) THEN NULL ELSE e.id END, NULL, 'https://bench.example/jobs/' || x, \
               'Company ' || (x % 997), 'Title ' || (x % 101), {status}, 'normal', \
               CASE WHEN x % 3 = 0 THEN {deadline} END, {delegated}, {delegated}, \
               CASE WHEN {ended} OR x % 20 = 18 THEN {started} END, CASE WHEN {ended} THEN {completed} END, '', '{{}}', \
               CASE WHEN {ended} THEN {completed} ELSE {delegated} END \
             FROM generate_series(1, {jobs}) AS x \
             JOIN bench_clients c ON c.i = x % {CLIENTS} JOIN bench_employees e ON e.i = x % {EMPLOYEES}",
            delegated = at(0),
            started = at(120),
            completed = at(300),
            deadline = at(3 * 1440),
        )
    } else {
        let at = |extra: i64| {
            format!("(strftime('%Y-%m-%dT%H:%M:%S', 'now', printf('%d minutes', {extra} - ((x % 400) * 1440 + x % 1440))) || '+00:00')")
        };
        format!(
            "WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < {jobs}) \
             INSERT INTO job_delegations (id, client_id, assigned_employee_id, resume_type_id, job_url, company_name, \
               job_title, status, priority, deadline, delegated_at, assigned_at, started_at, completed_at, notes, \
               metadata, updated_at) \
             SELECT randomblob(16), c.id, CASE WHEN x % 20 IN (15, 16) THEN NULL ELSE e.id END, NULL, \
               'https://bench.example/jobs/' || x, 'Company ' || (x % 997), 'Title ' || (x % 101), {status}, 'normal', \
               CASE WHEN x % 3 = 0 THEN {deadline} END, {delegated}, {delegated}, \
               CASE WHEN {ended} OR x % 20 = 18 THEN {started} END, CASE WHEN {ended} THEN {completed} END, '', '{{}}', \
               CASE WHEN {ended} THEN {completed} ELSE {delegated} END \
             FROM seq JOIN bench_clients c ON c.i = x % {CLIENTS} JOIN bench_employees e ON e.i = x % {EMPLOYEES}",
            delegated = at(0),
            started = at(120),
            completed = at(300),
            deadline = at(3 * 1440),
        )
    };
    db.execute_unprepared(&sql).await.unwrap();
    if backend == DbBackend::Postgres {
        // What autovacuum does after a bulk insert: statistics, and the visibility map index-only scans rely on.
        db.execute_unprepared("VACUUM (ANALYZE) job_delegations")
            .await
            .unwrap();
    } else {
        db.execute_unprepared("ANALYZE").await.unwrap();
    }
    (clients, employees)
}

#[tokio::main]
async fn main() {
    let jobs: u64 = std::env::var("BENCH_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let bench = common::BenchDb::open().await;
    let db = bench.db.clone();
    let backend = bench.backend;

    let t = Instant::now();
    let (clients, employees) = seed(&db, jobs).await;
    println!(
        "{backend}: seeded {jobs} jobs in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let today = chrono::Utc::now().date_naive();
    let check = analytics::figures(&db, &Period::last(365, today), analytics::Scope::All)
        .await
        .unwrap();
    println!(
        "last 365 days: {} delegated, {} submitted, completion rate {:.1}%, on time {:.1}%",
        check.delegated,
        check.submitted,
        check.completion_rate.unwrap_or(0.0) * 100.0,
        check.on_time_rate.unwrap_or(0.0) * 100.0
    );
    let admin = Actor {
        user_id: uuid::Uuid::now_v7(),
        role: Role::SuperAdmin,
    };
    let meta = RequestMeta::default();
    println!(
        "{:<44} {:>12} {:>12}",
        "dashboard (median of 5 runs)", "30 days ms", "365 days ms"
    );
    for name in [
        "admin overview (all figures, tables)",
        "totals only (all jobs)",
        "one client's figures",
        "one employee's figures",
    ] {
        let mut cells = Vec::new();
        for days in [30, 365] {
            let period = Period::last(days, today);
            let mut times = Vec::new();
            for _ in 0..ROUNDS {
                let t = Instant::now();
                match name {
                    "admin overview (all figures, tables)" => {
                        analytics::for_admin(&db, &db, &admin, &period, &meta)
                            .await
                            .unwrap();
                    }
                    "totals only (all jobs)" => {
                        analytics::figures(&db, &period, analytics::Scope::All)
                            .await
                            .unwrap();
                    }
                    "one client's figures" => {
                        analytics::figures(&db, &period, analytics::Scope::Client(clients[7]))
                            .await
                            .unwrap();
                    }
                    _ => {
                        analytics::figures(&db, &period, analytics::Scope::Employee(employees[3]))
                            .await
                            .unwrap();
                    }
                }
                times.push(t.elapsed());
            }
            cells.push(median(times));
        }
        println!("{name:<44} {:>12.1} {:>12.1}", cells[0], cells[1]);
    }

    // The jobs export, page by page as the CSV download reads it (once: it is long).
    for days in [30, 365] {
        let period = Period::last(days, today);
        let export = analytics::JobExport::authorize(&db, &admin, &period, &meta)
            .await
            .unwrap();
        let t = Instant::now();
        let (mut rows, mut after) = (0usize, None);
        loop {
            let (page, next) = export.page(&db, after).await.unwrap();
            if page.is_empty() {
                break;
            }
            rows += page.len();
            after = next;
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "jobs export, everyone's, {days} days: {rows} rows in {secs:.1} s ({:.0} rows/s)",
            rows as f64 / secs
        );
    }
    bench.close().await;
}
