//! Clean-up of the values that site rules read: the first matching selector, company names from titles, LinkedIn's
//! description line, Workday's tenant.

use super::text::{clean, is_aggregator, split_title, strip_site_decorations};
use super::url::Parts;
use super::Snapshot;

/// The first selector whose text, cleaned and then post-processed by `post`, is not empty.
pub(super) fn first(s: &Snapshot, selectors: &[&str], post: impl Fn(String) -> String) -> String {
    selectors
        .iter()
        .filter_map(|selector| s.text(selector))
        .map(|text| post(clean(text)).trim().to_string())
        .find(|text| !text.is_empty())
        .unwrap_or_default()
}

pub(super) fn or_else(value: String, fallback: impl FnOnce() -> String) -> String {
    if value.is_empty() {
        fallback()
    } else {
        value
    }
}

pub(super) fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> &'a str {
    let cut = s.len().saturating_sub(suffix.len());
    match (s.get(cut..), s.get(..cut)) {
        (Some(tail), Some(head)) if tail.eq_ignore_ascii_case(suffix) => head,
        _ => s,
    }
}

/// The company named in the document or Open Graph title ("Title @ Company", "Job Application for T at C"), when
/// the title part matches the job title we found.
pub(super) fn title_company(s: &Snapshot, job_title: &str) -> String {
    [Some(s.title.as_str()), s.meta("og:title")]
        .into_iter()
        .flatten()
        .map(|raw| split_title(raw, None, false))
        .find(|parts| {
            parts.explicit && (job_title.is_empty() || parts.title.eq_ignore_ascii_case(job_title))
        })
        .map(|parts| parts.company)
        .unwrap_or_default()
}

/// Lever titles are "Company - Job title".
pub(super) fn lever_company(s: &Snapshot, job_title: &str) -> String {
    for raw in [Some(s.title.as_str()), s.meta("og:title")]
        .into_iter()
        .flatten()
    {
        let raw = clean(raw);
        if !job_title.is_empty() {
            if let Some(company) = raw
                .strip_suffix(job_title)
                .and_then(|head| head.trim_end().strip_suffix(" -"))
            {
                if !company.trim().is_empty() {
                    return company.trim().to_string();
                }
            }
        }
        if let Some((company, _)) = raw.split_once(" - ") {
            if !company.trim().is_empty() {
                return company.trim().to_string();
            }
        }
    }
    String::new()
}

/// The tenant in `<tenant>.wd5.myworkdayjobs.com`: a last resort for the company. Its spelling comes from the career
/// site's path when that starts with it (`nvidia` + `/en-US/NVIDIAExternalCareerSite/...` → "NVIDIA"), else it is
/// capitalised ("marrowbank" → "Marrowbank").
pub(super) fn workday_tenant(url: &str) -> String {
    let Some(parts) = Parts::parse(url) else {
        return String::new();
    };
    let tenant = parts.host.split('.').next().unwrap_or_default();
    if tenant.is_empty()
        || !tenant.chars().all(|c| c.is_ascii_alphanumeric())
        || tenant.starts_with("wd")
    {
        return String::new();
    }
    let spelled = parts.segments().find_map(|segment| {
        let head = segment.get(..tenant.len())?;
        let rest = &segment[tenant.len()..];
        let boundary = rest.is_empty()
            || rest.starts_with(|c: char| c.is_ascii_uppercase() || c == '_' || c == '-');
        (head.eq_ignore_ascii_case(tenant) && boundary && head != tenant).then_some(head)
    });
    if let Some(head) = spelled {
        return head.to_string();
    }
    let mut chars = tenant.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// Words that mark the parts of LinkedIn's description line that are not the location.
const LINKEDIN_NOT_LOCATION: &[&str] = &[
    " ago",
    "applicant",
    "clicked apply",
    "reposted",
    "promoted",
    "responses managed",
    "actively recruiting",
    "easy apply",
    "people",
    "over ",
    "viewed",
];

/// LinkedIn's description line: "Toronto, ON, Canada · 3 days ago · Over 100 applicants", possibly starting with
/// the company ("Quillfeather Health · Toronto, ON, Canada (Hybrid) · ..."). The location is the first part that is
/// neither the company nor a time or applicant count.
pub(super) fn linkedin_location(line: &str, company: &str) -> String {
    let parts: Vec<&str> = line
        .split(['·', '•'])
        .map(str::trim)
        .filter(|part| {
            let lower = part.to_lowercase();
            !part.is_empty()
                && !part.eq_ignore_ascii_case(company)
                && !LINKEDIN_NOT_LOCATION
                    .iter()
                    .any(|word| lower.contains(word))
                && !lower.starts_with(|c: char| c.is_ascii_digit())
        })
        .map(without_time_phrase)
        .filter(|part| !part.is_empty())
        .collect();
    // Without the company's name, a line with two candidates is "Company · Location".
    let i = usize::from(company.is_empty() && parts.len() >= 2);
    parts
        .get(i)
        .map(|part| part.to_string())
        .unwrap_or_default()
}

/// A location followed by a time phrase without a separator, in any language ("France il y a 2 semaines",
/// "Deutschland vor 3 Tagen", "Canada 2 days ago"): cut before the first word with a digit and the lowercase words
/// that lead to it. LinkedIn's locations have no digits.
fn without_time_phrase(part: &str) -> &str {
    let words: Vec<(usize, &str)> = part
        .split(' ')
        .scan(0, |at, word| {
            let start = *at;
            *at += word.len() + 1;
            Some((start, word))
        })
        .collect();
    let Some(digit) = words
        .iter()
        .position(|(_, w)| w.chars().any(|c| c.is_ascii_digit()))
    else {
        return part;
    };
    let mut cut = digit;
    while cut > 0 && words[cut - 1].1.starts_with(|c: char| c.is_lowercase()) {
        cut -= 1;
    }
    match words.get(cut) {
        Some((start, _)) => part[..*start].trim(),
        None => part,
    }
}

/// The job title in a LinkedIn job page's document title "Title | Company | LinkedIn" (the 2026 layout has no
/// heading). Empty on other pages: a search page's title is the search's.
pub(super) fn linkedin_title(s: &Snapshot) -> String {
    let view = Parts::parse(&s.url).is_some_and(|p| p.segments().any(|seg| seg == "view"));
    if !view {
        return String::new();
    }
    strip_site_decorations(&s.title, None)
        .rsplit_once(" | ")
        .map(|(title, _)| title.trim().to_string())
        .unwrap_or_default()
}

/// The part of a title that follows the job title: "T | Company | LinkedIn" and "T - Company - Application" give
/// "Company" for `job_title` T. None unless the title starts with the job title and a separator.
pub(super) fn company_after_title(raw: &str, job_title: &str) -> Option<String> {
    let raw = strip_site_decorations(raw, None);
    if job_title.is_empty() {
        return None;
    }
    let head = raw.get(..job_title.len())?;
    if !head.eq_ignore_ascii_case(job_title) {
        return None;
    }
    let rest = &raw[job_title.len()..];
    let rest = [" | ", " - ", " – ", " — ", " · "]
        .iter()
        .find_map(|sep| rest.strip_prefix(sep))?;
    let company = [" | ", " - ", " – ", " — ", " · "]
        .iter()
        .filter_map(|sep| rest.find(sep))
        .min()
        .map_or(rest, |i| &rest[..i])
        .trim();
    (!company.is_empty() && !is_aggregator(company)).then(|| company.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linkedin_description_line() {
        assert_eq!(
            linkedin_location(
                "Toronto, ON, Canada · 3 days ago · 41 applicants",
                "Quillfeather"
            ),
            "Toronto, ON, Canada"
        );
        assert_eq!(
            linkedin_location(
                "Quillfeather · Toronto, ON, Canada (Hybrid) · Reposted 1 week ago",
                "Quillfeather"
            ),
            "Toronto, ON, Canada (Hybrid)"
        );
        assert_eq!(
            linkedin_location("Quillfeather · Toronto, ON, Canada · 2 days ago", ""),
            "Toronto, ON, Canada"
        );
        assert_eq!(linkedin_location("Berlin, Germany", ""), "Berlin, Germany");
        assert_eq!(
            linkedin_location(
                "Lincoln · Boulogne-Billancourt, Île-de-France, France il y a 2 semaines · 87 candidats",
                "Lincoln"
            ),
            "Boulogne-Billancourt, Île-de-France, France"
        );
        assert_eq!(
            linkedin_location("Hamburg, Deutschland vor 3 Tagen", ""),
            "Hamburg, Deutschland"
        );
        assert_eq!(
            linkedin_location("2 weeks ago · Over 100 applicants", ""),
            ""
        );
    }

    #[test]
    fn workday_tenant_names() {
        assert_eq!(
            workday_tenant("https://marrowbank.wd3.myworkdayjobs.com/x/job/y"),
            "Marrowbank"
        );
        assert_eq!(
            workday_tenant("https://acme.wd5.myworkdayjobs.com/en-US/ACMEExternal/job/y"),
            "ACME"
        );
        assert_eq!(
            workday_tenant("https://acme.wd5.myworkdayjobs.com/en-US/acmecorp/job/y"),
            "Acme"
        );
        assert_eq!(workday_tenant("https://wd3.myworkdayjobs.com/x/job/y"), "");
    }

    #[test]
    fn companies_after_titles() {
        assert_eq!(
            company_after_title("(2) Welder | Halvard | LinkedIn", "Welder").as_deref(),
            Some("Halvard")
        );
        assert_eq!(
            company_after_title("Welder - Halvard - Application", "welder").as_deref(),
            Some("Halvard")
        );
        assert_eq!(company_after_title("Welder", "Welder"), None);
        assert_eq!(company_after_title("Welder II - Halvard", "Welder"), None);
        assert_eq!(company_after_title("Welder | LinkedIn", "Welder"), None);
    }
}
