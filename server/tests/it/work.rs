//! Issue 4: employees work their queue: start, complete with a proof screenshot, hand back; proofs are served only
//! to those who may see them.

use std::io::Cursor;

use reqwest::{multipart, Client, Response};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{both, helpers::*};

both!(
    an_employee_works_a_job_from_queue_to_proof,
    bad_completions_are_refused_and_nothing_is_written,
    a_job_handed_back_goes_to_another_employee,
    nobody_else_acts_on_an_employees_jobs_or_sees_the_proof,
);

/// A real PNG of `w`×`h` pixels.
pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 10, 10]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    c.extend_from_slice(&body);
    c.extend_from_slice(&crc32(&body).to_be_bytes());
    c
}

/// A decompression bomb: a valid PNG header announcing 16000×16000 RGBA (about 1 GB decoded) in a few bytes.
fn bomb() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = 16_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&16_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    v.extend(chunk(b"IHDR", &ihdr));
    v.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    v.extend(chunk(b"IEND", &[]));
    v
}

/// A screenshot to attach: bytes and file name.
type Shot = Option<(Vec<u8>, &'static str)>;

pub(crate) async fn complete(
    app: &TestApp,
    c: &Client,
    job: &str,
    outcome: &str,
    reason: &str,
    shot: Shot,
) -> Response {
    let mut form = multipart::Form::new()
        .text("outcome", outcome.to_string())
        .text("notes", "Applied through the company site".to_string())
        .text("failure_reason", reason.to_string());
    if let Some((bytes, name)) = shot {
        form = form.part(
            "screenshot",
            multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    }
    c.post(format!("{}/files/jobs/{job}/complete", app.base))
        .header("origin", &app.base)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn delegated(app: &TestApp, c: &Client, body: Value) -> String {
    let res = app.delegate(c, body).await;
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn an_employee_works_a_job_from_queue_to_proof(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let c = app.signed_in("jo@example.com").await;
    let soon = (chrono::Utc::now() + chrono::Duration::days(2))
        .date_naive()
        .to_string();
    let later = (chrono::Utc::now() + chrono::Duration::days(9))
        .date_naive()
        .to_string();
    let low = delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.example.com/low", "priority": "low"}),
    )
    .await;
    let late = delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.example.com/late", "priority": "high", "deadline": later}),
    )
    .await;
    let soonest = delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.example.com/soon", "priority": "high", "deadline": soon}),
    )
    .await;
    let urgent = delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.example.com/urgent", "priority": "urgent"}),
    )
    .await;

    let e = app.signed_in("e1@example.com").await;
    let q: Vec<Value> = app.rpc(&e, "work/queue", &[]).await.json().await.unwrap();
    let order: Vec<&str> = q.iter().map(|j| j["id"].as_str().unwrap()).collect();
    assert_eq!(
        order,
        [
            urgent.as_str(),
            soonest.as_str(),
            late.as_str(),
            low.as_str()
        ]
    );

    // Completing before starting is refused with a clear message.
    let res = complete(
        &app,
        &e,
        &urgent,
        "submitted",
        "",
        Some((png(40, 30), "shot.png")),
    )
    .await;
    assert_eq!(res.status(), 409);
    assert!(res.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("Start the job"));

    let res = app.rpc(&e, "work/start", &[("job_id", &urgent)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "in_progress");
    let res = app.rpc(&e, "work/start", &[("job_id", &urgent)]).await;
    assert_eq!(res.status(), 409);

    let shot = png(64, 48);
    let res = complete(
        &app,
        &e,
        &urgent,
        "submitted",
        "",
        Some((shot.clone(), "shot.png")),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "completed");
    let res = complete(
        &app,
        &e,
        &urgent,
        "submitted",
        "",
        Some((shot.clone(), "shot.png")),
    )
    .await;
    assert_eq!(
        res.status(),
        409,
        "a finished job cannot be completed again"
    );

    // A failure with a reason and a JPEG.
    app.rpc(&e, "work/start", &[("job_id", &soonest)]).await;
    let res = complete(
        &app,
        &e,
        &soonest,
        "failed",
        "The posting was closed",
        Some((jpeg(20, 20), "s.jpg")),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "failed");

    // The client sees how it ended and the proof; so does an admin.
    let d: Value = app
        .rpc(&c, "jobs/detail", &[("job_id", &urgent)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["completion"]["outcome"], "submitted");
    assert_eq!(d["completion"]["has_proof"], true);
    assert_eq!(d["completion"]["completed_by"], "Test Employee");
    let actions: Vec<&str> = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["Delegated", "Assigned", "Started", "Submitted"]);
    let got = c
        .get(format!("{}/files/proofs/{urgent}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "image/png");
    assert_eq!(got.bytes().await.unwrap().to_vec(), shot);
    let a = app.signed_in("fixture-admin@example.com").await;
    assert_eq!(
        a.get(format!("{}/files/proofs/{urgent}", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let failed: Value = app
        .rpc(&c, "jobs/detail", &[("job_id", &soonest)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        failed["completion"]["failure_reason"],
        "The posting was closed"
    );

    let q: Vec<Value> = app.rpc(&e, "work/queue", &[]).await.json().await.unwrap();
    assert_eq!(q.len(), 2);
    let stats: Value = app.rpc(&e, "work/stats", &[]).await.json().await.unwrap();
    assert_eq!(stats["open_jobs"], 2);
    assert_eq!(stats["completed_today"], 1);
    assert_eq!(stats["completed_this_week"], 1);
    assert!(stats["average_minutes"].as_f64().unwrap() >= 0.0);
    // The queue filters by client.
    let other: Vec<Value> = app
        .rpc(
            &e,
            "work/queue",
            &[("client_id", &Uuid::new_v4().to_string())],
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(other.is_empty());
    let mine: Vec<Value> = app
        .rpc(&e, "work/queue", &[("client_id", &cid.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine.len(), 2);
}

async fn bad_completions_are_refused_and_nothing_is_written(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let c = app.signed_in("jo@example.com").await;
    let job = delegated(&app, &c, json!({"job_url": "https://jobs.example.com/1"})).await;
    let e = app.signed_in("e1@example.com").await;
    app.rpc(&e, "work/start", &[("job_id", &job)]).await;

    let cases: Vec<(&str, &str, Shot, &str)> = vec![
        ("submitted", "", None, "screenshot"),
        (
            "submitted",
            "",
            Some((b"not an image at all".to_vec(), "x.png")),
            "screenshot",
        ),
        (
            "submitted",
            "",
            Some((pdf(1000), "renamed.png")),
            "screenshot",
        ),
        ("submitted", "", Some((bomb(), "bomb.png")), "screenshot"),
        ("failed", "", None, "failure_reason"),
        ("maybe", "", Some((png(10, 10), "a.png")), "outcome"),
    ];
    for (outcome, reason, shot, field) in cases {
        let res = complete(&app, &e, &job, outcome, reason, shot).await;
        assert_eq!(res.status(), 422, "{field}");
        let err: Value = res.json().await.unwrap();
        assert!(
            err["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["field"] == field),
            "{field}: {err}"
        );
    }
    let big = vec![0u8; 10 * 1024 * 1024 + 1];
    let res = complete(&app, &e, &job, "submitted", "", Some((big, "big.png"))).await;
    assert!(
        matches!(res.status().as_u16(), 413 | 422),
        "{}",
        res.status()
    );
    assert_eq!(app.count("job_completions").await, 0);
    let d: Value = app
        .rpc(&c, "jobs/detail", &[("job_id", &job)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["job"]["status"], "in_progress");
    assert!(d["completion"].is_null());
}

async fn a_job_handed_back_goes_to_another_employee(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let c = app.signed_in("jo@example.com").await;
    let job = delegated(&app, &c, json!({"job_url": "https://jobs.example.com/1"})).await;
    let e = app.signed_in("e1@example.com").await;
    // Nobody else: it waits.
    let res = app.rpc(&e, "work/return", &[("job_id", &job)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "unassigned");
    // A second employee arrives: the waiting job goes to them, not back to the one who returned it... and the
    // first employee may not hand back what is no longer theirs.
    let (_, e2) = app.employee("e2@example.com").await;
    app.assign(cid, e2).await;
    let d: Value = app
        .rpc(&c, "jobs/detail", &[("job_id", &job)])
        .await
        .json()
        .await
        .unwrap();
    let holder = d["job"]["employee_id"].as_str().unwrap().to_string();
    let other = delegated(&app, &c, json!({"job_url": "https://jobs.example.com/2"})).await;
    let d2: Value = app
        .rpc(&c, "jobs/detail", &[("job_id", &other)])
        .await
        .json()
        .await
        .unwrap();
    let holder2 = d2["job"]["employee_id"].as_str().unwrap().to_string();
    assert_ne!(holder, holder2, "two jobs, two employees");
    // Whoever holds `other` hands it back: it goes to the other employee.
    let (mine, theirs) = if holder2 == e1.to_string() {
        ("e1@example.com", e2)
    } else {
        ("e2@example.com", e1)
    };
    let s = app.signed_in(mine).await;
    app.rpc(&s, "work/start", &[("job_id", &other)]).await;
    let res = app.rpc(&s, "work/return", &[("job_id", &other)]).await;
    assert_eq!(res.status(), 200);
    let back: Value = res.json().await.unwrap();
    assert_eq!(back["status"], "pending");
    assert_eq!(back["employee_id"], theirs.to_string());
    let res = app.rpc(&s, "work/return", &[("job_id", &other)]).await;
    assert_eq!(res.status(), 403, "no longer theirs");
    let d: Value = app
        .rpc(&c, "jobs/detail", &[("job_id", &other)])
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"Returned to the pool"), "{actions:?}");
}

async fn nobody_else_acts_on_an_employees_jobs_or_sees_the_proof(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, eve_cid) = app.activated_client("eve@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    let (_, e2) = app.employee("e2@example.com").await;
    app.assign(cid, e1).await;
    app.assign(eve_cid, e2).await;
    let c = app.signed_in("jo@example.com").await;
    let job = delegated(&app, &c, json!({"job_url": "https://jobs.example.com/1"})).await;
    let e = app.signed_in("e1@example.com").await;
    app.rpc(&e, "work/start", &[("job_id", &job)]).await;
    assert_eq!(
        complete(&app, &e, &job, "submitted", "", Some((png(8, 8), "p.png")))
            .await
            .status(),
        200
    );

    let eve = app.signed_in("eve@example.com").await;
    let stranger = app.signed_in("e2@example.com").await;
    for who in [&eve, &stranger, &c] {
        assert_eq!(
            app.rpc(who, "work/start", &[("job_id", &job)])
                .await
                .status(),
            403
        );
        assert_eq!(
            app.rpc(who, "work/return", &[("job_id", &job)])
                .await
                .status(),
            403
        );
        assert_eq!(
            complete(&app, who, &job, "submitted", "", Some((png(8, 8), "p.png")))
                .await
                .status(),
            403
        );
    }
    assert_eq!(
        eve.get(format!("{}/files/proofs/{job}", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        stranger
            .get(format!("{}/files/proofs/{job}", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        app.client()
            .get(format!("{}/files/proofs/{job}", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(app.rpc(&eve, "work/queue", &[]).await.status(), 403);
    let theirs: Vec<Value> = app
        .rpc(&stranger, "work/queue", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs.is_empty());
    assert_eq!(app.denials("job.start").await, 3);
    assert_eq!(app.denials("job.return").await, 3);
    assert_eq!(app.denials("job.complete").await, 3);
    assert_eq!(app.denials("job.proof").await, 2);
    assert_eq!(app.count("job_completions").await, 1);
}
