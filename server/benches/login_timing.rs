//! Prints how long a failed login takes for an unknown email and for a wrong password (they should match: the
//! unknown email is checked against a dummy hash), and for a successful login.
//!
//! cargo bench -p server --bench login_timing            (SQLite in a temp folder)
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p server --bench login_timing
//!     (PostgreSQL: a throwaway database is created on that server and dropped afterwards)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use app::{
    api::{validate::NewAccount, Role},
    domain::{
        accounts,
        infra::{limits::ThrottleConfig, session::AuthConfig},
        RequestMeta,
    },
};

const ROUNDS: usize = 30;

fn stats(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = v.iter().map(|d| ms(*d)).sum::<f64>() / v.len() as f64;
    (ms(v[v.len() / 2]), mean, ms(v[v.len() * 9 / 10]))
}

#[tokio::main]
async fn main() {
    let bench = common::BenchDb::open().await;
    let db = bench.db.clone();
    let cfg = AuthConfig {
        public_origin: "http://127.0.0.1:3000".into(),
        idle_timeout: Duration::from_secs(1800),
        absolute_timeout: Duration::from_secs(43200),
        // No locking during the measurement.
        throttle: ThrottleConfig {
            account_max_failures: i32::MAX,
            ip_max_failures: i32::MAX,
            ..Default::default()
        },
        rates: Default::default(),
        signin_days: 90,
        mfa_required: Vec::new(),
        push_loopback: false,
        proxies: Default::default(),
    };
    let email = format!("bench-{}@example.com", uuid::Uuid::new_v4().simple());
    let account = NewAccount::parse(&email, "correct horse battery", "Bench", "Mark").unwrap();
    accounts::create_user(&db, None, Role::Employee, account, &RequestMeta::default())
        .await
        .unwrap();
    let meta = RequestMeta {
        ip: Some("127.0.0.1".into()),
        user_agent: None,
    };

    // Warm up (the dummy hash is computed once, on first use).
    let _ = accounts::login(&db, &cfg, "nobody@example.com", "x-wrong-password", &meta).await;

    let mut unknown = Vec::new();
    let mut wrong = Vec::new();
    let mut right = Vec::new();
    for i in 0..ROUNDS {
        let t = Instant::now();
        let _ = accounts::login(
            &db,
            &cfg,
            &format!("nobody{i}@example.com"),
            "x-wrong-password",
            &meta,
        )
        .await;
        unknown.push(t.elapsed());
        let t = Instant::now();
        let _ = accounts::login(&db, &cfg, &email, "x-wrong-password", &meta).await;
        wrong.push(t.elapsed());
        let t = Instant::now();
        accounts::login(&db, &cfg, &email, "correct horse battery", &meta)
            .await
            .unwrap();
        right.push(t.elapsed());
    }
    let backend = bench.backend;
    println!("login timing over {ROUNDS} rounds on {backend} (median / mean / p90, ms):");
    for (name, v) in [
        ("unknown email", unknown),
        ("wrong password", wrong),
        ("right password", right),
    ] {
        let (p50, mean, p90) = stats(v);
        println!("  {name:<15} {p50:7.1} {mean:7.1} {p90:7.1}");
    }
    bench.close().await;
}
