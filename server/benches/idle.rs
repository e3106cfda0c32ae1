//! Idle cost: the real server binary (`server serve`, queue workers and scheduler running in-process) with no request
//! at all, measured for 60 s after a 10 s settle, on SQLite (a temp folder) and on PostgreSQL (a database created on
//! `BENCH_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/test, dropped afterwards). Prints the share of
//! one core the server used, its busiest threads, and (PostgreSQL) what the database's processes used meanwhile.
//!
//! `cargo bench -p server --bench idle` (`IDLE_SECS=20` for a shorter window)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::HashMap,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use sea_orm::ConnectionTrait;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Clock ticks per second of `/proc` times (100 on Linux).
const HZ: f64 = 100.0;

/// utime + stime of a process or thread, in ticks, from its `stat` file.
fn ticks(stat: &str) -> Option<u64> {
    let after = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

fn process_ticks(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| ticks(&s))
        .unwrap_or(0)
}

/// Ticks per thread name.
fn thread_ticks(pid: u32) -> HashMap<String, u64> {
    let mut out = HashMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for t in tasks.flatten() {
        let path = t.path();
        let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let stat = std::fs::read_to_string(path.join("stat")).unwrap_or_default();
        *out.entry(name.trim().to_string()).or_default() += ticks(&stat).unwrap_or(0);
    }
    out
}

/// Ticks of every process named `postgres` (the database's own work).
fn postgres_ticks() -> u64 {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return 0;
    };
    procs
        .flatten()
        .filter(|p| {
            std::fs::read_to_string(p.path().join("comm")).is_ok_and(|c| c.trim() == "postgres")
        })
        .filter_map(|p| std::fs::read_to_string(p.path().join("stat")).ok())
        .filter_map(|s| ticks(&s))
        .sum()
}

async fn measure(label: &str, database_url: Option<&str>, secs: u64) {
    let dir = std::env::temp_dir().join(format!("jd-idle-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.arg("serve")
        .env("DATA_DIR", &dir)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "error")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    let mut child = cmd.spawn().unwrap();
    let http = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(r) = http
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
        {
            if r.status().is_success() {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(10)).await;
    let pid = child.id();
    let (t0, threads0, pg0, start) = (
        process_ticks(pid),
        thread_ticks(pid),
        postgres_ticks(),
        Instant::now(),
    );
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let (t1, threads1, pg1, took) = (
        process_ticks(pid),
        thread_ticks(pid),
        postgres_ticks(),
        start.elapsed().as_secs_f64(),
    );
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let share = |t: u64| 100.0 * t as f64 / HZ / took;
    println!(
        "{label:<10} server: {:>5.2}% of one core over {took:.0} s idle",
        share(t1 - t0)
    );
    let mut busiest: Vec<(String, u64)> = threads1
        .into_iter()
        .map(|(name, t)| {
            let before = threads0.get(&name).copied().unwrap_or(0);
            (name, t.saturating_sub(before))
        })
        .filter(|(_, t)| *t > 0)
        .collect();
    busiest.sort_by_key(|b| std::cmp::Reverse(b.1));
    for (name, t) in busiest.iter().take(4) {
        println!("{:<10}   thread {name:<22} {:>5.2}%", "", share(*t));
    }
    if database_url.is_some() {
        println!(
            "{:<10} PostgreSQL processes (all databases): {:>5.2}% of one core",
            "",
            share(pg1.saturating_sub(pg0))
        );
    }
}

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::var("IDLE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    measure("SQLite", None, secs).await;

    let admin = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    let Ok(conn) = sea_orm::Database::connect(&admin).await else {
        println!("PostgreSQL: not reachable at {admin}; skipped");
        return;
    };
    let name = format!("jd_idle_{}", uuid::Uuid::new_v4().simple());
    conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&format!("/{name}"));
    measure("PostgreSQL", Some(url.as_str()), secs).await;
    conn.execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
}
