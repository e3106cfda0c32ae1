//! Issue 5: the REST API v1 with token authentication, on both databases.

use app::domain::infra::tokens::{self, TokenKeys};
use reqwest::{header, multipart, Client, Response};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{both, helpers::*, work::png};

both!(
    tokens_sign_in_refresh_rotate_and_revoke,
    expired_and_tampered_tokens_are_refused,
    clients_delegate_and_list_through_the_api,
    employees_work_their_queue_through_the_api,
    the_queue_comes_in_pages_of_50_up_to_200,
    bad_uploads_are_refused_and_nothing_is_written,
    sign_ins_are_rate_limited_and_cors_is_only_for_the_extension,
    the_openapi_document_and_its_docs_page_describe_the_api,
);

struct Api<'a> {
    app: &'a TestApp,
    http: Client,
}

impl<'a> Api<'a> {
    fn new(app: &'a TestApp) -> Api<'a> {
        Api {
            app,
            http: Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.app.base)
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        let mut r = self.http.post(self.url(path)).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.unwrap()
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut r = self.http.get(self.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.unwrap()
    }

    /// Sign in; returns the token response.
    async fn login(&self, email: &str) -> Value {
        let res = self
            .post(
                "/auth/login",
                None,
                json!({"email": email, "password": PASSWORD, "client_name": "Chrome extension"}),
            )
            .await;
        assert_eq!(res.status(), 200, "login of {email}");
        res.json().await.unwrap()
    }
}

fn access(t: &Value) -> String {
    t["access_token"].as_str().unwrap().to_string()
}

fn refresh_of(t: &Value) -> String {
    t["refresh_token"].as_str().unwrap().to_string()
}

async fn problem(res: Response, status: u16) -> Value {
    assert_eq!(res.status(), status);
    assert!(res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    res.json().await.unwrap()
}

async fn tokens_sign_in_refresh_rotate_and_revoke(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (jo, _) = app.activated_client("jo@example.com").await;
    let api = Api::new(&app);

    // Wrong password: 401 with a JSON problem and the bearer challenge.
    let res = api
        .post(
            "/auth/login",
            None,
            json!({"email": "jo@example.com", "password": "nope nope nope"}),
        )
        .await;
    assert!(res.headers()[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    let p = problem(res, 401).await;
    assert_eq!(p["kind"], "invalid_credentials");
    assert_eq!(p["message"], "Incorrect email or password.");

    let t1 = api.login("jo@example.com").await;
    assert_eq!(t1["token_type"], "Bearer");
    assert_eq!(t1["expires_in"], 900);
    assert_eq!(t1["user"]["email"], "jo@example.com");
    assert_eq!(t1["user"]["role"], "client");
    let me: Value = api
        .get("/me", Some(&access(&t1)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], jo.id.to_string());
    let p = problem(api.get("/me", None).await, 401).await;
    assert_eq!(p["kind"], "unauthenticated");

    // Refresh: a new pair; the refresh token is used up.
    let t2: Value = api
        .post(
            "/auth/refresh",
            None,
            json!({"refresh_token": refresh_of(&t1)}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(refresh_of(&t2), refresh_of(&t1));
    assert_eq!(api.get("/me", Some(&access(&t2))).await.status(), 200);
    let t3: Value = api
        .post(
            "/auth/refresh",
            None,
            json!({"refresh_token": refresh_of(&t2)}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(api.get("/me", Some(&access(&t3))).await.status(), 200);

    // Someone replays the first refresh token: refused, and the whole sign-in is revoked.
    let p = problem(
        api.post(
            "/auth/refresh",
            None,
            json!({"refresh_token": refresh_of(&t1)}),
        )
        .await,
        401,
    )
    .await;
    assert_eq!(p["kind"], "unauthenticated");
    assert_eq!(api.get("/me", Some(&access(&t3))).await.status(), 401);
    assert_eq!(
        api.post(
            "/auth/refresh",
            None,
            json!({"refresh_token": refresh_of(&t3)})
        )
        .await
        .status(),
        401
    );
    let reuse = app::domain::entities::activity_logs::Entity::find()
        .filter(app::domain::entities::activity_logs::Column::ActionType.eq("api.token_reuse"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(reuse.len(), 1);

    // A new sign-in is unaffected by the old one; logout ends it.
    let t4 = api.login("jo@example.com").await;
    let other = api.login("jo@example.com").await;
    assert_eq!(api.get("/me", Some(&access(&t4))).await.status(), 200);
    assert_eq!(
        api.post(
            "/auth/logout",
            None,
            json!({"refresh_token": refresh_of(&t4)})
        )
        .await
        .status(),
        204
    );
    assert_eq!(api.get("/me", Some(&access(&t4))).await.status(), 401);
    assert_eq!(
        api.post(
            "/auth/refresh",
            None,
            json!({"refresh_token": refresh_of(&t4)})
        )
        .await
        .status(),
        401
    );
    assert_eq!(api.get("/me", Some(&access(&other))).await.status(), 200);

    // Deactivation ends every sign-in at once.
    let admin = app.fixture_admin().await;
    app::domain::accounts::set_active(
        &app.db,
        &app.events,
        &admin,
        jo.id,
        false,
        &Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(api.get("/me", Some(&access(&other))).await.status(), 401);
    assert_eq!(
        api.post(
            "/auth/refresh",
            None,
            json!({"refresh_token": refresh_of(&other)})
        )
        .await
        .status(),
        401
    );
    // Only hashes are stored.
    let rows = app::domain::entities::api_tokens::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert!(rows.iter().all(|r| r.token_hash.len() == 64
        && r.token_hash != refresh_of(&other)
        && r.revoked_at.is_some()));
}

async fn expired_and_tampered_tokens_are_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (jo, _) = app.activated_client("jo@example.com").await;
    let api = Api::new(&app);
    let t = api.login("jo@example.com").await;
    let good = access(&t);
    assert_eq!(api.get("/me", Some(&good)).await.status(), 200);

    // Signed with the server's key, but an hour old.
    let keys = TokenKeys::from_secret(&app.session_key);
    let old = tokens::access_token(
        &keys,
        jo.id,
        Uuid::now_v7(),
        chrono::Utc::now() - chrono::Duration::hours(1),
    )
    .unwrap();
    assert_eq!(
        problem(api.get("/me", Some(&old)).await, 401).await["kind"],
        "unauthenticated"
    );

    // Signed with another key.
    let forged = tokens::access_token(
        &TokenKeys::from_secret(&[9u8; 64]),
        jo.id,
        Uuid::now_v7(),
        chrono::Utc::now(),
    )
    .unwrap();
    assert_eq!(api.get("/me", Some(&forged)).await.status(), 401);

    // A valid signature over claims that name a sign-in that does not exist.
    let orphan = tokens::access_token(&keys, jo.id, Uuid::now_v7(), chrono::Utc::now()).unwrap();
    assert_eq!(api.get("/me", Some(&orphan)).await.status(), 401);

    // The payload of a real token changed (another user's id): the signature no longer matches.
    let (ann, _) = app.activated_client("ann@example.com").await;
    let parts: Vec<&str> = good.split('.').collect();
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims: Value = serde_json::from_slice(&engine.decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = json!(ann.id);
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        engine.encode(serde_json::to_vec(&claims).unwrap()),
        parts[2]
    );
    assert_eq!(api.get("/me", Some(&tampered)).await.status(), 401);
    // "alg: none" is not accepted either.
    let none = format!(
        "{}.{}.",
        engine.encode(br#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    assert_eq!(api.get("/me", Some(&none)).await.status(), 401);
    for junk in ["", "x", "Bearer", "a.b.c"] {
        assert_eq!(api.get("/me", Some(junk)).await.status(), 401, "{junk:?}");
    }
    // A refresh token is not an access token.
    assert_eq!(api.get("/me", Some(&refresh_of(&t))).await.status(), 401);
}

async fn clients_delegate_and_list_through_the_api(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    app.activated_client("ann@example.com").await;
    app.user(app::api::Role::Client, "new@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let api = Api::new(&app);
    let jo = access(&api.login("jo@example.com").await);
    let ann = access(&api.login("ann@example.com").await);

    // A resume uploaded on the dashboard is offered to the extension.
    let c = app.signed_in("jo@example.com").await;
    let res = crate::resumes::upload(&app, &c, "Backend CV", pdf(3_000), None).await;
    assert_eq!(res.status(), 201);
    let types: Vec<Value> = api
        .get("/resume-types", Some(&jo))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(types.len(), 1);
    assert_eq!(types[0]["name"], "Backend CV");
    let resume = types[0]["id"].as_str().unwrap().to_string();
    let none: Vec<Value> = api
        .get("/resume-types", Some(&ann))
        .await
        .json()
        .await
        .unwrap();
    assert!(none.is_empty());

    let res = api
        .post(
            "/jobs",
            Some(&jo),
            json!({"job_url": "https://boards.example.com/jobs/42?utm_source=x", "job_title": "Engineer",
                   "company_name": "Acme", "location": "Remote (EU)", "resume_type_id": resume, "priority": "high"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let job: Value = res.json().await.unwrap();
    assert_eq!(job["job_url"], "https://boards.example.com/jobs/42");
    assert_eq!(job["status"], "pending");
    assert_eq!(job["resume_type_name"], "Backend CV");
    assert_eq!(job["location"], "Remote (EU)");
    // The answer is put together from what the delegation's transaction read, not read back: it must say what a
    // fresh read of the job says.
    let listed: Value = api.get("/jobs", Some(&jo)).await.json().await.unwrap();
    let fresh = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == job["id"])
        .unwrap();
    for k in [
        "client_name",
        "employee_name",
        "employee_id",
        "resume_type_name",
        "status",
        "assigned_at",
        "delegated_at",
        "location",
    ] {
        assert_eq!(job[k], fresh[k], "{k}");
    }
    assert!(job["client_name"].as_str().is_some_and(|n| !n.is_empty()));
    assert!(job["employee_name"].as_str().is_some_and(|n| !n.is_empty()));
    let id = job["id"].as_str().unwrap().to_string();

    // The same posting again: 409 naming the first job.
    let p = problem(
        api.post(
            "/jobs",
            Some(&jo),
            json!({"job_url": "https://boards.example.com/jobs/42"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["kind"], "duplicate");
    assert_eq!(p["existing_job_id"], id);

    // Field-level errors; nothing written.
    let p = problem(
        api.post(
            "/jobs",
            Some(&jo),
            json!({"job_url": "ftp://nope", "priority": "asap"}),
        )
        .await,
        422,
    )
    .await;
    let fields: Vec<&str> = p["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"job_url") && fields.contains(&"priority"),
        "{p}"
    );
    let p = problem(
        api.post("/jobs", Some(&jo), json!({"job_title": "x"}))
            .await,
        422,
    )
    .await;
    assert_eq!(p["fields"][0]["field"], "job_url");
    // Another client's resume cannot be used.
    let p = problem(
        api.post(
            "/jobs",
            Some(&ann),
            json!({"job_url": "https://boards.example.com/jobs/43", "resume_type_id": resume}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["fields"][0]["field"], "resume_type_id");
    assert_eq!(app.count("job_delegations").await, 1);

    // Lists: own jobs only, with filters.
    let page: Value = api.get("/jobs", Some(&jo)).await.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], id);
    assert_eq!(page["next"], Value::Null);
    let page: Value = api
        .get("/jobs?status=completed", Some(&jo))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"], json!([]));
    let p = problem(api.get("/jobs?status=bogus", Some(&jo)).await, 422).await;
    assert_eq!(p["fields"][0]["field"], "status");
    let page: Value = api.get("/jobs", Some(&ann)).await.json().await.unwrap();
    assert_eq!(page["items"], json!([]));

    // Another client cannot start it, a client has no queue, an unactivated client cannot delegate.
    assert_eq!(
        problem(
            api.post(&format!("/jobs/{id}/start"), Some(&ann), json!({}))
                .await,
            403
        )
        .await["kind"],
        "forbidden"
    );
    assert_eq!(api.get("/queue", Some(&ann)).await.status(), 403);
    let newbie = access(&api.login("new@example.com").await);
    assert_eq!(
        api.post(
            "/jobs",
            Some(&newbie),
            json!({"job_url": "https://boards.example.com/jobs/44"})
        )
        .await
        .status(),
        403
    );
    assert!(app.denials("job.start").await >= 1);

    // The job shows on the dashboard too.
    let listed: Value = app
        .rpc_json(&c, "jobs/list", json!({"query": {}}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"][0]["id"], id);
}

/// Jo, an activated client served by e1, and e2, an employee serving nobody, each signed in through the API.
async fn jo_served_by_e1(app: &TestApp) -> (Api<'_>, String, String, String) {
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.employee("e2@example.com").await;
    app.assign(cid, e1).await;
    let api = Api::new(app);
    let jo = access(&api.login("jo@example.com").await);
    let e1t = access(&api.login("e1@example.com").await);
    let e2t = access(&api.login("e2@example.com").await);
    (api, jo, e1t, e2t)
}

async fn employees_work_their_queue_through_the_api(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (api, jo, e1t, e2t) = jo_served_by_e1(&app).await;
    app.activated_client("ann@example.com").await;
    let ann = access(&api.login("ann@example.com").await);
    let job: Value = api
        .post(
            "/jobs",
            Some(&jo),
            json!({"job_url": "https://boards.example.com/jobs/1", "job_title": "Dev"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = job["id"].as_str().unwrap().to_string();

    let q: Vec<Value> = api.get("/queue", Some(&e1t)).await.json().await.unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0]["id"], id);
    let q: Vec<Value> = api.get("/queue", Some(&e2t)).await.json().await.unwrap();
    assert!(q.is_empty());

    // Someone else's job: refused and logged.
    assert_eq!(
        api.post(&format!("/jobs/{id}/start"), Some(&e2t), json!({}))
            .await
            .status(),
        403
    );
    let complete = |token: String, shot: Vec<u8>| {
        let url = api.url(&format!("/jobs/{id}/complete"));
        let http = api.http.clone();
        async move {
            let form = multipart::Form::new()
                .text("outcome", "submitted")
                .text("notes", "Applied on the company site")
                .part(
                    "screenshot",
                    multipart::Part::bytes(shot).file_name("proof.png"),
                );
            http.post(url)
                .bearer_auth(token)
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    // Not started yet.
    let p = problem(complete(e1t.clone(), png(64, 48)).await, 409).await;
    assert_eq!(p["message"], "Start the job before completing it.");
    let started: Value = api
        .post(&format!("/jobs/{id}/start"), Some(&e1t), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(started["status"], "in_progress");
    assert_eq!(complete(e2t.clone(), png(64, 48)).await.status(), 403);
    assert_eq!(complete(ann.clone(), png(64, 48)).await.status(), 403);
    let res = complete(e1t.clone(), png(64, 48)).await;
    assert_eq!(res.status(), 200);
    let done: Value = res.json().await.unwrap();
    assert_eq!(done["status"], "completed");

    // The client sees it and is told; the proof is theirs only.
    let page: Value = api
        .get("/jobs?status=completed", Some(&jo))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["id"], id);
    let n: Value = api
        .get("/notifications", Some(&jo))
        .await
        .json()
        .await
        .unwrap();
    let note = n["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "job_completed")
        .unwrap()
        .clone();
    let note_id = note["id"].as_str().unwrap();
    assert_eq!(
        api.post(
            &format!("/notifications/{note_id}/read"),
            Some(&ann),
            json!({})
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        api.post(
            &format!("/notifications/{note_id}/read"),
            Some(&jo),
            json!({})
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        api.post("/notifications/read-all", Some(&jo), json!({}))
            .await
            .status(),
        200
    );
    let n: Value = api
        .get("/notifications", Some(&jo))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(n["unread"], 0);
    assert!(app.denials("job.complete").await >= 2);
}

/// Issue 14: `GET /api/v1/queue` pages (50 by default, `limit` up to 200, `page` from 1), refuses a bad `limit` or
/// `page` naming it, and shows an employee only their own jobs.
async fn the_queue_comes_in_pages_of_50_up_to_200(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (api, jo, e1t, e2t) = jo_served_by_e1(&app).await;
    for i in 0..55 {
        let res = api
            .post(
                "/jobs",
                Some(&jo),
                json!({"job_url": format!("https://boards.example.com/jobs/{i}")}),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    let ids = |q: &[Value]| -> Vec<String> {
        q.iter()
            .map(|j| j["id"].as_str().unwrap().to_string())
            .collect()
    };
    let queue = |path: &'static str, token: String| {
        let api = &api;
        async move {
            let res = api.get(path, Some(&token)).await;
            assert_eq!(res.status(), 200, "{path}");
            res.json::<Vec<Value>>().await.unwrap()
        }
    };
    assert_eq!(queue("/queue", e1t.clone()).await.len(), 50);
    let all = queue("/queue?limit=200", e1t.clone()).await;
    assert_eq!(all.len(), 55);
    // Pages of 20: 20, 20, 15, then nothing; together every job once, in the same order as one page of 200.
    let mut paged = Vec::new();
    for (path, n) in [
        ("/queue?limit=20&page=1", 20),
        ("/queue?limit=20&page=2", 20),
        ("/queue?limit=20&page=3", 15),
        ("/queue?limit=20&page=4", 0),
    ] {
        let q = queue(path, e1t.clone()).await;
        assert_eq!(q.len(), n, "{path}");
        paged.extend(ids(&q));
    }
    assert_eq!(paged, ids(&all));
    // Bad values: 400 naming the field.
    for (path, field) in [
        ("/queue?limit=201", "limit"),
        ("/queue?limit=0", "limit"),
        ("/queue?limit=", "limit"),
        ("/queue?limit=ten", "limit"),
        ("/queue?page=0", "page"),
        ("/queue?page=-1", "page"),
    ] {
        let p = problem(api.get(path, Some(&e1t)).await, 400).await;
        assert_eq!(p["fields"][0]["field"], field, "{path}: {p}");
    }
    // An employee who does not serve the client sees none of these jobs, whatever the page size.
    assert!(queue("/queue?limit=200", e2t.clone()).await.is_empty());
}

async fn bad_uploads_are_refused_and_nothing_is_written(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let api = Api::new(&app);
    let jo = access(&api.login("jo@example.com").await);
    let e1t = access(&api.login("e1@example.com").await);
    let job: Value = api
        .post(
            "/jobs",
            Some(&jo),
            json!({"job_url": "https://boards.example.com/jobs/1"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = job["id"].as_str().unwrap().to_string();
    api.post(&format!("/jobs/{id}/start"), Some(&e1t), json!({}))
        .await;
    let url = api.url(&format!("/jobs/{id}/complete"));
    // A fresh client per upload: the server closes a connection whose body it refused to read in full.
    let send = |form: multipart::Form| {
        let http = Client::new();
        let url = url.clone();
        let t = e1t.clone();
        async move {
            http.post(url)
                .bearer_auth(t)
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };

    // Not an image.
    let form = multipart::Form::new().text("outcome", "submitted").part(
        "screenshot",
        multipart::Part::bytes(b"%PDF-1.4 not a picture".to_vec()).file_name("x.png"),
    );
    let p = problem(send(form).await, 422).await;
    assert_eq!(p["fields"][0]["field"], "screenshot");
    // Over 10 MB: refused while reading.
    let form = multipart::Form::new().text("outcome", "submitted").part(
        "screenshot",
        multipart::Part::bytes(vec![0u8; 11 * 1024 * 1024]).file_name("big.png"),
    );
    let res = send(form).await;
    assert!(
        res.status() == 413 || res.status() == 422,
        "{}",
        res.status()
    );
    // JSON where multipart is expected; text where JSON is expected.
    let p = problem(
        api.post(
            &format!("/jobs/{id}/complete"),
            Some(&e1t),
            json!({"outcome": "submitted"}),
        )
        .await,
        415,
    )
    .await;
    assert_eq!(p["kind"], "unsupported_media_type");
    let res = api
        .http
        .post(api.url("/jobs"))
        .bearer_auth(&jo)
        .header(header::CONTENT_TYPE, "text/plain")
        .body("job_url=https://boards.example.com/jobs/2")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res, 415).await["kind"], "unsupported_media_type");
    let res = api
        .http
        .post(api.url("/jobs"))
        .bearer_auth(&jo)
        .header(header::CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res, 400).await["kind"], "bad_request");
    // A body far over the JSON limit.
    let res = Client::new()
        .post(api.url("/jobs"))
        .bearer_auth(&jo)
        .json(
            &json!({"job_url": "https://boards.example.com/jobs/3", "notes": "x".repeat(100_000)}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);

    // Nothing was written: still one job, in progress, no completion, no stored proof.
    assert_eq!(app.count("job_delegations").await, 1);
    assert_eq!(app.count("job_completions").await, 0);
    assert!(app.storage.list("proofs/", None).await.unwrap().is_empty());
    let page: Value = api.get("/jobs", Some(&jo)).await.json().await.unwrap();
    assert_eq!(page["items"][0]["status"], "in_progress");
    // Unknown endpoints and methods answer in JSON too.
    assert_eq!(
        problem(api.get("/nope", Some(&jo)).await, 404).await["kind"],
        "not_found"
    );
    assert_eq!(api.get("/auth/login", None).await.status(), 405);
}

async fn sign_ins_are_rate_limited_and_cors_is_only_for_the_extension(b: Backend) {
    let origin = "chrome-extension://abcdefghijklmnopabcdefghijklmnop";
    let app = TestApp::spawn_with(b, |s| {
        s.api.auth_rate_per_minute = 3;
        s.api.rate_per_minute = 20;
        s.api.cors_origins = vec![origin.to_string()];
    })
    .await;
    app.activated_client("jo@example.com").await;
    let api = Api::new(&app);
    let t = api.login("jo@example.com").await;
    for _ in 0..2 {
        api.post(
            "/auth/login",
            None,
            json!({"email": "jo@example.com", "password": "wrong one"}),
        )
        .await;
    }
    let res = api
        .post(
            "/auth/login",
            None,
            json!({"email": "jo@example.com", "password": PASSWORD}),
        )
        .await;
    assert!(res.headers().contains_key(header::RETRY_AFTER));
    let p = problem(res, 429).await;
    assert_eq!(p["kind"], "too_many_requests");
    assert!(p["retry_after_secs"].as_u64().unwrap() >= 1);
    // Other endpoints have their own, larger budget.
    let token = access(&t);
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(api.get("/me", Some(&token)).await.status().as_u16());
    }
    assert!(
        statuses.iter().filter(|s| **s == 200).count() >= 15,
        "{statuses:?}"
    );
    assert_eq!(*statuses.last().unwrap(), 429, "{statuses:?}");

    // CORS: the extension's origin may call; any other origin gets no CORS headers.
    let preflight = |o: &'static str| {
        let http = api.http.clone();
        let url = api.url("/jobs");
        async move {
            http.request(reqwest::Method::OPTIONS, url)
                .header(header::ORIGIN, o)
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "authorization,content-type",
                )
                .send()
                .await
                .unwrap()
        }
    };
    let ok = preflight(origin).await;
    assert_eq!(ok.headers()["access-control-allow-origin"], origin);
    let allowed = ok.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(allowed.contains("authorization"));
    let other = preflight("https://evil.example.com").await;
    assert!(!other.headers().contains_key("access-control-allow-origin"));
}

async fn the_openapi_document_and_its_docs_page_describe_the_api(b: Backend) {
    let app = TestApp::spawn(b).await;
    let api = Api::new(&app);
    let doc: Value = api.get("/openapi.json", None).await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/login/code",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/resume-types",
        "/api/v1/jobs",
        "/api/v1/jobs/lookup",
        "/api/v1/queue",
        "/api/v1/jobs/{id}/start",
        "/api/v1/jobs/{id}/complete",
        "/api/v1/notifications",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    for schema in [
        "TokenResponse",
        "MfaChallenge",
        "LoginCodeRequest",
        "ApiProblem",
        "JobSummary",
        "DelegateForm",
        "JobStatus",
        "CompleteForm",
        "DelegatedBefore",
    ] {
        assert!(
            doc["components"]["schemas"].get(schema).is_some(),
            "{schema} documented"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(
        doc["paths"]["/api/v1/jobs/{id}/complete"]["post"]["requestBody"]["content"]
            .get("multipart/form-data")
            .is_some()
    );

    let res = api.get("/docs", None).await;
    assert_eq!(res.status(), 200);
    let csp = res.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(!csp.contains("http"), "{csp}");
    let html = res.text().await.unwrap();
    assert!(html.contains("POST /api/v1/auth/login"));
    assert!(html.contains("id=\"schema-JobSummary\""));
    // Nothing is loaded from anywhere else.
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("<script")
    );
}
