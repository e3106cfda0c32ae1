//! Issue 4: scheduled work. The steps are called with a moved clock (the test servers run no scheduler unless a
//! test turns it on); one test runs the real scheduler and lanes end to end.

use std::{sync::Arc, time::Duration};

use app::domain::{
    entities::{job_delegations as jobs, notifications, sessions},
    infra::{queue, storage::Storage},
    schedule::{self, Rules},
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, Statement,
};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{
    both,
    helpers::*,
    work::{complete, delegated, png},
};

both!(
    deadline_reminders_reach_the_client_and_the_employee_once,
    jobs_waiting_too_long_alert_the_admins_once,
    overdue_jobs_expire_and_leave_the_queue,
    cleanup_removes_expired_sessions_stale_throttles_and_old_queue_entries,
    orphaned_files_are_removed_and_referenced_ones_kept,
    orphaned_files_are_removed_from_an_s3_bucket,
    scheduled_jobs_are_enqueued_once_per_period,
    the_scheduler_runs_the_periodic_work_through_the_lanes,
);

async fn notes_of(app: &TestApp, user: Uuid) -> Vec<notifications::Model> {
    use sea_orm::QueryOrder;
    notifications::Entity::find()
        .filter(notifications::Column::UserId.eq(user))
        .order_by_asc(notifications::Column::CreatedAt)
        .all(&app.db)
        .await
        .unwrap()
}

fn kinds(notes: &[notifications::Model], kind: &str) -> Vec<String> {
    notes
        .iter()
        .filter(|n| n.notification_type == kind)
        .map(|n| n.title.clone())
        .collect()
}

async fn job(app: &TestApp, id: &str) -> jobs::Model {
    jobs::Entity::find_by_id(Uuid::parse_str(id).unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

fn in_days(n: i64) -> String {
    (Utc::now() + chrono::Duration::days(n))
        .date_naive()
        .to_string()
}

async fn deadline_reminders_reach_the_client_and_the_employee_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (jo, cid) = app.activated_client("jo@example.com").await;
    let (ann, _) = app.activated_client("ann@example.com").await;
    let (e1u, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let c = app.signed_in("jo@example.com").await;
    let soon = delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.example.com/soon", "job_title": "Dev", "company_name": "Acme", "deadline": in_days(3)}),
    )
    .await;
    let later = delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.example.com/later", "deadline": in_days(10)}),
    )
    .await;
    delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.example.com/none"}),
    )
    .await;
    let deadline = job(&app, &soon).await.deadline.unwrap();
    let rules = Rules::default();

    // Two days before: nothing is due yet.
    let users = schedule::remind_deadlines(&app.db, &rules, deadline - chrono::Duration::days(2))
        .await
        .unwrap();
    assert!(users.is_empty());

    // Twelve hours before: the client and the employee hear about that one job, and only once.
    let now = deadline - chrono::Duration::hours(12);
    let mut users = schedule::remind_deadlines(&app.db, &rules, now)
        .await
        .unwrap();
    users.sort();
    let mut expected = vec![jo.id, e1u.id];
    expected.sort();
    assert_eq!(users, expected);
    assert!(schedule::remind_deadlines(&app.db, &rules, now)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        kinds(&notes_of(&app, jo.id).await, "deadline_approaching"),
        ["Deadline approaching: Dev at Acme"]
    );
    let theirs = notes_of(&app, e1u.id).await;
    assert_eq!(
        kinds(&theirs, "deadline_approaching"),
        ["Deadline approaching: Dev at Acme"]
    );
    let reminder = theirs
        .iter()
        .find(|n| n.notification_type == "deadline_approaching")
        .unwrap();
    assert_eq!(reminder.metadata["link"], format!("/employee?job={soon}"));
    assert!(reminder.message.starts_with("Due "));
    assert!(job(&app, &soon).await.deadline_reminded_at.is_some());
    assert!(job(&app, &later).await.deadline_reminded_at.is_none());
    assert!(kinds(&notes_of(&app, ann.id).await, "deadline_approaching").is_empty());

    // The reminder is in the job's timeline and went out by email too (the in-process worker sends it).
    let detail: Value = app
        .rpc(&c, "jobs/detail", &[("job_id", &soon)])
        .await
        .json()
        .await
        .unwrap();
    assert!(detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["action"] == "Deadline reminder sent"));
    // The outbox also holds the activation and assignment emails: wait for the reminders themselves.
    let subject = "Deadline approaching: Dev at Acme";
    let mail = wait_for_outbox(&app.outbox, 20, |m| with_subject(m, subject) >= 2).await;
    assert_eq!(
        with_subject(&mail, subject),
        2,
        "one reminder email each for the client and the employee"
    );

    // Another client cannot mark Jo's reminder read; the attempt is logged.
    let a = app.signed_in("ann@example.com").await;
    let jos = notes_of(&app, jo.id)
        .await
        .into_iter()
        .find(|n| n.notification_type == "deadline_approaching")
        .unwrap();
    assert_eq!(
        app.rpc(&a, "notifications/read", &[("id", &jos.id.to_string())])
            .await
            .status(),
        403
    );
    assert_eq!(app.denials("notification.read").await, 1);

    // A job cancelled before its reminder gets none.
    let cancelled = delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.example.com/cancelled", "deadline": in_days(3)}),
    )
    .await;
    assert_eq!(
        app.rpc(&c, "jobs/cancel", &[("job_id", &cancelled)])
            .await
            .status(),
        200
    );
    assert!(schedule::remind_deadlines(&app.db, &rules, now)
        .await
        .unwrap()
        .is_empty());
}

async fn jobs_waiting_too_long_alert_the_admins_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (jo, cid) = app.activated_client("jo@example.com").await;
    let admin = app.fixture_admin().await;
    let boss = app
        .user(app::api::Role::SuperAdmin, "boss@example.com")
        .await;
    let gone = app.user(app::api::Role::Admin, "gone@example.com").await;
    app::domain::entities::users::ActiveModel {
        id: Set(gone.id),
        is_active: Set(false),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .unwrap();
    let c = app.signed_in("jo@example.com").await;
    let waiting = delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.example.com/1", "job_title": "Dev", "company_name": "Acme"}),
    )
    .await;
    delegated(&app, &c, json!({"job_url": "https://jobs.example.com/2"})).await;
    let delegated_at = job(&app, &waiting).await.delegated_at;
    let rules = Rules::default();

    // Half an hour in: not yet.
    assert!(schedule::alert_unassigned(
        &app.db,
        &rules,
        delegated_at + chrono::Duration::minutes(30)
    )
    .await
    .unwrap()
    .is_empty());

    // Two hours in: each active admin gets one notification about both jobs; nobody else hears of it.
    let now = delegated_at + chrono::Duration::hours(2);
    let mut told = schedule::alert_unassigned(&app.db, &rules, now)
        .await
        .unwrap();
    told.sort();
    let mut expected = vec![admin.user_id, boss.id];
    expected.sort();
    assert_eq!(told, expected);
    for user in [admin.user_id, boss.id] {
        let alerts = notes_of(&app, user).await;
        assert_eq!(
            kinds(&alerts, "job_unassigned_too_long"),
            ["2 jobs have waited over 1 hour for an assistant"]
        );
        let alert = alerts
            .iter()
            .find(|n| n.notification_type == "job_unassigned_too_long")
            .unwrap();
        assert!(
            alert.message.contains("Dev at Acme for jo@example.com"),
            "{}",
            alert.message
        );
        assert_eq!(
            alert.metadata["link"],
            "/admin/jobs?unassigned=true&sort=oldest"
        );
    }
    assert!(notes_of(&app, gone.id).await.is_empty());
    assert!(kinds(&notes_of(&app, jo.id).await, "job_unassigned_too_long").is_empty());

    // Once per job: a second run tells nobody; a third job waiting long enough is reported on its own.
    assert!(schedule::alert_unassigned(&app.db, &rules, now)
        .await
        .unwrap()
        .is_empty());
    delegated(&app, &c, json!({"job_url": "https://jobs.example.com/3"})).await;
    let told = schedule::alert_unassigned(&app.db, &rules, now + chrono::Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(told.len(), 2);
    assert_eq!(
        kinds(&notes_of(&app, boss.id).await, "job_unassigned_too_long")[1],
        "A job has waited over 1 hour for an assistant"
    );

    // An assigned job is not waiting: after an employee arrives, nothing is reported.
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    delegated(&app, &c, json!({"job_url": "https://jobs.example.com/4"})).await;
    assert!(
        schedule::alert_unassigned(&app.db, &rules, now + chrono::Duration::hours(5))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn overdue_jobs_expire_and_leave_the_queue(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (jo, cid) = app.activated_client("jo@example.com").await;
    let (ann, _) = app.activated_client("ann@example.com").await;
    let (e1u, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let c = app.signed_in("jo@example.com").await;
    let e = app.signed_in("e1@example.com").await;
    let started = delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.example.com/1", "job_title": "Dev", "company_name": "Acme", "deadline": in_days(1)}),
    )
    .await;
    let done = delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.example.com/2", "deadline": in_days(1)}),
    )
    .await;
    let open = delegated(&app, &c, json!({"job_url": "https://jobs.example.com/3"})).await;
    for id in [&started, &done] {
        assert_eq!(
            app.rpc(&e, "work/start", &[("job_id", id)]).await.status(),
            200
        );
    }
    assert_eq!(
        complete(
            &app,
            &e,
            &done,
            "submitted",
            "",
            Some((png(40, 30), "s.png"))
        )
        .await
        .status(),
        200
    );
    let deadline = job(&app, &started).await.deadline.unwrap();

    // Before the deadline nothing changes.
    assert!(
        schedule::expire_overdue(&app.db, deadline - chrono::Duration::minutes(1))
            .await
            .unwrap()
            .is_empty()
    );
    let after = deadline + chrono::Duration::minutes(1);
    let expired = schedule::expire_overdue(&app.db, after).await.unwrap();
    assert_eq!(expired, [Uuid::parse_str(&started).unwrap()]);
    assert!(schedule::expire_overdue(&app.db, after)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(job(&app, &started).await.status.as_str(), "expired");
    assert_eq!(job(&app, &done).await.status.as_str(), "completed");
    assert_eq!(job(&app, &open).await.status.as_str(), "pending");

    // Both people are told; the job left the employee's queue and can no longer be completed.
    assert_eq!(
        kinds(&notes_of(&app, jo.id).await, "job_expired"),
        ["Expired: Dev at Acme"]
    );
    assert_eq!(
        kinds(&notes_of(&app, e1u.id).await, "job_expired"),
        ["Expired: Dev at Acme"]
    );
    assert!(kinds(&notes_of(&app, ann.id).await, "job_expired").is_empty());
    let q: Vec<Value> = app.rpc(&e, "work/queue", &[]).await.json().await.unwrap();
    assert!(q.iter().all(|j| j["id"] != started.as_str()));
    let res = complete(
        &app,
        &e,
        &started,
        "submitted",
        "",
        Some((png(40, 30), "s.png")),
    )
    .await;
    assert_eq!(res.status(), 409);
    let detail: Value = app
        .rpc(&c, "jobs/detail", &[("job_id", &started)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["job"]["status"], "expired");
    assert!(detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["action"] == "Expired"));

    // Another client still cannot read the expired job.
    let a = app.signed_in("ann@example.com").await;
    assert_eq!(
        app.rpc(&a, "jobs/detail", &[("job_id", &started)])
            .await
            .status(),
        403
    );
    let _ = ann;
}

async fn queue_rows(app: &TestApp, status: &str) -> i64 {
    let backend = app.db.get_database_backend();
    let table = match backend {
        sea_orm::DbBackend::Postgres => "apalis.jobs",
        _ => "Jobs",
    };
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT COUNT(*) AS n FROM {table} WHERE status = '{status}'"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

async fn cleanup_removes_expired_sessions_stale_throttles_and_old_queue_entries(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (jo, _) = app.activated_client("jo@example.com").await;
    app.activated_client("ann@example.com").await;
    let c = app.signed_in("jo@example.com").await;
    let a = app.signed_in("ann@example.com").await;
    // A failed login leaves a throttle row.
    app.login(&app.client(), "jo@example.com", "wrong password")
        .await;
    assert!(app.count("login_throttles").await >= 1);
    // The activation emails and the sign-ups' address confirmations go through the queue and are done.
    wait_for_mail(&app.outbox, 2, 20).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while queue_rows(&app, "Done").await < 4 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(queue_rows(&app, "Done").await, 4);

    // Jo's session has expired; Ann's has not.
    let all: Vec<sessions::Model> = sessions::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(all.len(), 2);
    let jo_session = all.into_iter().find(|s| s.user_id == Some(jo.id)).unwrap();
    sessions::ActiveModel {
        id: Set(jo_session.id.clone()),
        expires_at: Set(Utc::now() - chrono::Duration::minutes(1)),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .unwrap();

    // Today: only the expired session goes; the throttle is recent and the queue entries are young.
    let rules = Rules::default();
    let cleaned = schedule::clean_up(&app.db, &rules, Utc::now())
        .await
        .unwrap();
    assert_eq!(cleaned.sessions, 1);
    assert_eq!(cleaned.throttles, 0);
    assert_eq!(cleaned.queue_entries, 0);
    assert_eq!(app.me(&c).await, Value::Null, "Jo is signed out");
    assert!(app.me(&a).await.is_object(), "Ann is still signed in");

    // Eight days on: stale throttles and week-old finished queue entries go too; unfinished ones stay.
    let later = Utc::now() + chrono::Duration::days(8);
    let cleaned = schedule::clean_up(&app.db, &rules, later).await.unwrap();
    assert!(cleaned.throttles >= 1);
    assert_eq!(cleaned.queue_entries, 4);
    assert_eq!(app.count("login_throttles").await, 0);
    assert_eq!(queue_rows(&app, "Done").await, 0);
}

async fn sweep_orphans(app: &TestApp, storage: Arc<dyn Storage>) {
    app.activated_client("jo@example.com").await;
    let (_, cid) = app.activated_client("ann@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let c = app.signed_in("jo@example.com").await;
    let res = crate::resumes::upload(app, &c, "CV", pdf(5_000), None).await;
    assert_eq!(res.status(), 201);
    let resume: Value = res.json().await.unwrap();
    // A completed job's proof.
    let a = app.signed_in("ann@example.com").await;
    let e = app.signed_in("e1@example.com").await;
    let done = delegated(app, &a, json!({"job_url": "https://jobs.example.com/1"})).await;
    app.rpc(&e, "work/start", &[("job_id", &done)]).await;
    assert_eq!(
        complete(
            app,
            &e,
            &done,
            "submitted",
            "",
            Some((png(40, 30), "s.png"))
        )
        .await
        .status(),
        200
    );
    // Files no row refers to: as left by a crash between storing a file and committing its row.
    let orphans = [
        app::domain::infra::storage::new_key("resumes", "pdf"),
        app::domain::infra::storage::new_key("proofs", "png"),
    ];
    for key in &orphans {
        storage.put(key, pdf(100), "application/pdf").await.unwrap();
    }
    let listed = |prefix: &'static str| {
        let storage = storage.clone();
        async move {
            storage
                .list(prefix, None)
                .await
                .unwrap()
                .into_iter()
                .map(|o| o.key)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed("resumes/").await.len(), 2);
    assert_eq!(listed("proofs/").await.len(), 2);

    // Within the grace period (an upload may be between its file and its row) nothing is removed.
    let rules = Rules::default();
    let removed = schedule::clean_orphan_files(&app.db, storage.as_ref(), &rules, Utc::now())
        .await
        .unwrap();
    assert_eq!(removed, 0);
    let later = Utc::now() + chrono::Duration::hours(2);
    let removed = schedule::clean_orphan_files(&app.db, storage.as_ref(), &rules, later)
        .await
        .unwrap();
    assert_eq!(removed, 2);
    for key in &orphans {
        assert!(storage.get(key).await.is_err(), "{key} removed");
    }
    assert_eq!(listed("resumes/").await.len(), 1);
    assert_eq!(listed("proofs/").await.len(), 1);

    // What rows refer to is still served.
    let id = resume["id"].as_str().unwrap();
    let res = c
        .get(format!("{}/files/resumes/{id}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = a
        .get(format!("{}/files/proofs/{done}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Still only for those who may see it.
    assert_eq!(
        c.get(format!("{}/files/proofs/{done}", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

async fn orphaned_files_are_removed_and_referenced_ones_kept(b: Backend) {
    let app = TestApp::spawn(b).await;
    let storage = app.storage.clone();
    sweep_orphans(&app, storage).await;
}

async fn orphaned_files_are_removed_from_an_s3_bucket(b: Backend) {
    let s3 = S3Server::start();
    let storage = server::storage_s3::S3Storage::new(&server::storage_s3::S3Settings {
        bucket: format!("jd-test-{}", Uuid::new_v4().simple()),
        region: "us-east-1".into(),
        endpoint: Some(s3.endpoint.clone()),
        access_key_id: "test-key".into(),
        secret_access_key: "test-secret".into(),
        path_style: true,
    });
    storage.ensure_bucket().await.expect("create the bucket");
    let storage: Arc<dyn Storage> = Arc::new(storage);
    let st = storage.clone();
    let app = TestApp::spawn_with(b, move |s| s.storage = st).await;
    sweep_orphans(&app, storage).await;
}

async fn scheduled_jobs_are_enqueued_once_per_period(b: Backend) {
    let app = TestApp::spawn(b).await;
    let base = Duration::from_secs(300);
    // A time on an hour boundary, so every period starts here.
    let t0 = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    assert_eq!(
        queue::enqueue_scheduled(&app.db, base, t0).await.unwrap(),
        4
    );
    // Another worker (or the same one a moment later) in the same period adds nothing.
    assert_eq!(
        queue::enqueue_scheduled(&app.db, base, t0 + chrono::Duration::seconds(299))
            .await
            .unwrap(),
        0
    );
    // Next base period: reminders and expiry again; cleanup every third period; the file sweep every twelfth.
    assert_eq!(
        queue::enqueue_scheduled(&app.db, base, t0 + chrono::Duration::seconds(300))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        queue::enqueue_scheduled(&app.db, base, t0 + chrono::Duration::seconds(900))
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        queue::enqueue_scheduled(&app.db, base, t0 + chrono::Duration::seconds(3600))
            .await
            .unwrap(),
        4
    );
}

async fn lane_done(app: &TestApp, lane: &str) -> i64 {
    let backend = app.db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT COUNT(*) AS n FROM apalis.jobs WHERE job_type = $1 AND status = 'Done' \
             AND idempotency_key IS NOT NULL"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM Jobs WHERE job_type = ? AND status = 'Done' \
             AND idempotency_key IS NOT NULL"
        }
    };
    let row = app
        .db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [lane.into()]))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

async fn the_scheduler_runs_the_periodic_work_through_the_lanes(b: Backend) {
    let app = TestApp::spawn_with(b, |s| {
        s.queue.schedule_every = Some(Duration::from_secs(1));
        s.queue.rules.unassigned_after = chrono::Duration::seconds(1);
    })
    .await;
    let (jo, _) = app.activated_client("jo@example.com").await;
    let admin = app.fixture_admin().await;
    let c = app.signed_in("jo@example.com").await;
    let overdue = delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.example.com/overdue", "job_title": "Dev", "company_name": "Acme"}),
    )
    .await;
    // Its deadline passed (set directly: the form accepts only future deadlines).
    let now = Utc::now();
    app.db
        .execute_raw(app::domain::distribution::stmt(
            app.db.get_database_backend(),
            "UPDATE job_delegations SET delegated_at = $1, deadline = $2 WHERE id = $3",
            vec![
                (now - chrono::Duration::hours(3)).into(),
                (now - chrono::Duration::hours(1)).into(),
                Uuid::parse_str(&overdue).unwrap().into(),
            ],
        ))
        .await
        .unwrap();
    let waiting = delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.example.com/waiting"}),
    )
    .await;

    // The scheduler puts the work on the lanes; the lanes' workers do it.
    let until = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let expired = job(&app, &overdue).await.status.as_str() == "expired";
        let alerted = job(&app, &waiting).await.unassigned_alerted_at.is_some();
        let lanes = [
            lane_done(&app, queue::HIGH).await,
            lane_done(&app, queue::NORMAL).await,
            lane_done(&app, queue::LOW).await,
        ];
        if expired && alerted && lanes.iter().all(|&n| n > 0) {
            break;
        }
        assert!(
            std::time::Instant::now() < until,
            "scheduled work not done: expired {expired}, alerted {alerted}, lanes {lanes:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        kinds(&notes_of(&app, jo.id).await, "job_expired"),
        ["Expired: Dev at Acme"]
    );
    assert!(!kinds(
        &notes_of(&app, admin.user_id).await,
        "job_unassigned_too_long"
    )
    .is_empty());
    // The expiry email reached the outbox through the high lane.
    let subject = "Expired: Dev at Acme";
    let mail = wait_for_outbox(&app.outbox, 20, |m| with_subject(m, subject) > 0).await;
    assert!(with_subject(&mail, subject) > 0);
}
