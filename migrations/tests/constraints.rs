#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Proves every constraint of `SCHEMA.md` on both SQLite and PostgreSQL.
//!
//! Each check is an `async fn(&DatabaseConnection)` written once; `on_both!` expands it into a
//! `<name>_sqlite` and a `<name>_postgres` test, each against a fresh, fully migrated database.
//! PostgreSQL tests create a throw-away database on the server named by `TEST_DATABASE_URL`
//! (default `postgres://postgres@127.0.0.1:5432/test`) and drop it again, even on panic.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use migrations::{Migrator, MigratorTrait};
use sea_orm::entity::prelude::Json;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, QueryResult,
    SqlErr, Statement, Value,
};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Test databases
// ---------------------------------------------------------------------------------------------

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A migrated database; for PostgreSQL also the guard that drops it afterwards.
struct TestDb {
    db: DatabaseConnection,
    // Declared after `db` so the connection pool is dropped first.
    _pg: Option<PgDatabaseGuard>,
}

impl TestDb {
    async fn sqlite() -> Self {
        // `sqlite::memory:` is a private database per connection, so keep exactly one.
        let mut opts = ConnectOptions::new("sqlite::memory:");
        opts.max_connections(1)
            .min_connections(1)
            .sqlx_logging(false);
        let db = Database::connect(opts).await.expect("connect to SQLite");
        Migrator::up(&db, None).await.expect("migrate SQLite");
        Self { db, _pg: None }
    }

    async fn postgres() -> Self {
        let admin_url =
            std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_PG_URL.into());
        let name = format!("jd_test_{}", Uuid::new_v4().simple());
        let admin = connect(&admin_url, 1).await;
        admin
            .execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#))
            .await
            .expect("create test database");
        admin.close().await.expect("close admin connection");
        // From here on the database is dropped even if the test panics.
        let guard = PgDatabaseGuard {
            admin_url: admin_url.clone(),
            name: name.clone(),
        };

        let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        let db = connect(url.as_str(), 2).await;
        Migrator::up(&db, None).await.expect("migrate PostgreSQL");
        Self {
            db,
            _pg: Some(guard),
        }
    }
}

async fn connect(url: &str, max_connections: u32) -> DatabaseConnection {
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(max_connections).sqlx_logging(false);
    Database::connect(opts)
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"))
}

/// Drops the per-test PostgreSQL database when it goes out of scope (also during unwinding).
struct PgDatabaseGuard {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabaseGuard {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let sql = format!(r#"DROP DATABASE IF EXISTS "{}" WITH (FORCE)"#, self.name);
        // We are inside the test's runtime, which cannot be blocked on; use a thread with its own.
        let dropper = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut opts = ConnectOptions::new(admin_url);
                opts.max_connections(1).sqlx_logging(false);
                let admin = Database::connect(opts).await.map_err(|e| e.to_string())?;
                admin
                    .execute_unprepared(&sql)
                    .await
                    .map_err(|e| e.to_string())?;
                admin.close().await.map_err(|e| e.to_string())
            })
        });
        match dropper.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop test database {}: {e}", self.name),
            Err(_) => eprintln!(
                "could not drop test database {}: thread panicked",
                self.name
            ),
        }
    }
}

/// Expands one `async fn(&DatabaseConnection)` into a SQLite test and a PostgreSQL test.
macro_rules! on_both {
    ($body:ident => $sqlite:ident, $postgres:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            let test_db = TestDb::sqlite().await;
            $body(&test_db.db).await;
        }

        #[tokio::test]
        async fn $postgres() {
            let test_db = TestDb::postgres().await;
            $body(&test_db.db).await;
        }
    };
}

// ---------------------------------------------------------------------------------------------
// SQL helpers
// ---------------------------------------------------------------------------------------------

/// Builds a statement from SQL written with `?` placeholders, renumbered to `$1, $2, ...` on
/// PostgreSQL. (None of the SQL in this file has a `?` inside a literal.)
fn stmt(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> Statement {
    let backend = db.get_database_backend();
    let sql = if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for ch in sql.chars() {
            if ch == '?' {
                n += 1;
                out.push_str(&format!("${n}"));
            } else {
                out.push(ch);
            }
        }
        out
    } else {
        sql.to_owned()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

async fn exec(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> Result<u64, DbErr> {
    db.execute_raw(stmt(db, sql, values))
        .await
        .map(|r| r.rows_affected())
}

async fn query(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> Vec<QueryResult> {
    db.query_all_raw(stmt(db, sql, values))
        .await
        .unwrap_or_else(|e| panic!("query {sql}: {e}"))
}

/// `INSERT INTO <table> (<columns>) VALUES (<bound values>)`
async fn insert(
    db: &DatabaseConnection,
    table: &str,
    row: Vec<(&str, Value)>,
) -> Result<(), DbErr> {
    let columns: Vec<&str> = row.iter().map(|(c, _)| *c).collect();
    let placeholders = vec!["?"; row.len()].join(", ");
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({placeholders})",
        columns.join(", ")
    );
    exec(db, &sql, row.into_iter().map(|(_, v)| v).collect())
        .await
        .map(|_| ())
}

async fn count(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> i64 {
    let rows = query(db, sql, values).await;
    rows[0].try_get::<i64>("", "n").expect("a count column `n`")
}

fn v<T: Into<Value>>(value: T) -> Value {
    value.into()
}

fn empty_json() -> Value {
    Json::Object(Default::default()).into()
}

/// A fixed, sub-second-free instant so comparisons are deterministic.
fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).expect("valid timestamp")
}

// ---------------------------------------------------------------------------------------------
// Assertions on refused statements
// ---------------------------------------------------------------------------------------------

#[track_caller]
fn assert_unique_violation<T: std::fmt::Debug>(result: Result<T, DbErr>) {
    match result {
        Ok(v) => panic!("expected a unique violation, but the statement was accepted: {v:?}"),
        Err(e) => assert!(
            matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))),
            "expected a unique violation, got: {e}"
        ),
    }
}

#[track_caller]
fn assert_fk_violation<T: std::fmt::Debug>(result: Result<T, DbErr>) {
    match result {
        Ok(v) => panic!("expected a foreign key violation, but the statement was accepted: {v:?}"),
        Err(e) => assert!(
            matches!(e.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_))),
            "expected a foreign key violation, got: {e}"
        ),
    }
}

/// PostgreSQL: `violates check constraint "<name>"`; SQLite: `CHECK constraint failed: <name>`.
#[track_caller]
fn assert_check_violation<T: std::fmt::Debug>(result: Result<T, DbErr>, constraint: &str) {
    match result {
        Ok(v) => {
            panic!("expected {constraint} to refuse the statement, but it was accepted: {v:?}")
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.to_lowercase().contains("check constraint") && message.contains(constraint),
                "expected a violation of {constraint}, got: {message}"
            );
        }
    }
}

#[track_caller]
fn assert_ok<T>(result: Result<T, DbErr>, what: &str) -> T {
    result.unwrap_or_else(|e| panic!("{what} should be accepted: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

async fn try_insert_user(db: &DatabaseConnection, email: &str, role: &str) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    insert(
        db,
        "users",
        vec![
            ("id", v(id)),
            ("email", v(email)),
            ("password_hash", v("$argon2id$placeholder")),
            ("first_name", v("Ann")),
            ("last_name", v("Example")),
            ("role", v(role)),
            ("created_at", v(t0())),
            ("updated_at", v(t0())),
        ],
    )
    .await
    .map(|()| id)
}

async fn insert_user(db: &DatabaseConnection, role: &str) -> Uuid {
    let email = format!("{}@example.com", Uuid::new_v4().simple());
    assert_ok(try_insert_user(db, &email, role).await, "a user")
}

async fn try_insert_client_row(
    db: &DatabaseConnection,
    user_id: Uuid,
    payment_status: Option<&str>,
) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    let mut row = vec![
        ("id", v(id)),
        ("user_id", v(user_id)),
        ("subscription_data", empty_json()),
        ("created_at", v(t0())),
    ];
    if let Some(status) = payment_status {
        row.push(("payment_status", v(status)));
    }
    insert(db, "clients", row).await.map(|()| id)
}

async fn insert_client(db: &DatabaseConnection) -> Uuid {
    let user_id = insert_user(db, "client").await;
    assert_ok(try_insert_client_row(db, user_id, None).await, "a client")
}

async fn insert_employee(db: &DatabaseConnection) -> Uuid {
    let user_id = insert_user(db, "employee").await;
    let id = Uuid::new_v4();
    let row = vec![
        ("id", v(id)),
        ("user_id", v(user_id)),
        ("performance_metrics", empty_json()),
        ("created_at", v(t0())),
    ];
    assert_ok(insert(db, "employees", row).await, "an employee");
    id
}

async fn try_insert_admin(
    db: &DatabaseConnection,
    user_id: Uuid,
    admin_level: &str,
) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    let row = vec![
        ("id", v(id)),
        ("user_id", v(user_id)),
        ("admin_level", v(admin_level)),
        ("permissions", empty_json()),
        ("created_at", v(t0())),
    ];
    insert(db, "admins", row).await.map(|()| id)
}

async fn try_insert_assignment(
    db: &DatabaseConnection,
    client_id: Uuid,
    employee_id: Uuid,
    is_active: bool,
) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    let row = vec![
        ("id", v(id)),
        ("client_id", v(client_id)),
        ("employee_id", v(employee_id)),
        ("assigned_at", v(t0())),
        ("is_active", v(is_active)),
    ];
    insert(db, "client_employee_assignments", row)
        .await
        .map(|()| id)
}

async fn insert_resume_profile(db: &DatabaseConnection, client_id: Uuid) -> Uuid {
    let id = Uuid::new_v4();
    let row = vec![
        ("id", v(id)),
        ("client_id", v(client_id)),
        ("professional_summary", v("Builds things.")),
        ("experience", empty_json()),
        ("education", empty_json()),
        ("skills", empty_json()),
        ("contact_info", empty_json()),
        ("created_at", v(t0())),
        ("updated_at", v(t0())),
    ];
    assert_ok(insert(db, "resume_profiles", row).await, "a resume profile");
    id
}

async fn try_insert_resume_type(
    db: &DatabaseConnection,
    resume_profile_id: Uuid,
    name: &str,
    file_size: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    let row = vec![
        ("id", v(id)),
        ("resume_profile_id", v(resume_profile_id)),
        ("name", v(name)),
        ("file_path", v(format!("uploads/{id}.pdf"))),
        ("file_name", v("resume.pdf")),
        ("file_size", v(file_size)),
        ("uploaded_at", v(t0())),
    ];
    insert(db, "resume_types", row).await.map(|()| id)
}

/// A job delegation; `None` fields are left to the column default (or NULL).
struct Job<'a> {
    client_id: Uuid,
    assigned_employee_id: Option<Uuid>,
    status: Option<&'a str>,
    priority: Option<&'a str>,
    delegated_at: DateTime<Utc>,
    deadline: Option<DateTime<Utc>>,
    url: Option<String>,
}

impl Job<'_> {
    fn for_client(client_id: Uuid) -> Self {
        Self {
            client_id,
            assigned_employee_id: None,
            status: None,
            priority: None,
            delegated_at: t0(),
            deadline: None,
            url: None,
        }
    }
}

async fn try_insert_job(db: &DatabaseConnection, job: &Job<'_>) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    let mut row = vec![
        ("id", v(id)),
        ("client_id", v(job.client_id)),
        ("assigned_employee_id", v(job.assigned_employee_id)),
        (
            "job_url",
            v(job
                .url
                .clone()
                .unwrap_or_else(|| format!("https://jobs.example.com/{id}"))),
        ),
        ("company_name", v("Example Inc.")),
        ("job_title", v("Engineer")),
        ("deadline", v(job.deadline)),
        ("delegated_at", v(job.delegated_at)),
        ("notes", v("")),
        ("metadata", empty_json()),
        ("updated_at", v(t0())),
    ];
    if let Some(status) = job.status {
        row.push(("status", v(status)));
    }
    if let Some(priority) = job.priority {
        row.push(("priority", v(priority)));
    }
    insert(db, "job_delegations", row).await.map(|()| id)
}

async fn insert_job(db: &DatabaseConnection, client_id: Uuid) -> Uuid {
    assert_ok(
        try_insert_job(db, &Job::for_client(client_id)).await,
        "a job",
    )
}

async fn try_insert_completion(
    db: &DatabaseConnection,
    job_delegation_id: Uuid,
    completed_by: Option<Uuid>,
    completion_status: &str,
) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    let row = vec![
        ("id", v(id)),
        ("job_delegation_id", v(job_delegation_id)),
        ("completed_by", v(completed_by)),
        ("completion_notes", v("Applied.")),
        ("completion_status", v(completion_status)),
        ("completed_at", v(t0())),
    ];
    insert(db, "job_completions", row).await.map(|()| id)
}

async fn try_insert_question(
    db: &DatabaseConnection,
    job_delegation_id: Uuid,
    asked_by: Option<Uuid>,
    answer: Option<&str>,
    answered_at: Option<DateTime<Utc>>,
) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    let row = vec![
        ("id", v(id)),
        ("job_delegation_id", v(job_delegation_id)),
        ("asked_by", v(asked_by)),
        ("question", v("Are you willing to relocate?")),
        ("answer", v(answer.map(str::to_string))),
        ("asked_at", v(t0())),
        ("answered_at", v(answered_at)),
    ];
    insert(db, "job_questions", row).await.map(|()| id)
}

async fn insert_question(db: &DatabaseConnection, job: Uuid, asked_by: Option<Uuid>) -> Uuid {
    assert_ok(
        try_insert_question(db, job, asked_by, None, None).await,
        "a question",
    )
}

/// Names of the application tables (everything but sea-orm's `seaql_migrations`).
async fn application_tables(db: &DatabaseConnection) -> BTreeSet<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
        }
        _ => "SELECT tablename::text AS t FROM pg_tables WHERE schemaname = 'public'",
    };
    query(db, sql, vec![])
        .await
        .iter()
        .map(|row| row.try_get::<String>("", "t").expect("table name"))
        .filter(|t| t != "seaql_migrations")
        .collect()
}

const ALL_TABLES: [&str; 29] = [
    "activity_logs",
    "api_keys",
    "api_tokens",
    "admins",
    "client_employee_assignments",
    "clients",
    "email_tokens",
    "employees",
    "idempotency_keys",
    "instance_settings",
    "job_completions",
    "job_delegations",
    "job_questions",
    "login_throttles",
    "mfa_recovery_codes",
    "notification_preferences",
    "notifications",
    "password_resets",
    "proof_corrections",
    "push_subscriptions",
    "rate_limits",
    "resume_profiles",
    "resume_types",
    "sessions",
    "user_profiles",
    "users",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_endpoints",
];

// ---------------------------------------------------------------------------------------------
// 1. users: e-mail unique regardless of case
// ---------------------------------------------------------------------------------------------

async fn unique_email_case_insensitive(db: &DatabaseConnection) {
    assert_ok(
        try_insert_user(db, "Ann@Example.com", "client").await,
        "the first Ann",
    );
    assert_unique_violation(try_insert_user(db, "ann@example.com", "client").await);
    assert_unique_violation(try_insert_user(db, "ANN@EXAMPLE.COM", "employee").await);
    assert_unique_violation(try_insert_user(db, "Ann@Example.com", "client").await);
    assert_ok(
        try_insert_user(db, "bob@example.com", "client").await,
        "a different address",
    );
}
on_both!(unique_email_case_insensitive => unique_email_case_insensitive_sqlite, unique_email_case_insensitive_postgres);

// ---------------------------------------------------------------------------------------------
// 2. users.role CHECK
// ---------------------------------------------------------------------------------------------

async fn role_check(db: &DatabaseConnection) {
    assert_check_violation(
        try_insert_user(db, "hacker@example.com", "hacker").await,
        "ck_users_role",
    );
    assert_check_violation(
        try_insert_user(db, "caps@example.com", "Admin").await,
        "ck_users_role",
    );
    assert_check_violation(
        try_insert_user(db, "empty@example.com", "").await,
        "ck_users_role",
    );
    for role in ["super_admin", "admin", "client", "employee"] {
        assert_ok(
            try_insert_user(db, &format!("{role}@example.com"), role).await,
            role,
        );
    }
}
on_both!(role_check => role_check_sqlite, role_check_postgres);

// ---------------------------------------------------------------------------------------------
// 3. one active assignment per (client, employee)
// ---------------------------------------------------------------------------------------------

async fn one_active_assignment(db: &DatabaseConnection) {
    let client = insert_client(db).await;
    let employee = insert_employee(db).await;
    let other_employee = insert_employee(db).await;

    let first = assert_ok(
        try_insert_assignment(db, client, employee, true).await,
        "the first active assignment",
    );
    assert_unique_violation(try_insert_assignment(db, client, employee, true).await);

    // History rows (inactive) may coexist with the active one, and with each other.
    assert_ok(
        try_insert_assignment(db, client, employee, false).await,
        "an inactive assignment next to an active one",
    );
    assert_ok(
        try_insert_assignment(db, client, employee, false).await,
        "a second inactive assignment",
    );
    // Another employee for the same client is a different pair.
    assert_ok(
        try_insert_assignment(db, client, other_employee, true).await,
        "an active assignment of another employee",
    );

    // Re-activating a history row while one is active is refused, too.
    assert_unique_violation(
        exec(
            db,
            "UPDATE client_employee_assignments SET is_active = ? \
             WHERE client_id = ? AND employee_id = ? AND id <> ?",
            vec![v(true), v(client), v(employee), v(first)],
        )
        .await,
    );

    let deactivated = assert_ok(
        exec(
            db,
            "UPDATE client_employee_assignments SET is_active = ?, unassigned_at = ? WHERE id = ?",
            vec![v(false), v(t0() + Duration::hours(1)), v(first)],
        )
        .await,
        "deactivating the first assignment",
    );
    assert_eq!(deactivated, 1);
    assert_ok(
        try_insert_assignment(db, client, employee, true).await,
        "a new active assignment after deactivating the first",
    );

    let active = count(
        db,
        "SELECT COUNT(*) AS n FROM client_employee_assignments \
         WHERE client_id = ? AND employee_id = ? AND is_active = ?",
        vec![v(client), v(employee), v(true)],
    )
    .await;
    assert_eq!(active, 1);
}
on_both!(one_active_assignment => one_active_assignment_sqlite, one_active_assignment_postgres);

// ---------------------------------------------------------------------------------------------
// 4. job_delegations: deadline after delegation time
// ---------------------------------------------------------------------------------------------

async fn deadline_after_delegation(db: &DatabaseConnection) {
    let client = insert_client(db).await;
    let with_deadline = |deadline: Option<DateTime<Utc>>| Job {
        deadline,
        ..Job::for_client(client)
    };

    assert_check_violation(
        try_insert_job(db, &with_deadline(Some(t0()))).await,
        "ck_job_delegations_deadline",
    );
    assert_check_violation(
        try_insert_job(db, &with_deadline(Some(t0() - Duration::hours(1)))).await,
        "ck_job_delegations_deadline",
    );
    assert_check_violation(
        try_insert_job(db, &with_deadline(Some(t0() - Duration::milliseconds(1)))).await,
        "ck_job_delegations_deadline",
    );
    assert_ok(
        try_insert_job(db, &with_deadline(None)).await,
        "no deadline",
    );
    assert_ok(
        try_insert_job(db, &with_deadline(Some(t0() + Duration::days(3)))).await,
        "a later deadline",
    );
    assert_ok(
        try_insert_job(db, &with_deadline(Some(t0() + Duration::milliseconds(1)))).await,
        "a deadline one millisecond later",
    );

    // Also enforced on UPDATE.
    let job = insert_job(db, client).await;
    assert_check_violation(
        exec(
            db,
            "UPDATE job_delegations SET deadline = ? WHERE id = ?",
            vec![v(t0() - Duration::days(1)), v(job)],
        )
        .await,
        "ck_job_delegations_deadline",
    );
}
on_both!(deadline_after_delegation => deadline_after_delegation_sqlite, deadline_after_delegation_postgres);

// ---------------------------------------------------------------------------------------------
// 5. enum CHECKs: job status / priority, completion status, payment status, admin level
// ---------------------------------------------------------------------------------------------

async fn job_status_and_priority_checks(db: &DatabaseConnection) {
    let client = insert_client(db).await;
    assert_check_violation(
        try_insert_job(
            db,
            &Job {
                status: Some("bogus"),
                ..Job::for_client(client)
            },
        )
        .await,
        "ck_job_delegations_status",
    );
    assert_check_violation(
        try_insert_job(
            db,
            &Job {
                priority: Some("critical"),
                ..Job::for_client(client)
            },
        )
        .await,
        "ck_job_delegations_priority",
    );
    for status in [
        "unassigned",
        "pending",
        "in_progress",
        "needs_answer",
        "completed",
        "failed",
        "cancelled",
        "expired",
    ] {
        let job = Job {
            status: Some(status),
            ..Job::for_client(client)
        };
        assert_ok(try_insert_job(db, &job).await, status);
    }
    for priority in ["low", "normal", "high", "urgent"] {
        let job = Job {
            priority: Some(priority),
            ..Job::for_client(client)
        };
        assert_ok(try_insert_job(db, &job).await, priority);
    }
    let job = insert_job(db, client).await;
    assert_check_violation(
        exec(
            db,
            "UPDATE job_delegations SET status = ? WHERE id = ?",
            vec![v("done"), v(job)],
        )
        .await,
        "ck_job_delegations_status",
    );
}
on_both!(job_status_and_priority_checks => job_status_and_priority_checks_sqlite, job_status_and_priority_checks_postgres);

async fn completion_status_check(db: &DatabaseConnection) {
    let client = insert_client(db).await;
    let job = insert_job(db, client).await;
    assert_check_violation(
        try_insert_completion(db, job, None, "done").await,
        "ck_job_completions_status",
    );
    assert_ok(
        try_insert_completion(db, job, None, "submitted").await,
        "submitted",
    );
    let other_job = insert_job(db, client).await;
    assert_ok(
        try_insert_completion(db, other_job, None, "failed").await,
        "failed",
    );
}
on_both!(completion_status_check => completion_status_check_sqlite, completion_status_check_postgres);

async fn payment_status_check(db: &DatabaseConnection) {
    let user = insert_user(db, "client").await;
    assert_check_violation(
        try_insert_client_row(db, user, Some("overdue")).await,
        "ck_clients_payment_status",
    );
    for status in ["pending", "active", "past_due", "cancelled"] {
        let user = insert_user(db, "client").await;
        assert_ok(try_insert_client_row(db, user, Some(status)).await, status);
    }
}
on_both!(payment_status_check => payment_status_check_sqlite, payment_status_check_postgres);

async fn admin_level_check(db: &DatabaseConnection) {
    let user = insert_user(db, "admin").await;
    assert_check_violation(
        try_insert_admin(db, user, "root").await,
        "ck_admins_admin_level",
    );
    for level in ["super_admin", "admin"] {
        let user = insert_user(db, level).await;
        assert_ok(try_insert_admin(db, user, level).await, level);
    }
}
on_both!(admin_level_check => admin_level_check_sqlite, admin_level_check_postgres);

async fn file_size_check(db: &DatabaseConnection) {
    let client = insert_client(db).await;
    let profile = insert_resume_profile(db, client).await;
    assert_check_violation(
        try_insert_resume_type(db, profile, "Negative", -1).await,
        "ck_resume_types_file_size",
    );
    assert_ok(
        try_insert_resume_type(db, profile, "Empty", 0).await,
        "an empty file",
    );
    assert_ok(
        try_insert_resume_type(db, profile, "Large", 5_000_000_000).await,
        "a file larger than 4 GiB (bigint)",
    );
}
on_both!(file_size_check => file_size_check_sqlite, file_size_check_postgres);

// ---------------------------------------------------------------------------------------------
// 6. composite / one-to-one uniqueness
// ---------------------------------------------------------------------------------------------

async fn resume_type_name_unique_per_profile(db: &DatabaseConnection) {
    let profile = insert_resume_profile(db, insert_client(db).await).await;
    let other_profile = insert_resume_profile(db, insert_client(db).await).await;

    assert_ok(
        try_insert_resume_type(db, profile, "Backend", 1024).await,
        "the first Backend résumé",
    );
    assert_unique_violation(try_insert_resume_type(db, profile, "Backend", 2048).await);
    assert_ok(
        try_insert_resume_type(db, profile, "Frontend", 1024).await,
        "another name on the same profile",
    );
    assert_ok(
        try_insert_resume_type(db, other_profile, "Backend", 1024).await,
        "the same name on another profile",
    );
}
on_both!(resume_type_name_unique_per_profile => resume_type_name_unique_per_profile_sqlite, resume_type_name_unique_per_profile_postgres);

async fn one_completion_per_job(db: &DatabaseConnection) {
    let client = insert_client(db).await;
    let job = insert_job(db, client).await;
    let other_job = insert_job(db, client).await;
    assert_ok(
        try_insert_completion(db, job, None, "submitted").await,
        "the first completion",
    );
    assert_unique_violation(try_insert_completion(db, job, None, "failed").await);
    assert_ok(
        try_insert_completion(db, other_job, None, "submitted").await,
        "a completion of another job",
    );
}
on_both!(one_completion_per_job => one_completion_per_job_sqlite, one_completion_per_job_postgres);

/// The one-to-one `user_id UNIQUE` columns of the role tables and profiles.
async fn one_row_per_user(db: &DatabaseConnection) {
    let user = insert_user(db, "client").await;
    assert_ok(
        try_insert_client_row(db, user, None).await,
        "the client row",
    );
    assert_unique_violation(try_insert_client_row(db, user, None).await);

    let admin_user = insert_user(db, "admin").await;
    assert_ok(
        try_insert_admin(db, admin_user, "admin").await,
        "the admin row",
    );
    assert_unique_violation(try_insert_admin(db, admin_user, "admin").await);

    let profile_row = |id: Uuid| {
        vec![
            ("id", v(Uuid::new_v4())),
            ("user_id", v(id)),
            ("metadata", empty_json()),
            ("created_at", v(t0())),
            ("updated_at", v(t0())),
        ]
    };
    assert_ok(
        insert(db, "user_profiles", profile_row(user)).await,
        "the user profile",
    );
    assert_unique_violation(insert(db, "user_profiles", profile_row(user)).await);

    let client = insert_client(db).await;
    insert_resume_profile(db, client).await;
    let second_profile = vec![
        ("id", v(Uuid::new_v4())),
        ("client_id", v(client)),
        ("professional_summary", v("")),
        ("experience", empty_json()),
        ("education", empty_json()),
        ("skills", empty_json()),
        ("contact_info", empty_json()),
        ("created_at", v(t0())),
        ("updated_at", v(t0())),
    ];
    assert_unique_violation(insert(db, "resume_profiles", second_profile).await);
}
on_both!(one_row_per_user => one_row_per_user_sqlite, one_row_per_user_postgres);

// ---------------------------------------------------------------------------------------------
// 7. foreign keys: enforced, with the declared ON DELETE actions
// ---------------------------------------------------------------------------------------------

async fn foreign_keys_enforced(db: &DatabaseConnection) {
    if db.get_database_backend() == DbBackend::Sqlite {
        // sqlx turns enforcement on for every SQLite connection; make sure it really is.
        let rows = query(db, "PRAGMA foreign_keys", vec![]).await;
        assert_eq!(
            rows[0]
                .try_get_by_index::<i64>(0)
                .expect("PRAGMA foreign_keys"),
            1
        );
    }

    assert_fk_violation(try_insert_job(db, &Job::for_client(Uuid::new_v4())).await);
    let client = insert_client(db).await;
    assert_ok(
        try_insert_job(db, &Job::for_client(client)).await,
        "a job of an existing client",
    );
    assert_fk_violation(
        try_insert_job(
            db,
            &Job {
                assigned_employee_id: Some(Uuid::new_v4()),
                ..Job::for_client(client)
            },
        )
        .await,
    );
    assert_fk_violation(try_insert_assignment(db, client, Uuid::new_v4(), true).await);
    assert_fk_violation(try_insert_client_row(db, Uuid::new_v4(), None).await);
    assert_fk_violation(
        insert(
            db,
            "sessions",
            vec![
                ("id", v("session-1")),
                ("user_id", v(Uuid::new_v4())),
                ("data", v(vec![1u8, 2, 3])),
                ("expires_at", v(t0())),
            ],
        )
        .await,
    );
    // An anonymous session has no user.
    assert_ok(
        insert(
            db,
            "sessions",
            vec![
                ("id", v("session-2")),
                ("user_id", v(None::<Uuid>)),
                ("data", v(vec![1u8, 2, 3])),
                ("expires_at", v(t0())),
            ],
        )
        .await,
        "an anonymous session",
    );
}
on_both!(foreign_keys_enforced => foreign_keys_enforced_sqlite, foreign_keys_enforced_postgres);

async fn on_delete_actions(db: &DatabaseConnection) {
    let admin_user = insert_user(db, "admin").await;
    let client_user = insert_user(db, "client").await;
    let client = assert_ok(
        try_insert_client_row(db, client_user, None).await,
        "a client",
    );
    assert_ok(
        exec(
            db,
            "UPDATE clients SET is_activated = ?, activated_at = ?, activated_by = ? WHERE id = ?",
            vec![v(true), v(t0()), v(admin_user), v(client)],
        )
        .await,
        "activating the client",
    );
    let employee = insert_employee(db).await;
    let profile = insert_resume_profile(db, client).await;
    let resume_type = assert_ok(
        try_insert_resume_type(db, profile, "Backend", 10).await,
        "a resume type",
    );
    assert_ok(
        try_insert_assignment(db, client, employee, true).await,
        "an assignment",
    );
    let job = insert_job(db, client).await;
    assert_ok(
        exec(
            db,
            "UPDATE job_delegations SET assigned_employee_id = ?, resume_type_id = ? WHERE id = ?",
            vec![v(employee), v(resume_type), v(job)],
        )
        .await,
        "assigning the job",
    );
    assert_ok(
        try_insert_completion(db, job, Some(employee), "submitted").await,
        "a completion",
    );
    assert_ok(
        insert(
            db,
            "activity_logs",
            vec![
                ("id", v(Uuid::new_v4())),
                ("user_id", v(admin_user)),
                ("action_type", v("client.activate")),
                ("entity_type", v("client")),
                ("entity_id", v(client)),
                ("action_data", empty_json()),
                ("created_at", v(t0())),
            ],
        )
        .await,
        "an activity log entry",
    );

    // SET NULL: the activating admin disappears, the client stays.
    assert_ok(
        exec(db, "DELETE FROM users WHERE id = ?", vec![v(admin_user)]).await,
        "deleting the admin user",
    );
    let n = count(
        db,
        "SELECT COUNT(*) AS n FROM clients WHERE id = ? AND activated_by IS NULL",
        vec![v(client)],
    )
    .await;
    assert_eq!(n, 1, "clients.activated_by is set to NULL");
    let n = count(
        db,
        "SELECT COUNT(*) AS n FROM activity_logs WHERE user_id IS NULL",
        vec![],
    )
    .await;
    assert_eq!(n, 1, "activity_logs.user_id is set to NULL");

    // SET NULL: removing the résumé type and the employee keeps the job and its completion.
    assert_ok(
        exec(
            db,
            "DELETE FROM resume_types WHERE id = ?",
            vec![v(resume_type)],
        )
        .await,
        "deleting the resume type",
    );
    assert_ok(
        exec(db, "DELETE FROM employees WHERE id = ?", vec![v(employee)]).await,
        "deleting the employee",
    );
    let n = count(
        db,
        "SELECT COUNT(*) AS n FROM job_delegations \
         WHERE id = ? AND assigned_employee_id IS NULL AND resume_type_id IS NULL",
        vec![v(job)],
    )
    .await;
    assert_eq!(n, 1, "job_delegations keeps the job with NULL references");
    let n = count(
        db,
        "SELECT COUNT(*) AS n FROM job_completions WHERE job_delegation_id = ? AND completed_by IS NULL",
        vec![v(job)],
    )
    .await;
    assert_eq!(n, 1, "job_completions.completed_by is set to NULL");
    let n = count(
        db,
        "SELECT COUNT(*) AS n FROM client_employee_assignments",
        vec![],
    )
    .await;
    assert_eq!(n, 0, "assignments cascade with the employee");

    // CASCADE: deleting the client's user removes the whole client tree.
    assert_ok(
        exec(db, "DELETE FROM users WHERE id = ?", vec![v(client_user)]).await,
        "deleting the client user",
    );
    for table in [
        "clients",
        "resume_profiles",
        "job_delegations",
        "job_completions",
    ] {
        let n = count(db, &format!("SELECT COUNT(*) AS n FROM {table}"), vec![]).await;
        assert_eq!(n, 0, "{table} rows cascade with the client's user");
    }
}
on_both!(on_delete_actions => on_delete_actions_sqlite, on_delete_actions_postgres);

// ---------------------------------------------------------------------------------------------
// Column defaults and types
// ---------------------------------------------------------------------------------------------

async fn column_defaults(db: &DatabaseConnection) {
    let user = insert_user(db, "client").await;
    let client = assert_ok(try_insert_client_row(db, user, None).await, "a client");
    let employee = insert_employee(db).await;
    assert_ok(
        try_insert_assignment(db, client, employee, true).await,
        "an assignment",
    );
    let job = insert_job(db, client).await;
    let notification = Uuid::new_v4();
    assert_ok(
        insert(
            db,
            "notifications",
            vec![
                ("id", v(notification)),
                ("user_id", v(user)),
                ("notification_type", v("job.assigned")),
                ("title", v("Hello")),
                ("message", v("World")),
                ("metadata", empty_json()),
                ("created_at", v(t0())),
            ],
        )
        .await,
        "a notification",
    );

    let get_bool = |rows: Vec<QueryResult>| rows[0].try_get::<bool>("", "b").expect("bool");
    let get_str = |rows: Vec<QueryResult>| rows[0].try_get::<String>("", "s").expect("string");

    let sql = "SELECT is_active AS b FROM users WHERE id = ?";
    assert!(
        get_bool(query(db, sql, vec![v(user)]).await),
        "users.is_active"
    );
    let sql = "SELECT is_activated AS b FROM clients WHERE id = ?";
    assert!(
        !get_bool(query(db, sql, vec![v(client)]).await),
        "clients.is_activated"
    );
    let sql = "SELECT payment_status AS s FROM clients WHERE id = ?";
    assert_eq!(get_str(query(db, sql, vec![v(client)]).await), "pending");
    let sql = "SELECT is_available AS b FROM employees WHERE id = ?";
    assert!(
        get_bool(query(db, sql, vec![v(employee)]).await),
        "employees.is_available"
    );
    let sql = "SELECT status AS s FROM job_delegations WHERE id = ?";
    assert_eq!(get_str(query(db, sql, vec![v(job)]).await), "unassigned");
    let sql = "SELECT priority AS s FROM job_delegations WHERE id = ?";
    assert_eq!(get_str(query(db, sql, vec![v(job)]).await), "normal");
    let sql = "SELECT is_read AS b FROM notifications WHERE id = ?";
    assert!(
        !get_bool(query(db, sql, vec![v(notification)]).await),
        "notifications.is_read"
    );
    let sql = "SELECT email_pending AS b FROM notifications WHERE id = ?";
    assert!(
        !get_bool(query(db, sql, vec![v(notification)]).await),
        "notifications.email_pending"
    );

    // client_employee_assignments.is_active defaults to true.
    let other_employee = insert_employee(db).await;
    assert_ok(
        insert(
            db,
            "client_employee_assignments",
            vec![
                ("id", v(Uuid::new_v4())),
                ("client_id", v(client)),
                ("employee_id", v(other_employee)),
                ("assigned_at", v(t0())),
            ],
        )
        .await,
        "an assignment without is_active",
    );
    let sql = "SELECT is_active AS b FROM client_employee_assignments WHERE employee_id = ?";
    assert!(get_bool(query(db, sql, vec![v(other_employee)]).await));
}
on_both!(column_defaults => column_defaults_sqlite, column_defaults_postgres);

/// Every column of SCHEMA.md exists, with the right nullability, and key types are as documented.
async fn columns_match_schema(db: &DatabaseConnection) {
    // (table, [(column, nullable)])
    let expected: &[(&str, &[(&str, bool)])] = &[
        (
            "users",
            &[
                ("id", false),
                ("email", false),
                ("password_hash", false),
                ("first_name", false),
                ("last_name", false),
                ("role", false),
                ("is_active", false),
                ("created_at", false),
                ("updated_at", false),
                ("email_verified_at", true),
                ("mfa_secret", true),
                ("mfa_enabled_at", true),
                ("mfa_last_step", true),
            ],
        ),
        (
            "user_profiles",
            &[
                ("id", false),
                ("user_id", false),
                ("bio", true),
                ("phone", true),
                ("location", true),
                ("metadata", false),
                ("created_at", false),
                ("updated_at", false),
            ],
        ),
        (
            "clients",
            &[
                ("id", false),
                ("user_id", false),
                ("is_activated", false),
                ("activated_at", true),
                ("activated_by", true),
                ("payment_status", false),
                ("subscription_data", false),
                ("created_at", false),
            ],
        ),
        (
            "employees",
            &[
                ("id", false),
                ("user_id", false),
                ("created_by", true),
                ("performance_metrics", false),
                ("is_available", false),
                ("last_active", true),
                ("last_assigned_at", true),
                ("created_at", false),
            ],
        ),
        (
            "admins",
            &[
                ("id", false),
                ("user_id", false),
                ("admin_level", false),
                ("permissions", false),
                ("created_by", true),
                ("created_at", false),
            ],
        ),
        (
            "resume_profiles",
            &[
                ("id", false),
                ("client_id", false),
                ("professional_summary", false),
                ("experience", false),
                ("education", false),
                ("skills", false),
                ("contact_info", false),
                ("created_at", false),
                ("updated_at", false),
            ],
        ),
        (
            "resume_types",
            &[
                ("id", false),
                ("resume_profile_id", false),
                ("name", false),
                ("file_path", false),
                ("file_name", false),
                ("file_size", false),
                ("uploaded_at", false),
            ],
        ),
        (
            "client_employee_assignments",
            &[
                ("id", false),
                ("client_id", false),
                ("employee_id", false),
                ("assigned_by", true),
                ("assigned_at", false),
                ("is_active", false),
                ("unassigned_at", true),
            ],
        ),
        (
            "job_delegations",
            &[
                ("id", false),
                ("client_id", false),
                ("assigned_employee_id", true),
                ("resume_type_id", true),
                ("job_url", false),
                ("company_name", false),
                ("job_title", false),
                ("status", false),
                ("priority", false),
                ("deadline", true),
                ("delegated_at", false),
                ("assigned_at", true),
                ("started_at", true),
                ("completed_at", true),
                ("notes", false),
                ("metadata", false),
                ("updated_at", false),
                ("deadline_reminded_at", true),
                ("unassigned_alerted_at", true),
                ("posting_key", true),
            ],
        ),
        (
            "api_tokens",
            &[
                ("id", false),
                ("family_id", false),
                ("user_id", false),
                ("token_hash", false),
                ("client_name", false),
                ("created_at", false),
                ("expires_at", false),
                ("used_at", true),
                ("revoked_at", true),
                ("ip", true),
                ("user_agent", true),
            ],
        ),
        (
            "notification_preferences",
            &[
                ("user_id", false),
                ("kind", false),
                ("in_app", false),
                ("email", false),
                ("updated_at", false),
                ("push", false),
            ],
        ),
        (
            "email_tokens",
            &[
                ("id", false),
                ("user_id", false),
                ("purpose", false),
                ("email", false),
                ("token_hash", false),
                ("created_at", false),
                ("expires_at", false),
                ("used_at", true),
            ],
        ),
        (
            "push_subscriptions",
            &[
                ("id", false),
                ("user_id", false),
                ("endpoint", false),
                ("p256dh", false),
                ("auth", false),
                ("user_agent", true),
                ("created_at", false),
                ("last_used_at", true),
            ],
        ),
        (
            "mfa_recovery_codes",
            &[
                ("id", false),
                ("user_id", false),
                ("code_hash", false),
                ("created_at", false),
                ("used_at", true),
            ],
        ),
        (
            "password_resets",
            &[
                ("id", false),
                ("user_id", false),
                ("token_hash", false),
                ("created_at", false),
                ("expires_at", false),
                ("used_at", true),
            ],
        ),
        (
            "job_completions",
            &[
                ("id", false),
                ("job_delegation_id", false),
                ("completed_by", true),
                ("proof_screenshot_path", true),
                ("proof_size", true),
                ("completion_notes", false),
                ("completion_status", false),
                ("failure_reason", true),
                ("completed_at", false),
                ("proof_sha256", true),
                ("captured_url", true),
                ("captured_title", true),
                ("captured_at", true),
                ("site_mismatch", false),
                ("confirmation_page", false),
            ],
        ),
        (
            "job_questions",
            &[
                ("id", false),
                ("job_delegation_id", false),
                ("asked_by", true),
                ("question", false),
                ("answer", true),
                ("asked_at", false),
                ("answered_at", true),
            ],
        ),
        (
            "proof_corrections",
            &[
                ("id", false),
                ("job_delegation_id", false),
                ("added_by", true),
                ("proof_screenshot_path", false),
                ("proof_size", false),
                ("proof_sha256", true),
                ("captured_url", true),
                ("captured_title", true),
                ("captured_at", true),
                ("site_mismatch", false),
                ("confirmation_page", false),
                ("reason", false),
                ("added_at", false),
            ],
        ),
        (
            "activity_logs",
            &[
                ("id", false),
                ("user_id", true),
                ("action_type", false),
                ("entity_type", false),
                ("entity_id", true),
                ("action_data", false),
                ("ip_address", true),
                ("user_agent", true),
                ("created_at", false),
            ],
        ),
        (
            "idempotency_keys",
            &[
                ("principal", false),
                ("key", false),
                ("request_hash", false),
                ("status_code", true),
                ("response_body", true),
                ("created_at", false),
                ("completed_at", true),
            ],
        ),
        (
            "notifications",
            &[
                ("id", false),
                ("user_id", false),
                ("notification_type", false),
                ("title", false),
                ("message", false),
                ("is_read", false),
                ("metadata", false),
                ("created_at", false),
                ("read_at", true),
                ("email_pending", false),
                ("shown", false),
                ("push_pending", false),
                ("email_claimed_until", true),
                ("email_message", true),
            ],
        ),
        (
            "sessions",
            &[
                ("id", false),
                ("user_id", true),
                ("data", false),
                ("expires_at", false),
            ],
        ),
        (
            "login_throttles",
            &[
                ("key", false),
                ("failures", false),
                ("window_started_at", false),
                ("locked_until", true),
            ],
        ),
        (
            "rate_limits",
            &[
                ("key", false),
                ("window_start", false),
                ("window_secs", false),
                ("hits", false),
            ],
        ),
        ("instance_settings", &[("key", false), ("value", false)]),
        (
            "api_keys",
            &[
                ("id", false),
                ("name", false),
                ("scope", false),
                ("key_hash", false),
                ("prefix", false),
                ("created_by", false),
                ("created_at", false),
                ("last_used_at", true),
                ("revoked_at", true),
            ],
        ),
        (
            "webhook_endpoints",
            &[
                ("id", false),
                ("url", false),
                ("description", false),
                ("events", false),
                ("secret_sealed", false),
                ("enabled", false),
                ("allow_private", false),
                ("consecutive_failures", false),
                ("disabled_reason", true),
                ("created_by", true),
                ("created_at", false),
            ],
        ),
        (
            "webhook_deliveries",
            &[
                ("id", false),
                ("endpoint_id", false),
                ("event_id", false),
                ("event_type", false),
                ("payload", false),
                ("status", false),
                ("attempts", false),
                ("last_status", true),
                ("last_error", true),
                ("created_at", false),
                ("next_attempt_at", true),
                ("delivered_at", true),
            ],
        ),
        (
            "webhook_attempts",
            &[
                ("id", false),
                ("delivery_id", false),
                ("attempted_at", false),
                ("status_code", true),
                ("response", true),
                ("error", true),
                ("duration_ms", false),
            ],
        ),
    ];
    assert_eq!(expected.len(), ALL_TABLES.len());

    let pg = db.get_database_backend() == DbBackend::Postgres;
    // (column, nullable, type) of a table, in the backend's own words.
    let columns = |table: &'static str| async move {
        let sql = if pg {
            "SELECT column_name::text AS c, is_nullable::text AS n, \
             (CASE WHEN character_maximum_length IS NULL THEN data_type::text \
              ELSE data_type::text || '(' || character_maximum_length::text || ')' END) AS t \
             FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ?"
        } else {
            "SELECT name AS c, (CASE WHEN \"notnull\" = 0 THEN 'YES' ELSE 'NO' END) AS n, \
             lower(type) AS t FROM pragma_table_info(?)"
        };
        query(db, sql, vec![v(table)])
            .await
            .iter()
            .map(|row| {
                let column: String = row.try_get("", "c").expect("column name");
                let nullable: String = row.try_get("", "n").expect("nullability");
                let ty: String = row.try_get("", "t").expect("column type");
                (column, nullable == "YES", ty)
            })
            .collect::<Vec<_>>()
    };

    for (table, expected_columns) in expected {
        let actual = columns(table).await;
        let actual_set: BTreeSet<(String, bool)> =
            actual.iter().map(|(c, n, _)| (c.clone(), *n)).collect();
        let expected_set: BTreeSet<(String, bool)> = expected_columns
            .iter()
            .map(|(c, n)| ((*c).to_owned(), *n))
            .collect();
        assert_eq!(actual_set, expected_set, "columns of {table}");
    }

    // Storage types, per backend.
    let type_of = |table: &'static str, column: &'static str| async move {
        columns(table)
            .await
            .into_iter()
            .find(|(c, _, _)| c == column)
            .map(|(_, _, t)| t)
            .unwrap_or_else(|| panic!("{table}.{column} exists"))
    };
    let expected_types: &[(&str, &str, &str, &str)] = &[
        // table, column, PostgreSQL, SQLite
        ("users", "id", "uuid", "uuid_text"),
        ("users", "email", "character varying(254)", "varchar(254)"),
        ("users", "password_hash", "text", "text"),
        ("users", "is_active", "boolean", "boolean"),
        (
            "users",
            "created_at",
            "timestamp with time zone",
            "timestamp_with_timezone_text",
        ),
        ("user_profiles", "metadata", "json", "json_text"),
        ("resume_types", "file_size", "bigint", "integer"),
        (
            "job_delegations",
            "job_url",
            "character varying(2048)",
            "varchar(2048)",
        ),
        ("sessions", "id", "character varying(64)", "varchar(64)"),
        ("sessions", "data", "bytea", "blob"),
        (
            "login_throttles",
            "key",
            "character varying(300)",
            "varchar(300)",
        ),
        ("login_throttles", "failures", "integer", "integer"),
    ];
    for (table, column, pg_type, sqlite_type) in expected_types {
        let expected = if pg { pg_type } else { sqlite_type };
        assert_eq!(
            &type_of(table, column).await,
            expected,
            "type of {table}.{column}"
        );
    }
}
on_both!(columns_match_schema => columns_match_schema_sqlite, columns_match_schema_postgres);

// ---------------------------------------------------------------------------------------------
// 8. required indexes exist, with the documented columns
// ---------------------------------------------------------------------------------------------

async fn required_indexes_exist(db: &DatabaseConnection) {
    // (index, table, fragments its definition must contain once quotes are removed, lower case)
    let expected: &[(&str, &str, &[&str])] = &[
        ("users_email_lower_key", "users", &["unique", "lower("]),
        (
            "uq_active_assignment",
            "client_employee_assignments",
            &["unique", "(client_id, employee_id)", "where is_active"],
        ),
        (
            "idx_client_employee_assignments_employee_active",
            "client_employee_assignments",
            &["(employee_id, is_active)"],
        ),
        (
            "idx_job_delegations_client_status",
            "job_delegations",
            &["(client_id, status)"],
        ),
        (
            "idx_job_delegations_employee_status",
            "job_delegations",
            &["(assigned_employee_id, status)"],
        ),
        (
            "idx_job_delegations_client_status_delegated",
            "job_delegations",
            &["(client_id, status, delegated_at desc)"],
        ),
        (
            "idx_activity_logs_user_created",
            "activity_logs",
            &["(user_id, created_at desc)"],
        ),
        (
            "idx_activity_logs_entity",
            "activity_logs",
            &["(entity_type, entity_id)"],
        ),
        (
            "idx_activity_logs_created_at",
            "activity_logs",
            &["(created_at)"],
        ),
        (
            "idx_notifications_user_read_created",
            "notifications",
            &["(user_id, is_read, created_at desc)"],
        ),
        ("idx_sessions_user_id", "sessions", &["(user_id)"]),
        ("idx_sessions_expires_at", "sessions", &["(expires_at)"]),
        (
            "idx_job_delegated_status_client",
            "job_delegations",
            &["(delegated_at, status, client_id)"],
        ),
        (
            "idx_job_employee_delegated",
            "job_delegations",
            &["(assigned_employee_id, delegated_at, status)"],
        ),
        (
            "idx_job_ended",
            "job_delegations",
            &[
                "(status, completed_at, assigned_employee_id, client_id, delegated_at, started_at, deadline)",
                "where",
                "completed_at is not null",
            ],
        ),
        (
            "idx_job_open",
            "job_delegations",
            &["(client_id, assigned_employee_id, status)", "where", "unassigned", "needs_answer"],
        ),
        (
            "idx_job_expired",
            "job_delegations",
            &["(updated_at, client_id, assigned_employee_id)", "expired"],
        ),
        (
            "idx_notifications_email_pending",
            "notifications",
            &["(user_id, created_at)", "where", "email_pending"],
        ),
        (
            "idx_password_resets_user",
            "password_resets",
            &["(user_id)"],
        ),
        (
            "idx_email_tokens_user",
            "email_tokens",
            &["(user_id)"],
        ),
        (
            "idx_mfa_recovery_codes_user",
            "mfa_recovery_codes",
            &["(user_id)"],
        ),
        (
            "idx_push_subscriptions_user",
            "push_subscriptions",
            &["(user_id)"],
        ),
        (
            "uq_job_client_posting",
            "job_delegations",
            &["unique", "(client_id, posting_key)", "cancelled"],
        ),
        (
            "idx_proof_corrections_job",
            "proof_corrections",
            &["(job_delegation_id, added_at)"],
        ),
        (
            "idx_job_questions_job",
            "job_questions",
            &["(job_delegation_id, asked_at)"],
        ),
    ];
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT tbl_name AS t, sql AS d FROM sqlite_master WHERE type = 'index' AND name = ?"
        }
        _ => {
            "SELECT tablename::text AS t, indexdef AS d FROM pg_indexes \
             WHERE schemaname = 'public' AND indexname = ?"
        }
    };
    for (index, table, fragments) in expected {
        let rows = query(db, sql, vec![v(*index)]).await;
        assert_eq!(rows.len(), 1, "index {index} exists");
        let on_table: String = rows[0].try_get("", "t").expect("table");
        assert_eq!(&on_table, table, "index {index} is on {table}");
        let definition: String = rows[0].try_get("", "d").expect("definition");
        let normalized = definition.replace('"', "").to_lowercase();
        for fragment in *fragments {
            assert!(
                normalized.contains(fragment),
                "index {index}: `{definition}` should contain `{fragment}`"
            );
        }
    }

    // The composite UNIQUE (resume_profile_id, name) is a named table constraint.
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT sql AS d FROM sqlite_master WHERE type = 'table' AND name = 'resume_types'"
        }
        _ => {
            "SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint \
             WHERE conname = 'uq_resume_types_profile_name'"
        }
    };
    let definition: String = query(db, sql, vec![]).await[0]
        .try_get("", "d")
        .expect("definition");
    assert!(
        definition
            .replace('"', "")
            .contains("UNIQUE (resume_profile_id, name)"),
        "{definition}"
    );
}
on_both!(required_indexes_exist => required_indexes_exist_sqlite, required_indexes_exist_postgres);

// ---------------------------------------------------------------------------------------------
// 9. up → down → up
// ---------------------------------------------------------------------------------------------

async fn migrate_up_down_up(db: &DatabaseConnection) {
    let all: BTreeSet<String> = ALL_TABLES.iter().map(|t| (*t).to_owned()).collect();
    assert_eq!(application_tables(db).await, all, "after up");
    assert!(Migrator::get_pending_migrations(db)
        .await
        .unwrap()
        .is_empty());
    // Some data, so `down` has to cope with populated tables.
    let client = insert_client(db).await;
    insert_job(db, client).await;

    Migrator::down(db, None).await.expect("migrate down");
    assert_eq!(application_tables(db).await, BTreeSet::new(), "after down");
    assert_eq!(
        Migrator::get_pending_migrations(db).await.unwrap().len(),
        Migrator::migrations().len()
    );

    Migrator::up(db, None).await.expect("migrate up again");
    assert_eq!(application_tables(db).await, all, "after up again");
    // The constraints are back, too.
    assert_ok(
        try_insert_user(db, "Ann@Example.com", "client").await,
        "a user",
    );
    assert_unique_violation(try_insert_user(db, "ann@example.com", "client").await);

    // Stepwise down works as well: the last migrations drop only their own tables, columns and indexes.
    let client = insert_client(db).await;
    let job = assert_ok(
        try_insert_job(
            db,
            &Job {
                status: Some("needs_answer"),
                ..Job::for_client(client)
            },
        )
        .await,
        "a job waiting for its client's answer",
    );
    insert_question(db, job, None).await;
    // How many columns of that name `notifications` has (0 once the migration that added it is undone).
    let column = |name: &str| match db.get_database_backend() {
        DbBackend::Sqlite => format!(
            "SELECT COUNT(*) AS n FROM pragma_table_info('notifications') WHERE name = '{name}'"
        ),
        _ => format!(
            "SELECT COUNT(*) AS n FROM information_schema.columns \
             WHERE table_name = 'notifications' AND column_name = '{name}'"
        ),
    };
    Migrator::down(db, Some(1)).await.expect("one step down");
    assert_eq!(
        count(db, &column("email_message"), vec![]).await,
        0,
        "the email messages' column goes"
    );
    assert_eq!(
        application_tables(db).await,
        all,
        "no table goes with the email messages' column"
    );
    Migrator::down(db, Some(1)).await.expect("one step down");
    let mut all = all;
    for table in [
        "api_keys",
        "webhook_endpoints",
        "webhook_deliveries",
        "webhook_attempts",
    ] {
        all.remove(table);
    }
    assert_eq!(
        application_tables(db).await,
        all,
        "the integrations' tables go"
    );
    Migrator::down(db, Some(1)).await.expect("one step down");
    all.remove("idempotency_keys");
    assert_eq!(
        application_tables(db).await,
        all,
        "the idempotency keys' table goes"
    );
    Migrator::down(db, Some(1)).await.expect("one step down");
    assert_eq!(
        count(db, &column("email_claimed_until"), vec![]).await,
        0,
        "the email claims' column goes"
    );
    Migrator::down(db, Some(1)).await.expect("one step down");
    all.remove("job_questions");
    assert_eq!(
        application_tables(db).await,
        all,
        "the questions' table goes"
    );
    let n = count(
        db,
        "SELECT COUNT(*) AS n FROM job_delegations WHERE id = ? AND status = 'in_progress'",
        vec![v(job)],
    )
    .await;
    assert_eq!(n, 1, "a job waiting for an answer is back in progress");
    assert_check_violation(
        try_insert_job(
            db,
            &Job {
                status: Some("needs_answer"),
                ..Job::for_client(client)
            },
        )
        .await,
        "ck_job_delegations_status",
    );
    Migrator::down(db, Some(1)).await.expect("one step down");
    all.remove("proof_corrections");
    assert_eq!(
        application_tables(db).await,
        all,
        "the proof corrections' table goes"
    );
    let key_columns = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT (SELECT COUNT(*) FROM pragma_table_info('job_delegations') WHERE name = 'posting_key') \
             + (SELECT COUNT(*) FROM pragma_table_info('job_completions') WHERE name = 'proof_sha256') AS n"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM information_schema.columns \
             WHERE (table_name = 'job_delegations' AND column_name = 'posting_key') \
             OR (table_name = 'job_completions' AND column_name = 'proof_sha256')"
        }
    };
    let n: i64 = query(db, key_columns, vec![]).await[0]
        .try_get("", "n")
        .expect("count");
    assert_eq!(n, 0, "the posting key and capture columns are gone");
    Migrator::down(db, Some(1)).await.expect("one step down");
    all.remove("push_subscriptions");
    assert_eq!(
        application_tables(db).await,
        all,
        "the push subscriptions' table goes"
    );
    let push_columns = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT (SELECT COUNT(*) FROM pragma_table_info('notifications') WHERE name = 'push_pending') \
             + (SELECT COUNT(*) FROM pragma_table_info('notification_preferences') WHERE name = 'push') AS n"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM information_schema.columns \
             WHERE (table_name = 'notifications' AND column_name = 'push_pending') \
             OR (table_name = 'notification_preferences' AND column_name = 'push')"
        }
    };
    let n: i64 = query(db, push_columns, vec![]).await[0]
        .try_get("", "n")
        .expect("count");
    assert_eq!(n, 0, "the push columns are gone");
    Migrator::down(db, Some(1)).await.expect("one step down");
    all.remove("mfa_recovery_codes");
    assert_eq!(
        application_tables(db).await,
        all,
        "the recovery codes' table goes"
    );
    let mfa_columns = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT COUNT(*) AS n FROM pragma_table_info('users') WHERE name LIKE 'mfa_%'"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM information_schema.columns \
             WHERE table_name = 'users' AND column_name LIKE 'mfa_%'"
        }
    };
    let n: i64 = query(db, mfa_columns, vec![]).await[0]
        .try_get("", "n")
        .expect("count");
    assert_eq!(n, 0, "the users' MFA columns are gone");
    Migrator::down(db, Some(1)).await.expect("one step down");
    all.remove("password_resets");
    all.remove("email_tokens");
    all.remove("notification_preferences");
    assert_eq!(
        application_tables(db).await,
        all,
        "the reset and confirmation links' tables go"
    );
    let token_columns = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT COUNT(*) AS n FROM pragma_table_info('api_tokens') WHERE name IN ('ip', 'user_agent')"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM information_schema.columns \
             WHERE table_name = 'api_tokens' AND column_name IN ('ip', 'user_agent')"
        }
    };
    let n: i64 = query(db, token_columns, vec![]).await[0]
        .try_get("", "n")
        .expect("count");
    assert_eq!(n, 0, "api_tokens.ip and user_agent are gone");
    Migrator::down(db, Some(1)).await.expect("one step down");
    assert_eq!(
        application_tables(db).await,
        all,
        "the notifications' email column goes, the tables stay"
    );
    let columns = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT COUNT(*) AS n FROM pragma_table_info('notifications') WHERE name = 'email_pending'"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM information_schema.columns \
             WHERE table_name = 'notifications' AND column_name = 'email_pending'"
        }
    };
    let n: i64 = query(db, columns, vec![]).await[0]
        .try_get("", "n")
        .expect("count");
    assert_eq!(n, 0, "notifications.email_pending is gone");
    Migrator::down(db, Some(1)).await.expect("one step down");
    all.remove("rate_limits");
    all.remove("instance_settings");
    assert_eq!(
        application_tables(db).await,
        all,
        "the rate-limit and settings tables go"
    );
    Migrator::down(db, Some(1)).await.expect("one step down");
    assert_eq!(
        application_tables(db).await,
        all,
        "the analytics indexes go, the tables stay"
    );
    let index_count = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'index' AND name = 'idx_job_ended'"
        }
        _ => "SELECT COUNT(*) AS n FROM pg_indexes WHERE indexname = 'idx_job_ended'",
    };
    let n: i64 = query(db, index_count, vec![]).await[0]
        .try_get("", "n")
        .expect("count");
    assert_eq!(n, 0, "the analytics indexes are dropped");
    Migrator::down(db, Some(1)).await.expect("one step down");
    let mut remaining = all.clone();
    remaining.remove("api_tokens");
    assert_eq!(
        application_tables(db).await,
        remaining,
        "the token table goes"
    );
    Migrator::down(db, Some(1))
        .await
        .expect("one more step down");
    assert_eq!(
        application_tables(db).await,
        remaining,
        "the alert columns go, the tables stay"
    );
    Migrator::down(db, Some(2)).await.expect("two steps down");
    remaining.remove("sessions");
    remaining.remove("login_throttles");
    assert_eq!(
        application_tables(db).await,
        remaining,
        "after one step down"
    );
}
on_both!(migrate_up_down_up => migrate_up_down_up_sqlite, migrate_up_down_up_postgres);

// ---------------------------------------------------------------------------------------------
// Questions the client must answer; the tables rebuilt for the new status and kind keep their references
// ---------------------------------------------------------------------------------------------

async fn job_questions_constraints(db: &DatabaseConnection) {
    let client = insert_client(db).await;
    let employee = insert_employee(db).await;
    let job = insert_job(db, client).await;
    assert_fk_violation(try_insert_question(db, Uuid::new_v4(), None, None, None).await);
    assert_fk_violation(try_insert_question(db, job, Some(Uuid::new_v4()), None, None).await);
    // An answer comes with its time, and a time with its answer.
    assert_check_violation(
        try_insert_question(db, job, None, Some("Yes"), None).await,
        "ck_job_questions_answered",
    );
    assert_check_violation(
        try_insert_question(db, job, None, None, Some(t0())).await,
        "ck_job_questions_answered",
    );
    assert_ok(
        try_insert_question(db, job, Some(employee), Some("Yes"), Some(t0())).await,
        "an answered question",
    );
    insert_question(db, job, Some(employee)).await;
    assert_ok(
        try_insert_completion(db, job, Some(employee), "submitted").await,
        "a completion of the rebuilt table's job",
    );
    // The tables that refer to the rebuilt job_delegations still do: unknown jobs are refused, deletes cascade.
    assert_fk_violation(try_insert_completion(db, Uuid::new_v4(), None, "submitted").await);
    assert_ok(
        exec(db, "DELETE FROM employees WHERE id = ?", vec![v(employee)]).await,
        "deleting the employee",
    );
    let n = count(
        db,
        "SELECT COUNT(*) AS n FROM job_questions WHERE job_delegation_id = ? AND asked_by IS NULL",
        vec![v(job)],
    )
    .await;
    assert_eq!(n, 2, "job_questions.asked_by is set to NULL");
    assert_ok(
        exec(db, "DELETE FROM job_delegations WHERE id = ?", vec![v(job)]).await,
        "deleting the job",
    );
    for table in ["job_questions", "job_completions"] {
        let n = count(db, &format!("SELECT COUNT(*) AS n FROM {table}"), vec![]).await;
        assert_eq!(n, 0, "{table} rows cascade with their job");
    }
    // The preference for news of questions is a kind of its own.
    let user = insert_user(db, "client").await;
    let pref = |kind: &'static str| {
        vec![
            ("user_id", v(user)),
            ("kind", v(kind)),
            ("in_app", v(true)),
            ("email", v(false)),
            ("updated_at", v(t0())),
        ]
    };
    assert_ok(
        insert(db, "notification_preferences", pref("question")).await,
        "a preference for questions",
    );
    assert_check_violation(
        insert(db, "notification_preferences", pref("bogus")).await,
        "notification_preferences_kind_check",
    );
}
on_both!(job_questions_constraints => job_questions_constraints_sqlite, job_questions_constraints_postgres);

/// SQLite rebuilds job_delegations for migration 17: on a file database with a pool of connections (as the server
/// runs it), up and down keep the rows of the tables that refer to it, those references still hold, and every
/// connection of the pool still enforces foreign keys.
#[tokio::test]
async fn sqlite_rebuild_on_a_pool_keeps_what_refers_to_the_table() {
    let dir = std::env::temp_dir().join(format!("jd-rebuild-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("test.db").display());
    let db = connect(&url, 8).await;
    Migrator::up(&db, None).await.expect("migrate up");
    let client = insert_client(&db).await;
    let employee = insert_employee(&db).await;
    let job = assert_ok(
        try_insert_job(
            &db,
            &Job {
                status: Some("needs_answer"),
                assigned_employee_id: Some(employee),
                ..Job::for_client(client)
            },
        )
        .await,
        "a job waiting for its client",
    );
    insert_question(&db, job, Some(employee)).await;
    assert_ok(
        try_insert_completion(&db, job, Some(employee), "submitted").await,
        "a completion",
    );
    let completions = || count(&db, "SELECT COUNT(*) AS n FROM job_completions", vec![]);

    Migrator::down(&db, Some(1)).await.expect("one step down");
    assert_eq!(
        completions().await,
        1,
        "the completion survives the rebuild"
    );
    Migrator::up(&db, None).await.expect("up again");
    assert_eq!(completions().await, 1, "and the second rebuild");
    for _ in 0..8 {
        let on = query(&db, "PRAGMA foreign_keys", vec![]).await[0]
            .try_get_by_index::<i64>(0)
            .unwrap();
        assert_eq!(on, 1, "every connection enforces foreign keys");
    }
    assert_fk_violation(try_insert_completion(&db, Uuid::new_v4(), None, "submitted").await);
    assert_ok(
        exec(
            &db,
            "DELETE FROM job_delegations WHERE id = ?",
            vec![v(job)],
        )
        .await,
        "deleting the job",
    );
    assert_eq!(
        completions().await,
        0,
        "the completion cascades with its job"
    );
    db.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn migration_names_are_ordered_and_unique() {
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "m20261124_000001_accounts",
            "m20261124_000002_resumes",
            "m20261124_000003_assignments",
            "m20261124_000004_jobs",
            "m20261124_000005_activity_notifications",
            "m20261124_000006_sessions_throttles",
            "m20261124_000007_job_dedupe",
            "m20261125_000008_job_alerts",
            "m20261125_000009_api_tokens",
            "m20261125_000010_analytics_indexes",
            "m20261130_000011_rate_limits",
            "m20261201_000012_notification_emails",
            "m20261201_000013_account_recovery",
            "m20261201_000014_mfa",
            "m20261201_000015_push",
            "m20261201_000016_postings_proofs",
            "m20261201_000017_job_questions",
            "m20261201_000018_email_claims",
            "m20261201_000019_idempotency_keys",
            "m20261201_000020_integrations",
            "m20261202_000021_email_messages",
        ]
    );
}

async fn one_live_job_per_client_and_url(db: &DatabaseConnection) {
    let client = insert_client(db).await;
    let other = insert_client(db).await;
    let url = Some("https://jobs.example.com/same".to_string());
    let job = |client_id, status| Job {
        status,
        url: url.clone(),
        ..Job::for_client(client_id)
    };
    assert_ok(
        try_insert_job(db, &job(client, None)).await,
        "the first delegation",
    );
    assert_unique_violation(try_insert_job(db, &job(client, None)).await);
    assert_ok(
        try_insert_job(db, &job(other, None)).await,
        "the same posting for another client",
    );
    // A cancelled delegation does not block a new one.
    let client2 = insert_client(db).await;
    assert_ok(
        try_insert_job(db, &job(client2, Some("cancelled"))).await,
        "a cancelled delegation",
    );
    assert_ok(
        try_insert_job(db, &job(client2, None)).await,
        "the posting again after cancelling",
    );
}
on_both!(one_live_job_per_client_and_url => one_live_job_per_client_and_url_sqlite, one_live_job_per_client_and_url_postgres);
