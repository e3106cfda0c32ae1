//! Prints how long a failed login takes for an unknown email and for a wrong password (they should match: the
//! unknown email is checked against a dummy hash), and for a successful login.
//!
//! cargo bench -p server --bench login_timing            (SQLite in a temp folder)
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p server --bench login_timing
//!     (PostgreSQL: a throwaway database is created on that server and dropped afterwards)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use app::{
    api::{validate::NewAccount, Role},
    domain::{accounts, state::AuthConfig, throttle::ThrottleConfig, RequestMeta},
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
    let dir = std::env::temp_dir().join(format!("jd-bench-{}", uuid::Uuid::new_v4().simple()));
    let admin_url = std::env::var("BENCH_DATABASE_URL").ok();
    let pg_name = format!("jd_bench_{}", uuid::Uuid::new_v4().simple());
    let url = match &admin_url {
        Some(admin) => {
            use sea_orm::ConnectionTrait;
            let conn = sea_orm::Database::connect(admin).await.unwrap();
            conn.execute_unprepared(&format!("CREATE DATABASE \"{pg_name}\""))
                .await
                .unwrap();
            conn.close().await.unwrap();
            let mut u = url::Url::parse(admin).unwrap();
            u.set_path(&format!("/{pg_name}"));
            u.to_string()
        }
        None => format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()),
    };
    let db = server::db::connect(&url).await.unwrap();
    server::db::migrate(&db).await.unwrap();
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
        trust_proxy: false,
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
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("login timing over {ROUNDS} rounds on {backend} (median / mean / p90, ms):");
    for (name, v) in [
        ("unknown email", unknown),
        ("wrong password", wrong),
        ("right password", right),
    ] {
        let (p50, mean, p90) = stats(v);
        println!("  {name:<15} {p50:7.1} {mean:7.1} {p90:7.1}");
    }
    db.close().await.unwrap();
    if let Some(admin) = admin_url {
        use sea_orm::ConnectionTrait;
        let conn = sea_orm::Database::connect(&admin).await.unwrap();
        conn.execute_unprepared(&format!("DROP DATABASE \"{pg_name}\" WITH (FORCE)"))
            .await
            .unwrap();
    }
    let _ = std::fs::remove_dir_all(dir);
}
