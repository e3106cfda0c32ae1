//! Prints how long the filler takes to read and plan each saved application form (figures, not pass/fail). Target:
//! under 100 ms per form. The content script does the same work on the live page (serialize the stamped page, read
//! its fields with `found_fields`, `plan` them) before it sets the values; setting values is a few DOM calls per
//! field, and comboboxes wait for the site's own list (up to about half a second each), which is not counted here.
//!
//! cargo bench -p extension --bench fill
//!
//! Forms: every page of the shared corpus (`$SHARED_DIR` or `../../shared`, `fixtures/forms`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use extension::fill::{found_fields, plan, FillProfile};

fn main() {
    let dir = std::env::var("SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")))
        .join("fixtures/forms");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    files.sort();
    let profile = FillProfile {
        first_name: "Rhea".into(),
        last_name: "Realpage".into(),
        email: "rhea@example.com".into(),
        phone: "+44 7700 900123".into(),
        authorized_to_work: "yes".into(),
        needs_sponsorship: "no".into(),
        resume: "cv.pdf".into(),
        ..FillProfile::default()
    };
    println!(
        "{:<22} {:>9} {:>7} {:>8} {:>12} {:>12}",
        "form", "bytes", "fields", "planned", "median ms", "worst ms"
    );
    let mut worst_all = Duration::ZERO;
    for path in files {
        let html = std::fs::read_to_string(&path).unwrap();
        let mut times = Vec::new();
        let (mut fields, mut planned) = (0, 0);
        for _ in 0..20 {
            let t = Instant::now();
            let found = found_fields(&html);
            let steps = plan(&found, &profile);
            times.push(t.elapsed());
            fields = found.len();
            planned = steps.iter().filter(|s| s.action.is_some()).count();
        }
        times.sort();
        let worst = *times.last().unwrap();
        worst_all = worst_all.max(worst);
        println!(
            "{:<22} {:>9} {:>7} {:>8} {:>12.2} {:>12.2}",
            path.file_name().unwrap().to_string_lossy(),
            html.len(),
            fields,
            planned,
            times[times.len() / 2].as_secs_f64() * 1e3,
            worst.as_secs_f64() * 1e3
        );
    }
    println!(
        "worst of all forms: {:.2} ms (target: under 100 ms)",
        worst_all.as_secs_f64() * 1e3
    );
}
