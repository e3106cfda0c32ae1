//! Issue 19: the REST API as integrators use it: whole jobs, their timeline, cancel and reassign; one problem shape
//! whose `kind` matches the status, every wrong field named, waits named as they are; logs without colour codes.

use reqwest::{header, Client, Response};
use serde_json::{json, Value};

use crate::{both, helpers::*};

both!(
    a_duplicate_names_a_job_that_can_be_fetched_by_whoever_may_see_it,
    clients_cancel_and_admins_reassign_through_the_api,
    every_problem_names_its_fields_and_its_kind_matches_its_status,
    a_rate_limited_call_names_the_wait_retry_after_gives,
    a_retried_write_with_its_key_is_done_once,
    lists_page_with_a_cursor_and_filter,
    admins_run_the_agency_through_the_api,
    resumes_and_proofs_through_the_api,
);

pub(crate) async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Response {
    let mut req = Client::new()
        .request(method, format!("{}/api/v1{path}", app.base))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

async fn get(app: &TestApp, path: &str, token: &str) -> Response {
    call(app, reqwest::Method::GET, path, token, None).await
}

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> Response {
    call(app, reqwest::Method::POST, path, token, Some(body)).await
}

async fn a_duplicate_names_a_job_that_can_be_fetched_by_whoever_may_see_it(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    app.activated_client("sam@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.employee("e2@example.com").await;
    app.assign(cid, e1).await;
    let jo = api_token(&app, "jo@example.com").await;
    let first = post(
        &app,
        "/jobs",
        &jo,
        json!({"job_url": "https://jobs.example.com/9", "job_title": "Dev"}),
    )
    .await;
    assert_eq!(first.status(), 201);
    let again = post(
        &app,
        "/jobs",
        &jo,
        json!({"job_url": "https://jobs.example.com/9"}),
    )
    .await;
    assert_eq!(again.status(), 409);
    let p: Value = again.json().await.unwrap();
    let id = p["existing_job_id"].as_str().unwrap().to_string();

    let res = get(&app, &format!("/jobs/{id}"), &jo).await;
    assert_eq!(res.status(), 200);
    let job: Value = res.json().await.unwrap();
    assert_eq!(job["job"]["id"], id.as_str());
    assert_eq!(job["job"]["job_title"], "Dev");
    assert!(!job["timeline"].as_array().unwrap().is_empty(), "{job}");
    let timeline: Value = get(&app, &format!("/jobs/{id}/timeline"), &jo)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(timeline, job["timeline"]);

    // The assigned employee sees it; another client and an employee not on it do not.
    let e1_token = api_token(&app, "e1@example.com").await;
    assert_eq!(
        get(&app, &format!("/jobs/{id}"), &e1_token).await.status(),
        200
    );
    let sam = api_token(&app, "sam@example.com").await;
    for path in [format!("/jobs/{id}"), format!("/jobs/{id}/timeline")] {
        let res = get(&app, &path, &sam).await;
        assert_eq!(res.status(), 403, "{path}");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["kind"], "forbidden");
        assert!(p.get("job").is_none());
    }
    let e2 = api_token(&app, "e2@example.com").await;
    assert_eq!(get(&app, &format!("/jobs/{id}"), &e2).await.status(), 403);
    assert!(app.denials("job.view").await >= 3);

    // Unknown and malformed ids.
    let res = get(&app, &format!("/jobs/{}", uuid::Uuid::now_v7()), &jo).await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.json::<Value>().await.unwrap()["kind"], "not_found");
    // An id that cannot be one names no job either.
    let res = get(&app, "/jobs/not-an-id", &jo).await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.json::<Value>().await.unwrap()["kind"], "not_found");
}

async fn clients_cancel_and_admins_reassign_through_the_api(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    app.activated_client("sam@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    let (_, e2) = app.employee("e2@example.com").await;
    app.assign(cid, e1).await;
    app.assign(cid, e2).await;
    app.fixture_admin().await;
    let jo = api_token(&app, "jo@example.com").await;
    let sam = api_token(&app, "sam@example.com").await;
    let admin = api_token(&app, "fixture-admin@example.com").await;
    let mut ids = Vec::new();
    for i in 0..2 {
        let res = post(
            &app,
            "/jobs",
            &jo,
            json!({"job_url": format!("https://jobs.example.com/{i}")}),
        )
        .await;
        assert_eq!(res.status(), 201);
        let v: Value = res.json().await.unwrap();
        ids.push(v["id"].as_str().unwrap().to_string());
    }

    // Another client cannot cancel jo's job; jo can, once.
    let res = post(&app, &format!("/jobs/{}/cancel", ids[0]), &sam, json!({})).await;
    assert_eq!(res.status(), 403);
    let res = post(&app, &format!("/jobs/{}/cancel", ids[0]), &jo, json!({})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "cancelled");
    let res = post(&app, &format!("/jobs/{}/cancel", ids[0]), &jo, json!({})).await;
    assert_eq!(res.status(), 409);
    assert_eq!(res.json::<Value>().await.unwrap()["kind"], "conflict");

    // Reassigning is for admins: to the employee who does not have it.
    let job: Value = get(&app, &format!("/jobs/{}", ids[1]), &jo)
        .await
        .json()
        .await
        .unwrap();
    let now = job["job"]["employee_id"].as_str().map(str::to_string);
    let other = if now.as_deref() == Some(e1.to_string().as_str()) {
        e2
    } else {
        e1
    };
    let path = format!("/jobs/{}/reassign", ids[1]);
    assert_eq!(
        post(&app, &path, &jo, json!({"employee_id": other}))
            .await
            .status(),
        403
    );
    assert_eq!(
        post(&app, &path, &sam, json!({"employee_id": other}))
            .await
            .status(),
        403
    );
    let res = post(&app, &path, &admin, json!({"employee_id": other})).await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["employee_id"], other.to_string(), "{v}");
    let res = post(&app, &path, &admin, json!({"employee_id": "nobody"})).await;
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["fields"][0]["field"], "employee_id", "{p}");
}

async fn every_problem_names_its_fields_and_its_kind_matches_its_status(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.activated_client("jo@example.com").await;
    let jo = api_token(&app, "jo@example.com").await;

    // A mistyped field is named, with what it should be.
    let res = post(
        &app,
        "/jobs",
        &jo,
        json!({"job_url": "https://jobs.example.com/1", "priority": 1}),
    )
    .await;
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["kind"], "validation");
    assert_eq!(p["fields"][0]["field"], "priority", "{p}");
    let message = p["fields"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Expected ") && message.contains("integer"),
        "{message}"
    );
    assert!(!message.contains("line 1"), "{message}");
    // A missing one too, and a value out of its set.
    let p: Value = post(&app, "/jobs", &jo, json!({"job_title": "Dev"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["fields"][0]["field"], "job_url", "{p}");
    let res = post(
        &app,
        "/jobs",
        &jo,
        json!({"job_url": "https://jobs.example.com/1", "priority": "urgentest"}),
    )
    .await;
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["fields"][0]["field"], "priority", "{p}");
    // A body that is not JSON at all, or JSON with something after it.
    for body in [
        "{\"job_url\": ",
        "{\"job_url\": \"https://jobs.example.com/2\"} {}",
    ] {
        let res = Client::new()
            .post(format!("{}/api/v1/jobs", app.base))
            .bearer_auth(&jo)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{body}");
        assert_eq!(res.json::<Value>().await.unwrap()["kind"], "bad_request");
    }

    // The kind matches the status.
    let res = Client::new()
        .delete(format!("{}/api/v1/jobs", app.base))
        .bearer_auth(&jo)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(
        res.json::<Value>().await.unwrap()["kind"],
        "method_not_allowed"
    );
    let res = Client::new()
        .post(format!("{}/api/v1/jobs", app.base))
        .bearer_auth(&jo)
        .json(&json!({"job_url": "x".repeat(70_000)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(
        res.json::<Value>().await.unwrap()["kind"],
        "payload_too_large"
    );
    let res = get(&app, "/nothing-here", &jo).await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.json::<Value>().await.unwrap()["kind"], "not_found");
    let res = get(&app, "/me", "not-a-token").await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["kind"],
        "unauthenticated"
    );
}

async fn a_rate_limited_call_names_the_wait_retry_after_gives(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.api.rate_per_minute = 2).await;
    let mut last = None;
    for _ in 0..3 {
        last = Some(
            Client::new()
                .get(format!("{}/api/v1/me", app.base))
                .send()
                .await
                .unwrap(),
        );
    }
    let res = last.unwrap();
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["kind"], "too_many_requests");
    assert_eq!(p["retry_after_secs"].as_u64(), Some(wait));
    let says = if wait < 60 {
        format!(
            "Try again in {wait} second{}.",
            if wait == 1 { "" } else { "s" }
        )
    } else {
        format!("Try again in {} minute", wait.div_ceil(60))
    };
    assert!(
        p["message"].as_str().unwrap().contains(&says),
        "{p} (Retry-After {wait})"
    );
}

/// The server's log written to a pipe or a file carries no colour codes; `LOG_FORMAT=json` writes JSON lines.
#[tokio::test]
async fn logs_to_a_pipe_carry_no_colour_codes_and_can_be_json() {
    let dir = std::env::temp_dir().join(format!("jd-logs-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |format: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
        cmd.arg("migrate")
            .env_remove("DATABASE_URL")
            .env_remove("NO_COLOR")
            .env("DATA_DIR", &dir)
            .env("RUST_LOG", "info");
        match format {
            Some(f) => cmd.env("LOG_FORMAT", f),
            None => cmd.env_remove("LOG_FORMAT"),
        };
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).unwrap()
    };
    let text = run(None);
    assert!(!text.trim().is_empty(), "the migration logs something");
    assert!(
        !text.contains('\u{1b}'),
        "no ANSI escape in a pipe: {text:?}"
    );
    let json = run(Some("json"));
    let lines: Vec<&str> = json.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty());
    for line in lines {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(v.get("level").is_some() && v.get("fields").is_some(), "{v}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

async fn delegate_keyed(app: &TestApp, token: &str, key: &str, body: &Value) -> Response {
    Client::new()
        .post(format!("{}/api/v1/jobs", app.base))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn a_retried_write_with_its_key_is_done_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    app.activated_client("sam@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let jo = api_token(&app, "jo@example.com").await;
    let body = json!({"job_url": "https://jobs.example.com/keyed", "job_title": "Dev"});

    // The same key and request: the first answer again, the work done once.
    let first = delegate_keyed(&app, &jo, "key-1", &body).await;
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let again = delegate_keyed(&app, &jo, "key-1", &body).await;
    assert_eq!(again.status(), 201, "a replay, not a 409 duplicate");
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(app.count("job_delegations").await, 1);

    // The same key with another request: refused, nothing done.
    let other = json!({"job_url": "https://jobs.example.com/other"});
    let res = delegate_keyed(&app, &jo, "key-1", &other).await;
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["fields"][0]["field"], "Idempotency-Key", "{p}");
    assert_eq!(app.count("job_delegations").await, 1);

    // Another client's key of the same name is theirs: their own job.
    let sam = api_token(&app, "sam@example.com").await;
    let res = delegate_keyed(&app, &sam, "key-1", &body).await;
    assert_eq!(res.status(), 201);
    let theirs: Value = res.json().await.unwrap();
    assert_ne!(theirs["id"], first["id"]);

    // The same key sent many times at once: one job, and every answer is that job.
    let body = json!({"job_url": "https://jobs.example.com/concurrent"});
    let answers =
        futures_util::future::join_all((0..12).map(|_| delegate_keyed(&app, &jo, "key-2", &body)))
            .await;
    let mut ids = std::collections::BTreeSet::new();
    for res in answers {
        assert_eq!(res.status(), 201);
        ids.insert(
            res.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(app.count("job_delegations").await, 3);

    // A refusal is an answer too; a malformed key is named.
    let bad = json!({"job_url": "not an address"});
    let res = delegate_keyed(&app, &jo, "key-3", &bad).await;
    assert_eq!(res.status(), 422);
    let res = delegate_keyed(&app, &jo, "key-3", &bad).await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.headers()["idempotent-replayed"], "true");
    let res = delegate_keyed(&app, &jo, &"k".repeat(300), &body).await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        res.json::<Value>().await.unwrap()["fields"][0]["field"],
        "Idempotency-Key"
    );

    // Keys are kept a day: an older one is forgotten by the cleanup, and the key is free again.
    let later = chrono::Utc::now() + chrono::Duration::hours(25);
    let pruned = app::domain::infra::idempotency::prune(&app.db, later)
        .await
        .unwrap();
    assert!(pruned >= 3, "{pruned}");
    assert_eq!(app.count("idempotency_keys").await, 0);
}

async fn lists_page_with_a_cursor_and_filter(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, jo_id) = app.activated_client("jo@example.com").await;
    let (_, sam_id) = app.activated_client("sam@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(jo_id, e1).await;
    app.fixture_admin().await;
    let jo = api_token(&app, "jo@example.com").await;
    let sam = api_token(&app, "sam@example.com").await;
    let admin = api_token(&app, "fixture-admin@example.com").await;
    let mut made = Vec::new();
    for i in 0..5 {
        let res = post(
            &app,
            "/jobs",
            &jo,
            json!({"job_url": format!("https://jobs.example.com/p{i}"), "job_title": format!("Role {i}")}),
        )
        .await;
        assert_eq!(res.status(), 201);
        made.push(
            res.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    post(
        &app,
        "/jobs",
        &sam,
        json!({"job_url": "https://jobs.example.com/sam"}),
    )
    .await;

    // Two at a time, newest first; a job delegated while paging is neither skipped into nor seen twice.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for round in 0..10 {
        let path = match &cursor {
            Some(c) => format!("/jobs?limit=2&cursor={c}"),
            None => "/jobs?limit=2".to_string(),
        };
        let page: Value = get(&app, &path, &jo).await.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|j| j["id"].as_str().unwrap().to_string()));
        if round == 0 {
            post(
                &app,
                "/jobs",
                &jo,
                json!({"job_url": "https://jobs.example.com/late"}),
            )
            .await;
        }
        match page["next"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut newest_first = made.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first, "every job once, newest first");

    // Filters: status, text, dates; an admin by client and by employee.
    let page: Value = get(&app, "/jobs?search=role%203", &jo)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], made[3].as_str());
    let page: Value = get(&app, "/jobs?status=completed", &jo)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"], json!([]));
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let page: Value = get(&app, &format!("/jobs?from={today}&to={today}"), &jo)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 6);
    let page: Value = get(&app, &format!("/jobs?from={tomorrow}"), &jo)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"], json!([]));
    let res = get(&app, "/jobs?from=yesterday", &jo).await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        res.json::<Value>().await.unwrap()["fields"][0]["field"],
        "from"
    );
    let page: Value = get(&app, &format!("/jobs?client_id={sam_id}&limit=200"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let page: Value = get(&app, &format!("/jobs?employee_id={e1}&limit=200"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 6);
    let e1_token = api_token(&app, "e1@example.com").await;
    let page: Value = get(&app, "/jobs?limit=200", &e1_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 6);

    // Another client's id is refused (and logged), never answered with their jobs.
    let res = get(&app, &format!("/jobs?client_id={jo_id}"), &sam).await;
    assert_eq!(res.status(), 403);
    assert!(res.json::<Value>().await.unwrap().get("items").is_none());
    let page: Value = get(&app, "/jobs?limit=200", &sam)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);

    // Notifications page the same way: the employee was told of each of the six jobs.
    let ids = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_string())
            .collect()
    };
    let all: Value = get(&app, "/notifications?limit=200", &e1_token)
        .await
        .json()
        .await
        .unwrap();
    let all = ids(&all);
    assert!(all.len() >= 6, "{all:?}");
    let mut paged = Vec::new();
    let mut path = "/notifications?limit=4".to_string();
    loop {
        let page: Value = get(&app, &path, &e1_token).await.json().await.unwrap();
        assert!(page["unread"].as_u64().unwrap() >= 6);
        paged.extend(ids(&page));
        match page["next"].as_str() {
            Some(c) => path = format!("/notifications?limit=4&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(paged, all);
    assert_eq!(
        get(&app, "/notifications?limit=0", &e1_token)
            .await
            .status(),
        422
    );
    assert_eq!(
        get(&app, "/notifications?cursor=zzz", &e1_token)
            .await
            .status(),
        422
    );
}

async fn admins_run_the_agency_through_the_api(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, jo_id) = app.activated_client("jo@example.com").await;
    let (_, sam_id) = app.activated_client("sam@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.fixture_admin().await;
    let admin = api_token(&app, "fixture-admin@example.com").await;
    let jo = api_token(&app, "jo@example.com").await;
    let emp = api_token(&app, "e1@example.com").await;

    let list: Value = get(&app, "/clients", &admin).await.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    let res = post(
        &app,
        &format!("/clients/{sam_id}/activation"),
        &admin,
        json!({"activate": false, "payment_status": "past_due", "subscription_notes": "card expired"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let c: Value = res.json().await.unwrap();
    assert_eq!(
        (c["is_activated"].clone(), c["payment_status"].clone()),
        (json!(false), json!("past_due"))
    );
    let res = post(
        &app,
        &format!("/clients/{sam_id}/activation"),
        &admin,
        json!({"activate": true}),
    )
    .await;
    assert_eq!(res.status(), 422);
    assert_eq!(field_names(&res.json().await.unwrap()), ["payment_status"]);

    let users: Value = get(&app, "/users?role=client", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(users["total"], 2, "{users}");
    assert_eq!(get(&app, "/users?role=wizard", &admin).await.status(), 422);

    let res = post(
        &app,
        "/assignments",
        &admin,
        json!({"client_id": jo_id, "employee_id": e1}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let overview: Value = get(&app, "/assignments", &admin)
        .await
        .json()
        .await
        .unwrap();
    let load = overview["employees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["employee_id"] == e1.to_string())
        .unwrap()
        .clone();
    assert_eq!(load["clients"][0]["client_id"], jo_id.to_string(), "{load}");
    let res = post(
        &app,
        "/assignments/end",
        &admin,
        json!({"client_id": jo_id, "employee_id": e1}),
    )
    .await;
    assert_eq!(res.status(), 200);

    // Each role reads its own figures, and only its own.
    assert_eq!(
        get(
            &app,
            "/analytics/admin?from=2026-01-01&to=2026-01-31",
            &admin
        )
        .await
        .status(),
        200
    );
    assert_eq!(get(&app, "/analytics/client", &jo).await.status(), 200);
    assert_eq!(get(&app, "/analytics/employee", &emp).await.status(), 200);
    assert_eq!(get(&app, "/analytics/admin", &jo).await.status(), 403);
    assert_eq!(get(&app, "/analytics/client", &emp).await.status(), 403);
    let res = get(&app, "/analytics/client?from=2026-02-30", &jo).await;
    assert_eq!(res.status(), 422);
    assert_eq!(field_names(&res.json().await.unwrap()), ["from"]);

    // A client reaches none of it: not the client list, not another client's activation, not the assignments.
    assert_eq!(get(&app, "/clients", &jo).await.status(), 403);
    assert_eq!(get(&app, "/users", &jo).await.status(), 403);
    assert_eq!(get(&app, "/assignments", &jo).await.status(), 403);
    let res = post(
        &app,
        &format!("/clients/{sam_id}/activation"),
        &jo,
        json!({"activate": true, "payment_status": "active"}),
    )
    .await;
    assert_eq!(res.status(), 403);
    let res = post(
        &app,
        "/assignments",
        &jo,
        json!({"client_id": sam_id, "employee_id": e1}),
    )
    .await;
    assert_eq!(res.status(), 403);
    let sam: Value = get(&app, "/clients", &admin).await.json().await.unwrap();
    let sam = sam
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == sam_id.to_string())
        .unwrap()
        .clone();
    assert_eq!(
        sam["is_activated"], false,
        "a refused activation changed nothing"
    );
}

async fn resumes_and_proofs_through_the_api(b: Backend) {
    use reqwest::multipart;
    let app = TestApp::spawn(b).await;
    let (_, jo_id) = app.activated_client("jo@example.com").await;
    app.activated_client("sam@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(jo_id, e1).await;
    let jo = api_token(&app, "jo@example.com").await;
    let sam = api_token(&app, "sam@example.com").await;
    let emp = api_token(&app, "e1@example.com").await;
    let upload = |token: String, name: &'static str, bytes: Vec<u8>| {
        let url = format!("{}/api/v1/resume-types", app.base);
        async move {
            let form = multipart::Form::new()
                .text("name", name)
                .part("file", multipart::Part::bytes(bytes).file_name("cv.pdf"));
            Client::new()
                .post(url)
                .bearer_auth(token)
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let cv = pdf(2048);
    let res = upload(jo.clone(), "Backend roles", cv.clone()).await;
    assert_eq!(res.status(), 201);
    let resume: Value = res.json().await.unwrap();
    let rid = resume["id"].as_str().unwrap().to_string();
    let res = upload(jo.clone(), "Not a PDF", b"hello".to_vec()).await;
    assert_eq!(res.status(), 422);
    assert_eq!(field_names(&res.json().await.unwrap()), ["file"]);

    let res = post(
        &app,
        "/resumes/profile",
        &jo,
        json!({"summary": "Ten years of Rust", "skills": ["Rust"]}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let mine: Value = get(&app, "/resumes", &jo).await.json().await.unwrap();
    assert_eq!(mine["profile"]["summary"], "Ten years of Rust");
    assert_eq!(mine["types"][0]["id"], rid.as_str());
    // The client's employee reads them; another client does not, by either way in.
    let theirs = get(&app, &format!("/resumes?client_id={jo_id}"), &emp).await;
    assert_eq!(theirs.status(), 200);
    assert_eq!(
        get(&app, &format!("/resumes?client_id={jo_id}"), &sam)
            .await
            .status(),
        403
    );
    let file = get(&app, &format!("/resume-types/{rid}/file"), &jo).await;
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "application/pdf");
    assert_eq!(file.bytes().await.unwrap(), cv);
    assert_eq!(
        get(&app, &format!("/resume-types/{rid}/file"), &sam)
            .await
            .status(),
        403
    );
    let del = |token: String| {
        let url = format!("{}/api/v1/resume-types/{rid}", app.base);
        async move {
            Client::new()
                .delete(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(del(sam.clone()).await.status(), 403);
    assert_eq!(del(jo.clone()).await.status(), 200);
    assert_eq!(del(jo.clone()).await.status(), 404);

    // A proof screenshot, for the job's client and employee only.
    let res = post(
        &app,
        "/jobs",
        &jo,
        json!({"job_url": "https://jobs.example.com/proof"}),
    )
    .await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        get(&app, &format!("/jobs/{id}/proof"), &jo).await.status(),
        404
    );
    post(&app, &format!("/jobs/{id}/start"), &emp, json!({})).await;
    let form = multipart::Form::new().text("outcome", "submitted").part(
        "screenshot",
        multipart::Part::bytes(crate::work::png(64, 48)).file_name("proof.png"),
    );
    let res = Client::new()
        .post(format!("{}/api/v1/jobs/{id}/complete", app.base))
        .bearer_auth(&emp)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    for token in [&jo, &emp] {
        let shot = get(&app, &format!("/jobs/{id}/proof"), token).await;
        assert_eq!(shot.status(), 200);
        assert_eq!(shot.headers()["content-type"], "image/png");
        assert!(shot.bytes().await.unwrap().starts_with(b"\x89PNG"));
    }
    let res = get(&app, &format!("/jobs/{id}/proof"), &sam).await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.headers()["content-type"], "application/json");
}
