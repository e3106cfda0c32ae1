//! Extraction on real job pages saved by other projects (`shared/fixtures/jobpages`, read-only, beside the repository):
//! each page → `snapshot_from_html(url_hint, html)` → `extract`, compared with the page's `expected.json` entry.
//!
//! The shared directory is `$SHARED_DIR` when set, else `../../shared` from this crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use extension::extract::{collapse_whitespace, extract, snapshot_from_html};
use serde_json::Value;

fn pages_dir() -> PathBuf {
    let shared = std::env::var("SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")));
    shared.join("fixtures").join("jobpages")
}

fn expected() -> BTreeMap<String, Value> {
    let path = pages_dir().join("expected.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Is `got` right for this field: the expected value (null ≙ empty) or one of `accept[field]`, whitespace collapsed?
fn field_ok(entry: &Value, field: &str, got: &str) -> bool {
    let got = collapse_whitespace(got);
    let want = entry[field]
        .as_str()
        .map(collapse_whitespace)
        .unwrap_or_default();
    got == want
        || entry["accept"][field].as_array().is_some_and(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .any(|a| collapse_whitespace(a) == got)
        })
}

#[test]
fn every_page_is_listed() {
    let mut files: Vec<String> = std::fs::read_dir(pages_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".html"))
        .collect();
    files.sort();
    let listed: Vec<String> = expected().into_keys().collect();
    assert_eq!(
        files, listed,
        "expected.json must list exactly the .html files"
    );
}

#[test]
fn real_pages() {
    let expected = expected();
    let (mut right, mut total) = (0, 0);
    let mut failures = Vec::new();
    println!(
        "{:<18} {:<9} {:<5} {:<50} expected",
        "page", "field", "ok", "got"
    );
    for (page, entry) in &expected {
        let html = std::fs::read_to_string(pages_dir().join(page)).unwrap();
        let url_hint = entry["url_hint"].as_str().unwrap();
        let t = Instant::now();
        let snapshot = snapshot_from_html(url_hint, &html);
        let snap_time = t.elapsed();
        let t = Instant::now();
        let found = extract(&snapshot);
        let extract_time = t.elapsed();
        let Some(job) = found else {
            println!("{page:<18} NO JOB");
            failures.push(format!("{page}: no job"));
            total += 3;
            continue;
        };
        for (field, got) in [
            ("title", &job.title),
            ("company", &job.company),
            ("location", &job.location),
        ] {
            let ok = field_ok(entry, field, got);
            total += 1;
            right += usize::from(ok);
            let want = entry[field].as_str().unwrap_or("(none)");
            println!(
                "{page:<18} {field:<9} {:<5} {got:<50} {want}",
                if ok { "ok" } else { "MISS" }
            );
        }
        let want_url = entry["url"].as_str().unwrap();
        let url_ok = job.url == want_url;
        println!(
            "{page:<18} {:<9} {:<5} {:<50} {want_url}",
            "url",
            if url_ok { "ok" } else { "MISS" },
            job.url
        );
        if !url_ok {
            failures.push(format!("{page}: url {} != {want_url}", job.url));
        }
        println!(
            "{page:<18} source {}; snapshot {:.1} ms, extract {:.1} µs",
            job.source,
            snap_time.as_secs_f64() * 1e3,
            extract_time.as_secs_f64() * 1e6
        );
    }
    println!("fields right: {right}/{total}");
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        right * 100 >= total * 95,
        "only {right}/{total} fields right"
    );
}
