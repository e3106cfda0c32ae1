//! Issue 19: integrations. API keys (made by admins, read or read-write, shown once, revocable, last used) on the
//! REST API; webhooks delivered to a receiver on loopback that checks the Standard Webhooks signature, retried after
//! a 500, turned off after failing in a row (the admins told), sent again from the admin screen; private targets
//! refused unless allowed. Clients and employees reach none of it.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicU16, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use axum::{body::Bytes, extract::State, http::HeaderMap, routing::post, Router};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use hmac::{Hmac, Mac};
use reqwest::{Client, Response};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::{api_v1::call, both, helpers::*};

both!(
    api_keys_read_write_and_revoke,
    webhooks_are_signed_retried_and_sent_again,
    a_webhook_that_keeps_failing_is_turned_off_and_admins_are_told,
    private_targets_are_refused_unless_allowed,
);

/// The admin's browser, signed in.
async fn admin_browser(app: &TestApp) -> Client {
    app.fixture_admin().await;
    app.signed_in("fixture-admin@example.com").await
}

async fn make_key(app: &TestApp, admin: &Client, name: &str, scope: &str) -> (String, Value) {
    let res = app
        .rpc(
            admin,
            "admin/api_keys/create",
            &[("name", name), ("scope", scope)],
        )
        .await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    (v["key"].as_str().unwrap().to_string(), v["view"].clone())
}

async fn api_keys_read_write_and_revoke(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    let (_, e2) = app.employee("e2@example.com").await;
    app.assign(cid, e1).await;
    app.assign(cid, e2).await;
    let admin = admin_browser(&app).await;
    let jo = api_token(&app, "jo@example.com").await;
    let res = call(
        &app,
        reqwest::Method::POST,
        "/jobs",
        &jo,
        Some(json!({"job_url": "https://jobs.example.com/1"})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let job: Value = res.json().await.unwrap();
    let job_id = job["id"].as_str().unwrap().to_string();

    // A name is required; the scope must be one of the two.
    let res = app
        .rpc(
            &admin,
            "admin/api_keys/create",
            &[("name", " "), ("scope", "read")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(field_names(&res.json().await.unwrap()), ["name"]);
    let res = app
        .rpc(
            &admin,
            "admin/api_keys/create",
            &[("name", "x"), ("scope", "all")],
        )
        .await;
    assert_eq!(res.status(), 422);

    let (read, view) = make_key(&app, &admin, "Spreadsheet", "read").await;
    let (write, _) = make_key(&app, &admin, "CRM", "read_write").await;
    assert!(read.starts_with("jdk_") && read.len() > 40, "{read}");
    assert_eq!(view["scope"], "read");
    assert!(read.starts_with(view["prefix"].as_str().unwrap()));
    assert_eq!(view["last_used_at"], Value::Null);

    // Only the hash is stored; the list never shows a key.
    let listed = app
        .rpc(&admin, "admin/api_keys", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(!listed.contains(&read) && !listed.contains(&write));
    assert_eq!(app.count("api_keys").await, 2);

    // A key acts as its admin: it reads jobs; a read-only key may not change anything.
    let res = call(&app, reqwest::Method::GET, "/me", &read, None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["email"],
        "fixture-admin@example.com"
    );
    let res = call(
        &app,
        reqwest::Method::GET,
        &format!("/jobs/{job_id}"),
        &read,
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    let detail: Value = res.json().await.unwrap();
    let now_on = detail["job"]["employee_id"].as_str().unwrap().to_string();
    let other = if now_on == e1.to_string() { e2 } else { e1 };
    let reassign = format!("/jobs/{job_id}/reassign");
    let res = call(
        &app,
        reqwest::Method::POST,
        &reassign,
        &read,
        Some(json!({"employee_id": other})),
    )
    .await;
    assert_eq!(res.status(), 403);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["kind"], "forbidden");
    assert!(p["message"].as_str().unwrap().contains("read-only"), "{p}");
    let res = call(
        &app,
        reqwest::Method::POST,
        &reassign,
        &write,
        Some(json!({"employee_id": other})),
    )
    .await;
    assert_eq!(res.status(), 200);

    // When each was last used shows in the list.
    let keys: Value = app
        .rpc(&admin, "admin/api_keys", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        keys.as_array()
            .unwrap()
            .iter()
            .all(|k| k["last_used_at"].is_string()),
        "{keys}"
    );

    // Revoked, a key stops working at once; an unknown one never worked.
    let id = view["id"].as_str().unwrap();
    assert_eq!(
        app.rpc(&admin, "admin/api_keys/revoke", &[("id", id)])
            .await
            .status(),
        200
    );
    assert_eq!(
        call(&app, reqwest::Method::GET, "/me", &read, None)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.rpc(&admin, "admin/api_keys/revoke", &[("id", id)])
            .await
            .status(),
        404
    );
    let forged = format!("jdk_{}", "A".repeat(43));
    assert_eq!(
        call(&app, reqwest::Method::GET, "/me", &forged, None)
            .await
            .status(),
        401
    );
    assert_eq!(
        call(&app, reqwest::Method::GET, "/me", &write, None)
            .await
            .status(),
        200
    );

    // Clients and employees make no keys and see none; each attempt is on the record.
    let c = app.signed_in("jo@example.com").await;
    let e = app.signed_in("e1@example.com").await;
    for who in [&c, &e] {
        assert_eq!(
            app.rpc(
                who,
                "admin/api_keys/create",
                &[("name", "mine"), ("scope", "read_write")]
            )
            .await
            .status(),
            403
        );
        assert_eq!(app.rpc(who, "admin/api_keys", &[]).await.status(), 403);
        assert_eq!(
            app.rpc(who, "admin/api_keys/revoke", &[("id", id)])
                .await
                .status(),
            403
        );
    }
    assert_eq!(app.count("api_keys").await, 2);
    assert!(app.denials("api_key.create").await >= 2);
}

/// What the loopback receiver got: the headers that matter, the body, and whether the signature checked out.
#[derive(Debug, Clone)]
struct Got {
    id: String,
    body: Value,
    signed: bool,
}

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Got>>>,
    secret: Arc<Mutex<String>>,
    answer: Arc<AtomicU16>,
}

/// The Standard Webhooks check, written from the specification: HMAC-SHA256 keyed with the base64 after `whsec_`,
/// over `{id}.{timestamp}.{body}`, compared with every `v1,` signature of the header; the timestamp within 5 minutes.
fn verify(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let text = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("");
    let (id, ts, sigs) = (
        text("webhook-id"),
        text("webhook-timestamp"),
        text("webhook-signature"),
    );
    let Ok(ts_n) = ts.parse::<i64>() else {
        return false;
    };
    if (chrono::Utc::now().timestamp() - ts_n).abs() > 300 {
        return false;
    }
    let Some(key) = secret
        .strip_prefix("whsec_")
        .and_then(|s| STANDARD.decode(s).ok())
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(body);
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    sigs.split(' ')
        .any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
}

async fn receive(
    State(r): State<Receiver>,
    headers: HeaderMap,
    body: Bytes,
) -> (axum::http::StatusCode, String) {
    let secret = r.secret.lock().unwrap().clone();
    let got = Got {
        id: headers
            .get("webhook-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        signed: verify(&secret, &headers, &body),
    };
    r.got.lock().unwrap().push(got);
    let status = r.answer.load(Ordering::SeqCst);
    (
        axum::http::StatusCode::from_u16(status).unwrap(),
        format!("receiver says {status}"),
    )
}

impl Receiver {
    async fn start(answer: u16) -> (Receiver, SocketAddr) {
        let r = Receiver::default();
        r.answer.store(answer, Ordering::SeqCst);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = Router::new()
            .route("/hook", post(receive))
            .with_state(r.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        (r, addr)
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize, secs: u64) -> Vec<Got> {
        for _ in 0..secs * 20 {
            if self.got().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.got()
    }
}

async fn register(
    app: &TestApp,
    admin: &Client,
    url: &str,
    events: &[&str],
    allow_private: bool,
) -> Response {
    let mut form: Vec<(String, String)> = vec![
        ("url".into(), url.into()),
        ("description".into(), "tests".into()),
    ];
    for e in events {
        form.push((format!("events[{}]", e.replace('.', "_")), "on".into()));
    }
    if allow_private {
        form.push(("allow_private".into(), "on".into()));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.rpc(admin, "admin/webhooks/create", &pairs).await
}

async fn deliveries(app: &TestApp, admin: &Client, endpoint: &str) -> Vec<Value> {
    let res = app
        .rpc(admin, "admin/webhooks/deliveries", &[("id", endpoint)])
        .await;
    assert_eq!(res.status(), 200);
    res.json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Poll the admin's list until `done` holds (at most `secs`).
async fn deliveries_until(
    app: &TestApp,
    admin: &Client,
    endpoint: &str,
    secs: u64,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let mut list = Vec::new();
    for _ in 0..secs * 10 {
        list = deliveries(app, admin, endpoint).await;
        if done(&list) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    list
}

async fn delegate(app: &TestApp, token: &str, n: u32) -> String {
    let res = call(
        app,
        reqwest::Method::POST,
        "/jobs",
        token,
        Some(json!({"job_url": format!("https://jobs.example.com/{n}")})),
    )
    .await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn fast_retries(s: &mut server::startup::Settings, disable_after: i32) {
    s.queue.webhooks.delays = vec![Duration::from_secs(1), Duration::from_secs(1)];
    s.queue.webhooks.disable_after = disable_after;
}

async fn webhooks_are_signed_retried_and_sent_again(b: Backend) {
    let app = TestApp::spawn_with(b, |s| fast_retries(s, 50)).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    app.activated_client("sam@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let admin = admin_browser(&app).await;
    let (rx, addr) = Receiver::start(500).await;
    let res = register(
        &app,
        &admin,
        &format!("http://{addr}/hook"),
        &["job.delegated", "job.cancelled"],
        true,
    )
    .await;
    assert_eq!(res.status(), 200);
    let made: Value = res.json().await.unwrap();
    let secret = made["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    *rx.secret.lock().unwrap() = secret.clone();
    let endpoint = made["view"]["id"].as_str().unwrap().to_string();
    // The secret is kept sealed, never as given.
    let listed = app
        .rpc(&admin, "admin/webhooks", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(!listed.contains(&secret));

    // A delegation is told; the receiver's 500 makes it come again a second later, the same event, signed.
    let jo = api_token(&app, "jo@example.com").await;
    let job = delegate(&app, &jo, 1).await;
    let first = rx.wait_for(1, 10).await;
    assert_eq!(first.len(), 1, "{first:?}");
    rx.answer.store(200, Ordering::SeqCst);
    let got = rx.wait_for(2, 15).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().all(|g| g.signed), "{got:?}");
    assert_eq!(got[0].id, got[1].id);
    assert_eq!(got[0].body, got[1].body);
    assert_eq!(got[0].body["type"], "job.delegated");
    assert_eq!(got[0].body["data"]["job_id"], job.as_str());
    assert!(got[0].body["timestamp"].is_string());

    // The admin sees the delivery with both tries and what the receiver answered.
    let list = deliveries_until(&app, &admin, &endpoint, 10, |l| {
        l.first().is_some_and(|d| d["status"] == "delivered")
    })
    .await;
    assert_eq!(list.len(), 1, "{list:?}");
    let d = &list[0];
    assert_eq!(d["attempts"], 2);
    let tries = d["tries"].as_array().unwrap();
    assert_eq!(tries[0]["status_code"], 500);
    assert_eq!(tries[0]["response"], "receiver says 500");
    assert_eq!(tries[1]["status_code"], 200);

    // Events nobody asked for (the assignment) are not sent; the ones asked for are.
    let res = call(
        &app,
        reqwest::Method::POST,
        &format!("/jobs/{job}/cancel"),
        &jo,
        Some(json!({})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let got = rx.wait_for(3, 10).await;
    assert_eq!(got.len(), 3);
    assert_eq!(got[2].body["type"], "job.cancelled");
    assert!(got[2].signed);

    // Sent again from the admin screen: the same event id and body, signed anew.
    let delivery = d["id"].as_str().unwrap().to_string();
    let res = app
        .rpc(&admin, "admin/webhooks/redeliver", &[("id", &delivery)])
        .await;
    assert_eq!(res.status(), 200);
    let got = rx.wait_for(4, 10).await;
    assert_eq!(got.len(), 4);
    assert_eq!(got[3].id, got[0].id);
    assert!(got[3].signed);

    // Another client's admin screens are out of reach for clients: no list, no redelivery, no new endpoint.
    let sam = app.signed_in("sam@example.com").await;
    assert_eq!(app.rpc(&sam, "admin/webhooks", &[]).await.status(), 403);
    assert_eq!(
        app.rpc(&sam, "admin/webhooks/deliveries", &[("id", &endpoint)])
            .await
            .status(),
        403
    );
    assert_eq!(
        app.rpc(&sam, "admin/webhooks/redeliver", &[("id", &delivery)])
            .await
            .status(),
        403
    );
    let res = register(
        &app,
        &sam,
        "https://example.com/x",
        &["job.delegated"],
        false,
    )
    .await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.count("webhook_endpoints").await, 1);
    assert!(app.denials("webhook.redeliver").await >= 1);
}

async fn a_webhook_that_keeps_failing_is_turned_off_and_admins_are_told(b: Backend) {
    let app = TestApp::spawn_with(b, |s| fast_retries(s, 3)).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let admin = admin_browser(&app).await;
    let (rx, addr) = Receiver::start(500).await;
    let made: Value = register(
        &app,
        &admin,
        &format!("http://{addr}/hook"),
        &["job.delegated"],
        true,
    )
    .await
    .json()
    .await
    .unwrap();
    *rx.secret.lock().unwrap() = made["secret"].as_str().unwrap().to_string();
    let endpoint = made["view"]["id"].as_str().unwrap().to_string();
    let jo = api_token(&app, "jo@example.com").await;
    delegate(&app, &jo, 1).await;

    // Tried, then twice more after a pause each: three failures in a row turn it off.
    let got = rx.wait_for(3, 20).await;
    assert_eq!(got.len(), 3, "{got:?}");
    let hooks = deliveries_until(&app, &admin, &endpoint, 10, |l| {
        l.first().is_some_and(|d| d["status"] == "failed")
    })
    .await;
    assert_eq!(hooks[0]["attempts"], 3);
    let listed: Value = app
        .rpc(&admin, "admin/webhooks", &[])
        .await
        .json()
        .await
        .unwrap();
    let hook = &listed[0];
    assert_eq!(hook["enabled"], false, "{hook}");
    assert!(
        hook["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("3 failed"),
        "{hook}"
    );
    // Every admin is told, in the app.
    let told: Value = call(
        &app,
        reqwest::Method::GET,
        "/notifications",
        &api_token(&app, "fixture-admin@example.com").await,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(
        told.to_string().contains("A webhook was turned off"),
        "{told}"
    );

    // Off, it is sent nothing, and a delivery cannot be sent again until it is on.
    delegate(&app, &jo, 2).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(rx.got().len(), 3);
    let delivery = hooks[0]["id"].as_str().unwrap().to_string();
    let res = app
        .rpc(&admin, "admin/webhooks/redeliver", &[("id", &delivery)])
        .await;
    assert_eq!(res.status(), 409);
    rx.answer.store(204, Ordering::SeqCst);
    let res = app
        .rpc(
            &admin,
            "admin/webhooks/enabled",
            &[("id", &endpoint), ("enabled", "true")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["consecutive_failures"],
        0
    );
    assert_eq!(
        app.rpc(&admin, "admin/webhooks/redeliver", &[("id", &delivery)])
            .await
            .status(),
        200
    );
    let got = rx.wait_for(4, 10).await;
    assert_eq!(got.len(), 4);
    assert!(got[3].signed);
    let list = deliveries_until(&app, &admin, &endpoint, 10, |l| {
        l.iter().any(|d| d["status"] == "delivered")
    })
    .await;
    assert!(list.iter().any(|d| d["status"] == "delivered"), "{list:?}");
}

async fn private_targets_are_refused_unless_allowed(b: Backend) {
    let app = TestApp::spawn_with(b, |s| fast_retries(s, 50)).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let admin = admin_browser(&app).await;
    let (rx, addr) = Receiver::start(200).await;
    let url = format!("http://{addr}/hook");

    // Loopback and private addresses need the admin's explicit yes.
    for target in [
        url.as_str(),
        "http://10.0.0.8/hook",
        "http://localhost:9/x",
        "http://[::1]/x",
    ] {
        let res = register(&app, &admin, target, &["job.delegated"], false).await;
        assert_eq!(res.status(), 422, "{target}");
        let p: Value = res.json().await.unwrap();
        assert_eq!(field_names(&p), ["url"], "{p}");
        assert!(p["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("private network"));
    }
    let res = register(&app, &admin, "ftp://example.com/x", &[], false).await;
    assert_eq!(res.status(), 422);
    let mut names = field_names(&res.json().await.unwrap());
    names.sort();
    assert_eq!(names, ["events", "url"]);
    let res = register(
        &app,
        &admin,
        "https://example.com/x",
        &["job.exploded"],
        false,
    )
    .await;
    assert_eq!(res.status(), 422);

    // Allowed, it is registered; taken back in the database, the delivery is refused before anything is sent.
    let made: Value = register(&app, &admin, &url, &["job.delegated"], true)
        .await
        .json()
        .await
        .unwrap();
    let endpoint = made["view"]["id"].as_str().unwrap().to_string();
    use sea_orm::{ConnectionTrait, Statement};
    app.db
        .execute_raw(Statement::from_string(
            app.db.get_database_backend(),
            "UPDATE webhook_endpoints SET allow_private = FALSE",
        ))
        .await
        .unwrap();
    let jo = api_token(&app, "jo@example.com").await;
    delegate(&app, &jo, 1).await;
    let list = deliveries_until(&app, &admin, &endpoint, 10, |l| {
        l.first().is_some_and(|d| d["attempts"].as_i64() >= Some(1))
    })
    .await;
    let tries = list[0]["tries"].as_array().unwrap();
    assert!(
        tries[0]["error"].as_str().unwrap().starts_with("refused"),
        "{list:?}"
    );
    assert_eq!(tries[0]["status_code"], Value::Null);
    assert!(rx.got().is_empty());
}
