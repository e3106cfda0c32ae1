//! What to put in each field found on a form: the client's answer, the option to choose, the file to attach, or
//! why the field is left for the employee. Nothing here touches a page: the content script carries the plan out.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::classify::{is_private, normalized};
use super::{classify, Found, Slot};

/// An answer the client gave to a question a form asked, kept for the next form asking it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedAnswer {
    pub question: String,
    pub answer: String,
}

/// The client's answers, as the popup hands them to the content script (read from the job's application packet,
/// `GET /api/v1/jobs/{id}/application`). Empty means unknown: such a field is left.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FillProfile {
    pub first_name: String,
    pub last_name: String,
    pub preferred_name: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub city: String,
    pub postal_code: String,
    pub country: String,
    pub location: String,
    pub linkedin: String,
    pub github: String,
    pub portfolio: String,
    pub website: String,
    pub summary: String,
    /// The job the client holds now (an experience entry without an end).
    pub current_company: String,
    pub current_title: String,
    /// The most recent experience entry.
    pub experience_title: String,
    pub experience_company: String,
    pub experience_location: String,
    /// The first education entry.
    pub school: String,
    pub degree: String,
    pub discipline: String,
    pub how_heard: String,
    /// `yes`, `no` or empty.
    pub authorized_to_work: String,
    /// `yes`, `no` or empty.
    pub needs_sponsorship: String,
    pub cover_letter: String,
    /// The file name of the resume chosen for the job (empty: none was chosen).
    pub resume: String,
    pub saved: Vec<SavedAnswer>,
}

fn text(v: &Value, path: &[&str]) -> String {
    let mut cur = v;
    for key in path {
        cur = &cur[*key];
    }
    cur.as_str().unwrap_or_default().trim().to_string()
}

impl FillProfile {
    /// From the JSON of an application packet.
    pub fn from_packet(packet: &Value) -> FillProfile {
        let p = &packet["profile"];
        let contact = |k: &str| text(p, &["contact", k]);
        let answer = |k: &str| text(p, &["answers", k]);
        let empty = Vec::new();
        let experience = p["experience"].as_array().unwrap_or(&empty);
        let latest = experience.first().cloned().unwrap_or(Value::Null);
        let current = experience
            .iter()
            .find(|e| text(e, &["end"]).is_empty() && !text(e, &["company"]).is_empty())
            .cloned()
            .unwrap_or(Value::Null);
        let education = p["education"]
            .as_array()
            .and_then(|e| e.first())
            .cloned()
            .unwrap_or(Value::Null);
        let location = match contact("location") {
            l if !l.is_empty() => l,
            _ => [contact("city"), contact("country")]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
        };
        let saved = p["answers"]["saved"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .map(|s| SavedAnswer {
                question: text(s, &["question"]),
                answer: text(s, &["answer"]),
            })
            .filter(|s| !s.question.is_empty() && !s.answer.is_empty())
            .collect();
        FillProfile {
            first_name: text(packet, &["first_name"]),
            last_name: text(packet, &["last_name"]),
            preferred_name: answer("preferred_name"),
            email: text(packet, &["email"]),
            phone: contact("phone"),
            address: contact("address"),
            city: contact("city"),
            postal_code: contact("postal_code"),
            country: contact("country"),
            location,
            linkedin: contact("linkedin"),
            github: contact("github"),
            portfolio: contact("portfolio"),
            website: contact("website"),
            summary: text(p, &["summary"]),
            current_company: text(&current, &["company"]),
            current_title: text(&current, &["title"]),
            experience_title: text(&latest, &["title"]),
            experience_company: text(&latest, &["company"]),
            experience_location: text(&latest, &["location"]),
            school: text(&education, &["school"]),
            degree: text(&education, &["degree"]),
            discipline: text(&education, &["field"]),
            how_heard: answer("how_heard"),
            authorized_to_work: answer("authorized_to_work"),
            needs_sponsorship: answer("needs_sponsorship"),
            cover_letter: text(p, &["answers", "cover_letter"]),
            resume: text(packet, &["resume", "file_name"]),
            saved,
        }
    }

    /// The text answer for a slot (empty when the profile has none).
    fn value(&self, slot: Slot) -> String {
        let full = format!("{} {}", self.first_name, self.last_name);
        match slot {
            Slot::FirstName => self.first_name.clone(),
            Slot::LastName => self.last_name.clone(),
            Slot::FullName => full.trim().to_string(),
            Slot::PreferredName => self.preferred_name.clone(),
            Slot::Email => self.email.clone(),
            Slot::Phone => self.phone.clone(),
            Slot::Address => self.address.clone(),
            Slot::City => self.city.clone(),
            Slot::PostalCode => self.postal_code.clone(),
            Slot::Country => self.country.clone(),
            Slot::Location => self.location.clone(),
            Slot::LinkedIn => self.linkedin.clone(),
            Slot::GitHub => self.github.clone(),
            Slot::Portfolio => self.portfolio.clone(),
            Slot::Website => self.website.clone(),
            Slot::Summary => self.summary.clone(),
            Slot::CurrentCompany => self.current_company.clone(),
            Slot::CurrentTitle => self.current_title.clone(),
            Slot::ExperienceTitle => self.experience_title.clone(),
            Slot::ExperienceCompany => self.experience_company.clone(),
            Slot::ExperienceLocation => self.experience_location.clone(),
            Slot::School => self.school.clone(),
            Slot::Degree => self.degree.clone(),
            Slot::Discipline => self.discipline.clone(),
            Slot::HowHeard => self.how_heard.clone(),
            Slot::CoverLetterText => self.cover_letter.clone(),
            Slot::MiddleName
            | Slot::Address2
            | Slot::State
            | Slot::Twitter
            | Slot::Headline
            | Slot::WorkAuthorization
            | Slot::Sponsorship
            | Slot::Resume
            | Slot::CoverLetterFile => String::new(),
        }
    }

    /// The client's saved answer to this question, compared word for word.
    fn saved_answer(&self, question: &str) -> Option<&str> {
        let q = normalized(question);
        if q.is_empty() {
            return None;
        }
        self.saved
            .iter()
            .find(|s| normalized(&s.question) == q)
            .map(|s| s.answer.as_str())
    }
}

/// What to do with a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "do", content = "value", rename_all = "snake_case")]
pub enum Action {
    /// Type this text.
    Text(String),
    /// Choose the option that reads like this (a menu, a radio group, a combobox).
    Choose(String),
    /// Answer yes or no: the option that reads yes or no; a lone checkbox is ticked for yes.
    YesNo(bool),
    /// Attach the resume chosen for the job.
    Resume,
    /// Attach the client's cover letter text as a file.
    CoverLetter,
}

/// The decision for one field: an action, or the reason it is left for the employee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Index into the fields found.
    pub field: usize,
    pub slot: Option<Slot>,
    pub action: Option<Action>,
    pub reason: String,
}

fn yes_no(answer: &str) -> Option<bool> {
    match normalized(answer).as_str() {
        "yes" | "y" | "true" => Some(true),
        "no" | "n" | "false" => Some(false),
        _ => None,
    }
}

/// An answer given as text, fitted to the field's kind.
fn answer_for(kind: &str, answer: &str) -> Option<Action> {
    match kind {
        "select" | "radio" => {
            Some(yes_no(answer).map_or_else(|| Action::Choose(answer.to_string()), Action::YesNo))
        }
        "checkbox" => yes_no(answer).map(Action::YesNo),
        "file" => None,
        _ => Some(Action::Text(answer.to_string())),
    }
}

const NEVER: &str = "Never answered for the client (personal, or a consent)";
/// The reason given for a question only the client can answer (the popup offers to ask them).
pub const ASK: &str = "A question the client's profile does not answer";

/// What to put in each field.
pub fn plan(found: &[Found], p: &FillProfile) -> Vec<Step> {
    found
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let kind = f.info.kind.as_str();
            let slot = classify(&f.info);
            let step = |action: Option<Action>, reason: &str| Step {
                field: i,
                slot,
                reason: if action.is_some() {
                    String::new()
                } else {
                    reason.to_string()
                },
                action,
            };
            let Some(slot) = slot else {
                if is_private(&f.info) {
                    return step(None, NEVER);
                }
                if kind == "file" {
                    return step(None, "Not a file the profile holds");
                }
                let saved = p
                    .saved_answer(&f.info.label)
                    .and_then(|a| answer_for(kind, a));
                return step(saved, ASK);
            };
            match slot {
                Slot::Resume if kind == "file" && !p.resume.is_empty() => {
                    step(Some(Action::Resume), "")
                }
                Slot::Resume => step(None, "The client chose no resume for this job"),
                Slot::CoverLetterFile if kind == "file" && !p.cover_letter.is_empty() => {
                    step(Some(Action::CoverLetter), "")
                }
                Slot::CoverLetterFile => step(None, "The client gave no cover letter"),
                Slot::WorkAuthorization | Slot::Sponsorship => {
                    let answer = if slot == Slot::WorkAuthorization {
                        &p.authorized_to_work
                    } else {
                        &p.needs_sponsorship
                    };
                    match yes_no(answer) {
                        Some(b) if matches!(kind, "text" | "textarea") => {
                            step(Some(Action::Text(if b { "Yes" } else { "No" }.into())), "")
                        }
                        Some(b) => step(Some(Action::YesNo(b)), ""),
                        None => step(None, "Not answered in the client's profile"),
                    }
                }
                _ if kind == "file" => step(None, "Not a file the profile holds"),
                _ => {
                    let v = p.value(slot);
                    if v.is_empty() {
                        step(None, "Not in the client's profile")
                    } else if kind == "checkbox" {
                        step(None, "A checkbox the profile does not answer")
                    } else if matches!(kind, "select" | "radio") {
                        // A menu is chosen from for answers that are one of a list (a country, a school); a menu
                        // under a phone or a name is something else (a country code).
                        let listed = matches!(
                            slot,
                            Slot::Country
                                | Slot::City
                                | Slot::Location
                                | Slot::HowHeard
                                | Slot::School
                                | Slot::Degree
                                | Slot::Discipline
                                | Slot::ExperienceLocation
                        );
                        if listed {
                            step(Some(Action::Choose(v)), "")
                        } else {
                            step(None, "A menu the profile does not answer")
                        }
                    } else {
                        step(Some(Action::Text(v)), "")
                    }
                }
            }
        })
        .collect()
}

/// The option to pick among those a person reads (a menu's options, a radio group's labels) for a Choose or YesNo
/// action: the option reading exactly like the answer, else one starting with it (or that it starts with), else
/// one holding it as whole words. Yes/no: the one option whose first word is yes (or no). None when unsure.
pub fn pick_option(options: &[String], action: &Action) -> Option<usize> {
    let opts: Vec<String> = options.iter().map(|o| normalized(o)).collect();
    match action {
        Action::YesNo(b) => {
            let want = if *b { "yes" } else { "no" };
            let hits: Vec<usize> = opts
                .iter()
                .enumerate()
                .filter(|(_, o)| o.split(' ').next() == Some(want))
                .map(|(i, _)| i)
                .collect();
            (hits.len() == 1).then(|| hits[0])
        }
        Action::Choose(v) => {
            let v = normalized(v);
            if v.is_empty() {
                return None;
            }
            let padded = |s: &str| format!(" {s} ");
            opts.iter()
                .position(|o| *o == v)
                .or_else(|| {
                    opts.iter().position(|o| {
                        !o.is_empty()
                            && (o.starts_with(&format!("{v} "))
                                || (o.len() >= 3 && v.starts_with(&format!("{o} "))))
                    })
                })
                .or_else(|| {
                    (v.len() >= 4)
                        .then(|| opts.iter().position(|o| padded(o).contains(&padded(&v))))
                        .flatten()
                })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn options_are_picked_by_what_they_read() {
        let yn = s(&["Select...", "Yes", "No"]);
        assert_eq!(pick_option(&yn, &Action::YesNo(true)), Some(1));
        assert_eq!(pick_option(&yn, &Action::YesNo(false)), Some(2));
        // Lever's typo "N0" is not a no: left for the employee.
        assert_eq!(pick_option(&s(&["Yes", "N0"]), &Action::YesNo(false)), None);
        let long = s(&[
            "Yes - I DO have the legal documents",
            "No - I DO NOT have the legal documents",
        ]);
        assert_eq!(pick_option(&long, &Action::YesNo(false)), Some(1));
        let countries = s(&["Canada", "United States of America", "United Kingdom"]);
        let choose = |v: &str| pick_option(&countries, &Action::Choose(v.into()));
        assert_eq!(choose("united kingdom"), Some(2));
        assert_eq!(choose("United States"), Some(1));
        assert_eq!(choose("Germany"), None);
        assert_eq!(choose(""), None);
        let heard = s(&["LinkedIn", "Employee Referral", "Company Website"]);
        assert_eq!(
            pick_option(&heard, &Action::Choose("Website".into())),
            Some(2)
        );
    }

    #[test]
    fn a_packet_becomes_a_profile() {
        let packet = serde_json::json!({
            "first_name": "Jo", "last_name": "Client", "email": "jo@example.com",
            "resume": {"file_name": "cv.pdf"},
            "profile": {
                "experience": [
                    {"title": "Lead", "company": "Acme", "end": ""},
                    {"title": "Dev", "company": "Old", "end": "2020"}
                ],
                "education": [{"school": "Leeds", "degree": "BSc", "field": "Physics"}],
                "contact": {"city": "Leeds", "country": "United Kingdom"},
                "answers": {"authorized_to_work": "yes", "saved": [{"question": "Willing to relocate?", "answer": "No"}]}
            }
        });
        let p = FillProfile::from_packet(&packet);
        assert_eq!(p.location, "Leeds, United Kingdom");
        assert_eq!(
            (p.current_company.as_str(), p.current_title.as_str()),
            ("Acme", "Lead")
        );
        assert_eq!(p.discipline, "Physics");
        assert_eq!(p.resume, "cv.pdf");
        assert_eq!(p.saved_answer("Willing to relocate ?"), Some("No"));
        assert_eq!(p.value(Slot::FullName), "Jo Client");
    }
}
