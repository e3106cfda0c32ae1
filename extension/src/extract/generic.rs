//! The fallback for pages without JSON-LD or site rules: Open Graph tags and the document title, used only when the
//! page shows some sign of being a single job posting.

use super::jsonld::mentions_job_posting;
use super::text::{clean, is_aggregator, is_listing_title, split_title};
use super::url::Parts;
use super::{Fields, Snapshot};

/// Path segments that introduce a job posting (`/careers/<slug>`, `/jobs/<id>`, ...).
const JOB_WORDS: &[&str] = &[
    "job",
    "jobs",
    "career",
    "careers",
    "position",
    "positions",
    "opening",
    "openings",
    "vacancy",
    "vacancies",
    "posting",
    "postings",
    "role",
    "roles",
    "opportunity",
    "opportunities",
    "stellenangebote",
    "stellenangebot",
    "stellen",
    "karriere",
    "emploi",
    "emplois",
    "offre",
    "offres",
    "empleo",
    "empleos",
    "vacature",
    "vacatures",
];

/// Host labels of careers sites (`careers.example.com/<slug>`).
const JOB_HOST_LABELS: &[&str] = &[
    "jobs",
    "careers",
    "career",
    "apply",
    "hiring",
    "recruiting",
    "karriere",
    "talent",
];

/// Segments that make a page a list of jobs or an information page rather than one posting.
const LIST_WORDS: &[&str] = &[
    "search",
    "results",
    "list",
    "all",
    "index",
    "category",
    "categories",
    "department",
    "departments",
    "team",
    "teams",
    "locations",
    "benefits",
    "culture",
    "about",
    "faq",
    "blog",
    "news",
];

/// Query parameters that carry a job id (`?gh_jid=`, `?jobId=`, ...).
const JOB_QUERY_KEYS: &[&str] = &[
    "gh_jid",
    "ashby_jid",
    "jobid",
    "job_id",
    "jk",
    "vjk",
    "currentjobid",
    "reqid",
    "req_id",
    "requisitionid",
    "postingid",
    "jobreqid",
];

/// A slug or id rather than a plain word: has a digit, `-` or `_`.
fn is_slug(segment: &str) -> bool {
    segment
        .chars()
        .any(|c| c.is_ascii_digit() || c == '-' || c == '_')
}

/// Does the URL look like one job posting (not a list)?
pub(crate) fn url_signal(url: &str) -> bool {
    let Some(parts) = Parts::parse(url) else {
        return false;
    };
    if !matches!(parts.scheme.as_str(), "http" | "https") {
        return false;
    }
    let segments: Vec<String> = parts.segments().map(str::to_ascii_lowercase).collect();
    if segments.iter().any(|s| LIST_WORDS.contains(&s.as_str())) {
        return false;
    }
    if parts
        .query_keys()
        .any(|key| JOB_QUERY_KEYS.iter().any(|k| key.eq_ignore_ascii_case(k)))
    {
        return true;
    }
    let after_job_word = segments
        .iter()
        .enumerate()
        .filter(|(_, s)| JOB_WORDS.contains(&s.as_str()))
        .any(|(i, _)| segments.get(i + 1).is_some_and(|next| is_slug(next)));
    let job_host = parts
        .host
        .split('.')
        .next()
        .is_some_and(|label| JOB_HOST_LABELS.contains(&label));
    after_job_word || (job_host && segments.last().is_some_and(|last| is_slug(last)))
}

/// Is there any sign that this page is a job posting? JSON-LD mentioning `JobPosting`, an Open Graph type about jobs,
/// or a job-posting URL — unless the page says it is an article.
pub(crate) fn has_job_signal(s: &Snapshot) -> bool {
    if mentions_job_posting(&s.json_ld) {
        return true;
    }
    let og_type = s.meta("og:type").unwrap_or_default().to_ascii_lowercase();
    if og_type.contains("job") {
        return true;
    }
    if og_type == "article"
        || og_type.starts_with("article:")
        || og_type == "blog"
        || og_type == "profile"
    {
        return false;
    }
    url_signal(&s.url)
}

/// Title, company and location from Open Graph tags and the document title.
///
/// As the main source (`primary`), a title split on a bare separator ("Title - Company") is accepted when the site
/// has no `og:site_name`. To complete another source's result only unambiguous forms are used ("Title at Company",
/// "Company hiring Title in Location", `og:site_name`), so that "Title - Location - Indeed.com" gives no company.
pub(crate) fn fields(s: &Snapshot, primary: bool) -> Fields {
    let site_name = s
        .meta("og:site_name")
        .map(clean)
        .filter(|name| !name.is_empty() && !is_aggregator(name));
    let loose = primary && site_name.is_none();
    let og = s
        .meta("og:title")
        .or_else(|| s.meta("twitter:title"))
        .map(|t| split_title(t, site_name.as_deref(), loose));
    let doc = split_title(&s.title, site_name.as_deref(), loose);
    let candidates: Vec<_> = og.into_iter().chain(std::iter::once(doc)).collect();

    let usable_company =
        |company: &str, explicit: bool| (explicit || primary) && !company.is_empty();
    let title = candidates
        .iter()
        .map(|p| p.title.as_str())
        .find(|t| {
            !is_listing_title(t)
                && site_name
                    .as_deref()
                    .is_none_or(|name| !t.eq_ignore_ascii_case(name))
        })
        .unwrap_or_default()
        .to_string();
    let company = candidates
        .iter()
        .filter(|p| usable_company(&p.company, p.explicit))
        .map(|p| p.company.clone())
        .next()
        .or(site_name)
        .unwrap_or_default();
    let location = candidates
        .iter()
        .map(|p| p.location.clone())
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    if title.eq_ignore_ascii_case(&company) {
        return Fields {
            title: String::new(),
            company,
            location,
        };
    }
    Fields {
        title,
        company,
        location,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_urls() {
        for url in [
            "https://careers.nordwind.example/positions/1187-senior-firmware-engineer",
            "https://jobs.kestrel.example/openings/staff-accountant",
            "https://www.greyfriars.example/careers/dental-hygienist-edinburgh/",
            "https://example.com/careers?gh_jid=4455667",
            "https://careers.example.com/r-10023",
            "https://example.com/de/stellenangebote/lagerist-m-w-d-123",
        ] {
            assert!(url_signal(url), "{url}");
        }
        for url in [
            "https://example.com/careers",
            "https://example.com/careers/engineering",
            "https://example.com/jobs/search/senior-engineer",
            "https://blog.example.com/2025/03/how-we-hire",
            "https://careers.example.com/",
            "https://careers.example.com/benefits",
            "https://example.com/blog/jobs/why-we-hire-2025",
            "not a url",
        ] {
            assert!(!url_signal(url), "{url}");
        }
    }

    fn snapshot(url: &str, title: &str, meta: &[(&str, &str)]) -> Snapshot {
        Snapshot {
            url: url.into(),
            title: title.into(),
            meta: meta
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Snapshot::default()
        }
    }

    #[test]
    fn articles_are_not_jobs() {
        let s = snapshot(
            "https://example.com/careers/how-we-hire-2025",
            "How we hire",
            &[("og:type", "article")],
        );
        assert!(!has_job_signal(&s));
        let s = snapshot(
            "https://example.com/careers/welder-2025",
            "Welder",
            &[("og:type", "website")],
        );
        assert!(has_job_signal(&s));
    }

    #[test]
    fn fields_from_open_graph_and_title() {
        let s = snapshot(
            "https://x.example/jobs/1-a",
            "Careers",
            &[("og:title", "Welder"), ("og:site_name", "Copperline")],
        );
        assert_eq!(
            fields(&s, true),
            Fields {
                title: "Welder".into(),
                company: "Copperline".into(),
                location: String::new()
            }
        );
        let s = snapshot("https://x.example/jobs/1-a", "Welder - Copperline", &[]);
        assert_eq!(fields(&s, true).company, "Copperline");
        assert_eq!(fields(&s, false).company, "");
        let s = snapshot(
            "https://x.example/jobs/1-a",
            "Copperline",
            &[("og:site_name", "Copperline")],
        );
        assert_eq!(fields(&s, true).title, "");
        let s = snapshot(
            "https://x.example/jobs/1-a",
            "Welder | LinkedIn",
            &[("og:site_name", "LinkedIn")],
        );
        assert_eq!(
            fields(&s, true),
            Fields {
                title: "Welder".into(),
                ..Fields::default()
            }
        );
    }
}
