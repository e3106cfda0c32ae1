//! Prints how long job extraction takes on saved pages (figures, not pass/fail): the content script runs
//! `extract` on the page's snapshot when the user clicks, so it must stay far below a frame (16 ms).
//!
//! cargo bench -p extension --bench extract
//!
//! Pages: every real page of the shared corpus (`$SHARED_DIR` or `../../shared`, `fixtures/jobpages`, with the
//! address from its `expected.json`), then the project's own fixtures. `snapshot_from_html` (parsing the whole page
//! with scraper) is what the tests do; the browser instead reads a few selectors from the live DOM, so its time is
//! shown for scale only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use extension::extract::{extract, snapshot_from_html};

/// The project's fixtures and the address each was saved from (as in `tests/extract.rs`).
const FIXTURES: &[(&str, &str)] = &[
    ("linkedin/guest-view-jsonld.html", "https://www.linkedin.com/jobs/view/senior-rust-engineer-search-ranking-at-halvard-systems-4012345678?refId=a1B2c3&trackingId=x9Y8z7&position=1&pageNum=0&trk=public_jobs_jserp-result_search-card"),
    ("linkedin/logged-in-view.html", "https://www.linkedin.com/jobs/view/4023456789/"),
    ("linkedin/search-current-job.html", "https://www.linkedin.com/jobs/search/?currentJobId=4034567890&geoId=101282230&keywords=data%20engineer&origin=JOBS_HOME_SEARCH_BUTTON&refresh=true"),
    ("linkedin/search-no-selection.html", "https://www.linkedin.com/jobs/search?keywords=Rust&location=Berlin%2C%20Germany&geoId=106967730&position=1&pageNum=0"),
    ("indeed/viewjob.html", "https://www.indeed.com/viewjob?jk=a1b2c3d4e5f60718&from=serp&vjs=3"),
    ("indeed/uk-search-vjk.html", "https://uk.indeed.com/jobs?q=warehouse+supervisor&l=Leeds&from=searchOnHP&vjk=0f1e2d3c4b5a6978"),
    ("greenhouse/classic-board.html", "https://boards.greenhouse.io/copperlinelogistics/jobs/5123456"),
    ("greenhouse/job-boards-jsonld-array.html", "https://job-boards.greenhouse.io/orbitaleenergy/jobs/7012345002?gh_src=3c1f9a2b1us"),
    ("lever/posting.html", "https://jobs.lever.co/larchmontfoods/3f2c9a1e-7b4d-4e8a-9c1f-2d5e6a7b8c90?lever-source=LinkedIn"),
    ("lever/posting-logo-sort-by-location.html", "https://jobs.lever.co/pinecrestmutual/a7b8c9d0-1e2f-4a3b-8c4d-5e6f7a8b9c0d"),
    ("workday/jsonld.html", "https://marrowbank.wd3.myworkdayjobs.com/en-US/MarrowbankCareers/job/Columbus-OH/Senior-Payroll-Analyst_R-10482?source=LinkedIn"),
    ("workday/no-jsonld.html", "https://tarnhollow.wd103.myworkdayjobs.com/Tarnhollow_External/job/Lyon/Maintenance-Engineer_JR0042117"),
    ("ashby/jsonld-remote.html", "https://jobs.ashbyhq.com/tidewater/8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"),
    ("ashby/no-jsonld.html", "https://jobs.ashbyhq.com/brightwater/5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170?utm_source=x4Kq9Lm2"),
    ("seek/job-detail.html", "https://www.seek.com.au/job/81234567?type=standout&ref=search-standalone#sol=4b7c1e2d"),
    ("seek/nz-malformed-jsonld.html", "https://www.seek.co.nz/job/82345678?ref=recom-homepage"),
    ("generic/opengraph-only.html", "https://careers.nordwindrobotics.example/positions/1187-senior-firmware-engineer"),
    ("generic/title-at-company.html", "https://jobs.kestrelandfinch.example/openings/staff-accountant-0425"),
    ("generic/wordpress-graph.html", "https://www.greyfriarsdental.example/careers/dental-hygienist-edinburgh/?utm_source=facebook"),
    ("generic/blog-article.html", "https://blog.tidewaterlabs.example/2025/11/how-we-run-interviews"),
];

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e6
}

/// The shared real pages: (label, path, url_hint), or none when the shared directory is absent.
fn shared_pages() -> Vec<(String, PathBuf, String)> {
    let shared = std::env::var("SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")));
    let dir = shared.join("fixtures").join("jobpages");
    let Ok(text) = std::fs::read_to_string(dir.join("expected.json")) else {
        println!("(no shared pages at {})", dir.display());
        return Vec::new();
    };
    let expected: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    expected
        .iter()
        .map(|(page, entry)| {
            let url = entry["url_hint"].as_str().unwrap_or_default().to_string();
            (format!("shared/{page}"), dir.join(page), url)
        })
        .collect()
}

fn main() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut pages = shared_pages();
    pages.extend(
        FIXTURES
            .iter()
            .map(|(file, url)| (file.to_string(), fixtures.join(file), url.to_string())),
    );
    println!(
        "{:<44} {:>9} {:>13} {:>11}",
        "page", "bytes", "snapshot µs", "extract µs"
    );
    let mut worst: f64 = 0.0;
    for (label, path, url) in pages {
        let html = std::fs::read_to_string(&path).unwrap();
        let runs = if html.len() > 200_000 { 5 } else { 20 };
        let mut snap_times = Vec::new();
        let mut snapshot = None;
        for _ in 0..runs {
            let t = Instant::now();
            let s = snapshot_from_html(&url, &html);
            snap_times.push(t.elapsed());
            snapshot = Some(s);
        }
        let snapshot = snapshot.unwrap();
        let mut extract_times = Vec::new();
        let mut found = None;
        for _ in 0..500 {
            let t = Instant::now();
            found = std::hint::black_box(extract(std::hint::black_box(&snapshot)));
            extract_times.push(t.elapsed());
        }
        let extract_us = median(extract_times);
        worst = worst.max(extract_us);
        println!(
            "{:<44} {:>9} {:>13.0} {:>11.1}   {}",
            label,
            html.len(),
            median(snap_times),
            extract_us,
            found
                .map(|j| format!("{} ({})", j.title, j.source))
                .unwrap_or_else(|| "no job".into())
        );
    }
    println!("slowest extract: {worst:.1} µs (median of 500 runs)");
}
