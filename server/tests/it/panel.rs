//! The employee's job panel reads a job with its client's resumes in one answer (`work/job`), with the checks of
//! `jobs/detail` and `resumes/get`: the employee serving the client gets both; other clients, other employees and
//! anonymous callers get nothing.

use serde_json::{json, Value};

use crate::{both, helpers::*, work::delegated};

both!(the_job_panel_shows_a_job_with_its_clients_resumes_only_to_who_may_see_it);

async fn the_job_panel_shows_a_job_with_its_clients_resumes_only_to_who_may_see_it(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, eve_cid) = app.activated_client("eve@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    let (_, e2) = app.employee("e2@example.com").await;
    app.assign(cid, e1).await;
    app.assign(eve_cid, e2).await;
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
