//! Prints how long job extraction takes on saved pages (figures, not pass/fail): the content script runs
//! `extract` on the page's snapshot when the user clicks, so it must stay far below a frame (16 ms).
//!
//! cargo bench -p extension --bench extract
//!
//! `snapshot_from_html` (parsing the whole page with scraper) is what the tests do; the browser instead reads a few
//! selectors from the live DOM, so its time is shown for scale only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use extension::extract::{extract, snapshot_from_html};

const PAGES: [(&str, &str); 5] = [
    (
        "indeed/uk-search-vjk.html",
        "https://uk.indeed.com/jobs?q=warehouse+supervisor&l=Leeds&from=searchOnHP&vjk=0f1e2d3c4b5a6978",
    ),
    (
        "linkedin/guest-view-jsonld.html",
        "https://www.linkedin.com/jobs/view/senior-rust-engineer-search-ranking-at-halvard-systems-4012345678",
    ),
    ("greenhouse/classic-board.html", "https://boards.greenhouse.io/copperlinelogistics/jobs/5123456"),
    ("generic/wordpress-graph.html", "https://www.greyfriarsdental.example/careers/dental-hygienist-edinburgh/"),
    ("generic/blog-article.html", "https://blog.tidewaterlabs.example/2025/11/how-we-run-interviews"),
];

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e6
}

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    println!(
        "{:<36} {:>8} {:>14} {:>12}",
        "page", "bytes", "snapshot µs", "extract µs"
    );
    for (file, url) in PAGES {
        let html = std::fs::read_to_string(dir.join(file)).unwrap();
        let mut snap_times = Vec::new();
        let mut extract_times = Vec::new();
        let mut snapshot = None;
        for _ in 0..50 {
            let t = Instant::now();
            let s = snapshot_from_html(url, &html);
            snap_times.push(t.elapsed());
            snapshot = Some(s);
        }
        let snapshot = snapshot.unwrap();
        let mut found = None;
        for _ in 0..2000 {
            let t = Instant::now();
            found = std::hint::black_box(extract(std::hint::black_box(&snapshot)));
            extract_times.push(t.elapsed());
        }
        println!(
            "{:<36} {:>8} {:>14.1} {:>12.1}   {}",
            file,
            html.len(),
            median(snap_times),
            median(extract_times),
            found
                .map(|j| format!("{} ({})", j.title, j.source))
                .unwrap_or_else(|| "no job".into())
        );
    }
}
