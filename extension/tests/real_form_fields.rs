//! Reading the fields of real application forms saved by other people (`shared/fixtures/forms/*.html`) with
//! `fields_from_html`, compared with `fields.json`, which lists every field a person sees on each form.
//!
//! Each expected field is matched to a found one (by id when it has one, else by name, else by label); the report
//! gives per form the expected fields found, found with the right kind, found with the right label, and the extra
//! fields found that `fields.json` does not list. What matters downstream is that `classify` gives the found field
//! the same answer as the field described in `fields.json`; that agreement is asserted too.
//!
//! The shared directory is `$SHARED_DIR` when set, else `../../shared` from this crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Instant;

use extension::fill::{classify, fields_from_html, FieldInfo};
use serde_json::Value;

fn forms_dir() -> PathBuf {
    std::env::var("SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")))
        .join("fixtures/forms")
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Lower-case, whitespace collapsed, a trailing ellipsis dropped.
fn norm(s: &str) -> String {
    s.trim_end_matches('…')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn label_matches(found: &str, expected: &str) -> bool {
    let (f, e) = (norm(found), norm(expected));
    !e.is_empty() && f.starts_with(&e)
}

/// The found field an expected one stands for, among those not taken yet.
fn find(expected: &Value, found: &[FieldInfo], taken: &[bool]) -> Option<usize> {
    let free = |i: &usize| !taken[*i];
    let (id, name, label) = (
        text(expected, "id"),
        text(expected, "name"),
        text(expected, "label"),
    );
    if !id.is_empty() {
        return (0..found.len()).filter(free).find(|&i| found[i].id == id);
    }
    if !name.is_empty() {
        return (0..found.len())
            .filter(free)
            .find(|&i| found[i].name == name);
    }
    (0..found.len())
        .filter(free)
        .find(|&i| label_matches(&found[i].label, &label))
}

#[derive(Default)]
struct Tally {
    expected: usize,
    found: usize,
    kind: usize,
    label: usize,
    extra: usize,
    agree: usize,
    sections: usize,
    section_right: usize,
}

#[test]
fn fields_of_real_forms_are_read_from_the_page() {
    let dir = forms_dir();
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("fields.json")).unwrap()).unwrap();
    let forms = json.as_object().unwrap();
    assert!(forms.len() >= 9, "fields.json lists {} forms", forms.len());
    let mut total = Tally::default();
    let mut rows = Vec::new();
    let mut misses = Vec::new();
    for (file, form) in forms {
        let html = std::fs::read_to_string(dir.join(file)).unwrap();
        let start = Instant::now();
        let found = fields_from_html(&html);
        let elapsed = start.elapsed();
        let expected = form["fields"].as_array().unwrap();
        let mut taken = vec![false; found.len()];
        let mut t = Tally {
            expected: expected.len(),
            ..Tally::default()
        };
        for exp in expected {
            let info = FieldInfo {
                label: text(exp, "label"),
                name: text(exp, "name"),
                id: text(exp, "id"),
                kind: text(exp, "type"),
                autocomplete: text(exp, "autocomplete"),
                section: text(exp, "section"),
            };
            let Some(i) = find(exp, &found, &taken) else {
                misses.push(format!("{file}: not found: {:?}", info.label));
                continue;
            };
            taken[i] = true;
            let f = &found[i];
            t.found += 1;
            if f.kind == info.kind {
                t.kind += 1;
            } else {
                misses.push(format!(
                    "{file}: {:?} kind {} (expected {})",
                    info.label, f.kind, info.kind
                ));
            }
            if label_matches(&f.label, &info.label) {
                t.label += 1;
            } else {
                misses.push(format!(
                    "{file}: label {:?} (expected {:?})",
                    f.label, info.label
                ));
            }
            if !info.section.is_empty() {
                t.sections += 1;
                if norm(&f.section) == norm(&info.section) {
                    t.section_right += 1;
                } else {
                    misses.push(format!(
                        "{file}: section {:?} (expected {:?})",
                        f.section, info.section
                    ));
                }
            }
            if classify(f) == classify(&info) {
                t.agree += 1;
            } else {
                misses.push(format!(
                    "{file}: classify {:?} on {:?}/{:?} (expected {:?})",
                    classify(f),
                    f.label,
                    f.section,
                    classify(&info)
                ));
            }
        }
        for (f, _) in found.iter().zip(&taken).filter(|(_, t)| !**t) {
            t.extra += 1;
            misses.push(format!(
                "{file}: extra {} {:?} name={:?} id={:?}",
                f.kind, f.label, f.name, f.id
            ));
        }
        rows.push(format!(
            "{file:<22} {:>4} {:>6} {:>5} {:>6} {:>6} {:>8} {:>9.2}",
            t.expected,
            t.found,
            t.kind,
            t.label,
            t.extra,
            t.agree,
            elapsed.as_secs_f64() * 1000.0
        ));
        assert!(t.extra <= 3, "{file}: {} extra fields", t.extra);
        total.expected += t.expected;
        total.found += t.found;
        total.kind += t.kind;
        total.label += t.label;
        total.extra += t.extra;
        total.agree += t.agree;
        total.sections += t.sections;
        total.section_right += t.section_right;
    }
    for m in &misses {
        println!("  {m}");
    }
    println!("form                   exp.  found  kind  label  extra classify  ms/form");
    for r in &rows {
        println!("{r}");
    }
    println!(
        "{:<22} {:>4} {:>6} {:>5} {:>6} {:>6} {:>8}",
        "total", total.expected, total.found, total.kind, total.label, total.extra, total.agree
    );
    println!(
        "sections (where fields.json gives one): {} of {} right",
        total.section_right, total.sections
    );
    let pct = |n: usize| 100.0 * n as f64 / total.expected as f64;
    println!(
        "found {:.1}%, right kind {:.1}%, right label {:.1}%, classify agrees {:.1}%",
        pct(total.found),
        pct(total.kind),
        pct(total.label),
        pct(total.agree)
    );
    assert!(pct(total.found) >= 95.0, "found {:.1}%", pct(total.found));
    assert!(
        pct(total.kind) >= 90.0,
        "right kind {:.1}%",
        pct(total.kind)
    );
    assert!(
        pct(total.label) >= 90.0,
        "right label {:.1}%",
        pct(total.label)
    );
    assert!(
        pct(total.agree) >= 90.0,
        "classify agrees {:.1}%",
        pct(total.agree)
    );
}
