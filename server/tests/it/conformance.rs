//! Issue 13: the REST API conforms to its own OpenAPI document. Schemathesis (from PyPI, pinned in
//! `.ci/tools/requirements.txt`) generates at least 100 requests per operation from the served document, valid and
//! invalid, signed in as a client with a job and as nobody, and checks every answer: no server error, no status the
//! document does not declare, bodies and headers as declared.

use std::path::Path;

use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_conforms_to_its_openapi_document() {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/tools/venv/bin/schemathesis");
    assert!(
        tool.exists(),
        "schemathesis is installed by the test command (.ci/bootstrap --test)"
    );
    // The generated requests come fast from one address: the per-address limits would answer most of them 429
    // (declared, but it would leave the operations untested).
    let app = TestApp::spawn_with(Backend::Sqlite, |s| {
        s.api.rate_per_minute = 1_000_000;
        s.api.auth_rate_per_minute = 1_000_000;
        s.auth.rates.logins_per_minute = 0;
        s.auth.rates.refreshes_per_minute = 0;
    })
    .await;
    let (_, client) = app.activated_client("jo@example.com").await;
    let (_, employee) = app.employee("sam@example.com").await;
    app.assign(client, employee).await;
    let http = reqwest::Client::new();
    let token = api_token(&app, "jo@example.com").await;
    let res = http
        .post(format!("{}/api/v1/jobs", app.base))
        .bearer_auth(&token)
        .json(&json!({"job_url": "https://jobs.example.com/conformance", "job_title": "Analyst"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    let employee_token = api_token(&app, "sam@example.com").await;
    // The admin's operations answer only 403 to those two: an admin's read-write API key runs them for real, last
    // (it may deactivate the client and end the assignment).
    let admin = app.fixture_admin().await;
    let admin_key = app::domain::integrations::keys::create(
        &app.db,
        &admin,
        "conformance",
        app::api::integrations::KeyScope::ReadWrite,
        &Default::default(),
    )
    .await
    .unwrap()
    .key;
    // Once as the client, once as their employee (the work operations answer only 403 to a client), once as an admin.
    for (who, token) in [
        ("client", token),
        ("employee", employee_token),
        ("admin", admin_key),
    ] {
        let report =
            std::env::temp_dir().join(format!("jd-schemathesis-{}", uuid::Uuid::new_v4().simple()));
        let schema = format!("{}/api/v1/openapi.json", app.base);
        let report_dir = report.clone();
        let tool = tool.clone();
        // Blocking: the server keeps answering on the test's runtime meanwhile.
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new(&tool)
                .arg("run")
                .arg(schema)
                .args(["--checks", "all"])
                // Our rules are stricter than a schema can say (a job address must be an http(s) URL, a
                // completion needs an outcome): schema-valid but meaningless input gets 422 with the field named,
                // which this check counts against us. Every other check runs.
                .args(["--exclude-checks", "positive_data_acceptance"])
                .args(["--max-examples", "100"])
                .args(["--seed", "20261130"])
                .args(["--generation-database", "none"])
                .args(["--request-timeout", "20"])
                .arg("--header")
                .arg(format!("Authorization: Bearer {token}"))
                .arg("--report-dir")
                .arg(&report_dir)
                .env("NO_COLOR", "1")
                // Its caches go to a temporary folder, not into the project.
                .current_dir(std::env::temp_dir())
                .output()
        })
        .await
        .unwrap()
        .expect("schemathesis runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let _ = std::fs::remove_dir_all(&report);
        let summary: Vec<&str> = stdout
            .lines()
            .filter(|l| l.contains("generated") || (l.contains(" in ") && l.contains("==")))
            .collect();
        println!("as the {who}: {}", summary.join(" / "));
        assert!(
            out.status.success(),
            "schemathesis found problems as the {who}:\n{stdout}\n{stderr}"
        );
    }
}
