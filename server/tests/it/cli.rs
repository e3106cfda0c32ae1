//! The `server` binary's subcommands, run as a user would.

use std::process::{Command, Stdio};

use app::domain::entities::{admins, users};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{both, helpers::*};

fn server() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("ADMIN_PASSWORD")
        .env("RUST_LOG", "error");
    cmd
}

#[test]
fn help_lists_the_subcommands() {
    let out = server().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for sub in ["serve", "worker", "migrate", "create-admin", "seed-demo"] {
        assert!(text.contains(sub), "{sub} missing from:\n{text}");
    }
    assert!(
        text.contains("DATABASE_URL") && text.contains("SESSION_SECRET"),
        "options name their variables"
    );
}

both!(
    seed_demo_fills_a_fresh_instance_with_jobs_in_every_state,
    create_admin_makes_a_super_admin_and_closes_setup,
    create_admin_refuses_bad_input_clearly,
    a_job_held_by_a_killed_worker_runs_again_after_restart,
);

/// `server worker` is killed (SIGKILL) while it holds an email job; a new worker sends the email.
async fn a_job_held_by_a_killed_worker_runs_again_after_restart(b: Backend) {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let (db, conn, user) = database_with_a_client(b).await;

    // An SMTP "server" that accepts connections and never answers: the first worker hangs mid-send.
    let hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = hole.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in hole.incoming() {
            held.push(c);
        }
    });
    let dir = std::env::temp_dir().join(format!("jd-worker-{}", uuid::Uuid::new_v4().simple()));
    let outbox = dir.join("outbox");
    let worker = |smtp: Option<String>| {
        let mut cmd = server();
        cmd.arg("worker")
            .env("DATABASE_URL", &db.url)
            .env("DATA_DIR", &dir)
            .env("OUTBOX_DIR", &outbox)
            .env("QUEUE_HEARTBEAT_SECS", "1")
            .env("EMAIL_BATCH_SECS", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match smtp {
            Some(url) => cmd.env("SMTP_URL", url),
            None => cmd.env_remove("SMTP_URL"),
        };
        cmd.spawn().unwrap()
    };
    let mut first = worker(Some(format!("smtp://127.0.0.1:{port}")));

    let txn = conn.begin().await.unwrap();
    app::domain::notifications::notify(
        &txn,
        user.id,
        "test",
        "Survives a crash",
        "Sent after a restart.",
        None,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();

    // Wait until the first worker holds the job, then kill it outright.
    let table = match conn.get_database_backend() {
        sea_orm::DbBackend::Postgres => "apalis.jobs",
        _ => "Jobs",
    };
    let held = |conn: &sea_orm::DatabaseConnection| {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM {table} WHERE lock_by IS NOT NULL AND status <> 'Done'"
        );
        let conn = conn.clone();
        async move {
            let row = conn
                .query_one_raw(sea_orm::Statement::from_string(
                    conn.get_database_backend(),
                    sql,
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<i64>("", "n").unwrap()
        }
    };
    let started = std::time::Instant::now();
    while held(&conn).await == 0 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the first worker never took the job"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(
        outbox_mail(&outbox).is_empty(),
        "nothing was sent before the crash"
    );

    // A new worker (mail to the outbox this time) finds the orphaned job and sends it.
    let mut second = worker(None);
    let mail = wait_for_mail(&outbox, 1, 40).await;
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(mail.len(), 1, "the job ran again after the restart");
    assert!(mail[0].contains("Subject: Survives a crash"));
    let _ = std::fs::remove_dir_all(&dir);
}

async fn create_admin_makes_a_super_admin_and_closes_setup(b: Backend) {
    let db = TestDb::new(b).await;
    let out = server()
        .args(["migrate"])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = server()
        .args([
            "create-admin",
            "--email",
            "Boss@Example.com",
            "--first-name",
            "Bo",
            "--last-name",
            "Ss",
        ])
        .env("DATABASE_URL", &db.url)
        .env("ADMIN_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("boss@example.com"));

    let conn = server::db::connect(&db.url).await.unwrap();
    let user = users::Entity::find()
        .filter(users::Column::Email.eq("boss@example.com"))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role.as_str(), "super_admin");
    let admin = admins::Entity::find()
        .filter(admins::Column::UserId.eq(user.id))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(admin.admin_level, "super_admin");
    assert!(
        !app::domain::accounts::needs_setup(&conn).await.unwrap(),
        "the setup page is gone"
    );

    // The password may also come on standard input; --admin makes a plain admin.
    let mut child = server()
        .args(["create-admin", "--email", "ops@example.com", "--admin"])
        .env("DATABASE_URL", &db.url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ops = users::Entity::find()
        .filter(users::Column::Email.eq("ops@example.com"))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ops.role.as_str(), "admin");
    conn.close().await.ok();
}

async fn create_admin_refuses_bad_input_clearly(b: Backend) {
    let db = TestDb::new(b).await;
    let out = server()
        .args(["create-admin", "--email", "not-an-email"])
        .env("DATABASE_URL", &db.url)
        .env("ADMIN_PASSWORD", "short")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("email: Enter a valid email address"), "{err}");
    assert!(err.contains("password: Use at least 8 characters"), "{err}");
    assert!(!err.contains("short"), "the password is never echoed");

    // Duplicate email, case-insensitively.
    for (email, ok) in [("boss@example.com", true), ("BOSS@example.com", false)] {
        let out = server()
            .args(["create-admin", "--email", email])
            .env("DATABASE_URL", &db.url)
            .env("ADMIN_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        assert_eq!(
            out.status.success(),
            ok,
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if !ok {
            assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
        }
    }
}

/// `server seed-demo` on a fresh database: every role can sign in, jobs exist in every state, finished ones carry
/// their proof, one client still waits for activation, and the demo's clients see only their own jobs. A second run
/// refuses to touch an instance that is no longer fresh.
async fn seed_demo_fills_a_fresh_instance_with_jobs_in_every_state(b: Backend) {
    use app::{
        api::{jobs::JobStatus, Role},
        domain::entities::{clients, job_completions, job_delegations as jobs},
    };
    use sea_orm::PaginatorTrait;
    let db = std::sync::Arc::new(TestDb::new(b).await);
    let data = std::env::temp_dir().join(format!("jd-seed-{}", uuid::Uuid::new_v4().simple()));
    let seed = || {
        server()
            .args([
                "seed-demo",
                "--clients",
                "4",
                "--employees",
                "2",
                "--admins",
                "1",
                "--jobs-per-client",
                "7",
            ])
            .env("DATABASE_URL", &db.url)
            .env("DATA_DIR", &data)
            .env_remove("DEMO_PASSWORD")
            .output()
            .unwrap()
    };
    let out = seed();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("password: demo-password"), "{stdout}");

    let conn = server::db::connect(&db.url).await.unwrap();
    for status in JobStatus::ALL {
        let n = jobs::Entity::find()
            .filter(jobs::Column::Status.eq(status))
            .count(&conn)
            .await
            .unwrap();
        assert!(n > 0, "no {} job in the demo:\n{stdout}", status.as_str());
        assert!(
            stdout.contains(&format!("{:<12} {n}", status.as_str())),
            "{stdout}"
        );
    }
    // Finished jobs happened in the past weeks, not all this minute.
    let oldest = jobs::Entity::find()
        .filter(jobs::Column::Status.eq(JobStatus::Completed))
        .all(&conn)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.delegated_at)
        .min()
        .unwrap();
    assert!(oldest < chrono::Utc::now() - chrono::Duration::days(1));
    // Every submitted job has its proof in the files folder.
    let proofs = job_completions::Entity::find()
        .filter(job_completions::Column::CompletionStatus.eq(app::api::work::Outcome::Submitted))
        .all(&conn)
        .await
        .unwrap();
    assert!(!proofs.is_empty());
    for p in &proofs {
        let key = p.proof_screenshot_path.clone().expect("a proof");
        assert!(data.join("files").join(&key).is_file(), "missing {key}");
    }
    let waiting = clients::Entity::find()
        .filter(clients::Column::IsActivated.eq(false))
        .count(&conn)
        .await
        .unwrap();
    assert_eq!(waiting, 1, "one client waits for activation");
    for role in [Role::SuperAdmin, Role::Admin, Role::Employee, Role::Client] {
        assert!(
            stdout.contains(role.as_str()),
            "no {} login listed",
            role.as_str()
        );
    }

    // The demo's people sign in; a client sees only their own jobs and is refused another client's.
    let app = TestApp::spawn_on(db.clone(), |_| {}).await;
    let client_email = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("client "))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap()
        .to_string();
    let jo = app.client();
    assert_eq!(
        app.login(&jo, &client_email, "demo-password")
            .await
            .status(),
        200
    );
    let me = users::Entity::find()
        .filter(users::Column::Email.eq(client_email.as_str()))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    let mine = clients::Entity::find()
        .filter(clients::Column::UserId.eq(me.id))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    let theirs = jobs::Entity::find()
        .filter(jobs::Column::ClientId.ne(mine.id))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    let res = app
        .rpc(&jo, "jobs/detail", &[("job_id", &theirs.id.to_string())])
        .await;
    assert_eq!(res.status(), 403, "another client's job is refused");
    let res = app
        .rpc_json(&jo, "jobs/list", serde_json::json!({"query": {}}))
        .await;
    assert_eq!(res.status(), 200);
    let page: serde_json::Value = res.json().await.unwrap();
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items
        .iter()
        .all(|j| j["client_id"] == serde_json::json!(mine.id)));

    // Not fresh any more: refused, nothing added.
    let before = jobs::Entity::find().count(&conn).await.unwrap();
    let again = seed();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("fresh"));
    assert_eq!(jobs::Entity::find().count(&conn).await.unwrap(), before);
    let _ = std::fs::remove_dir_all(&data);
}
