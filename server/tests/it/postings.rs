//! Issue 16: one identity per posting (the duplicate guard in the database's unique index, the extension's lookup,
//! earlier rows keyed), and proof that can be trusted (what the screenshot shows, a confirmation for another site,
//! never replaced, corrections logged).

use app::{
    api::jobs::JobStatus,
    domain::entities::{activity_logs, job_delegations as jobs},
};
use reqwest::{multipart, Client, Response};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    both,
    helpers::*,
    work::{delegated, png},
};

both!(
    variants_of_one_posting_are_one_job,
    concurrent_variants_of_one_posting_give_one_job,
    earlier_delegations_get_their_identity,
    the_proof_records_what_was_captured,
    a_page_on_another_site_must_be_confirmed,
    the_proof_is_never_replaced_and_corrections_are_logged,
);

fn sha(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

const GREENHOUSE: &str = "https://boards.greenhouse.io/acme/jobs/12345";

async fn lookup(app: &TestApp, token: &str, url: &str) -> Response {
    Client::new()
        .get(format!("{}/api/v1/jobs/lookup", app.base))
        .query(&[("url", url)])
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn variants_of_one_posting_are_one_job(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.activated_client("jo@example.com").await;
    app.activated_client("eve@example.com").await;
    app.employee("e1@example.com").await;
    let c = app.signed_in("jo@example.com").await;
    let first = delegated(
        &app,
        &c,
        json!({"job_url": format!("{GREENHOUSE}?gh_src=y"), "job_title": "Baker"}),
    )
    .await;
    let row = jobs::Entity::find_by_id(Uuid::parse_str(&first).unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.job_url, GREENHOUSE, "gh_src is dropped");
    assert_eq!(row.posting_key.as_deref(), Some("greenhouse:12345"));
    for variant in [
        GREENHOUSE.to_string(),
        "https://job-boards.greenhouse.io/acme/jobs/12345".into(),
        "https://www.acme.example/careers?gh_jid=12345&gh_src=linkedin".into(),
    ] {
        let res = app.delegate(&c, json!({"job_url": variant})).await;
        assert_eq!(res.status(), 409, "{variant}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["existing_job_id"], first.as_str(), "{variant}");
    }
    // Bulk delegation uses the same identity.
    let res = app
        .rpc(
            &c,
            "jobs/delegate_bulk",
            &[(
                "form[urls]",
                "https://boards.greenhouse.io/acme/jobs/12345?gh_src=z\nhttps://jobs.lever.co/acme/3f2c9a1e-7b4d-4e8a-9c1f-2d5e6a7b8c90",
            )],
        )
        .await;
    assert_eq!(res.status(), 200);
    let lines: Value = res.json().await.unwrap();
    assert_eq!(lines[0]["outcome"]["result"], "duplicate", "{lines}");
    assert_eq!(lines[1]["outcome"]["result"], "created", "{lines}");
    assert_eq!(app.count("job_delegations").await, 2);

    // The extension asks before sending: any address of the posting finds it.
    let jo = api_token(&app, "jo@example.com").await;
    let found: Value = lookup(
        &app,
        &jo,
        "https://job-boards.greenhouse.io/acme/jobs/12345?utm_source=x",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(found["job"]["id"], first.as_str());
    assert_eq!(found["job"]["job_title"], "Baker");
    let lever: Value = lookup(
        &app,
        &jo,
        "https://jobs.lever.co/acme/3f2c9a1e-7b4d-4e8a-9c1f-2d5e6a7b8c90/apply?lever-source=LinkedIn",
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(lever["job"]["id"].is_string(), "{lever}");
    let none: Value = lookup(&app, &jo, "https://boards.greenhouse.io/acme/jobs/999")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none, json!({"job": null}));
    let bad = lookup(&app, &jo, "not an address").await;
    assert_eq!(bad.status(), 422);
    assert_eq!(field_names(&json_of(bad).await), ["url"]);

    // Another client learns nothing about Jo's jobs, and may delegate the same posting themselves.
    let eve = api_token(&app, "eve@example.com").await;
    let theirs: Value = lookup(&app, &eve, GREENHOUSE).await.json().await.unwrap();
    assert_eq!(theirs, json!({"job": null}));
    let e = app.signed_in("eve@example.com").await;
    assert_eq!(
        app.delegate(&e, json!({"job_url": GREENHOUSE}))
            .await
            .status(),
        200
    );
    // Employees have no delegations to look up; the refusal is logged.
    let before = app.denials("job.lookup").await;
    let emp = api_token(&app, "e1@example.com").await;
    assert_eq!(lookup(&app, &emp, GREENHOUSE).await.status(), 403);
    assert_eq!(app.denials("job.lookup").await, before + 1);

    // Cancelled, the posting may be delegated again under any of its addresses.
    assert_eq!(
        app.rpc(&c, "jobs/cancel", &[("job_id", &first)])
            .await
            .status(),
        200
    );
    assert_eq!(
        app.delegate(
            &c,
            json!({"job_url": "https://acme.example/jobs?gh_jid=12345"})
        )
        .await
        .status(),
        200
    );
}

async fn concurrent_variants_of_one_posting_give_one_job(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.activated_client("jo@example.com").await;
    let c = app.signed_in("jo@example.com").await;
    let variants = [
        "https://www.linkedin.com/jobs/view/4374244548/?trk=public_jobs",
        "https://www.linkedin.com/jobs/search/?currentJobId=4374244548&keywords=data",
    ];
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let c = c.clone();
        let url = format!("{}/rpc/jobs/delegate", app.base);
        let origin = app.base.clone();
        let job_url = variants[i % 2].to_string();
        tasks.spawn(async move {
            c.post(url)
                .header("origin", origin)
                .form(&[("form[job_url]", job_url)])
                .send()
                .await
                .map(|r| r.status().as_u16())
        });
    }
    let (mut created, mut duplicate) = (0, 0);
    while let Some(r) = tasks.join_next().await {
        match r.unwrap().unwrap() {
            200 => created += 1,
            409 => duplicate += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!((created, duplicate), (1, 49));
    let rows = jobs::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].posting_key.as_deref(), Some("linkedin:4374244548"));
}

/// Rows written before postings had an identity: keyed when the server starts, the oldest of two live variants
/// taking the identity (nothing merged or cancelled), so a new variant points at it.
async fn earlier_delegations_get_their_identity(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let c = app.signed_in("jo@example.com").await;
    let old = |url: &str, minutes: i64, status: JobStatus| {
        let t = chrono::Utc::now() - chrono::Duration::minutes(minutes);
        jobs::ActiveModel {
            id: Set(Uuid::now_v7()),
            client_id: Set(cid),
            assigned_employee_id: Set(None),
            resume_type_id: Set(None),
            job_url: Set(url.into()),
            company_name: Set(String::new()),
            job_title: Set(String::new()),
            status: Set(status),
            priority: Set(app::api::jobs::Priority::Normal),
            deadline: Set(None),
            delegated_at: Set(t),
            assigned_at: Set(None),
            started_at: Set(None),
            completed_at: Set(None),
            notes: Set(String::new()),
            metadata: Set(json!({})),
            updated_at: Set(t),
            deadline_reminded_at: Set(None),
            unassigned_alerted_at: Set(None),
            posting_key: Set(None),
        }
    };
    let older = old(
        "https://boards.greenhouse.io/acme/jobs/777?gh_src=a",
        30,
        JobStatus::Unassigned,
    )
    .insert(&app.db)
    .await
    .unwrap();
    let later = old(
        "https://job-boards.greenhouse.io/acme/jobs/777",
        20,
        JobStatus::Unassigned,
    )
    .insert(&app.db)
    .await
    .unwrap();
    let cancelled = old(
        "https://boards.greenhouse.io/acme/jobs/777",
        40,
        JobStatus::Cancelled,
    )
    .insert(&app.db)
    .await
    .unwrap();
    let other = old("https://jobs.example.com/9/", 10, JobStatus::Unassigned)
        .insert(&app.db)
        .await
        .unwrap();

    assert_eq!(
        app::domain::jobs::backfill_posting_keys(&app.db)
            .await
            .unwrap(),
        4
    );
    let key = |id: Uuid| {
        let db = app.db.clone();
        async move {
            jobs::Entity::find_by_id(id)
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .posting_key
                .unwrap()
        }
    };
    assert_eq!(key(older.id).await, "greenhouse:777");
    assert_eq!(key(cancelled.id).await, "greenhouse:777");
    assert_eq!(
        key(later.id).await,
        "url:https://job-boards.greenhouse.io/acme/jobs/777",
        "the later duplicate keeps its address"
    );
    assert_eq!(key(other.id).await, "url:https://jobs.example.com/9");
    assert_eq!(
        app::domain::jobs::backfill_posting_keys(&app.db)
            .await
            .unwrap(),
        0,
        "nothing left to do"
    );
    assert_eq!(app.count("job_delegations").await, 4, "nothing merged");
    let res = app
        .delegate(
            &c,
            json!({"job_url": "https://acme.example/open?gh_jid=777"}),
        )
        .await;
    assert_eq!(res.status(), 409);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["existing_job_id"], older.id.to_string());
}

/// A started job of Jo's, worked by e1; returns (client, employee, job).
async fn started_job(app: &TestApp, url: &str) -> (Client, Client, String) {
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let c = app.signed_in("jo@example.com").await;
    let job = delegated(app, &c, json!({"job_url": url})).await;
    let e = app.signed_in("e1@example.com").await;
    assert_eq!(
        app.rpc(&e, "work/start", &[("job_id", &job)])
            .await
            .status(),
        200
    );
    (c, e, job)
}

fn capture_form(shot: Vec<u8>, url: &str, title: &str, at: &str) -> multipart::Form {
    multipart::Form::new()
        .text("outcome", "submitted")
        .text("notes", "")
        .text("failure_reason", "")
        .text("captured_url", url.to_string())
        .text("captured_title", title.to_string())
        .text("captured_at", at.to_string())
        .text("page_text", "Acme\nApplication submitted\n")
        .part(
            "screenshot",
            multipart::Part::bytes(shot).file_name("proof.png"),
        )
}

async fn send(app: &TestApp, who: &Client, path: String, form: multipart::Form) -> Response {
    who.post(format!("{}{path}", app.base))
        .header("origin", &app.base)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn detail(app: &TestApp, who: &Client, job: &str) -> Value {
    let res = app.rpc(who, "jobs/detail", &[("job_id", job)]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn the_proof_records_what_was_captured(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (c, e, job) = started_job(&app, GREENHOUSE).await;
    let shot = png(12, 9);
    let at = chrono::Utc::now().to_rfc3339();
    let res = send(
        &app,
        &e,
        format!("/files/jobs/{job}/complete"),
        capture_form(
            shot.clone(),
            "https://job-boards.greenhouse.io/acme/jobs/12345/confirmation",
            "Thank you for applying | Acme",
            &at,
        ),
    )
    .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let d = detail(&app, &c, &job).await;
    let proof = &d["completion"]["proof"];
    assert_eq!(proof["sha256"], sha(&shot));
    assert_eq!(
        proof["captured_url"],
        "https://job-boards.greenhouse.io/acme/jobs/12345/confirmation"
    );
    assert_eq!(proof["captured_title"], "Thank you for applying | Acme");
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(proof["captured_at"].as_str().unwrap())
            .unwrap()
            .timestamp(),
        chrono::DateTime::parse_from_rfc3339(&at)
            .unwrap()
            .timestamp()
    );
    assert_eq!(proof["site_mismatch"], false);
    assert_eq!(proof["confirmation_page"], true);
    // The image served is the one hashed.
    let served = c
        .get(format!("{}{}", app.base, proof["path"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(sha(&served), proof["sha256"]);
    // Another client sees none of it.
    app.activated_client("eve@example.com").await;
    let eve = app.signed_in("eve@example.com").await;
    assert_eq!(
        app.rpc(&eve, "jobs/detail", &[("job_id", &job)])
            .await
            .status(),
        403
    );
}

async fn a_page_on_another_site_must_be_confirmed(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (c, e, job) = started_job(&app, GREENHOUSE).await;
    let now = chrono::Utc::now().to_rfc3339();
    let res = send(
        &app,
        &e,
        format!("/files/jobs/{job}/complete"),
        capture_form(
            png(8, 8),
            "https://careers.acme.example/apply/done",
            "Done",
            &now,
        ),
    )
    .await;
    assert_eq!(res.status(), 422);
    let body = json_of(res).await;
    assert_eq!(field_names(&body), ["captured_url"]);
    assert_eq!(
        detail(&app, &c, &job).await["job"]["status"],
        "in_progress",
        "nothing written"
    );
    // Bad capture values are field errors too.
    let res = send(
        &app,
        &e,
        format!("/files/jobs/{job}/complete"),
        capture_form(png(8, 8), "javascript:alert(1)", "", "last tuesday"),
    )
    .await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        field_names(&json_of(res).await),
        ["captured_url", "captured_at"]
    );

    let form = capture_form(
        png(8, 8),
        "https://careers.acme.example/apply/done",
        "Done",
        &now,
    )
    .text("confirm_site", "true");
    let res = send(&app, &e, format!("/files/jobs/{job}/complete"), form).await;
    assert_eq!(res.status(), 200);
    let proof = &detail(&app, &c, &job).await["completion"]["proof"];
    assert_eq!(proof["site_mismatch"], true, "the client sees a note");
    assert_eq!(
        proof["captured_url"],
        "https://careers.acme.example/apply/done"
    );
}

async fn the_proof_is_never_replaced_and_corrections_are_logged(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (c, e, job) = started_job(&app, GREENHOUSE).await;
    let now = chrono::Utc::now().to_rfc3339();
    let first = png(8, 8);
    let res = send(
        &app,
        &e,
        format!("/files/jobs/{job}/complete"),
        capture_form(first.clone(), GREENHOUSE, "Acme", &now),
    )
    .await;
    assert_eq!(res.status(), 200);
    // Completing again would replace the proof: refused.
    let res = send(
        &app,
        &e,
        format!("/files/jobs/{job}/complete"),
        capture_form(png(9, 9), GREENHOUSE, "Acme", &now),
    )
    .await;
    assert_eq!(res.status(), 409);

    let correction = |shot: Vec<u8>, reason: &str| {
        multipart::Form::new()
            .text("reason", reason.to_string())
            .text("captured_url", format!("{GREENHOUSE}/confirmation"))
            .text("captured_at", chrono::Utc::now().to_rfc3339())
            .part(
                "screenshot",
                multipart::Part::bytes(shot).file_name("proof.png"),
            )
    };
    let res = send(
        &app,
        &e,
        format!("/files/jobs/{job}/proof"),
        correction(png(5, 5), " "),
    )
    .await;
    assert_eq!(res.status(), 422);
    assert_eq!(field_names(&json_of(res).await), ["reason"]);

    // Nobody but the employee who did it adds one.
    app.activated_client("eve@example.com").await;
    app.employee("e2@example.com").await;
    let eve = app.signed_in("eve@example.com").await;
    let stranger = app.signed_in("e2@example.com").await;
    for who in [&eve, &stranger, &c] {
        let res = send(
            &app,
            who,
            format!("/files/jobs/{job}/proof"),
            correction(png(5, 5), "Mine"),
        )
        .await;
        assert_eq!(res.status(), 403);
    }

    let second = png(10, 7);
    let res = send(
        &app,
        &e,
        format!("/files/jobs/{job}/proof"),
        correction(
            second.clone(),
            "The first showed the form, not the confirmation",
        ),
    )
    .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    let d = detail(&app, &c, &job).await;
    let completion = &d["completion"];
    assert_eq!(
        completion["proof"]["sha256"],
        sha(&first),
        "the first proof stays"
    );
    let corrections = completion["corrections"].as_array().unwrap();
    assert_eq!(corrections.len(), 1);
    assert_eq!(
        corrections[0]["reason"],
        "The first showed the form, not the confirmation"
    );
    assert_eq!(corrections[0]["sha256"], sha(&second));
    assert_eq!(corrections[0]["confirmation_page"], true);
    let path = corrections[0]["path"].as_str().unwrap().to_string();
    let served = c.get(format!("{}{path}", app.base)).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.bytes().await.unwrap().as_ref(), second.as_slice());
    assert_eq!(
        eve.get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let logged = activity_logs::Entity::find()
        .filter(activity_logs::Column::ActionType.eq("job.proof_correct"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].action_data["sha256"], sha(&second));
}
