//! The employee's job panel reads a job with its client's resumes in one answer (`work/job`), with the checks of
//! `jobs/detail` and `resumes/get`: the employee serving the client gets both; other clients, other employees and
//! anonymous callers get nothing. The queue screen's list comes drawn (`work/queue_view`): the caller's own jobs,
//! every text escaped.

use serde_json::{json, Value};

use crate::{both, helpers::*, work::delegated};

both!(
    the_job_panel_shows_a_job_with_its_clients_resumes_only_to_who_may_see_it,
    the_queue_screen_gets_its_list_drawn_on_the_server_for_its_employee_only,
);

/// Two activated clients, Jo (served by e1) and Eve (served by e2): the app with Jo's and Eve's client ids.
async fn jo_and_eve(b: Backend) -> (TestApp, uuid::Uuid, uuid::Uuid) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, eve_cid) = app.activated_client("eve@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    let (_, e2) = app.employee("e2@example.com").await;
    app.assign(cid, e1).await;
    app.assign(eve_cid, e2).await;
    (app, cid, eve_cid)
}

async fn the_job_panel_shows_a_job_with_its_clients_resumes_only_to_who_may_see_it(b: Backend) {
    let (app, cid, _) = jo_and_eve(b).await;
    let c = app.signed_in("jo@example.com").await;
    let job = delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.example.com/1", "notes": "Use the short cover letter."}),
    )
    .await;

    // The employee serving Jo: the job (with its notes and timeline) and Jo's resumes, as one JSON text.
    let e = app.signed_in("e1@example.com").await;
    let res = app.rpc(&e, "work/job", &[("job_id", &job)]).await;
    assert_eq!(res.status(), 200);
    let text: Value = res.json().await.unwrap();
    let (detail, resumes): (Value, Value) = serde_json::from_str(text.as_str().unwrap()).unwrap();
    assert_eq!(detail["job"]["id"], job.as_str());
    assert_eq!(detail["notes"], "Use the short cover letter.");
    assert!(!detail["timeline"].as_array().unwrap().is_empty());
    assert_eq!(resumes["client_id"], cid.to_string());
    assert!(resumes["profile"].is_object(), "{resumes}");
    assert!(resumes["types"].is_array(), "{resumes}");

    // Another client, an employee who does not serve Jo: refused and logged; nobody signed in: 401.
    let eve = app.signed_in("eve@example.com").await;
    let stranger = app.signed_in("e2@example.com").await;
    let before = app.denials("job.view").await;
    for who in [&eve, &stranger] {
        assert_eq!(
            app.rpc(who, "work/job", &[("job_id", &job)]).await.status(),
            403
        );
    }
    assert_eq!(app.denials("job.view").await, before + 2);
    assert_eq!(
        app.rpc(&app.client(), "work/job", &[("job_id", &job)])
            .await
            .status(),
        401
    );
    // An id that is no job.
    let none = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        app.rpc(&e, "work/job", &[("job_id", &none)]).await.status(),
        404
    );
}

async fn the_queue_screen_gets_its_list_drawn_on_the_server_for_its_employee_only(b: Backend) {
    let (app, cid, eve_cid) = jo_and_eve(b).await;
    let c = app.signed_in("jo@example.com").await;
    let job = delegated(
        &app,
        &c,
        json!({"job_url": "https://jobs.example.com/1", "job_title": "<b>Data</b> & \"ops\"",
               "company_name": "Initech", "priority": "high"}),
    )
    .await;
    let eve = app.signed_in("eve@example.com").await;
    let eves = delegated(
        &app,
        &eve,
        json!({"job_url": "https://jobs.example.com/eve"}),
    )
    .await;

    let e = app.signed_in("e1@example.com").await;
    let (status, markup) = view(&app, &e, &[]).await;
    assert_eq!(status, 200);
    let markup = markup.unwrap();
    // Jo's job, its title escaped, linked to its panel; Eve's job is not in e1's queue.
    assert!(
        markup.contains("&lt;b&gt;Data&lt;/b&gt; &amp; \"ops\" at Initech"),
        "{markup}"
    );
    assert!(!markup.contains("<b>"), "{markup}");
    assert!(markup.contains(&format!("href=\"/employee?job={job}\"")));
    assert!(markup.contains("High priority"), "{markup}");
    assert!(!markup.contains(&eves), "{markup}");
    assert_eq!(markup.matches("data-testid=\"queue-row\"").count(), 1);
    // Filtered by its client: that client is the one selected.
    let (_, one) = view(&app, &e, &[("client_id", &cid.to_string())]).await;
    assert!(one
        .unwrap()
        .contains(&format!("<option value=\"{cid}\" selected>")));
    // Filtered by a client e1 does not serve: nothing of Eve's.
    let (status, other) = view(&app, &e, &[("client_id", &eve_cid.to_string())]).await;
    if status == 200 {
        let other = other.unwrap();
        assert!(
            !other.contains(&eves) && other.contains("queue-empty"),
            "{other}"
        );
    } else {
        assert_eq!(status, 403);
    }

    // A client asking for a queue, Eve's employee (whose queue holds only Eve's job), nobody signed in.
    assert_eq!(view(&app, &c, &[]).await.0, 403);
    let (status, theirs) = view(&app, &app.signed_in("e2@example.com").await, &[]).await;
    assert_eq!(status, 200);
    let theirs = theirs.unwrap();
    assert!(theirs.contains(&eves) && !theirs.contains(&job), "{theirs}");
    assert_eq!(view(&app, &app.client(), &[]).await.0, 401);
}

/// `work/queue_view` as `who`: the status, and the markup when there is one.
async fn view(
    app: &TestApp,
    who: &reqwest::Client,
    form: &[(&str, &str)],
) -> (reqwest::StatusCode, Option<String>) {
    let res = app.rpc(who, "work/queue_view", form).await;
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    (status, body.as_str().map(str::to_string))
}
