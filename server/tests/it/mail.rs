//! Issue 4: email goes through the durable queue, enqueued in the transaction of the change that causes it.

use app::domain::infra::queue;
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use serde_json::{json, Value};

use crate::{both, helpers::*};

both!(
    a_change_sends_its_email_through_the_queue,
    a_rolled_back_change_sends_nothing,
    mail_reaches_a_real_smtp_server,
    failed_jobs_are_listed_for_admins_and_retried,
    a_person_gets_one_email_per_window,
    news_left_behind_is_swept_into_an_email,
    two_emails_for_one_person_never_tell_the_same_news,
);

/// A notification for `user_id`, written at `at`, waiting for its email (as if its email had not gone yet).
async fn waiting_news(
    app: &TestApp,
    user_id: uuid::Uuid,
    title: impl Into<String>,
    message: &str,
    at: chrono::DateTime<chrono::Utc>,
) {
    use app::domain::entities::notifications as n;
    use sea_orm::{ActiveModelTrait, Set};
    n::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        user_id: Set(user_id),
        notification_type: Set("test".into()),
        title: Set(title.into()),
        message: Set(message.into()),
        is_read: Set(false),
        metadata: Set(json!({ "link": null })),
        created_at: Set(at),
        read_at: Set(None),
        email_pending: Set(true),
        shown: Set(true),
        push_pending: Set(false),
        email_claimed_until: Set(None),
        email_message: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
}

/// How many notifications still wait for their email.
async fn waiting(app: &TestApp) -> i64 {
    app.db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM notifications WHERE email_pending",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

async fn a_person_gets_one_email_per_window(b: Backend) {
    use app::domain::notifications::notify;
    let app = TestApp::spawn(b).await;
    let (jo, _) = app.activated_client("jo@example.com").await;
    let (e1, _) = app.employee("e1@example.com").await;
    wait_for_mail(&app.outbox, 1, 10).await;
    // Three pieces of news for jo and one for e1, written at one instant (so in one window).
    let txn = app.db.begin().await.unwrap();
    for t in ["First", "Second", "Third"] {
        notify(
            &txn,
            jo.id,
            "test",
            t,
            &format!("{t} news"),
            Some(format!("/client/jobs?n={t}")),
        )
        .await
        .unwrap();
    }
    notify(&txn, e1.id, "test", "Only one", "For e1", None)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    wait_for_mail(&app.outbox, 3, 10).await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let mail = outbox_mail(&app.outbox);
    assert_eq!(
        mail.len(),
        3,
        "activation, jo's three in one, e1's: {mail:?}"
    );
    let batch = mail
        .iter()
        .find(|m| m.contains("Subject: 3 updates: Third"))
        .expect("jo's email names the newest news");
    let batch = decoded(batch);
    assert!(batch.contains("jo@example.com"));
    for t in ["First", "Second", "Third"] {
        assert!(batch.contains(&format!("{t} news")), "{t}: {batch}");
        assert!(
            batch.contains(&format!("{}/client/jobs?n={t}", app.base)),
            "a link for {t}: {batch}"
        );
    }
    let single = mail
        .iter()
        .find(|m| m.contains("Subject: Only one"))
        .expect("e1's email is the news itself");
    assert!(single.contains("e1@example.com") && single.contains("For e1"));
    assert!(!single.contains("jo@example.com"), "one person's news only");
    assert_eq!(waiting(&app).await, 0, "nothing waits any more");
}

async fn news_left_behind_is_swept_into_an_email(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (jo, _) = app.activated_client("jo@example.com").await;
    wait_for_mail(&app.outbox, 1, 10).await;
    // A notification whose transaction committed after its window's email had gone: it waits, with no email queued.
    let written = chrono::Utc::now() - chrono::Duration::minutes(10);
    waiting_news(&app, jo.id, "Left behind", "Committed late", written).await;
    // The sweep (run with the scheduled reminders) queues an email for it, once per window.
    let now = chrono::Utc::now();
    let queued = app::domain::notifications::sweep_email(&app.db, now)
        .await
        .unwrap();
    assert_eq!(queued, 1);
    assert_eq!(
        app::domain::notifications::sweep_email(&app.db, now)
            .await
            .unwrap(),
        0,
        "not twice in one window"
    );
    let mail = wait_for_outbox(&app.outbox, 10, |m| with_subject(m, "Left behind") > 0).await;
    assert_eq!(with_subject(&mail, "Left behind"), 1);
    // The email is written before its notification is marked sent: on a busy machine the mark can trail the file.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while waiting(&app).await > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(waiting(&app).await, 0);
}

async fn failed_jobs_are_listed_for_admins_and_retried(b: Backend) {
    // Mail goes to a port where no SMTP server listens yet: every attempt fails.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::spawn_with(b, move |s| {
        s.mailer = std::sync::Arc::new(
            server::mailer::Mailer::smtp(
                &url,
                "JobDelegate <no-reply@example.com>".parse().unwrap(),
                s.auth.public_origin.clone(),
            )
            .unwrap(),
        );
    })
    .await;
    app.activated_client("jo@example.com").await;
    let a = app.signed_in("fixture-admin@example.com").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
    let failed = loop {
        let list: Vec<Value> = app
            .rpc(&a, "admin/queue/failed", &[])
            .await
            .json()
            .await
            .unwrap();
        // The sign-up's address confirmation fails as well; the notification email is the one looked at here.
        let list: Vec<Value> = list
            .into_iter()
            .filter(|j| j["summary"] != "Email confirmation link to jo@example.com")
            .collect();
        if !list.is_empty() || std::time::Instant::now() > deadline {
            break list;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    assert_eq!(failed.len(), 1, "the email failed five times and is listed");
    let job = &failed[0];
    assert_eq!(job["attempts"], job["max_attempts"]);
    assert_eq!(job["summary"], "Notification email to jo@example.com");
    let id = job["id"].as_str().unwrap().to_string();

    // Clients may not see or retry it; the attempts are logged.
    let c = app.signed_in("jo@example.com").await;
    assert_eq!(app.rpc(&c, "admin/queue/failed", &[]).await.status(), 403);
    assert_eq!(
        app.rpc(&c, "admin/queue/retry", &[("id", &id)])
            .await
            .status(),
        403
    );
    assert_eq!(app.denials("queue.list").await, 1);
    assert_eq!(app.denials("queue.retry").await, 1);

    // The mail server comes up; an admin retries; the email arrives.
    let smtp = SmtpServer::start_on(port);
    assert_eq!(
        app.rpc(&a, "admin/queue/retry", &[("id", &id)])
            .await
            .status(),
        200
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while smtp.received().is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(smtp.received().len(), 1, "delivered after the retry");
    let list: Vec<Value> = app
        .rpc(&a, "admin/queue/failed", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        list.iter().all(|j| j["id"] != id.as_str()),
        "the retried email is no longer listed"
    );
    assert_eq!(
        list.len(),
        1,
        "the sign-up's confirmation still is: {list:?}"
    );
    assert_eq!(
        app.rpc(&a, "admin/queue/retry", &[("id", &id)])
            .await
            .status(),
        404,
        "nothing left to retry"
    );
}

async fn mail_reaches_a_real_smtp_server(b: Backend) {
    let smtp = SmtpServer::start();
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let app = TestApp::spawn_with(b, move |s| {
        s.mailer = std::sync::Arc::new(
            server::mailer::Mailer::smtp(
                &url,
                "JobDelegate <no-reply@example.com>".parse().unwrap(),
                s.auth.public_origin.clone(),
            )
            .unwrap(),
        );
    })
    .await;
    app.activated_client("jo@example.com").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    // Besides the sign-up's address confirmation, the activation email.
    let activation = |m: &Vec<String>| {
        m.iter()
            .filter(|m| !m.contains("Subject: Confirm your email address"))
            .cloned()
            .collect::<Vec<_>>()
    };
    let mut got = activation(&smtp.received());
    while got.is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        got = activation(&smtp.received());
    }
    assert_eq!(
        got.len(),
        1,
        "the activation email arrived at the SMTP server"
    );
    assert!(got[0].contains("Subject: Your account is active"));
    assert!(got[0].contains("jo@example.com"));
    assert!(got[0].contains("From: JobDelegate <no-reply@example.com>"));
}

async fn a_change_sends_its_email_through_the_queue(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    // Activation already queued the client's "account is active" email.
    let mail = wait_for_mail(&app.outbox, 1, 10).await;
    assert_eq!(mail.len(), 1, "the activation email");
    assert!(
        mail[0].contains("To: \"Test Client\" <jo@example.com>")
            || mail[0].contains("To: Test Client <jo@example.com>"),
        "{}",
        mail[0]
    );
    assert!(mail[0].contains("Subject: Your account is active"));

    let c = app.signed_in("jo@example.com").await;
    let job: Value = app
        .delegate(&c, json!({"job_url": "https://jobs.example.com/1", "job_title": "Dev", "company_name": "Acme"}))
        .await
        .json()
        .await
        .unwrap();
    let mail = wait_for_mail(&app.outbox, 2, 10).await;
    let assigned = mail
        .iter()
        .find(|m| m.contains("Subject: New job: Dev at Acme"))
        .expect("the employee's email");
    assert!(assigned.contains("e1@example.com"));
    assert!(assigned.contains("Content-Type: text/plain"));
    assert!(assigned.contains("Content-Type: text/html"));
    let link = format!("{}/employee?job={}", app.base, job["id"].as_str().unwrap());
    // Bodies are quoted-printable: undo soft line breaks and `=3D` before looking for the link.
    let decoded = assigned
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    assert!(
        decoded.contains(&link),
        "an absolute link to the job: {assigned}"
    );
}

async fn a_rolled_back_change_sends_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (user, _) = app.activated_client("jo@example.com").await;
    wait_for_mail(&app.outbox, 1, 10).await;
    // A notification (and its email) written in a transaction that rolls back leaves nothing behind.
    let txn = app.db.begin().await.unwrap();
    app::domain::notifications::notify(&txn, user.id, "test", "Never sent", "rolled back", None)
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    // A committed one is delivered.
    let txn = app.db.begin().await.unwrap();
    app::domain::notifications::notify(&txn, user.id, "test", "Sent", "committed", None)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let mail = wait_for_mail(&app.outbox, 2, 10).await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let mail = if mail.len() < 3 {
        outbox_mail(&app.outbox)
    } else {
        mail
    };
    assert_eq!(mail.len(), 2, "activation + the committed one");
    assert!(mail.iter().any(|m| m.contains("Subject: Sent")));
    assert!(!mail.iter().any(|m| m.contains("Never sent")));
    // The queue holds exactly those two jobs, both done (besides the sign-up's address confirmation).
    let (table, job) = match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => ("apalis.jobs", "convert_from(job, 'UTF8')"),
        _ => ("Jobs", "CAST(job AS TEXT)"),
    };
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            format!(
                "SELECT COUNT(*) AS n FROM {table} WHERE job_type = '{}' AND status = 'Done' \
                 AND {job} NOT LIKE '%VerifyEmail%'",
                queue::HIGH
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    let done: i64 = row.try_get("", "n").unwrap();
    assert_eq!(done, 2);
}

/// Two digests for one person at once (a backlog after an outage, two workers): the notifications are claimed by
/// one statement, so each is told by exactly one email; an email that could not be sent gives its news back, and a
/// claim whose sender died lapses.
async fn two_emails_for_one_person_never_tell_the_same_news(b: Backend) {
    use app::domain::{entities::notifications as n, notifications as news};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = TestApp::spawn_without_workers(b).await;
    let (jo, _) = app.activated_client("jo@example.com").await;
    let (sam, _) = app.activated_client("sam@example.com").await;
    for i in 0..40 {
        waiting_news(&app, jo.id, format!("News {i}"), "m", chrono::Utc::now()).await;
    }
    let pending: Vec<uuid::Uuid> = n::Entity::find()
        .filter(n::Column::UserId.eq(jo.id))
        .filter(n::Column::EmailPending.eq(true))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert!(pending.len() >= 40);
    let (a, b2, c) = tokio::join!(
        news::pending_email(&app.db, jo.id),
        news::pending_email(&app.db, jo.id),
        news::pending_email(&app.db, jo.id),
    );
    let formed: Vec<_> = [a, b2, c].into_iter().filter_map(|p| p.unwrap()).collect();
    let takes: Vec<Vec<uuid::Uuid>> = formed.iter().map(|p| p.takes.clone()).collect();
    let mut all: Vec<uuid::Uuid> = takes.iter().flatten().copied().collect();
    all.sort();
    let mut expected = pending.clone();
    expected.sort();
    assert_eq!(
        all, expected,
        "each waiting notification is in exactly one of the emails"
    );
    let first = takes.into_iter().find(|t| !t.is_empty()).unwrap();
    let first_id = formed[0].email.message_id;
    assert!(first_id.is_some(), "a digest's message is recorded");
    assert_eq!(
        formed
            .iter()
            .filter(|p| p.email.message_id == first_id)
            .count(),
        1,
        "each digest is a message of its own"
    );
    assert!(
        news::pending_email(&app.db, jo.id).await.unwrap().is_none(),
        "nothing left to claim while the emails are being sent"
    );
    // Another person's news is theirs alone.
    let sams = news::pending_email(&app.db, sam.id).await.unwrap().unwrap();
    assert!(sams.takes.iter().all(|id| !pending.contains(id)));
    assert_eq!(sams.email.to, "sam@example.com");

    // An email that could not be sent gives its news back for the next try.
    news::email_not_sent(&app.db, &first).await.unwrap();
    let again = news::pending_email(&app.db, jo.id).await.unwrap().unwrap();
    let (mut got, mut want) = (again.takes.clone(), first.clone());
    got.sort();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(
        (again.email.message_id, &again.email.subject),
        (first_id, &formed[0].email.subject),
        "the next try is the same message (a failed send may have been delivered)"
    );
    news::email_sent(&app.db, &again.takes).await.unwrap();

    // A sender that died holding a claim: once the claim lapses, the next email takes the news.
    for i in 0..3 {
        waiting_news(&app, jo.id, format!("Later {i}"), "m", chrono::Utc::now()).await;
    }
    let held = news::pending_email(&app.db, jo.id).await.unwrap().unwrap();
    assert_eq!(held.takes.len(), 3);
    assert!(news::pending_email(&app.db, jo.id).await.unwrap().is_none());
    // News that arrives meanwhile is not part of the message the dead sender formed.
    waiting_news(&app, jo.id, "Newcomer", "m", chrono::Utc::now()).await;
    let stale = chrono::Utc::now() - chrono::Duration::seconds(1);
    n::Entity::update_many()
        .col_expr(
            n::Column::EmailClaimedUntil,
            sea_orm::sea_query::Expr::value(stale),
        )
        .filter(n::Column::UserId.eq(jo.id))
        .filter(n::Column::EmailPending.eq(true))
        .exec(&app.db)
        .await
        .unwrap();
    let lapsed = news::pending_email(&app.db, jo.id).await.unwrap().unwrap();
    let (mut got, mut want) = (lapsed.takes.clone(), held.takes.clone());
    got.sort();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(
        (
            lapsed.email.message_id,
            &lapsed.email.subject,
            &lapsed.email.items
        ),
        (
            held.email.message_id,
            &held.email.subject,
            &held.email.items
        ),
        "the dead sender's message goes again as it was: same Message-ID, same news"
    );
    news::email_sent(&app.db, &lapsed.takes).await.unwrap();
    let newcomer = news::pending_email(&app.db, jo.id).await.unwrap().unwrap();
    assert_eq!(newcomer.email.subject, "Newcomer");
    assert_ne!(newcomer.email.message_id, held.email.message_id);
    news::email_sent(&app.db, &newcomer.takes).await.unwrap();
    assert!(news::pending_email(&app.db, jo.id).await.unwrap().is_none());
}

/// A digest's recorded identity is its Message-ID, so the same message sent again after a crash is known as the
/// same one; an email without one gets a Message-ID of its own.
#[test]
fn a_digest_carries_its_recorded_message_id() {
    let dir = std::env::temp_dir().join(format!("jd-mail-{}", uuid::Uuid::new_v4()));
    let mailer = server::mailer::Mailer::outbox(
        dir.clone(),
        "JobDelegate <no-reply@example.com>".parse().unwrap(),
        "http://127.0.0.1:3000".into(),
    )
    .unwrap();
    let id = uuid::Uuid::new_v4();
    let mut e = queue::Email {
        message_id: Some(id),
        to: "jo@example.com".into(),
        name: "Jo".into(),
        subject: "2 updates: News".into(),
        body: "2 updates since the last email.".into(),
        link: None,
        items: Vec::new(),
    };
    let text = String::from_utf8(mailer.message(&e).unwrap().formatted()).unwrap();
    assert!(
        text.contains(&format!("Message-ID: <{id}@example.com>")),
        "{text}"
    );
    e.message_id = None;
    let other = String::from_utf8(mailer.message(&e).unwrap().formatted()).unwrap();
    assert!(other.contains("Message-ID: <"), "{other}");
    assert!(!other.contains(&id.to_string()));
    let _ = std::fs::remove_dir_all(dir);
}
