//! Per-site rules: which URLs are job postings, which elements hold the title, company and location, and the
//! clean-up each site's markup needs.
//!
//! Selectors follow the sites' markup as of 2025-2026 (guest and logged-in variants where they differ). Each field
//! lists alternatives, most specific first; the first one that yields a non-empty value wins.

use serde::{Deserialize, Serialize};

use super::text::{clean, is_aggregator, split_title};
use super::url::{id_value, Parts};
use super::{Fields, Snapshot};

/// A job site with its own extraction rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Site {
    LinkedIn,
    Indeed,
    Greenhouse,
    Lever,
    Workday,
    Ashby,
    Seek,
}

/// The selectors of one site, per field.
struct Rule {
    title: &'static [&'static str],
    company: &'static [&'static str],
    location: &'static [&'static str],
}

const LINKEDIN: Rule = Rule {
    title: &[
        // Guest (logged-out) job page.
        "h1.top-card-layout__title",
        "h1.topcard__title",
        // Logged-in job page and the search page's detail pane.
        ".job-details-jobs-unified-top-card__job-title h1",
        ".job-details-jobs-unified-top-card__job-title",
        ".jobs-unified-top-card__job-title",
    ],
    company: &[
        ".topcard__org-name-link",
        ".topcard__flavor:not(.topcard__flavor--bullet)",
        ".job-details-jobs-unified-top-card__company-name a",
        ".job-details-jobs-unified-top-card__company-name",
        ".jobs-unified-top-card__company-name",
    ],
    location: &[
        ".topcard__flavor--bullet",
        // "Location · 3 days ago · 41 applicants" (older layouts start with the company).
        ".job-details-jobs-unified-top-card__primary-description-container",
        ".job-details-jobs-unified-top-card__tertiary-description-container",
        ".job-details-jobs-unified-top-card__bullet",
        ".jobs-unified-top-card__bullet",
    ],
};

const INDEED: Rule = Rule {
    title: &[
        "[data-testid=\"jobsearch-JobInfoHeader-title\"]",
        "h1.jobsearch-JobInfoHeader-title",
        ".jobsearch-JobInfoHeader-title",
    ],
    company: &[
        "[data-testid=\"inlineHeader-companyName\"] a",
        "[data-testid=\"inlineHeader-companyName\"]",
        "[data-testid=\"jobsearch-CompanyInfoContainer\"] [data-company-name=\"true\"]",
    ],
    location: &[
        "[data-testid=\"inlineHeader-companyLocation\"] > div",
        "[data-testid=\"inlineHeader-companyLocation\"]",
        "[data-testid=\"job-location\"]",
        "[data-testid=\"jobsearch-JobInfoHeader-companyLocation\"]",
    ],
};

const GREENHOUSE: Rule = Rule {
    // Classic boards (boards.greenhouse.io) and the 2024 redesign (job-boards.greenhouse.io).
    title: &["h1.app-title", ".job__title h1", ".app-title"],
    company: &["#header .company-name", ".company-name", ".logo img@alt"],
    location: &[".job__location", "#header .location", ".location"],
};

const LEVER: Rule = Rule {
    title: &[".posting-headline h2", ".posting-header h2"],
    company: &[".main-header-logo img@alt"],
    location: &[
        ".posting-categories .location",
        ".posting-categories .sort-by-location",
        ".sort-by-location",
    ],
};

const WORKDAY: Rule = Rule {
    title: &["[data-automation-id=\"jobPostingHeader\"]"],
    company: &[],
    location: &[
        "[data-automation-id=\"locations\"] dd",
        "[data-automation-id=\"location\"] dd",
    ],
};

const ASHBY: Rule = Rule {
    title: &["h1.ashby-job-posting-heading", "h1"],
    company: &[],
    // The left pane's first section is "Location".
    location: &[
        ".ashby-job-posting-left-pane h2 + p",
        ".ashby-job-posting-left-pane h2 + div",
    ],
};

const SEEK: Rule = Rule {
    title: &["[data-automation=\"job-detail-title\"]"],
    company: &["[data-automation=\"advertiser-name\"]"],
    location: &["[data-automation=\"job-detail-location\"]"],
};

impl Site {
    /// Every supported site.
    pub const ALL: [Site; 7] = [
        Site::LinkedIn,
        Site::Indeed,
        Site::Greenhouse,
        Site::Lever,
        Site::Workday,
        Site::Ashby,
        Site::Seek,
    ];

    /// The name used as `JobInfo::source` when this site's rules found the job.
    pub fn name(self) -> &'static str {
        match self {
            Site::LinkedIn => "linkedin",
            Site::Indeed => "indeed",
            Site::Greenhouse => "greenhouse",
            Site::Lever => "lever",
            Site::Workday => "workday",
            Site::Ashby => "ashby",
            Site::Seek => "seek",
        }
    }

    fn rule(self) -> &'static Rule {
        match self {
            Site::LinkedIn => &LINKEDIN,
            Site::Indeed => &INDEED,
            Site::Greenhouse => &GREENHOUSE,
            Site::Lever => &LEVER,
            Site::Workday => &WORKDAY,
            Site::Ashby => &ASHBY,
            Site::Seek => &SEEK,
        }
    }

    /// The selectors the content script reads for this site, without duplicates, in rule order.
    pub fn selectors(self) -> Vec<&'static str> {
        let rule = self.rule();
        let mut out: Vec<&'static str> = Vec::new();
        for &selector in rule.title.iter().chain(rule.company).chain(rule.location) {
            if !out.contains(&selector) {
                out.push(selector);
            }
        }
        out
    }

    /// The fields this site's rules find in the snapshot (empty strings where they find nothing).
    pub(crate) fn apply(self, s: &Snapshot) -> Fields {
        let rule = self.rule();
        let title = first(s, rule.title, |t| t);
        let fields = match self {
            Site::LinkedIn => {
                let company = first(s, rule.company, |t| t);
                let location = first(s, rule.location, |t| linkedin_location(&t, &company));
                Fields {
                    title,
                    company,
                    location,
                }
            }
            Site::Indeed => Fields {
                title: strip_suffix_ci(&title, "- job post")
                    .trim_end_matches([' ', '-'])
                    .to_string(),
                company: first(s, rule.company, |t| t),
                location: first(s, rule.location, |t| t),
            },
            Site::Greenhouse => {
                let company = first(s, rule.company, |t| {
                    let t = t.strip_prefix("at ").unwrap_or(&t);
                    strip_suffix_ci(t, " logo").to_string()
                });
                let company = or_else(company, || title_company(s, &title));
                Fields {
                    title,
                    company,
                    location: first(s, rule.location, |t| t),
                }
            }
            Site::Lever => {
                let company = first(s, rule.company, |t| {
                    strip_suffix_ci(&t, " logo").to_string()
                });
                let company = or_else(company, || lever_company(s, &title));
                let location = first(s, rule.location, |t| {
                    t.trim_end_matches([' ', '/']).to_string()
                });
                Fields {
                    title,
                    company,
                    location,
                }
            }
            Site::Workday => {
                let company = s
                    .meta("og:site_name")
                    .map(clean)
                    .filter(|n| !is_aggregator(n))
                    .unwrap_or_default();
                let company = or_else(company, || workday_tenant(&s.url));
                Fields {
                    title,
                    company,
                    location: first(s, rule.location, |t| t),
                }
            }
            Site::Ashby => {
                let company = title_company(s, &title);
                Fields {
                    title,
                    company,
                    location: first(s, rule.location, |t| t),
                }
            }
            Site::Seek => Fields {
                title,
                company: first(s, rule.company, |t| t),
                location: first(s, rule.location, |t| t),
            },
        };
        if fields.title.is_empty() {
            return Fields::default();
        }
        fields
    }
}

/// The first selector whose text, cleaned and then post-processed by `post`, is not empty.
fn first(s: &Snapshot, selectors: &[&str], post: impl Fn(String) -> String) -> String {
    selectors
        .iter()
        .filter_map(|selector| s.text(selector))
        .map(|text| post(clean(text)).trim().to_string())
        .find(|text| !text.is_empty())
        .unwrap_or_default()
}

fn or_else(value: String, fallback: impl FnOnce() -> String) -> String {
    if value.is_empty() {
        fallback()
    } else {
        value
    }
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> &'a str {
    let cut = s.len().saturating_sub(suffix.len());
    match (s.get(cut..), s.get(..cut)) {
        (Some(tail), Some(head)) if tail.eq_ignore_ascii_case(suffix) => head,
        _ => s,
    }
}

/// The company named in the document or Open Graph title ("Title @ Company", "Job Application for T at C"), when
/// the title part matches the job title we found.
fn title_company(s: &Snapshot, job_title: &str) -> String {
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
fn lever_company(s: &Snapshot, job_title: &str) -> String {
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

/// The tenant in `<tenant>.wd5.myworkdayjobs.com`, capitalised ("marrowbank" → "Marrowbank"): a last resort.
fn workday_tenant(url: &str) -> String {
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
fn linkedin_location(line: &str, company: &str) -> String {
    line.split(['·', '•'])
        .map(str::trim)
        .find(|part| {
            let lower = part.to_lowercase();
            !part.is_empty()
                && !part.eq_ignore_ascii_case(company)
                && !LINKEDIN_NOT_LOCATION
                    .iter()
                    .any(|word| lower.contains(word))
                && !lower.starts_with(|c: char| c.is_ascii_digit())
        })
        .unwrap_or_default()
        .to_string()
}

fn looks_like_uuid(s: &str) -> bool {
    s.len() >= 32 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

/// The site rule that applies to a URL, if any: the site's host and a path (or query) that shows one job posting.
/// Search and list pages of supported sites without a selected job give None.
pub fn site_of(url: &str) -> Option<Site> {
    let parts = Parts::parse(url)?;
    if !matches!(parts.scheme.as_str(), "http" | "https") {
        return None;
    }
    let segments: Vec<&str> = parts.segments().collect();
    let host = parts.bare_host();
    let after = |word: &str| {
        segments
            .iter()
            .position(|s| s.eq_ignore_ascii_case(word))
            .and_then(|i| segments.get(i + 1))
    };

    if parts.host_is("linkedin.com") {
        let view = segments
            .windows(3)
            .any(|w| w[0] == "jobs" && w[1] == "view" && !w[2].is_empty());
        let selected = segments.first() == Some(&"jobs")
            && id_value(parts.query_param("currentJobId")).is_some();
        return (view || selected).then_some(Site::LinkedIn);
    }
    if parts.host_is("indeed.com") || host.starts_with("indeed.") {
        let job_page = segments
            .last()
            .is_some_and(|s| matches!(*s, "viewjob" | "clk"));
        let selected = id_value(parts.query_param("vjk")).is_some();
        return ((job_page && id_value(parts.query_param("jk")).is_some()) || selected)
            .then_some(Site::Indeed);
    }
    if parts.host_is("greenhouse.io") {
        let job = segments.len() >= 3 && after("jobs").is_some_and(|id| is_digits(id));
        let embed = segments.ends_with(&["embed", "job_app"])
            && id_value(parts.query_param("token")).is_some();
        return (job || embed).then_some(Site::Greenhouse);
    }
    if matches!(host, "jobs.lever.co" | "jobs.eu.lever.co") {
        return segments
            .get(1)
            .is_some_and(|id| looks_like_uuid(id))
            .then_some(Site::Lever);
    }
    if parts.host_is("myworkdayjobs.com") || parts.host_is("myworkdaysite.com") {
        return (after("job").is_some() || after("details").is_some()).then_some(Site::Workday);
    }
    if host == "jobs.ashbyhq.com" {
        return segments
            .get(1)
            .is_some_and(|id| looks_like_uuid(id))
            .then_some(Site::Ashby);
    }
    if matches!(host, "seek.com.au" | "seek.co.nz") {
        let job =
            segments.first() == Some(&"job") && segments.get(1).is_some_and(|id| is_digits(id));
        let selected = parts.query_param("jobId").is_some_and(is_digits);
        return (job || selected).then_some(Site::Seek);
    }
    None
}

/// The URL of the selected posting on split-view search pages (LinkedIn `currentJobId`, Indeed `vjk`, SEEK `jobId`),
/// whose canonical link points at the search rather than the job.
pub(crate) fn selected_job_url(url: &str) -> Option<String> {
    let parts = Parts::parse(url)?;
    let segments: Vec<&str> = parts.segments().collect();
    match site_of(url)? {
        Site::LinkedIn if segments.get(1) != Some(&"view") => {
            let id = id_value(parts.query_param("currentJobId"))?;
            Some(format!("https://www.linkedin.com/jobs/view/{id}/"))
        }
        Site::Indeed if segments.last() != Some(&"viewjob") => {
            let id = id_value(parts.query_param("vjk"))?;
            Some(format!("{}/viewjob?jk={id}", parts.origin()))
        }
        Site::Seek if segments.first() != Some(&"job") => {
            let id = parts.query_param("jobId").filter(|id| is_digits(id))?;
            Some(format!("{}/job/{id}", parts.origin()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_by_url() {
        let cases = [
            ("https://www.linkedin.com/jobs/view/4012345678/", Some(Site::LinkedIn)),
            ("https://de.linkedin.com/jobs/view/senior-rust-engineer-at-halvard-4012345678?trk=x", Some(Site::LinkedIn)),
            ("https://www.linkedin.com/comm/jobs/view/4012345678", Some(Site::LinkedIn)),
            ("https://www.linkedin.com/jobs/search/?currentJobId=4034567890&keywords=rust", Some(Site::LinkedIn)),
            ("https://www.linkedin.com/jobs/collections/recommended/?currentJobId=4034567890", Some(Site::LinkedIn)),
            ("https://www.linkedin.com/jobs/search/?keywords=rust", None),
            ("https://www.linkedin.com/feed/?currentJobId=1", None),
            ("https://www.linkedin.com/in/someone", None),
            ("https://www.indeed.com/viewjob?jk=a1b2c3d4e5f60718", Some(Site::Indeed)),
            ("https://uk.indeed.com/jobs?q=welder&l=Leeds&vjk=0f1e2d3c4b5a6978", Some(Site::Indeed)),
            ("https://au.indeed.com/m/viewjob?jk=0f1e2d3c4b5a6978", Some(Site::Indeed)),
            ("https://www.indeed.com/rc/clk?jk=0f1e2d3c4b5a6978&from=serp", Some(Site::Indeed)),
            ("https://www.indeed.com/jobs?q=welder", None),
            ("https://www.indeed.com/cmp/Acme", None),
            ("https://boards.greenhouse.io/copperline/jobs/5123456", Some(Site::Greenhouse)),
            ("https://job-boards.greenhouse.io/orbitale/jobs/7012345002?gh_src=x", Some(Site::Greenhouse)),
            ("https://job-boards.eu.greenhouse.io/orbitale/jobs/7012345002", Some(Site::Greenhouse)),
            ("https://boards.greenhouse.io/embed/job_app?for=copperline&token=5123456", Some(Site::Greenhouse)),
            ("https://boards.greenhouse.io/copperline", None),
            ("https://jobs.lever.co/larchmont/3f2c9a1e-7b4d-4e8a-9c1f-2d5e6a7b8c90", Some(Site::Lever)),
            ("https://jobs.lever.co/larchmont/3f2c9a1e-7b4d-4e8a-9c1f-2d5e6a7b8c90/apply", Some(Site::Lever)),
            ("https://jobs.lever.co/larchmont", None),
            ("https://marrowbank.wd3.myworkdayjobs.com/en-US/Careers/job/Columbus-OH/Analyst_R-1", Some(Site::Workday)),
            ("https://marrowbank.wd3.myworkdayjobs.com/en-US/Careers", None),
            ("https://jobs.ashbyhq.com/tidewater/8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", Some(Site::Ashby)),
            ("https://jobs.ashbyhq.com/tidewater", None),
            ("https://www.seek.com.au/job/81234567?type=standout", Some(Site::Seek)),
            ("https://www.seek.co.nz/job/82345678", Some(Site::Seek)),
            ("https://www.seek.com.au/accountant-jobs?jobId=81234567", Some(Site::Seek)),
            ("https://www.seek.com.au/accountant-jobs", None),
            ("https://example.com/jobs/1", None),
            ("ftp://www.linkedin.com/jobs/view/1", None),
            ("", None),
        ];
        for (url, site) in cases {
            assert_eq!(site_of(url), site, "{url}");
        }
    }

    #[test]
    fn selectors_have_no_duplicates_and_parse_attr_suffixes() {
        for site in Site::ALL {
            let selectors = site.selectors();
            assert!(!selectors.is_empty(), "{site:?}");
            for selector in selectors {
                let (css, attr) = super::super::split_selector(selector);
                assert!(!css.is_empty());
                assert!(attr.is_none_or(|a| !a.is_empty()));
            }
        }
    }

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
        assert_eq!(linkedin_location("Berlin, Germany", ""), "Berlin, Germany");
        assert_eq!(
            linkedin_location("2 weeks ago · Over 100 applicants", ""),
            ""
        );
    }

    #[test]
    fn selected_jobs_on_search_pages() {
        assert_eq!(
            selected_job_url(
                "https://www.linkedin.com/jobs/search/?currentJobId=4034567890&keywords=x"
            )
            .as_deref(),
            Some("https://www.linkedin.com/jobs/view/4034567890/")
        );
        assert_eq!(
            selected_job_url("https://www.linkedin.com/jobs/view/4034567890/?currentJobId=1"),
            None
        );
        assert_eq!(
            selected_job_url("https://uk.indeed.com/jobs?q=x&vjk=0f1e2d3c4b5a6978").as_deref(),
            Some("https://uk.indeed.com/viewjob?jk=0f1e2d3c4b5a6978")
        );
        assert_eq!(
            selected_job_url("https://www.seek.com.au/accountant-jobs?jobId=81234567").as_deref(),
            Some("https://www.seek.com.au/job/81234567")
        );
        assert_eq!(
            selected_job_url("https://www.seek.com.au/job/81234567"),
            None
        );
    }

    #[test]
    fn workday_tenant_names() {
        assert_eq!(
            workday_tenant("https://marrowbank.wd3.myworkdayjobs.com/x/job/y"),
            "Marrowbank"
        );
        assert_eq!(workday_tenant("https://wd3.myworkdayjobs.com/x/job/y"), "");
    }
}
