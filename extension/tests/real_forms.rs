//! Field recognition on real application forms saved by other people (`shared/fixtures/forms/fields.json`, every
//! field a person sees on each form): each field → `classify`, compared with the answer a person would give it from
//! a client's profile, or none. A field that takes no profile answer (a screening question, an equal-opportunity
//! question, a consent) must be left alone: a wrong guess fails the test like a miss.
//!
//! The shared directory is `$SHARED_DIR` when set, else `../../shared` from this crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use extension::fill::{classify, FieldInfo, Slot};
use serde_json::Value;
use Slot::*;

fn fields_json() -> Value {
    let shared = std::env::var("SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")));
    let path = shared.join("fixtures/forms/fields.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Per form, (field number in fields.json, the profile answer it takes); every other field takes none.
fn expected() -> Vec<(&'static str, Vec<(usize, Slot)>)> {
    vec![
        (
            "greenhouse-1.html",
            vec![
                (0, FirstName),
                (1, LastName),
                (2, Email),
                (3, Country),
                (4, Phone),
                (5, Resume),
                (6, CoverLetterFile),
                (7, LinkedIn),
                (8, PreferredName),
                (9, Country),
                (14, Sponsorship),
            ],
        ),
        (
            "greenhouse-2.html",
            vec![
                (0, FirstName),
                (1, LastName),
                (2, PreferredName),
                (3, Email),
                (4, Country),
                (5, Phone),
                (6, Resume),
                (7, CoverLetterFile),
                (8, School),
                (9, Degree),
                (10, Discipline),
                (15, LinkedIn),
                (16, HowHeard),
                (18, WorkAuthorization),
                (19, Sponsorship),
            ],
        ),
        (
            "lever-1.html",
            vec![
                (0, Resume),
                (1, FullName),
                (4, Email),
                (5, Phone),
                (6, Location),
                (7, CurrentCompany),
                (8, LinkedIn),
                (9, Twitter),
                (10, GitHub),
                (11, Portfolio),
                (12, Website),
                (14, FullName),
                (15, PreferredName),
                (16, Sponsorship),
            ],
        ),
        (
            "ashby-1.html",
            vec![
                (1, FullName),
                (2, Email),
                (3, Phone),
                (6, Resume),
                (7, LinkedIn),
            ],
        ),
        (
            "workable-1.html",
            vec![
                (0, FirstName),
                (1, LastName),
                (2, Email),
                (3, Headline),
                (5, Phone),
                (6, Address),
                (8, Summary),
                (9, Resume),
                (10, CoverLetterText),
                (11, WorkAuthorization),
            ],
        ),
        (
            "teamtailor-1.html",
            vec![
                (3, FirstName),
                (4, LastName),
                (5, Email),
                (6, Phone),
                (7, Resume),
                (9, CoverLetterText),
            ],
        ),
        (
            "workday-1.html",
            vec![
                (0, ExperienceTitle),
                (1, ExperienceCompany),
                (2, ExperienceLocation),
                (10, Resume),
                (11, LinkedIn),
            ],
        ),
        (
            "successfactors-1.html",
            vec![
                (0, Resume),
                (1, CoverLetterFile),
                (2, FirstName),
                (3, MiddleName),
                (4, LastName),
                (6, Phone),
                (7, Email),
                (8, PreferredName),
                (15, Address),
                (16, Address2),
                (17, City),
                (18, Country),
                (19, State),
                (20, PostalCode),
                (21, ExperienceTitle),
                (22, ExperienceCompany),
                (29, Degree),
                (30, School),
                (31, Discipline),
            ],
        ),
        (
            "breezy-1.html",
            vec![
                (0, Resume),
                (1, FullName),
                (2, Email),
                (3, Address),
                (7, Summary),
                (8, CoverLetterText),
            ],
        ),
    ]
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_string()
}

#[test]
fn every_form_has_expectations() {
    let mut forms: Vec<String> = fields_json().as_object().unwrap().keys().cloned().collect();
    let mut listed: Vec<String> = expected().iter().map(|(f, _)| f.to_string()).collect();
    forms.sort();
    listed.sort();
    assert_eq!(forms, listed);
}

#[test]
fn fields_of_real_forms_are_recognized_and_the_rest_left_alone() {
    let all = fields_json();
    let (mut right, mut total, mut answered) = (0, 0, 0);
    let mut wrong = Vec::new();
    for (form, slots) in expected() {
        for (i, field) in all[form]["fields"].as_array().unwrap().iter().enumerate() {
            let info = FieldInfo {
                label: text(field, "label"),
                name: text(field, "name"),
                id: text(field, "id"),
                kind: text(field, "type"),
                autocomplete: text(field, "autocomplete"),
                section: text(field, "section"),
            };
            let want = slots.iter().find(|(n, _)| *n == i).map(|(_, s)| *s);
            let got = classify(&info);
            total += 1;
            answered += usize::from(want.is_some());
            if got == want {
                right += 1;
            } else {
                wrong.push(format!(
                    "{form} #{i} {:?}: got {got:?}, want {want:?}",
                    info.label
                ));
            }
            println!(
                "{form:<22} {i:>2} {:<50} {got:?}",
                info.label.chars().take(50).collect::<String>()
            );
        }
    }
    println!("{right}/{total} fields right ({answered} take a profile answer)");
    assert!(wrong.is_empty(), "{wrong:#?}");
}
