//! Sign-up flood: 300 sign-ups from one address, 60 at a time, against the real server binary (a child process on
//! a free loopback port, SQLite in a temp folder). Prints the server's peak RSS, how many sign-ups were accepted,
//! refused (429) or told to come back (503), and the p99 of a normal page request made during the flood. Run twice:
//! with the default sign-up limit, and with the limit off (only the hashing bound protects the server then).
//!
//! `cargo bench -p server --bench signup_flood`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

const SIGNUPS: usize = 300;
const AT_ONCE: usize = 60;

struct Server {
    child: Child,
    base: String,
    _dir: tempdir::Dir,
}

mod tempdir {
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(signups_per_hour: u32) -> Server {
    let dir = std::env::temp_dir().join(format!("jd-flood-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("serve")
        .env("DATA_DIR", &dir)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("RATE_SIGNUPS_PER_HOUR", signups_per_hour.to_string())
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Server {
        child,
        base,
        _dir: tempdir::Dir(dir),
    }
}

/// Peak resident memory of a process, from `/proc/<pid>/status` (`VmHWM`), in MB.
fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn flood(label: &str, signups_per_hour: u32) {
    let server = start(signups_per_hour).await;
    let base = server.base.clone();
    let idle_rss = peak_rss_mb(server.child.id());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(AT_ONCE)
        .build()
        .unwrap();
    // A normal page, requested every 50 ms while the flood lasts.
    let flooding = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let pages = {
        let (http, base, flooding) = (http.clone(), base.clone(), flooding.clone());
        tokio::spawn(async move {
            let mut took = Vec::new();
            while flooding.load(std::sync::atomic::Ordering::Relaxed) {
                let started = Instant::now();
                if let Ok(r) = http.get(format!("{base}/login")).send().await {
                    let _ = r.bytes().await;
                    took.push(started.elapsed());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            took
        })
    };
    let started = Instant::now();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
    let mut sends = Vec::new();
    for i in 0..SIGNUPS {
        let permit = semaphore.clone().acquire_owned().await.unwrap();
        let (http, base) = (http.clone(), base.clone());
        sends.push(tokio::spawn(async move {
            let status = http
                .post(format!("{base}/rpc/signup"))
                .header("origin", &base)
                .header("accept", "application/json")
                .form(&[
                    ("email", format!("flood{i}@example.com")),
                    ("password", "correct horse battery".to_string()),
                    ("first_name", "Flo".to_string()),
                    ("last_name", "Od".to_string()),
                ])
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            drop(permit);
            status
        }));
    }
    let mut statuses = Vec::new();
    for s in sends {
        statuses.push(s.await.unwrap());
    }
    let flood_took = started.elapsed();
    flooding.store(false, std::sync::atomic::Ordering::Relaxed);
    let mut took = pages.await.unwrap();
    took.sort();
    let p = |q: f64| {
        took.get(((took.len() as f64 * q).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or_default()
    };
    let count = |f: &dyn Fn(u16) -> bool| statuses.iter().filter(|s| f(**s)).count();
    println!(
        "{label}: {SIGNUPS} sign-ups, {AT_ONCE} at a time, in {:.1} s: accepted {}, refused 429 {}, busy 503 {}, other {}",
        flood_took.as_secs_f64(),
        count(&|s| (200..400).contains(&s)),
        count(&|s| s == 429),
        count(&|s| s == 503),
        count(&|s| !(200..400).contains(&s) && s != 429 && s != 503),
    );
    println!(
        "{label}: server peak RSS {:.0} MB (idle {:.0} MB); /login during the flood: {} requests, p50 {:.1} ms, p99 {:.1} ms",
        peak_rss_mb(server.child.id()),
        idle_rss,
        took.len(),
        p(0.5).as_secs_f64() * 1000.0,
        p(0.99).as_secs_f64() * 1000.0,
    );
}

#[tokio::main]
async fn main() {
    flood("default limits (10 sign-ups per address per hour)", 10).await;
    flood("sign-up limit off (only the hashing bound)", 0).await;
}
