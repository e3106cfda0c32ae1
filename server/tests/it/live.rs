//! Issue 4: notifications written with the change they tell about, and live refresh events over SSE.

use std::time::Duration;

use reqwest::{Client, Response};
use serde_json::{json, Value};

use crate::{both, helpers::*};

both!(
    notifications_follow_the_job_and_only_their_owner_reads_them,
    open_pages_hear_about_their_changes_within_a_second,
);

/// Two replicas on one PostgreSQL database: a page open on one hears a change made through the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_live_events_through_postgresql() {
    let a = TestApp::spawn(Backend::Postgres).await;
    let b = TestApp::spawn_on(a.testdb.clone(), |_| {}).await;
    let (_, cid) = a.activated_client("jo@example.com").await;
    let (_, e1) = a.employee("e1@example.com").await;
    a.assign(cid, e1).await;
    let mut stream = a
        .signed_in("e1@example.com")
        .await
        .get(format!("{}/events", a.base))
        .send()
        .await
        .unwrap();
    assert!(next_event(&mut stream, "ready", Duration::from_secs(2)).await);
    // LISTEN is set up in the background as the replica starts; give it a moment.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let c = b.signed_in("jo@example.com").await;
    assert_eq!(
        b.delegate(&c, json!({"job_url": "https://jobs.example.com/1"}))
            .await
            .status(),
        200
    );
    assert!(
        next_event(&mut stream, "refresh", Duration::from_secs(1)).await,
        "a change through replica B reaches a page on replica A within a second"
    );
}

async fn notifications(app: &TestApp, c: &Client) -> Value {
    let res = app.rpc(c, "notifications", &[]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn notifications_follow_the_job_and_only_their_owner_reads_them(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let c = app.signed_in("jo@example.com").await;
    let n = notifications(&app, &c).await;
    assert_eq!(n["unread"], 1);
    assert_eq!(n["items"][0]["kind"], "client_activated");

    let job: Value = app
        .delegate(&c, json!({"job_url": "https://jobs.example.com/1", "job_title": "Dev", "company_name": "Acme"}))
        .await
        .json()
        .await
        .unwrap();
    let id = job["id"].as_str().unwrap();
    let e = app.signed_in("e1@example.com").await;
    let en = notifications(&app, &e).await;
    assert_eq!(en["unread"], 1);
    assert_eq!(en["items"][0]["kind"], "job_assigned");
    assert_eq!(en["items"][0]["title"], "New job: Dev at Acme");
    assert_eq!(en["items"][0]["link"], format!("/employee?job={id}"));

    // A failed delegation writes no notification.
    app.delegate(&c, json!({"job_url": "https://jobs.example.com/1"}))
        .await;
    assert_eq!(notifications(&app, &e).await["unread"], 1);

    app.rpc(&e, "work/start", &[("job_id", id)]).await;
    let form = reqwest::multipart::Form::new()
        .text("outcome", "failed")
        .text("failure_reason", "The posting was closed");
    let res = e
        .post(format!("{}/files/jobs/{id}/complete", app.base))
        .header("origin", &app.base)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cn = notifications(&app, &c).await;
    assert_eq!(cn["unread"], 2);
    assert_eq!(cn["items"][0]["kind"], "job_failed");
    assert_eq!(cn["items"][0]["message"], "The posting was closed");

    // Only the owner marks a notification read; the attempt is logged.
    let theirs = en["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.rpc(&c, "notifications/read", &[("id", &theirs)])
            .await
            .status(),
        403
    );
    assert_eq!(app.denials("notification.read").await, 1);
    assert_eq!(notifications(&app, &e).await["unread"], 1);
    assert_eq!(
        app.rpc(&e, "notifications/read", &[("id", &theirs)])
            .await
            .status(),
        200
    );
    assert_eq!(notifications(&app, &e).await["unread"], 0);
    assert_eq!(
        app.rpc(&c, "notifications/read_all", &[]).await.status(),
        200
    );
    let cn = notifications(&app, &c).await;
    assert_eq!(cn["unread"], 0);
    assert!(cn["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["is_read"] == true));
    assert_eq!(
        app.rpc(&app.client(), "notifications", &[]).await.status(),
        401
    );
}

/// Read the stream until an event named `name` arrives or `wait` passes.
async fn next_event(res: &mut Response, name: &str, wait: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + wait;
    let mut seen = String::new();
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, res.chunk()).await {
            Ok(Ok(Some(bytes))) => {
                seen.push_str(&String::from_utf8_lossy(&bytes));
                if seen.contains(&format!("event: {name}")) {
                    return true;
                }
            }
            _ => return false,
        }
    }
}

async fn open_pages_hear_about_their_changes_within_a_second(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    app.activated_client("eve@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    let (_, e2) = app.employee("e2@example.com").await;
    app.assign(cid, e1).await;
    let _ = e2;
    let open = |who: Client| {
        let url = format!("{}/events", app.base);
        async move {
            let res = who
                .get(url)
                .header("accept", "text/event-stream")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            assert!(res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream"));
            res
        }
    };
    let mut mine = open(app.signed_in("e1@example.com").await).await;
    let mut other = open(app.signed_in("e2@example.com").await).await;
    let mut eve = open(app.signed_in("eve@example.com").await).await;
    for s in [&mut mine, &mut other, &mut eve] {
        assert!(next_event(s, "ready", Duration::from_secs(2)).await);
    }

    let c = app.signed_in("jo@example.com").await;
    assert_eq!(
        app.delegate(&c, json!({"job_url": "https://jobs.example.com/1"}))
            .await
            .status(),
        200
    );
    assert!(
        next_event(&mut mine, "refresh", Duration::from_secs(1)).await,
        "the assigned employee hears of the new job within a second"
    );
    assert!(
        !next_event(&mut other, "refresh", Duration::from_millis(500)).await,
        "an unrelated employee hears nothing"
    );
    assert!(
        !next_event(&mut eve, "refresh", Duration::from_millis(300)).await,
        "another client hears nothing"
    );

    let res = app
        .client()
        .get(format!("{}/events", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}
