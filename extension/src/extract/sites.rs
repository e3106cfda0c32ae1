//! Per-site rules: which URLs are job postings, which elements hold the title, company and location (see `rules`),
//! and the clean-up each site's markup needs (see `site_text`).

use serde::{Deserialize, Serialize};

use super::rules::{
    Rule, ASHBY, GREENHOUSE, INDEED, LEVER, LINKEDIN, SEEK, TEAMTAILOR, WORKABLE, WORKDAY,
    ZIPRECRUITER,
};
use super::site_text::{
    company_after_title, first, lever_company, linkedin_location, linkedin_title, or_else,
    strip_suffix_ci, title_company, workday_tenant,
};
use super::text::{clean, is_aggregator};
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
    Workable,
    ZipRecruiter,
    Teamtailor,
}

impl Site {
    /// Every supported site.
    pub const ALL: [Site; 10] = [
        Site::LinkedIn,
        Site::Indeed,
        Site::Greenhouse,
        Site::Lever,
        Site::Workday,
        Site::Ashby,
        Site::Seek,
        Site::Workable,
        Site::ZipRecruiter,
        Site::Teamtailor,
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
            Site::Workable => "workable",
            Site::ZipRecruiter => "ziprecruiter",
            Site::Teamtailor => "teamtailor",
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
            Site::Workable => &WORKABLE,
            Site::ZipRecruiter => &ZIPRECRUITER,
            Site::Teamtailor => &TEAMTAILOR,
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
                // The 2026 layout has no heading: its document title is "Title | Company | LinkedIn".
                let title = or_else(title, || linkedin_title(s));
                let company = or_else(first(s, rule.company, |t| t), || {
                    company_after_title(&s.title, &title).unwrap_or_default()
                });
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
            Site::Seek | Site::ZipRecruiter | Site::Workable | Site::Teamtailor => {
                let company = or_else(first(s, rule.company, |t| t), || {
                    [s.meta("og:title"), Some(s.title.as_str())]
                        .into_iter()
                        .flatten()
                        .find_map(|raw| company_after_title(raw, &title))
                        .unwrap_or_default()
                });
                let company = or_else(company, || {
                    s.meta("og:site_name")
                        .map(clean)
                        .filter(|n| !is_aggregator(n))
                        .unwrap_or_default()
                });
                Fields {
                    title,
                    company,
                    location: first(s, rule.location, |t| t),
                }
            }
        };
        if fields.title.is_empty() {
            return Fields::default();
        }
        fields
    }
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
    if parts.host_is("workable.com") {
        let apply = host == "apply.workable.com"
            && segments.get(1) == Some(&"j")
            && id_value(segments.get(2).copied()).is_some();
        let view = segments.first() == Some(&"view") && segments.len() >= 2;
        return (apply || view).then_some(Site::Workable);
    }
    if host.starts_with("ziprecruiter.") || parts.host_is("ziprecruiter.com") {
        let selected = ["lk", "jid"]
            .iter()
            .any(|key| id_value(parts.query_param(key)).is_some());
        let job = segments.first() == Some(&"c") && segments.contains(&"Job");
        return (selected || job).then_some(Site::ZipRecruiter);
    }
    if is_teamtailor_job(&parts, &segments) {
        return Some(Site::Teamtailor);
    }
    if matches!(host, "seek.com.au" | "seek.co.nz") || parts.host_is("seek.com") {
        let job =
            segments.first() == Some(&"job") && segments.get(1).is_some_and(|id| is_digits(id));
        let selected = parts.query_param("jobId").is_some_and(is_digits);
        return (job || selected).then_some(Site::Seek);
    }
    None
}

/// Teamtailor job pages: `/jobs/<id>-<slug>` (and its `/applications/new`) on `*.teamtailor.com` or on the
/// company's own career-site domain.
fn is_teamtailor_job(parts: &Parts<'_>, segments: &[&str]) -> bool {
    let job = segments.first() == Some(&"jobs")
        && segments.get(1).is_some_and(|slug| {
            slug.split_once('-')
                .is_some_and(|(id, rest)| id.len() >= 5 && is_digits(id) && !rest.is_empty())
        })
        && matches!(
            segments.get(2..),
            Some([] | ["applications", "new"] | ["apply"])
        );
    let careers_host = parts.host.split('.').next().is_some_and(|label| {
        label.starts_with("career") || matches!(label, "jobs" | "join" | "karriere")
    });
    job && (parts.host_is("teamtailor.com") || careers_host)
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
        Site::ZipRecruiter if segments.first() != Some(&"c") => {
            let id = id_value(parts.query_param("lk"))?;
            Some(format!("{}/jobs-search?lk={id}", parts.origin()))
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
            ("https://au.seek.com/job/93856863", Some(Site::Seek)),
            ("https://nz.seek.com/accountant-jobs", None),
            ("https://apply.workable.com/acme/j/A1B2C3D4E5/apply/", Some(Site::Workable)),
            ("https://apply.workable.com/acme/", None),
            ("https://www.ziprecruiter.com/jobs-search?search=welder&lk=Zx9-abcDEF", Some(Site::ZipRecruiter)),
            ("https://www.ziprecruiter.com/c/Acme/Job/Welder/-in-Austin,TX?jid=a1b2c3", Some(Site::ZipRecruiter)),
            ("https://www.ziprecruiter.com/jobs-search?search=welder", None),
            ("https://acme.teamtailor.com/jobs/1234567-welder", Some(Site::Teamtailor)),
            ("https://career.acme.example/jobs/1234567-welder/applications/new", Some(Site::Teamtailor)),
            ("https://acme.teamtailor.com/jobs", None),
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
}
