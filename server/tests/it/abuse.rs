//! Issue 13: abuse and resource limits. Parallel password guesses count before they run; sign-ups, sign-ins,
//! refreshes, uploads, exports and event streams are rate limited per address or account in the database (so every
//! replica shares the count); paging is bounded with a 400 that names the field; private answers are never cached;
//! a deactivated account answers like a wrong password.

use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::{both, helpers::*, resumes::upload};

both!(
    parallel_guesses_count_before_they_run,
    sign_ups_from_one_address_are_limited,
    refreshes_uploads_exports_and_streams_are_limited,
    paging_out_of_range_is_a_400_naming_the_field,
    private_answers_are_never_stored,
    an_extension_sign_in_ends_after_its_lifetime,
    a_session_ended_while_a_request_held_it_stays_ended,
    a_spoofed_forwarded_address_does_not_escape_a_limit,
    storage_quotas_hold_per_client,
    open_event_streams_per_account_are_capped,
    proofs_count_in_their_clients_storage,
);

/// A hundred wrong passwords for one account at once: only as many are checked as the account may fail (each
/// counted before its hash runs); the rest are refused at once, and then so is the right password, until the
/// lock ends.
async fn parallel_guesses_count_before_they_run(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.auth.rates.logins_per_minute = 0).await;
    app.user(app::api::Role::Client, "jo@example.com").await;
    let guesses = (0..100).map(|i| {
        let (app_base, c) = (app.base.clone(), app.client());
        async move {
            c.post(format!("{app_base}/rpc/login"))
                .header("origin", &app_base)
                .header("accept", "application/json")
                .form(&[
                    ("email", "jo@example.com"),
                    ("password", &format!("guess number {i}")),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    println!("100 parallel guesses: {checked} checked, {refused} refused at once");
    assert!(
        checked <= 5,
        "at most the account's 5 failures are checked: {statuses:?}"
    );
    assert_eq!(checked + refused, 100, "{statuses:?}");
    let right = app.login(&app.client(), "jo@example.com", PASSWORD).await;
    assert_eq!(right.status(), 429);
    assert!(right.headers().contains_key("retry-after"));
    // Another account is not locked by these guesses.
    app.user(app::api::Role::Client, "sam@example.com").await;
    let other = app.login(&app.client(), "sam@example.com", PASSWORD).await;
    assert_eq!(other.status(), 200);
}

fn signup_form(i: usize) -> Vec<(&'static str, String)> {
    vec![
        ("email", format!("seeker{i}@example.com")),
        ("password", PASSWORD.to_string()),
        ("first_name", "Jo".into()),
        ("last_name", "Seeker".into()),
    ]
}

/// Sign-ups from one address: the configured number succeed, the rest get 429 with `Retry-After` and create
/// nothing, even when they arrive all at once.
async fn sign_ups_from_one_address_are_limited(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.auth.rates.signups_per_hour = 3).await;
    app.user(app::api::Role::SuperAdmin, "root@example.com")
        .await;
    let users_before = app.count("users").await;
    let sends = (0..12).map(|i| {
        let (base, c) = (app.base.clone(), app.client());
        async move {
            let res = c
                .post(format!("{base}/rpc/signup"))
                .header("origin", &base)
                .header("accept", "application/json")
                .form(&signup_form(i))
                .send()
                .await
                .unwrap();
            (res.status(), res.headers().contains_key("retry-after"))
        }
    });
    let answers = futures_util::future::join_all(sends).await;
    let ok = answers.iter().filter(|(s, _)| s.is_success()).count();
    let limited = answers
        .iter()
        .filter(|(s, retry)| *s == StatusCode::TOO_MANY_REQUESTS && *retry)
        .count();
    assert_eq!(ok, 3, "{answers:?}");
    assert_eq!(limited, 9, "{answers:?}");
    assert_eq!(app.count("users").await - users_before, 3);
}

/// An account's refreshes, uploads, exports and event streams each stop at their limit with 429 and
/// `Retry-After`; another client's allowance is their own.
async fn refreshes_uploads_exports_and_streams_are_limited(b: Backend) {
    let app = TestApp::spawn_with(b, |s| {
        s.auth.rates.refreshes_per_minute = 2;
        s.auth.rates.uploads_per_hour = 2;
        s.auth.rates.exports_per_hour = 2;
        s.auth.rates.streams_per_minute = 2;
    })
    .await;
    app.activated_client("jo@example.com").await;
    app.activated_client("sam@example.com").await;
    let http = reqwest::Client::new();

    // Refreshes (per address): each uses up its token and gets the next.
    let login: Value = http
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"email": "jo@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut refresh = login["refresh_token"].as_str().unwrap().to_string();
    for i in 0..3 {
        let res = http
            .post(format!("{}/api/v1/auth/refresh", app.base))
            .json(&json!({"refresh_token": refresh}))
            .send()
            .await
            .unwrap();
        if i < 2 {
            assert_eq!(res.status(), 200, "refresh {i}");
            let v: Value = res.json().await.unwrap();
            refresh = v["refresh_token"].as_str().unwrap().to_string();
        } else {
            assert_eq!(res.status(), 429);
            assert!(res.headers().contains_key("retry-after"));
            let p: Value = res.json().await.unwrap();
            assert_eq!(p["kind"], "too_many_requests");
        }
    }

    let jo = app.signed_in("jo@example.com").await;
    let sam = app.signed_in("sam@example.com").await;
    // Uploads (per account).
    for i in 0..3 {
        let res = upload(&app, &jo, &format!("CV {i}"), pdf(2_000), None).await;
        assert_eq!(
            res.status().is_success(),
            i < 2,
            "upload {i}: {}",
            res.status()
        );
        if i == 2 {
            assert_eq!(res.status(), 429);
        }
    }
    assert_eq!(app.count("resume_types").await, 2);
    assert!(
        upload(&app, &sam, "Sam's CV", pdf(2_000), None)
            .await
            .status()
            .is_success(),
        "another client's uploads count apart"
    );
    // Exports (per account).
    let export = |c: &reqwest::Client| {
        c.get(format!(
            "{}/files/exports/jobs.csv?from=2026-04-01&to=2026-04-02",
            app.base
        ))
        .send()
    };
    for i in 0..3 {
        let res = export(&jo).await.unwrap();
        assert_eq!(res.status(), if i < 2 { 200 } else { 429 }, "export {i}");
    }
    assert_eq!(export(&sam).await.unwrap().status(), 200);
    // Event streams opened (per account).
    let mut open = Vec::new();
    for i in 0..3 {
        let res = jo.get(format!("{}/events", app.base)).send().await.unwrap();
        assert_eq!(res.status(), if i < 2 { 200 } else { 429 }, "stream {i}");
        open.push(res);
    }
    drop(open);
}

/// A page size out of range or not a number, or a cursor this API never gave: a 400 or 422 problem naming the field,
/// never a dropped connection or a server error.
async fn paging_out_of_range_is_a_400_naming_the_field(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.activated_client("jo@example.com").await;
    let token = api_token(&app, "jo@example.com").await;
    let http = reqwest::Client::new();
    for limit in [
        "9223372036854775808",
        "18446744073709551616",
        "0",
        "-1",
        "abc",
        "201",
        "",
    ] {
        let res = http
            .get(format!("{}/api/v1/jobs?limit={limit}", app.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "limit={limit}");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["kind"], "bad_request", "limit={limit}");
        assert_eq!(p["fields"][0]["field"], "limit", "limit={limit}: {p}");
    }
    for limit in ["1", "200"] {
        let res = http
            .get(format!("{}/api/v1/jobs?limit={limit}", app.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "limit={limit}");
    }
    for cursor in ["nonsense", "MTIz", "%00"] {
        let res = http
            .get(format!("{}/api/v1/jobs?cursor={cursor}", app.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "cursor={cursor}");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["fields"][0]["field"], "cursor", "cursor={cursor}: {p}");
    }
    // The dashboard's server function refuses it too, naming the field.
    let c = app.signed_in("jo@example.com").await;
    let res = app
        .rpc_json(
            &c,
            "jobs/list",
            json!({"query": {"page": 9223372036854775807u64}}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["fields"][0]["field"], "page", "{p}");
}

/// Authenticated pages, server functions and API answers carry `Cache-Control: no-store`.
async fn private_answers_are_never_stored(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.activated_client("jo@example.com").await;
    let c = app.signed_in("jo@example.com").await;
    let token = api_token(&app, "jo@example.com").await;
    let no_store = |res: &reqwest::Response| {
        res.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let page = app.page(&c, "/client/jobs").await;
    assert_eq!(no_store(&page).as_deref(), Some("no-store"));
    let rpc = app.rpc(&c, "me", &[]).await;
    assert_eq!(no_store(&rpc).as_deref(), Some("no-store"));
    let api = reqwest::Client::new()
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
    assert_eq!(no_store(&api).as_deref(), Some("no-store"));
}

/// An extension sign-in refreshed again and again still ends 90 days (the default) after it began.
async fn an_extension_sign_in_ends_after_its_lifetime(b: Backend) {
    use app::domain::entities::api_tokens;
    use sea_orm::sea_query::Expr;
    let app = TestApp::spawn(b).await;
    app.activated_client("jo@example.com").await;
    let http = reqwest::Client::new();
    let refresh_of_age = |days: u64| {
        let (http, base, db) = (http.clone(), app.base.clone(), app.db.clone());
        async move {
            let login: Value = http
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"email": "jo@example.com", "password": PASSWORD}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let token = login["refresh_token"].as_str().unwrap().to_string();
            // Move the sign-in's start back: its family id carries it.
            let began =
                std::time::SystemTime::now() - std::time::Duration::from_secs(days * 86_400);
            let secs = began
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let old_family =
                uuid::Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, 0));
            api_tokens::Entity::update_many()
                .col_expr(api_tokens::Column::FamilyId, Expr::value(old_family))
                .filter(api_tokens::Column::TokenHash.eq(app::domain::infra::tokens::hash(&token)))
                .exec(&db)
                .await
                .unwrap();
            http.post(format!("{base}/api/v1/auth/refresh"))
                .json(&json!({"refresh_token": token}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(
        refresh_of_age(89).await,
        200,
        "a sign-in of 89 days still refreshes"
    );
    assert_eq!(refresh_of_age(91).await, 401, "one of 91 days has ended");
}

/// A request loaded the session, then the user logged out elsewhere (or was deactivated): when that request ends and
/// saves the session, it does not come back. Saving an unchanged session writes nothing.
async fn a_session_ended_while_a_request_held_it_stays_ended(b: Backend) {
    use app::domain::infra::session_store::DbSessionStore;
    use tower_sessions::SessionStore;
    let app = TestApp::spawn(b).await;
    app.activated_client("jo@example.com").await;
    let c = app.signed_in("jo@example.com").await;
    assert_eq!(app.count("sessions").await, 1);
    let store = DbSessionStore::new(app.db.clone());
    let row = app::domain::entities::sessions::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let id: tower_sessions::session::Id = row.id.parse().unwrap();
    // The slow request's copy.
    let held = store.load(&id).await.unwrap().unwrap();
    // A request a few seconds later slides the idle deadline by less than a minute: nothing is written. Past a
    // minute, the new deadline is written.
    let stored_expiry = || async {
        app::domain::entities::sessions::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .expires_at
    };
    let mut slid = held.clone();
    slid.expiry_date += time::Duration::seconds(30);
    store.save(&slid).await.unwrap();
    assert_eq!(stored_expiry().await, row.expires_at, "not rewritten");
    slid.expiry_date += time::Duration::seconds(90);
    store.save(&slid).await.unwrap();
    assert_eq!(
        stored_expiry().await.timestamp(),
        row.expires_at.timestamp() + 120,
        "the idle deadline slides"
    );
    // Logout elsewhere, then the slow request ends and saves its copy.
    app.rpc(&c, "logout", &[]).await;
    assert_eq!(app.count("sessions").await, 0, "logged out");
    let mut changed = held.clone();
    changed
        .data
        .insert("seen".into(), serde_json::Value::from(1));
    store.save(&changed).await.unwrap();
    store.save(&held).await.unwrap();
    assert_eq!(
        app.count("sessions").await,
        0,
        "the ended session did not come back"
    );
    assert_eq!(app.me(&c).await, Value::Null);
}

/// Behind one proxy, the client is the address the proxy appended (the right-most `X-Forwarded-For` entry), never
/// the left-most one a caller wrote itself: changing that does not escape the per-address limit.
async fn a_spoofed_forwarded_address_does_not_escape_a_limit(b: Backend) {
    let app = TestApp::spawn_with(b, |s| {
        s.auth.rates.signups_per_hour = 2;
        s.auth.proxies =
            app::domain::infra::proxies::TrustedProxies::parse(true, None, &[]).unwrap();
    })
    .await;
    app.user(app::api::Role::SuperAdmin, "root@example.com")
        .await;
    let signup = |i: usize, forwarded: String| {
        let (base, c) = (app.base.clone(), app.client());
        async move {
            c.post(format!("{base}/rpc/signup"))
                .header("origin", &base)
                .header("accept", "application/json")
                .header("x-forwarded-for", forwarded)
                .form(&signup_form(i))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // The same real client (198.51.100.7, as our proxy saw it) pretends to be someone new each time.
    let mut statuses = Vec::new();
    for i in 0..4 {
        statuses.push(signup(i, format!("6.6.6.{i}, 198.51.100.7")).await);
    }
    assert_eq!(
        statuses.iter().filter(|s| s.is_success()).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(statuses[3], 429);
    // Another real client behind the same proxy has its own allowance.
    assert!(signup(10, "198.51.100.8".into()).await.is_success());
    // The activity log records the address the proxy saw.
    let logged = app::domain::entities::activity_logs::Entity::find()
        .filter(app::domain::entities::activity_logs::Column::ActionType.eq("account.signup"))
        .all(&app.db)
        .await
        .unwrap();
    assert!(!logged.is_empty());
    for entry in logged {
        let ip = entry.ip_address.unwrap_or_default();
        assert!(ip.starts_with("198.51.100."), "{ip}");
    }
}

/// A client not yet activated keeps one resume; an activated one at most the configured number, and their resumes
/// and the proofs of their jobs within their bytes. Past either: a clear field error, and nothing stored. Another
/// client's storage is their own.
async fn storage_quotas_hold_per_client(b: Backend) {
    let app = TestApp::spawn_with(b, |s| {
        s.auth.rates.resumes_per_client = 3;
        s.auth.rates.storage_bytes_per_client = 7_000;
    })
    .await;
    // Not yet activated: one resume.
    app.user(app::api::Role::Client, "new@example.com").await;
    let newbie = app.signed_in("new@example.com").await;
    assert!(upload(&app, &newbie, "First", pdf(1_000), None)
        .await
        .status()
        .is_success());
    let res = upload(&app, &newbie, "Second", pdf(1_000), None).await;
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["fields"][0]["field"], "file");
    assert!(p["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("activated"));

    // Activated: three resumes, and 7,000 bytes in all.
    app.activated_client("jo@example.com").await;
    let jo = app.signed_in("jo@example.com").await;
    for i in 0..2 {
        let res = upload(&app, &jo, &format!("CV {i}"), pdf(2_000), None).await;
        assert!(res.status().is_success(), "{}", res.status());
    }
    let res = upload(&app, &jo, "Too big", pdf(4_000), None).await;
    assert_eq!(res.status(), 422, "4,000 more bytes do not fit");
    let p: Value = res.json().await.unwrap();
    assert!(
        p["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("storage is full"),
        "{p}"
    );
    assert!(upload(&app, &jo, "CV 2", pdf(2_000), None)
        .await
        .status()
        .is_success());
    let res = upload(&app, &jo, "CV 3", pdf(500), None).await;
    assert_eq!(res.status(), 422, "a fourth resume is refused");
    let p: Value = res.json().await.unwrap();
    assert!(p["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("at most 3"));
    // Nothing of the refused uploads was kept: 1 + 3 resume files in all.
    assert_eq!(app.count("resume_types").await, 4);
    assert_eq!(app.storage.list("resumes/", None).await.unwrap().len(), 4);
    // Another client has their own allowance.
    app.activated_client("sam@example.com").await;
    let sam = app.signed_in("sam@example.com").await;
    assert!(upload(&app, &sam, "Sam's CV", pdf(4_000), None)
        .await
        .status()
        .is_success());
}

/// A graceful shutdown (SIGTERM in life) ends the open event streams, so the server stops promptly instead of
/// waiting for them forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_event_streams_and_exits_promptly() {
    use std::sync::Arc;
    let testdb = Arc::new(TestDb::new(Backend::Sqlite).await);
    let db = server::db::connect(&testdb.url).await.unwrap();
    server::db::migrate(&db).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let application =
        server::startup::Application::with_parts(db.clone(), listener, test_settings(addr))
            .unwrap()
            .with_workers(false);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(application.run_until(async move {
        let _ = stopped.await;
    }));
    let account =
        app::api::validate::NewAccount::parse("jo@example.com", PASSWORD, "Jo", "Seeker").unwrap();
    app::domain::accounts::create_user(
        &db,
        None,
        app::api::Role::Client,
        account,
        &Default::default(),
    )
    .await
    .unwrap();
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login = c
        .post(format!("{base}/rpc/login"))
        .header("origin", &base)
        .header("accept", "application/json")
        .form(&[("email", "jo@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(login.status().is_success() || login.status().is_redirection());
    let mut stream = c.get(format!("{base}/events")).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let first = stream.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("ready"));

    let asked = std::time::Instant::now();
    stop.send(()).unwrap();
    // The stream ends (rather than waiting for the next event or keep-alive) ...
    let ended = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the event stream ends on shutdown");
    // ... and the server stops.
    tokio::time::timeout(std::time::Duration::from_secs(5), server)
        .await
        .expect("the server stops within 5 s")
        .unwrap()
        .unwrap();
    println!(
        "shutdown with an open event stream took {:?}",
        asked.elapsed()
    );
}

/// One account holds at most 10 event streams open at once on a replica; the 11th waits for one to close.
async fn open_event_streams_per_account_are_capped(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.auth.rates.streams_per_minute = 0).await;
    app.activated_client("jo@example.com").await;
    app.activated_client("sam@example.com").await;
    let jo = app.signed_in("jo@example.com").await;
    let open = || jo.get(format!("{}/events", app.base)).send();
    let mut streams = Vec::new();
    for _ in 0..10 {
        let res = open().await.unwrap();
        assert_eq!(res.status(), 200);
        streams.push(res);
    }
    let refused = open().await.unwrap();
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    // Another account is not affected.
    let sam = app.signed_in("sam@example.com").await;
    assert_eq!(
        sam.get(format!("{}/events", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Closing one makes room.
    drop(streams.pop());
    let mut reopened = false;
    for _ in 0..50 {
        let res = open().await.unwrap();
        if res.status() == 200 {
            reopened = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(reopened, "a closed stream gives its place back");
}

/// A proof screenshot counts in its client's storage: one that no longer fits is refused with a clear error naming
/// the field, and nothing is stored; one that fits is recorded with its size.
async fn proofs_count_in_their_clients_storage(b: Backend) {
    use app::domain::entities::job_completions;
    let shot = crate::work::png(400, 300);
    let limit = 3_000 + shot.len() as u64 / 2;
    let app = TestApp::spawn_with(b, |s| s.auth.rates.storage_bytes_per_client = limit).await;
    let (_, client) = app.activated_client("jo@example.com").await;
    let (_, employee) = app.employee("sam@example.com").await;
    app.assign(client, employee).await;
    let jo = app.signed_in("jo@example.com").await;
    assert!(upload(&app, &jo, "CV", pdf(3_000), None)
        .await
        .status()
        .is_success());
    let token = api_token(&app, "jo@example.com").await;
    let sam = api_token(&app, "sam@example.com").await;
    let http = reqwest::Client::new();
    let job: Value = http
        .post(format!("{}/api/v1/jobs", app.base))
        .bearer_auth(&token)
        .json(&json!({"job_url": "https://jobs.example.com/quota"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = job["id"].as_str().unwrap().to_string();
    let started = http
        .post(format!("{}/api/v1/jobs/{id}/start", app.base))
        .bearer_auth(&sam)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 200);
    let complete = |bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("outcome", "submitted")
            .part(
                "screenshot",
                reqwest::multipart::Part::bytes(bytes).file_name("proof.png"),
            );
        http.post(format!("{}/api/v1/jobs/{id}/complete", app.base))
            .bearer_auth(&sam)
            .multipart(form)
            .send()
    };
    let res = complete(shot.clone()).await.unwrap();
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["fields"][0]["field"], "screenshot", "{p}");
    assert!(p["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("storage is full"));
    assert_eq!(app.storage.list("proofs/", None).await.unwrap().len(), 0);
    // A smaller one fits, and is counted with its size.
    let small = crate::work::png(8, 8);
    let res = complete(small.clone()).await.unwrap();
    assert_eq!(res.status(), 200);
    let done = job_completions::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.proof_size, Some(small.len() as i64));
}
