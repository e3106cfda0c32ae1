//! What the filler would do on real application forms saved by other people (`shared/fixtures/forms/*.html`), for
//! one client's profile: the answer planned for each field a person sees, the option a radio or checkbox question
//! would get (read from the text beside each box, as the content script reads it), and every field it leaves, with
//! the reason. Prints a table per form; asserts the decisions that matter: names, contacts, links and the resume
//! planned where the form asks for them; yes/no questions answered from the profile by their options' text;
//! personal questions and consents never answered; a question the profile cannot answer left for the employee.
//!
//! The shared directory is `$SHARED_DIR` when set, else `../../shared` from this crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use extension::fill::{found_fields, pick_option, plan, Action, FillProfile, Found, SavedAnswer};
use serde_json::Value;

fn forms_dir() -> PathBuf {
    std::env::var("SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")))
        .join("fixtures/forms")
}

fn profile() -> FillProfile {
    FillProfile {
        first_name: "Rhea".into(),
        last_name: "Realpage".into(),
        preferred_name: "Rae".into(),
        email: "rhea@example.com".into(),
        phone: "+44 7700 900123".into(),
        address: "12 Harbour Street".into(),
        city: "Leeds".into(),
        postal_code: "LS1 4AP".into(),
        country: "United Kingdom".into(),
        location: "Leeds, United Kingdom".into(),
        linkedin: "https://www.linkedin.com/in/rhea".into(),
        github: "https://github.com/rhea".into(),
        portfolio: "https://rhea.example.com".into(),
        current_company: "Acme".into(),
        how_heard: "LinkedIn".into(),
        authorized_to_work: "yes".into(),
        needs_sponsorship: "no".into(),
        cover_letter: "Dear hiring team".into(),
        resume: "Rhea CV.pdf".into(),
        saved: vec![SavedAnswer {
            question: "Are you fluent both in English and Swedish?".into(),
            answer: "No".into(),
        }],
        ..FillProfile::default()
    }
}

fn load(file: &str) -> (Vec<Found>, Vec<extension::fill::Step>) {
    let html = std::fs::read_to_string(forms_dir().join(file)).unwrap();
    let found = found_fields(&html);
    let steps = plan(&found, &profile());
    println!("\n{file}");
    for s in &steps {
        let f = &found[s.field];
        let what = match &s.action {
            Some(a) => format!("{a:?}"),
            None => format!("left: {}", s.reason),
        };
        let label: String = f.info.label.chars().take(60).collect();
        println!("  {:<8} {:<62} {what}", f.info.kind, label);
    }
    (found, steps)
}

/// The planned action of the field whose label starts with `label` (or whose id or name is `label`).
fn action_of<'a>(
    found: &[Found],
    steps: &'a [extension::fill::Step],
    label: &str,
) -> Option<&'a Action> {
    let i = found
        .iter()
        .position(|f| {
            f.info
                .label
                .to_lowercase()
                .starts_with(&label.to_lowercase())
                || f.info.id == label
                || f.info.name == label
        })
        .unwrap_or_else(|| panic!("no field {label}"));
    steps[i].action.as_ref()
}

fn text(v: &str) -> Option<Action> {
    Some(Action::Text(v.into()))
}

#[test]
fn greenhouse_lever_workable_and_teamtailor_forms_get_the_clients_answers() {
    let (f, s) = load("greenhouse-2.html");
    assert_eq!(action_of(&f, &s, "first_name").cloned(), text("Rhea"));
    assert_eq!(action_of(&f, &s, "last_name").cloned(), text("Realpage"));
    assert_eq!(action_of(&f, &s, "preferred_name").cloned(), text("Rae"));
    assert_eq!(
        action_of(&f, &s, "email").cloned(),
        text("rhea@example.com")
    );
    assert_eq!(action_of(&f, &s, "phone").cloned(), text("+44 7700 900123"));
    assert_eq!(action_of(&f, &s, "resume"), Some(&Action::Resume));
    assert_eq!(
        action_of(&f, &s, "cover_letter"),
        Some(&Action::CoverLetter)
    );
    assert_eq!(
        action_of(&f, &s, "LinkedIn Profile").cloned(),
        text("https://www.linkedin.com/in/rhea")
    );
    assert_eq!(
        action_of(&f, &s, "How did you hear").cloned(),
        Some(Action::Choose("LinkedIn".into()))
    );
    assert_eq!(
        action_of(&f, &s, "Are you legally authorized"),
        Some(&Action::YesNo(true))
    );
    assert_eq!(
        action_of(&f, &s, "Will you now or in the future"),
        Some(&Action::YesNo(false))
    );
    // Personal questions and questions the profile cannot answer are left.
    assert_eq!(
        action_of(&f, &s, "How would you describe your gender"),
        None
    );
    assert_eq!(
        action_of(&f, &s, "Are you located in the San Francisco"),
        None
    );
    let left: Vec<&str> = s
        .iter()
        .filter(|s| s.action.is_none())
        .map(|s| s.reason.as_str())
        .collect();
    assert!(left
        .iter()
        .any(|r| r.contains("never") || r.contains("Never")));
    assert!(left.iter().any(|r| r.contains("does not answer")));

    let (f, s) = load("lever-1.html");
    assert_eq!(action_of(&f, &s, "name").cloned(), text("Rhea Realpage"));
    assert_eq!(action_of(&f, &s, "resume"), Some(&Action::Resume));
    assert_eq!(action_of(&f, &s, "org").cloned(), text("Acme"));
    assert_eq!(
        action_of(&f, &s, "urls[GitHub]").cloned(),
        text("https://github.com/rhea")
    );
    assert_eq!(
        action_of(&f, &s, "location").cloned(),
        text("Leeds, United Kingdom")
    );
    // The sponsorship question's options are "Yes" and the employer's typo "N0": planned, but no option reads no.
    let i = f
        .iter()
        .position(|x| x.info.label.starts_with("Will you need visa"))
        .unwrap();
    assert_eq!(s[i].action, Some(Action::YesNo(false)));
    let texts: Vec<String> = f[i].options.iter().map(|o| o.text.clone()).collect();
    assert_eq!(texts, ["Yes", "N0"]);
    assert_eq!(pick_option(&texts, &Action::YesNo(false)), None);
    assert_eq!(action_of(&f, &s, "Pronouns"), None);

    let (f, s) = load("workable-1.html");
    assert_eq!(action_of(&f, &s, "firstname").cloned(), text("Rhea"));
    assert_eq!(
        action_of(&f, &s, "address").cloned(),
        text("12 Harbour Street")
    );
    assert_eq!(
        action_of(&f, &s, "cover_letter").cloned(),
        text("Dear hiring team")
    );
    // "Right to work": two checkboxes whose text starts with Yes / No.
    let i = f
        .iter()
        .position(|x| x.info.label.starts_with("Right to work"))
        .unwrap();
    let texts: Vec<String> = f[i].options.iter().map(|o| o.text.clone()).collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    if let Some(a) = &s[i].action {
        let pick = pick_option(&texts, a).expect("an option reading yes");
        assert!(texts[pick].starts_with("Yes"), "{}", texts[pick]);
    }
    assert_eq!(action_of(&f, &s, "gdpr"), None);
    // The phone's country-code menu is not the phone.
    let code = f.iter().position(|x| x.info.kind == "select").unwrap();
    assert_eq!(s[code].action, None);

    let (f, s) = load("teamtailor-1.html");
    assert_eq!(
        action_of(&f, &s, "candidate[first_name]").cloned(),
        text("Rhea")
    );
    // A question the client answered before, saved in the profile, is answered with that answer.
    let i = f
        .iter()
        .position(|x| x.info.label.starts_with("Are you fluent"))
        .unwrap();
    assert_eq!(s[i].action, Some(Action::YesNo(false)));
    let texts: Vec<String> = f[i].options.iter().map(|o| o.text.clone()).collect();
    assert_eq!(texts, ["Yes", "No"]);
    // One it did not: left.
    assert_eq!(
        action_of(&f, &s, "Do you have experience providing legal"),
        None
    );
}

/// The text beside each radio and checkbox, compared with the options `fields.json` lists.
#[test]
fn options_read_beside_each_box_match_what_a_person_reads() {
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(forms_dir().join("fields.json")).unwrap())
            .unwrap();
    let (mut right, mut total) = (0, 0);
    for (file, form) in json.as_object().unwrap() {
        let html = std::fs::read_to_string(forms_dir().join(file)).unwrap();
        let found = found_fields(&html);
        for field in form["fields"].as_array().unwrap() {
            let kind = field["type"].as_str().unwrap_or_default();
            let Some(options) = field["options"].as_array() else {
                continue;
            };
            if !(kind == "radio" || kind == "checkbox") || options.len() < 2 {
                continue;
            }
            let want: Vec<String> = options
                .iter()
                .map(|o| o.as_str().unwrap_or_default().to_lowercase())
                .collect();
            let label = field["label"].as_str().unwrap_or_default().to_lowercase();
            let label = label.trim_end_matches('…');
            let got = found
                .iter()
                .find(|f| f.info.label.to_lowercase().starts_with(label) && f.options.len() > 1);
            total += 1;
            let got: Vec<String> = got
                .map(|f| f.options.iter().map(|o| o.text.to_lowercase()).collect())
                .unwrap_or_default();
            let ok = got.len() == want.len()
                && got
                    .iter()
                    .zip(&want)
                    .all(|(g, w)| g.starts_with(w.trim_end_matches('…')));
            println!(
                "{file} {label:.50}: {}",
                if ok { "ok" } else { "DIFFERENT" }
            );
            if !ok {
                println!("   got  {got:?}\n   want {want:?}");
            }
            right += usize::from(ok);
        }
    }
    println!("options right: {right}/{total}");
    assert!(total >= 8, "{total} questions with options");
    // Measured 11/15: Ashby draws its Yes/No as buttons over one hidden checkbox, its text-message consent and
    // Breezy's disability question are read as separate fields, Lever's "Custom" pronoun is read as its own field.
    assert!(right * 10 >= total * 7, "{right}/{total}");
}
