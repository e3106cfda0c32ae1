//! What a resume profile must look like: lengths, required entries and web addresses.

use crate::api::{resumes::ResumeProfile, AppError, FieldError};

use super::*;

pub(super) fn too_long(fields: &mut Vec<FieldError>, field: String, value: &str, max: usize) {
    if value.chars().count() > max {
        fields.push(FieldError {
            field,
            message: format!("Use at most {max} characters."),
        });
    }
}

pub(super) fn required(fields: &mut Vec<FieldError>, field: String, value: &str, what: &str) {
    if value.trim().is_empty() {
        fields.push(FieldError {
            field,
            message: format!("Enter the {what}."),
        });
    }
}

pub(super) fn web_address(fields: &mut Vec<FieldError>, field: &str, value: &str) {
    if value.is_empty() {
        return;
    }
    let ok = url::Url::parse(value)
        .map(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .unwrap_or(false);
    if !ok {
        fields.push(FieldError {
            field: field.into(),
            message: "Enter a full web address starting with https://.".into(),
        });
    }
}

/// Trim every text, drop empty entries and repeated skills, then check lengths. Field names are the form's:
/// `summary`, `experience.2.title`, `skills`, `contact.email`, ...
pub fn clean_profile(mut p: ResumeProfile) -> Result<ResumeProfile, AppError> {
    let t = |s: &mut String| *s = s.trim().to_string();
    t(&mut p.summary);
    for e in &mut p.experience {
        for s in [
            &mut e.title,
            &mut e.company,
            &mut e.location,
            &mut e.start,
            &mut e.end,
            &mut e.description,
        ] {
            t(s);
        }
    }
    p.experience.retain(|e| {
        !(e.title.is_empty()
            && e.company.is_empty()
            && e.location.is_empty()
            && e.start.is_empty()
            && e.end.is_empty()
            && e.description.is_empty())
    });
    for e in &mut p.education {
        for s in [
            &mut e.school,
            &mut e.degree,
            &mut e.field,
            &mut e.start,
            &mut e.end,
        ] {
            t(s);
        }
    }
    p.education.retain(|e| {
        !(e.school.is_empty()
            && e.degree.is_empty()
            && e.field.is_empty()
            && e.start.is_empty()
            && e.end.is_empty())
    });
    let mut skills: Vec<String> = Vec::new();
    for s in p.skills.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !skills.iter().any(|k| k.eq_ignore_ascii_case(s)) {
            skills.push(s.to_string());
        }
    }
    p.skills = skills;
    for s in [
        &mut p.contact.email,
        &mut p.contact.phone,
        &mut p.contact.location,
        &mut p.contact.linkedin,
        &mut p.contact.website,
        &mut p.contact.address,
        &mut p.contact.city,
        &mut p.contact.postal_code,
        &mut p.contact.country,
        &mut p.contact.github,
        &mut p.contact.portfolio,
        &mut p.answers.preferred_name,
        &mut p.answers.how_heard,
        &mut p.answers.cover_letter,
    ] {
        t(s);
    }
    for s in [
        &mut p.answers.authorized_to_work,
        &mut p.answers.needs_sponsorship,
    ] {
        *s = s.trim().to_ascii_lowercase();
    }
    for a in &mut p.answers.saved {
        t(&mut a.question);
        t(&mut a.answer);
    }
    p.answers
        .saved
        .retain(|a| !(a.question.is_empty() && a.answer.is_empty()));

    let mut f = Vec::new();
    too_long(&mut f, "summary".into(), &p.summary, SUMMARY_MAX);
    if p.experience.len() > ENTRIES_MAX {
        f.push(FieldError {
            field: "experience".into(),
            message: format!("List at most {ENTRIES_MAX} positions."),
        });
    }
    for (i, e) in p.experience.iter().enumerate() {
        required(
            &mut f,
            format!("experience.{i}.title"),
            &e.title,
            "job title",
        );
        required(
            &mut f,
            format!("experience.{i}.company"),
            &e.company,
            "company",
        );
        for (name, v) in [
            ("title", &e.title),
            ("company", &e.company),
            ("location", &e.location),
            ("start", &e.start),
            ("end", &e.end),
        ] {
            too_long(&mut f, format!("experience.{i}.{name}"), v, TEXT_MAX);
        }
        too_long(
            &mut f,
            format!("experience.{i}.description"),
            &e.description,
            DESCRIPTION_MAX,
        );
    }
    if p.education.len() > ENTRIES_MAX {
        f.push(FieldError {
            field: "education".into(),
            message: format!("List at most {ENTRIES_MAX} schools."),
        });
    }
    for (i, e) in p.education.iter().enumerate() {
        required(&mut f, format!("education.{i}.school"), &e.school, "school");
        for (name, v) in [
            ("school", &e.school),
            ("degree", &e.degree),
            ("field", &e.field),
            ("start", &e.start),
            ("end", &e.end),
        ] {
            too_long(&mut f, format!("education.{i}.{name}"), v, TEXT_MAX);
        }
    }
    if p.skills.len() > SKILLS_MAX {
        f.push(FieldError {
            field: "skills".into(),
            message: format!("List at most {SKILLS_MAX} skills."),
        });
    }
    if let Some(s) = p.skills.iter().find(|s| s.chars().count() > SKILL_MAX) {
        f.push(FieldError {
            field: "skills".into(),
            message: format!("Keep each skill under {SKILL_MAX} characters (\"{s}\" is longer)."),
        });
    }
    if !p.contact.email.is_empty() && crate::api::validate::Email::parse(&p.contact.email).is_err()
    {
        f.push(FieldError {
            field: "contact.email".into(),
            message: "Enter a valid email address.".into(),
        });
    }
    for (name, v) in [
        ("contact.phone", &p.contact.phone),
        ("contact.location", &p.contact.location),
        ("contact.address", &p.contact.address),
        ("contact.city", &p.contact.city),
        ("contact.postal_code", &p.contact.postal_code),
        ("contact.country", &p.contact.country),
        ("answers.preferred_name", &p.answers.preferred_name),
        ("answers.how_heard", &p.answers.how_heard),
    ] {
        too_long(&mut f, name.into(), v, TEXT_MAX);
    }
    for (name, v) in [
        ("contact.linkedin", &p.contact.linkedin),
        ("contact.website", &p.contact.website),
        ("contact.github", &p.contact.github),
        ("contact.portfolio", &p.contact.portfolio),
    ] {
        web_address(&mut f, name, v);
        too_long(&mut f, name.into(), v, 500);
    }
    for (name, v) in [
        ("answers.authorized_to_work", &p.answers.authorized_to_work),
        ("answers.needs_sponsorship", &p.answers.needs_sponsorship),
    ] {
        if !crate::api::resumes::YES_NO.contains(&v.as_str()) {
            f.push(FieldError {
                field: name.into(),
                message: "Choose yes or no, or leave it unanswered.".into(),
            });
        }
    }
    too_long(
        &mut f,
        "answers.cover_letter".into(),
        &p.answers.cover_letter,
        SUMMARY_MAX,
    );
    saved_answers(&mut f, &mut p.answers.saved);
    if f.is_empty() {
        Ok(p)
    } else {
        Err(AppError::fields(f))
    }
}

/// Answers kept for next time: each with its question, within the lengths a question may be asked with, at most
/// [`super::SAVED_MAX`]; a question given twice keeps its last answer.
fn saved_answers(f: &mut Vec<FieldError>, saved: &mut Vec<crate::api::resumes::SavedAnswer>) {
    use crate::api::questions::{same_question, ANSWER_MAX, QUESTION_MAX};
    let mut kept: Vec<crate::api::resumes::SavedAnswer> = Vec::new();
    for a in saved.drain(..) {
        kept.retain(|k| !same_question(&k.question, &a.question));
        kept.push(a);
    }
    *saved = kept;
    if saved.len() > super::SAVED_MAX {
        f.push(FieldError {
            field: "answers.saved".into(),
            message: format!("Keep at most {} answers.", super::SAVED_MAX),
        });
    }
    for (i, a) in saved.iter().enumerate() {
        required(
            f,
            format!("answers.saved.{i}.question"),
            &a.question,
            "question",
        );
        required(f, format!("answers.saved.{i}.answer"), &a.answer, "answer");
        too_long(
            f,
            format!("answers.saved.{i}.question"),
            &a.question,
            QUESTION_MAX,
        );
        too_long(
            f,
            format!("answers.saved.{i}.answer"),
            &a.answer,
            ANSWER_MAX,
        );
    }
}
