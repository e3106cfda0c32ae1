//! Which profile answer a form field asks for.

use serde::{Deserialize, Serialize};

/// A form field as the content script reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldInfo {
    /// The text a person reads as the field's question (its `<label>`, `aria-label`, or the heading before it).
    pub label: String,
    pub name: String,
    pub id: String,
    /// What the person sees: text, email, tel, number, file, select, radio, checkbox, textarea.
    pub kind: String,
    /// The `autocomplete` attribute.
    pub autocomplete: String,
    /// The heading of the form section the field is in ("Professional Experience", "Education"...).
    pub section: String,
}

/// A profile answer a field can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    FirstName,
    MiddleName,
    LastName,
    FullName,
    PreferredName,
    Email,
    Phone,
    Address,
    Address2,
    City,
    State,
    PostalCode,
    Country,
    /// Where the person lives, as one line ("Berlin, Germany").
    Location,
    LinkedIn,
    GitHub,
    Twitter,
    Portfolio,
    Website,
    Headline,
    Summary,
    CurrentCompany,
    CurrentTitle,
    /// The most recent work-experience entry's title, employer and place.
    ExperienceTitle,
    ExperienceCompany,
    ExperienceLocation,
    School,
    Degree,
    Discipline,
    HowHeard,
    WorkAuthorization,
    Sponsorship,
    Resume,
    CoverLetterFile,
    CoverLetterText,
}

/// Lower-case words of a text between spaces (`" first name "`): punctuation separates words, and so does a change
/// from a lower-case letter or digit to an upper-case one (`firstName` → `first name`, `urls[GitHub]` →
/// `urls git hub`).
fn words(text: &str) -> String {
    let mut out = String::from(" ");
    let mut prev_lower = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if c.is_uppercase() && prev_lower {
                out.push(' ');
            }
            out.extend(c.to_lowercase());
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with(' ') {
                out.push(' ');
            }
            prev_lower = false;
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// Does the word string contain any of these phrases as whole words?
fn has(w: &str, phrases: &[&str]) -> bool {
    phrases.iter().any(|p| w.contains(&format!(" {p} ")))
}

/// Questions never answered for the client, and consents never given for them.
const PRIVATE: [&str; 17] = [
    "gender",
    "pronouns",
    "pronoun",
    "race",
    "racial",
    "ethnicity",
    "ethnic",
    "hispanic",
    "veteran",
    "disability",
    "transgender",
    "sexual orientation",
    "consent",
    "privacy",
    "agree",
    "contact me",
    "gdpr",
];

/// A question never answered for the client (gender, ethnicity, veteran or disability status) or a consent.
pub fn is_private(f: &FieldInfo) -> bool {
    has(&words(&f.label), &PRIVATE)
        || has(
            &words(&format!("{} {}", f.name, f.id)),
            &["gender", "veteran", "disability", "consent", "gdpr"],
        )
}

/// Lower-case words separated by one space, for comparing a question or an option with an answer.
pub fn normalized(text: &str) -> String {
    words(text).trim().to_string()
}

/// The profile answer this field takes, or None when it is not sure.
pub fn classify(f: &FieldInfo) -> Option<Slot> {
    let label = words(&f.label);
    let ids = words(&format!("{} {}", f.name, f.id));
    let section = words(&f.section);
    let kind = f.kind.trim().to_ascii_lowercase();
    if is_private(f) {
        return None;
    }
    if kind == "file" {
        return file_slot(&label, &ids, &section);
    }
    if let Some(slot) = by_autocomplete(&f.autocomplete) {
        return Some(slot);
    }
    // Entries of a work-experience or education section: only their main facts.
    if has(&section, &["experience", "employment", "work history"])
        || ids.contains("work experience")
    {
        return if has(&label, &["title", "job title", "position"]) {
            Some(Slot::ExperienceTitle)
        } else if has(
            &label,
            &["company", "employer", "organization", "current employer"],
        ) {
            Some(Slot::ExperienceCompany)
        } else if has(&label, &["location"]) {
            Some(Slot::ExperienceLocation)
        } else if has(&label, &["linkedin", "linked in"]) {
            Some(Slot::LinkedIn)
        } else {
            None
        };
    }
    let education = has(&section, &["education"]);
    if let Some(slot) = question(&label) {
        return Some(slot);
    }
    // A long question the profile cannot answer goes to the client, not into a guess.
    if f.label.trim_end().ends_with('?') || label.split_whitespace().count() > 8 {
        return None;
    }
    let text = if label.trim().is_empty() {
        &ids
    } else {
        &label
    };
    let slot = short(text, &kind);
    if education {
        return slot.filter(|s| matches!(s, Slot::School | Slot::Degree | Slot::Discipline));
    }
    slot
}

fn file_slot(label: &str, ids: &str, section: &str) -> Option<Slot> {
    if has(
        label,
        &[
            "autofill",
            "photo",
            "picture",
            "avatar",
            "additional",
            "other",
        ],
    ) {
        return None;
    }
    if has(label, &["cover letter", "cover"]) || has(ids, &["cover letter", "cover"]) {
        return Some(Slot::CoverLetterFile);
    }
    let resume = ["resume", "cv", "résumé", "curriculum vitae"];
    (has(label, &resume) || has(section, &resume) || (label.trim().is_empty() && has(ids, &resume)))
        .then_some(Slot::Resume)
}

fn by_autocomplete(autocomplete: &str) -> Option<Slot> {
    // The last token names the field ("section-x shipping street-address").
    let token = autocomplete.split_whitespace().last()?.to_ascii_lowercase();
    Some(match token.as_str() {
        "given-name" => Slot::FirstName,
        "additional-name" => Slot::MiddleName,
        "family-name" => Slot::LastName,
        "name" => Slot::FullName,
        "nickname" => Slot::PreferredName,
        "email" => Slot::Email,
        "tel" | "tel-national" => Slot::Phone,
        "street-address" | "address-line1" => Slot::Address,
        "address-line2" => Slot::Address2,
        "address-level2" => Slot::City,
        "address-level1" => Slot::State,
        "postal-code" => Slot::PostalCode,
        "country" | "country-name" => Slot::Country,
        "organization" => Slot::CurrentCompany,
        "organization-title" => Slot::CurrentTitle,
        _ => return None,
    })
}

/// Questions whose answer the profile holds, whatever their length.
fn question(label: &str) -> Option<Slot> {
    if has(label, &["sponsor", "sponsorship", "visa sponsorship"]) {
        return Some(Slot::Sponsorship);
    }
    if has(
        label,
        &[
            "authorized to work",
            "authorised to work",
            "right to work",
            "eligible to work",
            "work authorization",
            "work authorisation",
            "legally allowed to work",
        ],
    ) {
        return Some(Slot::WorkAuthorization);
    }
    if has(
        label,
        &[
            "how did you hear",
            "where did you hear",
            "how did you find",
            "how did you learn",
        ],
    ) {
        return Some(Slot::HowHeard);
    }
    if has(label, &["country of residence"]) {
        return Some(Slot::Country);
    }
    if label.contains(" prefer") && has(label, &["name"]) {
        return Some(Slot::PreferredName);
    }
    None
}

/// Short labels (or names and ids): a field named for what it holds.
fn short(w: &str, kind: &str) -> Option<Slot> {
    // A phone's country-code picker is neither the phone nor the country.
    if has(w, &["country code"]) {
        return None;
    }
    let rules: [(&[&str], Slot); 28] = [
        (&["linkedin", "linked in"], Slot::LinkedIn),
        (&["github", "git hub"], Slot::GitHub),
        (&["twitter"], Slot::Twitter),
        (&["portfolio"], Slot::Portfolio),
        (
            &["website", "web site", "personal site", "homepage"],
            Slot::Website,
        ),
        (&["email", "e mail"], Slot::Email),
        (&["phone", "mobile", "telephone", "cell phone"], Slot::Phone),
        (
            &["first name", "given name", "firstname", "forename"],
            Slot::FirstName,
        ),
        (&["middle name"], Slot::MiddleName),
        (
            &["last name", "surname", "family name", "lastname"],
            Slot::LastName,
        ),
        (
            &["preferred name", "preferred first name", "nickname"],
            Slot::PreferredName,
        ),
        (
            &["full name", "legal name", "your name", "name"],
            Slot::FullName,
        ),
        (&["address 2", "address line 2"], Slot::Address2),
        (&["address", "street"], Slot::Address),
        (&["city", "town"], Slot::City),
        (
            &["postal code", "zip", "zip code", "postcode"],
            Slot::PostalCode,
        ),
        (&["country"], Slot::Country),
        (&["state", "province"], Slot::State),
        (&["current location", "location"], Slot::Location),
        (&["headline"], Slot::Headline),
        (&["cover letter"], Slot::CoverLetterText),
        (&["summary", "about you", "about yourself"], Slot::Summary),
        (
            &["current company", "company", "employer", "organization"],
            Slot::CurrentCompany,
        ),
        (&["current title", "job title", "title"], Slot::CurrentTitle),
        (&["school", "college", "university"], Slot::School),
        (&["degree"], Slot::Degree),
        (&["discipline", "major", "field of study"], Slot::Discipline),
        (&["source", "referral source"], Slot::HowHeard),
    ];
    for (phrases, slot) in rules {
        if has(w, phrases) {
            return match slot {
                Slot::CoverLetterText if kind != "textarea" && kind != "text" => None,
                slot => Some(slot),
            };
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(label: &str, name: &str, kind: &str) -> FieldInfo {
        FieldInfo {
            label: label.into(),
            name: name.into(),
            kind: kind.into(),
            ..FieldInfo::default()
        }
    }

    #[test]
    fn words_split_names_and_punctuation() {
        assert_eq!(words("firstName"), " first name ");
        assert_eq!(words("urls[GitHub]"), " urls git hub ");
        assert_eq!(words("E-mail *"), " e mail ");
    }

    #[test]
    fn labels_names_and_autocomplete() {
        assert_eq!(
            classify(&field("Email Address", "", "email")),
            Some(Slot::Email)
        );
        assert_eq!(
            classify(&field("", "firstName", "text")),
            Some(Slot::FirstName)
        );
        assert_eq!(classify(&field("Phone", "", "tel")), Some(Slot::Phone));
        assert_eq!(classify(&field("Country code", "", "select")), None);
        let mut f = field("Your given name", "x1", "text");
        f.autocomplete = "section-a given-name".into();
        assert_eq!(classify(&f), Some(Slot::FirstName));
        assert_eq!(classify(&field("Gender", "", "select")), None);
        assert_eq!(classify(&field("Photo", "", "file")), None);
        assert_eq!(
            classify(&field("Upload CV", "", "file")),
            Some(Slot::Resume)
        );
        assert_eq!(
            classify(&field(
                "Are you willing to relocate to Lisbon?",
                "",
                "radio"
            )),
            None
        );
    }
}
