//! Issue 18: what the scaled layout relies on, tested on replicas in one process (the whole layout behind nginx is
//! tested by `.ci/scale_test.py`): rate limits counted once for every replica, in Redis or in the database; Redis
//! failing over to the database; the read replica serving the heavy reads, and the primary serving them while the
//! replica is down; every replica's name on its metrics.

use std::{sync::Arc, time::Duration};

use app::domain::infra::shared_counts::SharedCounts;
use serde_json::{json, Value};

use crate::{both, helpers::*};

both!(
    one_limit_holds_across_replicas_counted_in_the_database,
    one_limit_holds_across_replicas_counted_in_redis,
    heavy_reads_fall_back_to_the_primary_while_the_replica_is_down,
);

fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into())
}

/// Counts in Redis under a prefix of this test's own; the keys are removed at the end.
async fn redis_counts() -> SharedCounts {
    let prefix = format!("jd-test-{}:", uuid::Uuid::new_v4().simple());
    SharedCounts::connect(&redis_url(), &prefix)
        .await
        .expect("Redis at TEST_REDIS_URL (default redis://127.0.0.1:6379/0)")
}

async fn redis_keys(prefix: &str) -> Vec<String> {
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap()
}

async fn forget_keys(prefix: &str) {
    let keys = redis_keys(prefix).await;
    if keys.is_empty() {
        return;
    }
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("DEL")
        .arg(keys)
        .query_async(&mut conn)
        .await
        .unwrap();
}

/// Three replicas on one database, with `tweak` applied to each.
async fn three_replicas(
    b: Backend,
    tweak: impl Fn(&mut server::startup::Settings),
) -> Vec<TestApp> {
    let a = TestApp::spawn_with(b, &tweak).await;
    let testdb = a.testdb.clone();
    let b = TestApp::spawn_on(testdb.clone(), &tweak).await;
    let c = TestApp::spawn_on(testdb, &tweak).await;
    vec![a, b, c]
}

/// Fixed windows: start a count well inside one (a burst across a window's end would count in two).
async fn away_from_a_minute_boundary() {
    let s = chrono::Utc::now().timestamp().rem_euclid(60);
    if s > 55 {
        tokio::time::sleep(Duration::from_secs((61 - s) as u64)).await;
    }
}

/// CSV exports by one client, spread over the replicas: how many were let through.
async fn exports_allowed(apps: &[TestApp], c: &reqwest::Client, tries: usize) -> usize {
    let mut ok = 0;
    for i in 0..tries {
        let app = &apps[i % apps.len()];
        let res = c
            .get(format!(
                "{}/files/exports/jobs.csv?from=2026-04-01&to=2026-04-02",
                app.base
            ))
            .send()
            .await
            .unwrap();
        match res.status().as_u16() {
            200 => ok += 1,
            429 => {
                let wait: u64 = res.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!((1..=3600).contains(&wait), "Retry-After {wait}");
                let p: Value = res.json().await.unwrap();
                assert_eq!(p["kind"], "too_many_requests");
                assert_eq!(p["retry_after_secs"].as_u64(), Some(wait), "{p}");
            }
            s => panic!("export {i}: unexpected status {s}"),
        }
    }
    ok
}

async fn one_limit_holds_across_replicas_counted_in_the_database(b: Backend) {
    let apps = three_replicas(b, |s| s.auth.rates.exports_per_hour = 4).await;
    apps[0].activated_client("jo@example.com").await;
    apps[0].activated_client("sam@example.com").await;
    let jo = apps[0].signed_in("jo@example.com").await;
    assert_eq!(
        exports_allowed(&apps, &jo, 12).await,
        4,
        "4 per hour in all, whichever replica answers"
    );
    // Another client's count is their own.
    let sam = apps[1].signed_in("sam@example.com").await;
    assert_eq!(exports_allowed(&apps, &sam, 3).await, 3);
    assert!(
        apps[0].count("rate_limits").await >= 2,
        "counted in the database"
    );
}

async fn one_limit_holds_across_replicas_counted_in_redis(b: Backend) {
    let counts = redis_counts().await;
    let prefix = counts.prefix().to_string();
    let apps = three_replicas(b, |s| {
        s.auth.rates.exports_per_hour = 4;
        s.auth.rates.shared = Some(counts.clone());
        s.api.rate_per_minute = 5;
    })
    .await;
    apps[0].activated_client("jo@example.com").await;
    apps[0].activated_client("sam@example.com").await;
    let jo = apps[0].signed_in("jo@example.com").await;
    let before = apps[0].count("rate_limits").await;
    assert_eq!(exports_allowed(&apps, &jo, 12).await, 4);
    let sam = apps[2].signed_in("sam@example.com").await;
    assert_eq!(
        exports_allowed(&apps, &sam, 3).await,
        3,
        "counted per account"
    );
    assert_eq!(
        apps[0].count("rate_limits").await,
        before,
        "the counts went to Redis, not the database"
    );
    assert!(
        redis_keys(&prefix)
            .await
            .iter()
            .any(|k| k.starts_with(&format!("{prefix}rate:export:user:"))),
        "the export counts are in Redis under this installation's prefix"
    );

    // The REST API's flood limit (5 a minute per address) holds for the three replicas together, not 5 each.
    away_from_a_minute_boundary().await;
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for i in 0..15 {
        let res = http
            .get(format!("{}/api/v1/queue", apps[i % 3].base))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s != 429).count(),
        5,
        "5 calls in all across the replicas: {statuses:?}"
    );
    assert_eq!(statuses[..5], [401; 5], "the first five reach the API");
    forget_keys(&prefix).await;
}

/// A Redis server of the test's own, so that it can be stopped.
struct OwnRedis {
    url: String,
    child: std::process::Child,
}

impl OwnRedis {
    fn start() -> OwnRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .args(["--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server (Debian's redis-server package)");
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        OwnRedis {
            url: format!("redis://127.0.0.1:{port}/0"),
            child,
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Redis stops answering: the limits go on, counted in the database, and no request fails for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_hold_on_the_database_when_redis_stops() {
    let mut redis = OwnRedis::start();
    let counts = SharedCounts::connect(&redis.url, "jd-test:").await.unwrap();
    let apps = three_replicas(Backend::Sqlite, |s| {
        s.auth.rates.exports_per_hour = 4;
        s.auth.rates.shared = Some(counts.clone());
    })
    .await;
    apps[0].activated_client("jo@example.com").await;
    let jo = apps[0].signed_in("jo@example.com").await;
    assert_eq!(exports_allowed(&apps, &jo, 2).await, 2);
    let ready: Value = reqwest::get(format!("{}/readyz", apps[0].base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["redis"], "ok", "{ready}");

    let _ = redis.child.kill();
    let _ = redis.child.wait();
    // Counted in the database from now on: 4 more are let through there, then the limit holds again.
    assert_eq!(exports_allowed(&apps, &jo, 6).await, 4);
    let res = reqwest::get(format!("{}/readyz", apps[1].base))
        .await
        .unwrap();
    let ready: Value = res.json().await.unwrap();
    assert_eq!(
        ready["redis"], "unreachable: counting in the database",
        "{ready}"
    );
}

/// Heavy reads (analytics, exports, the activity log) go to the read replica while it answers, to the primary
/// otherwise; either way a client sees only their own jobs.
async fn heavy_reads_fall_back_to_the_primary_while_the_replica_is_down(b: Backend) {
    // A replica that never answers (nothing listens on port 9 of loopback).
    let down = server::db::connect_replica("postgres://postgres@127.0.0.1:9/none")
        .await
        .unwrap();
    let app = TestApp::spawn_with(b, |s| s.read_db = Some(down)).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    app.activated_client("sam@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let jo = app.signed_in("jo@example.com").await;
    for i in 0..3 {
        let res = app
            .delegate(
                &jo,
                json!({"job_url": format!("https://jobs.example.com/{i}")}),
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    // Right after the write, before the watcher has looked: the read fails on the replica and runs on the primary.
    let figures = |c: reqwest::Client| {
        let app = &app;
        async move {
            let res = app
                .rpc(&c, "analytics/client", &[("from", ""), ("to", "")])
                .await;
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.unwrap()
        }
    };
    let mine = figures(jo.clone()).await;
    assert_eq!(mine["figures"]["delegated"], 3, "{mine}");
    let sam = app.signed_in("sam@example.com").await;
    let theirs = figures(sam.clone()).await;
    assert_eq!(
        theirs["figures"]["delegated"], 0,
        "another client's figures hold none of jo's jobs"
    );
    let csv = sam
        .get(format!("{}/files/exports/jobs.csv", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let csv = csv.text().await.unwrap();
    assert!(
        !csv.contains("jobs.example.com"),
        "another client's export: {csv}"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let ready: Value = reqwest::get(format!("{}/readyz", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        ready["read_replica"], "down: reading the primary",
        "{ready}"
    );
    app.fixture_admin().await;
    let res = app
        .rpc_json(
            &app.signed_in("fixture-admin@example.com").await,
            "admin/activity",
            json!({"query": {}}),
        )
        .await;
    assert_eq!(
        res.status(),
        200,
        "the activity log is read from the primary"
    );
}

/// A "replica" that answers (here the primary itself, on its own pool): the heavy reads go there, `/readyz` says
/// so, and the metrics carry the replica's name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_that_answers_serves_the_heavy_reads() {
    let testdb = Arc::new(TestDb::new(Backend::Postgres).await);
    let replica = server::db::connect_replica(&testdb.url).await.unwrap();
    let app = TestApp::spawn_on(testdb, |s| {
        s.read_db = Some(replica);
        s.replica_name = "replica-7".into();
    })
    .await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let jo = app.signed_in("jo@example.com").await;
    assert_eq!(
        app.delegate(&jo, json!({"job_url": "https://jobs.example.com/1"}))
            .await
            .status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let ready: Value = reqwest::get(format!("{}/readyz", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["read_replica"], "ok", "{ready}");
    assert_eq!(ready["served_by"], "replica-7");
    let res = app
        .rpc(&jo, "analytics/client", &[("from", ""), ("to", "")])
        .await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["figures"]["delegated"], 1, "{v}");
    let metrics = reqwest::get(format!("{}/metrics", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("http_requests_total{") && l.contains("replica=\"replica-7\"")),
        "every series names its replica:\n{metrics}"
    );
}
