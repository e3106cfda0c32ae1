//! Issue 20: a database fault in the middle of a multi-step write. Each write is stopped at a chosen step (another
//! transaction holds a lock on the table that step writes, so the write waits there with its earlier steps done),
//! and then its connection is killed (`pg_terminate_backend`) or its statement times out. The write is then wholly
//! absent and the answer is a 503 with `Retry-After` saying nothing was changed; sent again, it is wholly there.
//! Two writes that deadlock are retried by the server, and both succeed.

use std::{future::Future, time::Duration};

use app::domain::entities::{
    activity_logs, client_employee_assignments as assignments, clients, job_completions,
    job_delegations as jobs, notifications,
};
use reqwest::{multipart, Response};
use sea_orm::{
    ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Statement, TransactionTrait,
};
use serde_json::{json, Value};
use std::sync::Arc;
use uuid::Uuid;

use crate::{helpers::*, work::png};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// The write's connection is killed from another one while it waits.
    Kill,
    /// The write's statement runs past the database's `statement_timeout` while it waits.
    Timeout,
}

/// One connection of its own to the app's database.
async fn own_connection(app: &TestApp) -> DatabaseConnection {
    let mut opts = ConnectOptions::new(app.testdb.url.clone());
    opts.max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    Database::connect(opts).await.unwrap()
}

async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(sea_orm::DbBackend::Postgres, sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// Send `request` while another transaction locks `table`, so that the write stops at its step on that table with
/// its earlier steps done; then apply the fault. Returns the answer.
async fn fault_at(
    app: &TestApp,
    fault: Fault,
    table: &str,
    request: impl Future<Output = Response> + Send + 'static,
) -> Response {
    let holder = own_connection(app).await;
    let txn = holder.begin().await.unwrap();
    txn.execute_unprepared("SET LOCAL statement_timeout = 0")
        .await
        .unwrap();
    txn.execute_unprepared(&format!("LOCK TABLE {table} IN EXCLUSIVE MODE"))
        .await
        .unwrap();
    let pending = tokio::spawn(request);
    // The write reached the held step: its backend waits for the lock.
    let observer = own_connection(app).await;
    observer
        .execute_unprepared("SET statement_timeout = 0")
        .await
        .unwrap();
    let mut waiting = None;
    for _ in 0..500 {
        let row = observer
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                // The write's own insert, not a queue worker's poll that the same lock may hold up.
                format!(
                    "SELECT COALESCE(MIN(pid), 0)::bigint AS n FROM pg_stat_activity \
                     WHERE datname = current_database() AND wait_event_type = 'Lock' \
                     AND replace(query, '\"', '') ILIKE 'INSERT INTO {table} %'"
                ),
            ))
            .await
            .unwrap()
            .unwrap();
        let pid = row.try_get::<i64>("", "n").unwrap();
        if pid != 0 {
            waiting = Some(pid);
            break;
        }
        if pending.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let pid = waiting.unwrap_or_else(|| panic!("the write never reached its step on {table}"));
    if fault == Fault::Kill {
        let killed = scalar(
            &observer,
            &format!("SELECT pg_terminate_backend({pid})::int::bigint AS n"),
        )
        .await;
        assert_eq!(killed, 1);
    }
    let res = tokio::time::timeout(Duration::from_secs(20), pending)
        .await
        .expect("the write answers")
        .unwrap();
    txn.rollback().await.unwrap();
    holder.close().await.unwrap();
    observer.close().await.unwrap();
    res
}

/// The answer to a write the fault stopped: retry later, nothing changed.
async fn says_nothing_changed(res: Response, what: &str) {
    assert_eq!(res.status(), 503, "{what}");
    assert!(res.headers().contains_key("retry-after"), "{what}");
    let text = res.text().await.unwrap();
    assert!(text.contains("nothing was changed"), "{what}: {text}");
}

/// No pooled connection is left inside a transaction.
async fn no_connection_left_in_a_transaction(app: &TestApp) {
    let observer = own_connection(app).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let n = scalar(
        &observer,
        "SELECT count(*)::bigint AS n FROM pg_stat_activity WHERE datname = current_database() \
         AND state LIKE 'idle in transaction%' AND state_change < now() - interval '200 milliseconds'",
    )
    .await;
    assert_eq!(n, 0, "connections idle in a transaction");
    observer.close().await.unwrap();
}

struct World {
    app: TestApp,
    http: reqwest::Client,
    jo: Uuid,
    jo_token: String,
    sam_token: String,
    admin: reqwest::Client,
    spare_employee: Uuid,
}

async fn world(fault: Fault) -> World {
    let testdb = Arc::new(TestDb::new(Backend::Postgres).await);
    if fault == Fault::Timeout {
        let name = testdb.url.rsplit('/').next().unwrap().to_string();
        let admin = Database::connect(pg_admin_url()).await.unwrap();
        admin
            .execute_unprepared(&format!(
                "ALTER DATABASE \"{name}\" SET statement_timeout = '1s'"
            ))
            .await
            .unwrap();
        admin.close().await.unwrap();
    }
    let app = TestApp::spawn_on(testdb, |_| {}).await;
    let (_, jo) = app.activated_client("jo@example.com").await;
    let (_, sam) = app.employee("sam@example.com").await;
    app.assign(jo, sam).await;
    let (_, spare_employee) = app.employee("lee@example.com").await;
    let jo_token = api_token(&app, "jo@example.com").await;
    let sam_token = api_token(&app, "sam@example.com").await;
    let admin = app.signed_in("fixture-admin@example.com").await;
    World {
        http: reqwest::Client::new(),
        jo,
        jo_token,
        sam_token,
        admin,
        spare_employee,
        app,
    }
}

impl World {
    fn delegate(&self, url: &str) -> impl Future<Output = Response> + Send + 'static {
        let req = self
            .http
            .post(format!("{}/api/v1/jobs", self.app.base))
            .bearer_auth(&self.jo_token)
            .json(&json!({"job_url": url, "job_title": "Analyst"}));
        async move { req.send().await.unwrap() }
    }

    fn start(&self, job: Uuid) -> impl Future<Output = Response> + Send + 'static {
        let req = self
            .http
            .post(format!("{}/api/v1/jobs/{job}/start", self.app.base))
            .bearer_auth(&self.sam_token)
            .json(&json!({}));
        async move { req.send().await.unwrap() }
    }

    fn complete(&self, job: Uuid) -> impl Future<Output = Response> + Send + 'static {
        let form = multipart::Form::new().text("outcome", "submitted").part(
            "screenshot",
            multipart::Part::bytes(png(64, 48)).file_name("proof.png"),
        );
        let req = self
            .http
            .post(format!("{}/api/v1/jobs/{job}/complete", self.app.base))
            .bearer_auth(&self.sam_token)
            .multipart(form);
        async move { req.send().await.unwrap() }
    }

    fn rpc(
        &self,
        name: &str,
        form: Vec<(&str, String)>,
    ) -> impl Future<Output = Response> + Send + 'static {
        let req = self
            .admin
            .post(format!("{}/rpc/{name}", self.app.base))
            .header("origin", &self.app.base)
            .header("accept", "application/json")
            .form(&form);
        async move { req.send().await.unwrap() }
    }

    async fn job_by_url(&self, url: &str) -> Option<jobs::Model> {
        jobs::Entity::find()
            .filter(jobs::Column::JobUrl.eq(url))
            .one(&self.app.db)
            .await
            .unwrap()
    }

    async fn job(&self, id: Uuid) -> jobs::Model {
        jobs::Entity::find_by_id(id)
            .one(&self.app.db)
            .await
            .unwrap()
            .unwrap()
    }

    async fn logged(&self, action: &str, entity: Uuid) -> u64 {
        activity_logs::Entity::find()
            .filter(activity_logs::Column::ActionType.eq(action))
            .filter(activity_logs::Column::EntityId.eq(entity))
            .count(&self.app.db)
            .await
            .unwrap()
    }

    async fn proofs_stored(&self) -> usize {
        self.app.storage.list("proofs/", None).await.unwrap().len()
    }

    async fn new_job(&self, url: &str) -> Uuid {
        let res = self.delegate(url).await;
        assert_eq!(res.status(), 201);
        let v: Value = res.json().await.unwrap();
        v["id"].as_str().unwrap().parse().unwrap()
    }
}

/// Each multi-step write, stopped at each of its chosen steps by `fault`, is wholly absent and says so; sent again,
/// it is wholly there.
async fn every_write_is_whole_or_absent(fault: Fault) {
    let w = world(fault).await;

    // Delegating: the job row is written, then its log entry, its employee's notification and the queued email.
    for (i, table) in ["activity_logs", "notifications", "apalis.jobs"]
        .into_iter()
        .enumerate()
    {
        let url = format!("https://jobs.example.com/fault/{i}");
        let res = fault_at(&w.app, fault, table, w.delegate(&url)).await;
        says_nothing_changed(res, &format!("delegating, stopped at {table}")).await;
        assert!(
            w.job_by_url(&url).await.is_none(),
            "no job after a fault at {table}"
        );
        no_connection_left_in_a_transaction(&w.app).await;
        let id = w.new_job(&url).await;
        assert_eq!(w.logged("job.delegate", id).await, 1);
        assert_eq!(w.logged("job.assign", id).await, 1);
    }

    // Starting: the job's status, the employee's last activity, the log entry.
    let job = w.new_job("https://jobs.example.com/fault/start").await;
    let res = fault_at(&w.app, fault, "activity_logs", w.start(job)).await;
    says_nothing_changed(res, "starting").await;
    let j = w.job(job).await;
    assert_eq!(j.status.as_str(), "pending");
    assert!(j.started_at.is_none());
    assert_eq!(w.logged("job.start", job).await, 0);
    assert_eq!(w.start(job).await.status(), 200);
    assert_eq!(w.job(job).await.status.as_str(), "in_progress");
    assert_eq!(w.logged("job.start", job).await, 1);

    // Completing: the screenshot is stored, then the completion, the job's status, the log entry and the client's
    // notification. A fault removes the stored screenshot too.
    for table in ["activity_logs", "notifications"] {
        let res = fault_at(&w.app, fault, table, w.complete(job)).await;
        says_nothing_changed(res, &format!("completing, stopped at {table}")).await;
        assert_eq!(w.job(job).await.status.as_str(), "in_progress");
        let completions = job_completions::Entity::find()
            .filter(job_completions::Column::JobDelegationId.eq(job))
            .count(&w.app.db)
            .await
            .unwrap();
        assert_eq!(completions, 0);
        assert_eq!(
            w.proofs_stored().await,
            0,
            "the screenshot of a failed completion is removed"
        );
    }
    assert_eq!(w.complete(job).await.status(), 200);
    assert_eq!(w.job(job).await.status.as_str(), "completed");
    assert_eq!(w.proofs_stored().await, 1);
    assert_eq!(w.logged("job.complete", job).await, 1);

    // Assigning an employee to a client: the assignment, its log entry.
    let assign = || {
        w.rpc(
            "admin/assign",
            vec![
                ("client_id", w.jo.to_string()),
                ("employee_id", w.spare_employee.to_string()),
            ],
        )
    };
    let res = fault_at(&w.app, fault, "activity_logs", assign()).await;
    says_nothing_changed(res, "assigning").await;
    let assigned = || async {
        assignments::Entity::find()
            .filter(assignments::Column::ClientId.eq(w.jo))
            .filter(assignments::Column::EmployeeId.eq(w.spare_employee))
            .count(&w.app.db)
            .await
            .unwrap()
    };
    assert_eq!(assigned().await, 0);
    assert_eq!(assign().await.status(), 200);
    assert_eq!(assigned().await, 1);

    // Activating a client: the client's flag, the log entry, the client's notification.
    let ann = w.app.user(app::api::Role::Client, "ann@example.com").await;
    let ann_client = w.app.client_id(ann.id).await;
    let activate = || {
        w.rpc(
            "admin/client_activation",
            vec![
                ("client_id", ann_client.to_string()),
                ("activate", "true".into()),
                ("payment_status", "active".into()),
                ("subscription_notes", String::new()),
            ],
        )
    };
    let told = || async {
        notifications::Entity::find()
            .filter(notifications::Column::UserId.eq(ann.id))
            .filter(notifications::Column::NotificationType.eq("client_activated"))
            .count(&w.app.db)
            .await
            .unwrap()
    };
    for table in ["activity_logs", "notifications"] {
        let res = fault_at(&w.app, fault, table, activate()).await;
        says_nothing_changed(res, &format!("activating, stopped at {table}")).await;
        let c = clients::Entity::find_by_id(ann_client)
            .one(&w.app.db)
            .await
            .unwrap()
            .unwrap();
        assert!(!c.is_activated);
        assert_eq!(told().await, 0);
    }
    assert_eq!(activate().await.status(), 200);
    assert_eq!(told().await, 1);
    no_connection_left_in_a_transaction(&w.app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_killed_mid_write_leaves_it_wholly_absent() {
    every_write_is_whole_or_absent(Fault::Kill).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_timeout_mid_write_leaves_it_wholly_absent() {
    every_write_is_whole_or_absent(Fault::Timeout).await;
}

/// Two writes that deadlock: the client's delegation holds the client's lock and waits for the activity log, which
/// another transaction holds while it waits for the client's lock. PostgreSQL ends the delegation's transaction
/// (a deadlock); the server runs the delegation again, and both writes succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadlocked_write_is_retried_and_both_succeed() {
    let w = world(Fault::Kill).await;
    let other = own_connection(&w.app).await;
    let txn = other.begin().await.unwrap();
    txn.execute_unprepared("LOCK TABLE activity_logs IN EXCLUSIVE MODE")
        .await
        .unwrap();
    let url = "https://jobs.example.com/deadlock";
    let pending = tokio::spawn(w.delegate(url));
    let observer = own_connection(&w.app).await;
    let mut waits = false;
    for _ in 0..500 {
        let n = scalar(
            &observer,
            "SELECT count(*)::bigint AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .await;
        if n > 0 {
            waits = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(waits, "the delegation waits for the activity log");
    // Now the other transaction wants the client's row, which the delegation holds: a deadlock. The delegation
    // has waited longer, so PostgreSQL's check (after `deadlock_timeout`, 1 s) ends it, and this one goes on.
    let locked = txn
        .execute_unprepared(&format!(
            "SELECT id FROM clients WHERE id = '{}' FOR UPDATE",
            w.jo
        ))
        .await;
    assert!(locked.is_ok(), "{locked:?}");
    txn.commit().await.unwrap();
    let res = tokio::time::timeout(Duration::from_secs(20), pending)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(res.status(), 201, "the delegation was retried");
    let job = w.job_by_url(url).await.unwrap();
    assert_eq!(w.logged("job.delegate", job.id).await, 1);
    // PostgreSQL counts the deadlock (its statistics reach the view within a second or so).
    let mut deadlocks = 0;
    for _ in 0..50 {
        deadlocks = scalar(
            &observer,
            "SELECT deadlocks::bigint AS n FROM pg_stat_database WHERE datname = current_database()",
        )
        .await;
        if deadlocks > 0 {
            break;
        }
        observer
            .execute_unprepared("SELECT pg_stat_clear_snapshot()")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(deadlocks >= 1, "PostgreSQL saw the deadlock");
    no_connection_left_in_a_transaction(&w.app).await;
    observer.close().await.unwrap();
    other.close().await.unwrap();
}
