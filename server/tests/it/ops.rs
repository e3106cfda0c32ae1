//! Issue 6 (operations): liveness, readiness and Prometheus metrics.

use std::time::{Duration, Instant};

use reqwest::header;
use serde_json::{json, Value};

use crate::{both, helpers::*};

both!(
    health_and_readiness_report_the_database_and_the_queue,
    metrics_count_requests_errors_queue_and_jobs,
);

async fn health_and_readiness_report_the_database_and_the_queue(b: Backend) {
    let app = TestApp::spawn(b).await;
    let http = app.client();
    let res = http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "ok");

    // The in-process workers register within a moment.
    let until = Instant::now() + Duration::from_secs(15);
    let body = loop {
        let res = http
            .get(format!("{}/readyz", app.base))
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        if status == 200 {
            break body;
        }
        assert!(Instant::now() < until, "never ready: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(body["database"], "ok");
    for lane in ["jobs.high", "jobs.normal", "jobs.low"] {
        assert_eq!(body["queue"][lane], "ok", "{body}");
    }

    // A server without workers is alive but not ready: nothing would send its email.
    let idle = TestApp::spawn_without_workers(b).await;
    let res = http
        .get(format!("{}/healthz", idle.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = http
        .get(format!("{}/readyz", idle.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    assert_eq!(body["queue"]["jobs.high"], "no worker");
}

async fn metrics_count_requests_errors_queue_and_jobs(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.metrics_token = Some("scrape-secret".into())).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let c = app.signed_in("jo@example.com").await;
    let res = app
        .delegate(&c, json!({"job_url": "https://jobs.example.com/1"}))
        .await;
    assert_eq!(res.status(), 200);
    let http = app.client();
    for _ in 0..3 {
        http.get(format!("{}/api/v1/me", app.base))
            .send()
            .await
            .unwrap();
    }
    wait_for_mail(&app.outbox, 2, 20).await;

    // The emails are marked done just after they are written: scrape until both are.
    let until = Instant::now() + Duration::from_secs(10);
    let text = loop {
        let res = http
            .get(format!("{}/metrics", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"));
        let text = res.text().await.unwrap();
        if text.contains(r#"lane="jobs.high",state="done"} 2"#) || Instant::now() > until {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Every series names the replica first (`REPLICA_NAME`; the tests' is `test:<port>`); the checks below read the
    // other labels.
    let port = app.base.rsplit(':').next().unwrap();
    let label = format!(r#"replica="test:{port}","#);
    assert!(
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty() && l.contains('{'))
            .all(|l| l.contains(&label)),
        "{text}"
    );
    let text = text.replace(&label, "");
    let line = |prefix: &str| -> Option<f64> {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    };
    // Requests by route pattern, with latency buckets; 401s counted as client errors.
    assert_eq!(
        line(r#"http_requests_total{method="GET",route="/api/v1/me",status="401"}"#),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        line(r#"http_errors_total{method="GET",route="/api/v1/me",class="4xx"}"#),
        Some(3.0)
    );
    assert_eq!(
        line(r#"http_request_duration_seconds_count{method="GET",route="/api/v1/me"}"#),
        Some(3.0)
    );
    assert!(
        text.contains(
            r#"http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/v1/me"}"#
        ) || text.contains(
            r#"http_request_duration_seconds_bucket{method="GET",route="/api/v1/me",le="0.005"}"#
        )
    );
    assert!(
        line(r#"http_requests_total{method="POST",route="/rpc/jobs/delegate",status="200"}"#)
            .is_some(),
        "{text}"
    );
    // Jobs by state, and the queue per lane.
    assert_eq!(line(r#"jobs{status="pending"}"#), Some(1.0));
    assert_eq!(line(r#"jobs{status="completed"}"#), Some(0.0));
    let done = line(r#"queue_jobs{lane="jobs.high",state="done"}"#).unwrap_or(0.0);
    assert!(done >= 2.0, "{text}");
    assert_eq!(
        line(r#"queue_jobs{lane="jobs.low",state="failed"}"#),
        Some(0.0)
    );
    assert!(text.trim_end().ends_with("# EOF"));

    // Not for the world: behind a proxy only with the token.
    let res = http
        .get(format!("{}/metrics", app.base))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = http
        .get(format!("{}/metrics", app.base))
        .header("x-forwarded-for", "203.0.113.9")
        .bearer_auth("scrape-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}
