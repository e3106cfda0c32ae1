//! Issue 17: the profile keeps what application forms commonly ask for (address parts, GitHub and portfolio links,
//! and the client's answers: preferred name, work authorization, sponsorship, "how did you hear", a cover letter),
//! checked field by field, read by the employees assigned to the client and nobody else.

use serde_json::{json, Value};

use crate::{both, helpers::*};

both!(the_profile_keeps_the_answers_application_forms_ask_for);
both!(the_jobs_employee_gets_what_the_form_needs_and_nobody_else);

fn profile(answers: Value) -> Value {
    json!({
        "summary": "Backend engineer",
        "contact": {
            "email": "jo@example.com",
            "address": " 12 Harbour Street ",
            "city": "Leeds",
            "postal_code": "LS1 4AP",
            "country": "United Kingdom",
            "github": "https://github.com/jo",
            "portfolio": "https://jo.example.com/work"
        },
        "answers": answers
    })
}

async fn the_profile_keeps_the_answers_application_forms_ask_for(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    app.activated_client("eve@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let c = app.signed_in("jo@example.com").await;

    // Bad answers are refused by field, and nothing is saved.
    let res = app
        .rpc_json(
            &c,
            "resumes/profile",
            json!({"profile": {
                "contact": {"github": "ftp://github.com/jo", "city": "x".repeat(201)},
                "answers": {"authorized_to_work": "maybe", "needs_sponsorship": "no", "cover_letter": "x".repeat(5001)}
            }}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let mut fields = field_names(&json_of(res).await);
    fields.sort();
    assert_eq!(
        fields,
        [
            "answers.authorized_to_work",
            "answers.cover_letter",
            "contact.city",
            "contact.github"
        ]
    );
    let empty: Value = app.rpc(&c, "resumes/get", &[]).await.json().await.unwrap();
    assert_eq!(empty["profile"]["answers"]["needs_sponsorship"], "");

    let res = app
        .rpc_json(
            &c,
            "resumes/profile",
            json!({"profile": profile(json!({
                "preferred_name": "Jo",
                "authorized_to_work": "Yes",
                "needs_sponsorship": "no",
                "how_heard": "LinkedIn",
                "cover_letter": "Dear hiring team, ..."
            }))}),
        )
        .await;
    assert_eq!(res.status(), 200);

    // The assigned employee reads them (what the extension fills in).
    let e = app.signed_in("e1@example.com").await;
    let read: Value = app
        .rpc(&e, "resumes/get", &[("client_id", &cid.to_string())])
        .await
        .json()
        .await
        .unwrap();
    let p = &read["profile"];
    assert_eq!(p["contact"]["address"], "12 Harbour Street");
    assert_eq!(p["contact"]["postal_code"], "LS1 4AP");
    assert_eq!(p["contact"]["github"], "https://github.com/jo");
    assert_eq!(
        p["answers"],
        json!({
            "preferred_name": "Jo",
            "authorized_to_work": "yes",
            "needs_sponsorship": "no",
            "how_heard": "LinkedIn",
            "cover_letter": "Dear hiring team, ..."
        })
    );

    // Another client sees none of it; the attempt is logged.
    let eve = app.signed_in("eve@example.com").await;
    let before = app.denials("resume.view").await;
    assert_eq!(
        app.rpc(&eve, "resumes/get", &[("client_id", &cid.to_string())])
            .await
            .status(),
        403
    );
    assert_eq!(app.denials("resume.view").await, before + 1);
}

async fn api_get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}/api/v1{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// The extension fills a form from `GET /api/v1/jobs/{id}/application` and attaches `GET /api/v1/jobs/{id}/resume`:
/// the client's names, profile and answers, and the exact PDF the client chose for this job. Only the employee the
/// job is assigned to, while it is open.
async fn the_jobs_employee_gets_what_the_form_needs_and_nobody_else(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (jo, cid) = app.activated_client("jo@example.com").await;
    let (_, eve_id) = app.activated_client("eve@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    let (_, e2) = app.employee("e2@example.com").await;
    app.assign(cid, e1).await;
    app.assign(cid, e2).await;
    app.assign(eve_id, e2).await;
    let c = app.signed_in("jo@example.com").await;
    let res = app
        .rpc_json(
            &c,
            "resumes/profile",
            json!({"profile": profile(json!({"preferred_name": "Jo", "authorized_to_work": "yes"}))}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let bytes = pdf(3000);
    let up = reqwest::multipart::Form::new()
        .text("name", "Backend")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes.clone()).file_name("Jo Backend CV.pdf"),
        );
    let res = c
        .post(format!("{}/files/resumes", app.base))
        .header("origin", &app.base)
        .multipart(up)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let resume: Value = res.json().await.unwrap();
    let job = crate::work::delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.lever.co/acme/123/apply", "resume_type_id": resume["id"]}),
    )
    .await;
    let plain = crate::work::delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.lever.co/acme/456"}),
    )
    .await;

    // The employee the job went to (jobs go to one of the two assigned employees).
    let detail: Value = app
        .rpc(&c, "jobs/detail", &[("job_id", &job)])
        .await
        .json()
        .await
        .unwrap();
    let assigned = detail["job"]["employee_id"].as_str().unwrap().to_string();
    let (mine, other) = if assigned == e1.to_string() {
        ("e1@example.com", "e2@example.com")
    } else {
        ("e2@example.com", "e1@example.com")
    };
    let emp = api_token(&app, mine).await;
    let res = api_get(&app, &emp, &format!("/jobs/{job}/application")).await;
    assert_eq!(res.status(), 200);
    let packet: Value = res.json().await.unwrap();
    assert_eq!(packet["job"]["id"], job.as_str());
    assert_eq!(packet["first_name"], jo.first_name.as_str());
    assert_eq!(packet["last_name"], jo.last_name.as_str());
    assert_eq!(packet["email"], "jo@example.com");
    assert_eq!(packet["profile"]["contact"]["city"], "Leeds");
    assert_eq!(packet["profile"]["answers"]["preferred_name"], "Jo");
    assert_eq!(packet["resume"]["file_name"], "Jo Backend CV.pdf");
    let res = api_get(&app, &emp, &format!("/jobs/{job}/resume")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.bytes().await.unwrap().to_vec(), bytes);

    // A job without a chosen resume: the packet says so and the download is a clear 404.
    let plain_detail: Value = app
        .rpc(&c, "jobs/detail", &[("job_id", &plain)])
        .await
        .json()
        .await
        .unwrap();
    if plain_detail["job"]["employee_id"].as_str() == Some(assigned.as_str()) {
        let p: Value = api_get(&app, &emp, &format!("/jobs/{plain}/application"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(p["resume"], Value::Null);
        let res = api_get(&app, &emp, &format!("/jobs/{plain}/resume")).await;
        assert_eq!(res.status(), 404);
        assert!(json_of(res).await["message"]
            .as_str()
            .unwrap()
            .contains("no resume"));
    }

    // Nobody else: not the other employee of the client, not the client, not another client.
    let before = app.denials("job.application").await;
    for who in [other, "jo@example.com", "eve@example.com"] {
        let t = api_token(&app, who).await;
        for path in ["application", "resume"] {
            let res = api_get(&app, &t, &format!("/jobs/{job}/{path}")).await;
            assert_eq!(res.status(), 403, "{who} {path}");
        }
    }
    assert!(app.denials("job.application").await >= before + 2);

    // Once the job is done there is no form to fill.
    let e = app.signed_in(mine).await;
    assert_eq!(
        app.rpc(&e, "work/start", &[("job_id", &job)])
            .await
            .status(),
        200
    );
    let c2 = app.signed_in("jo@example.com").await;
    assert_eq!(
        app.rpc(&c2, "jobs/cancel", &[("job_id", &job)])
            .await
            .status(),
        200
    );
    let res = api_get(&app, &emp, &format!("/jobs/{job}/application")).await;
    assert_eq!(res.status(), 409);
}
