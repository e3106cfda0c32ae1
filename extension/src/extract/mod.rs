//! Job-page extraction: from a cheap [`Snapshot`] of the page to a [`JobInfo`] (title, company, location, URL).
//!
//! The content script captures the snapshot from the live DOM and calls [`extract`]; the tests build snapshots
//! from saved pages with `snapshot_from_html` (native targets only). Everything here except that function is pure
//! and compiles to wasm32.
//!
//! # Building a snapshot (the content script's side of the contract)
//!
//! * `url`: `location.href`; `title`: `document.title`.
//! * `json_ld`: the `textContent` of every `<script type="application/ld+json">`, in document order, unparsed.
//! * `meta`: for every `<meta>` with a `content` attribute, in document order: `(name, content)` if it has a `name`,
//!   and `(property, content)` if it has a `property` (both when it has both, as Workday's
//!   `<meta name="title" property="og:title">`).
//! * `canonical`: the `href` attribute of the first `<link rel="canonical">` (relative values are resolved here).
//! * `texts`: for each entry of [`selectors_for`]`(url)` (the site's selectors, then the structural ones read on
//!   every page), split with [`split_selector`] into a CSS selector and an optional attribute;
//!   `document.querySelector(css)`; then `None` if nothing matches, else the attribute's value (`None` when the
//!   element lacks it) or the element's text: the `textContent` of its text nodes outside `<script>`, `<style>` and
//!   `<noscript>` elements (sites inline CSS in their markup), in both cases passed through
//!   [`collapse_whitespace`]. A selector the browser rejects counts as matching nothing.
//!
//! # Extraction order
//!
//! 1. schema.org `JobPosting` JSON-LD, source `"json-ld"`;
//! 2. the site's rules ([`Site`]), source `"linkedin"`, `"indeed"`, ...;
//! 3. schema.org `JobPosting` marked up in the page (microdata or RDFa), source `"microdata"`;
//! 4. a generic fallback on Open Graph tags and the document title, source `"generic"`, only for pages with a job
//!    signal (a supported site, JSON-LD mentioning `JobPosting`, or a job-posting-like URL) that are not articles.
//!
//! The posting's URL is the selected job's on split-view search pages, else the canonical link (same site; `http`
//! raised to the page's `https`), else the page's URL without an application-form suffix (`/apply`,
//! `/applications/new`).
//!
//! The first source that yields a title decides the title and `source`; missing company and location are then
//! completed from the later sources. JSON-LD whose title disagrees with the title the site rules read from the DOM
//! is ignored: single-page apps can keep the first job's JSON-LD while showing another job.

mod dom;
mod generic;
mod jsonld;
mod rules;
mod site_text;
mod sites;
mod text;
mod url;

#[cfg(not(target_arch = "wasm32"))]
mod html;

#[cfg(not(target_arch = "wasm32"))]
pub use html::snapshot_from_html;
pub use sites::{site_of, Site};
pub use text::collapse_whitespace;

use serde::{Deserialize, Serialize};

/// What the content script reads from the page: cheap to capture (no full-HTML serialization).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// `location.href`.
    pub url: String,
    /// `document.title`.
    pub title: String,
    /// Text of every `<script type="application/ld+json">`.
    pub json_ld: Vec<String>,
    /// (name, content) and (property, content) of every `<meta>` with content, e.g. `("og:title", "...")`.
    pub meta: Vec<(String, String)>,
    /// `<link rel=canonical href>`.
    pub canonical: Option<String>,
    /// For each CSS selector in `selectors_for(url)`: the trimmed text content of the FIRST matching element
    /// (whitespace collapsed, without scripts and styles), or None when nothing matches. For attribute reads use a selector list entry with
    /// the suffix `@attr` (e.g. "meta[itemprop=title]@content"): the value of that attribute instead of the text.
    pub texts: Vec<(String, Option<String>)>,
}

impl Snapshot {
    /// The first non-blank content of a `<meta>` with this name or property (ASCII case-insensitive).
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, v)| k.trim().eq_ignore_ascii_case(key) && !v.trim().is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// What the content script read for this selector entry (None when absent or nothing matched).
    pub fn text(&self, selector: &str) -> Option<&str> {
        self.texts
            .iter()
            .find(|(k, _)| k == selector)
            .and_then(|(_, v)| v.as_deref())
    }
}

/// The job found on a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobInfo {
    pub title: String,
    /// Empty when no source names the employer.
    pub company: String,
    /// Empty when no source gives a location; several locations are joined with "; "; remote jobs say "Remote".
    pub location: String,
    /// Where the posting lives: canonical URL if any, else the page URL; tracking params are NOT our concern (the
    /// server normalizes). On split-view search pages (LinkedIn `currentJobId`, Indeed `vjk`, SEEK `jobId`) it is
    /// the selected posting's own URL, since their canonical link points at the search.
    pub url: String,
    /// Which rule found it: "json-ld", a site's name ("linkedin", "indeed", "greenhouse", "lever", "workday",
    /// "ashby", "seek", "workable", "ziprecruiter", "teamtailor"), "microdata" or "generic".
    pub source: String,
}

/// Title, company and location as one source sees them (empty strings for unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fields {
    pub title: String,
    pub company: String,
    pub location: String,
}

impl Fields {
    /// Fill the empty company and location from `other`.
    fn complete_from(&mut self, other: &Fields) {
        if self.company.is_empty() {
            self.company.clone_from(&other.company);
        }
        if self.location.is_empty() {
            self.location.clone_from(&other.location);
        }
    }
}

/// Split a selector list entry into the CSS selector and the attribute to read, if it ends with `@attr`
/// (`"meta[itemprop=title]@content"` → `("meta[itemprop=title]", Some("content"))`).
pub fn split_selector(entry: &str) -> (&str, Option<&str>) {
    match entry.rsplit_once('@') {
        Some((css, attr))
            if !css.trim().is_empty()
                && !attr.is_empty()
                && attr
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':')) =>
        {
            (css.trim(), Some(attr))
        }
        _ => (entry.trim(), None),
    }
}

/// The selectors the content script must read for this URL: the site's rules (none for unknown sites), then the
/// few structural selectors read on every page.
pub fn selectors_for(url: &str) -> Vec<&'static str> {
    let mut out = site_of(url).map(Site::selectors).unwrap_or_default();
    for selector in dom::SELECTORS {
        if !out.contains(&selector) {
            out.push(selector);
        }
    }
    out
}

/// Is this page worth showing the "Delegate" button on? Cheap: a supported site's job URL, JSON-LD mentioning
/// `JobPosting`, `JobPosting` markup in the page, or (for other sites) a job-posting-like URL on a page that is not
/// an article.
pub fn looks_like_job_page(s: &Snapshot) -> bool {
    site_of(&s.url).is_some() || generic::has_job_signal(s) || dom::has_posting_markup(s)
}

/// Extract the job from a snapshot; None when the page does not look like one job posting (a search results page,
/// an article, a careers home page...). See the module documentation for the order of the sources.
pub fn extract(s: &Snapshot) -> Option<JobInfo> {
    let site = site_of(&s.url);
    let from_site = site.map(|site| site.apply(s)).unwrap_or_default();
    // The page's JSON-LD can be stale on single-page apps (it stays from the first job viewed while the DOM shows
    // another): when the site rules read a different title from the DOM, the DOM wins.
    let from_json_ld =
        choose_posting(jsonld::postings(&s.json_ld), s, &from_site.title).filter(|posting| {
            from_site.title.is_empty() || titles_agree(&posting.title, &from_site.title)
        });

    let from_dom = dom::fields(s);

    let (source, mut job) = if let Some(fields) = from_json_ld {
        ("json-ld", fields)
    } else if let (Some(site), false) = (site, from_site.title.is_empty()) {
        (site.name(), from_site.clone())
    } else if !from_dom.title.is_empty() {
        ("microdata", from_dom.clone())
    } else if site.is_some() || generic::has_job_signal(s) {
        ("generic", generic::fields(s, true))
    } else {
        return None;
    };
    if job.title.is_empty() {
        return None;
    }
    job.complete_from(&from_site);
    job.complete_from(&from_dom);
    if job.company.is_empty() || job.location.is_empty() {
        job.complete_from(&generic::fields(s, source == "generic"));
    }
    Some(JobInfo {
        title: job.title,
        company: job.company,
        location: job.location,
        url: posting_url(s),
        source: source.to_string(),
    })
}

/// The page's canonical URL, when it belongs to the page's own site: a page cannot pass another site's address off
/// as its posting. An `http` canonical link on an `https` page is read as `https`.
fn canonical_url(s: &Snapshot) -> Option<String> {
    s.canonical
        .as_deref()
        .and_then(|href| url::resolve(&s.url, href))
        .filter(|c| url::same_site(&s.url, c))
        .map(|c| match c.strip_prefix("http://") {
            Some(rest) if s.url.trim_start().starts_with("https://") => format!("https://{rest}"),
            _ => c,
        })
}

/// The selected posting's URL on split-view pages, else the canonical URL, else the page URL without an
/// application-form suffix.
fn posting_url(s: &Snapshot) -> String {
    sites::selected_job_url(&s.url)
        .or_else(|| canonical_url(s))
        .unwrap_or_else(|| url::without_application_suffix(s.url.trim()))
}

/// One posting from the page's JSON-LD. Pages that list several different postings (careers home pages, "similar
/// jobs") get the one whose `url` is this page, or whose title the site rules found; otherwise none.
fn choose_posting(
    postings: Vec<jsonld::Posting>,
    s: &Snapshot,
    site_title: &str,
) -> Option<Fields> {
    let mut distinct: Vec<jsonld::Posting> = Vec::new();
    for posting in postings {
        let same = |other: &jsonld::Posting| {
            other
                .fields
                .title
                .eq_ignore_ascii_case(&posting.fields.title)
                && other
                    .fields
                    .company
                    .eq_ignore_ascii_case(&posting.fields.company)
        };
        if !distinct.iter().any(same) {
            distinct.push(posting);
        }
    }
    if distinct.len() <= 1 {
        return distinct.pop().map(|posting| posting.fields);
    }
    let page_urls: Vec<String> = [Some(s.url.clone()), canonical_url(s)]
        .into_iter()
        .flatten()
        .map(|u| normalize_url(&u))
        .collect();
    let by_url = distinct
        .iter()
        .position(|p| !p.url.is_empty() && page_urls.contains(&normalize_url(&p.url)));
    let by_title = || {
        distinct
            .iter()
            .position(|p| !site_title.is_empty() && titles_agree(&p.fields.title, site_title))
    };
    by_url
        .or_else(by_title)
        .map(|i| distinct.swap_remove(i).fields)
}

/// Do two titles name the same job? Equal, or one contains the other, comparing letters and digits only
/// (case-insensitive), so "Engineer – Wind" matches "Engineer - Wind" and "Engineer (m/w/d)" matches "Engineer".
fn titles_agree(a: &str, b: &str) -> bool {
    let key = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let (a, b) = (key(a), key(b));
    !a.is_empty() && !b.is_empty() && (a.contains(&b) || b.contains(&a))
}

/// A URL for comparison: no scheme, `www.`, fragment or trailing slash; lowercase.
fn normalize_url(u: &str) -> String {
    let u = u.trim().to_lowercase();
    let u = u.split_once("://").map_or(u.as_str(), |(_, rest)| rest);
    let u = u.strip_prefix("www.").unwrap_or(u);
    let u = u.split_once('#').map_or(u, |(before, _)| before);
    let (path, query) = u.split_once('?').map_or((u, None), |(p, q)| (p, Some(q)));
    let path = path.trim_end_matches('/');
    match query {
        Some(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(url: &str, json_ld: &[&str]) -> Snapshot {
        Snapshot {
            url: url.into(),
            json_ld: json_ld.iter().map(|b| b.to_string()).collect(),
            ..Snapshot::default()
        }
    }

    fn job(title: &str, company: &str, location: &str, url: &str, source: &str) -> JobInfo {
        JobInfo {
            title: title.into(),
            company: company.into(),
            location: location.into(),
            url: url.into(),
            source: source.into(),
        }
    }

    #[test]
    fn splits_selector_entries() {
        assert_eq!(
            split_selector("meta[itemprop=title]@content"),
            ("meta[itemprop=title]", Some("content"))
        );
        assert_eq!(split_selector(".logo img@alt"), (".logo img", Some("alt")));
        assert_eq!(split_selector("h1.title"), ("h1.title", None));
        assert_eq!(
            split_selector("a[href$='@x.com']"),
            ("a[href$='@x.com']", None)
        );
        assert_eq!(split_selector("@alt"), ("@alt", None));
    }

    #[test]
    fn json_ld_on_any_page() {
        let s = snapshot(
            "https://shop.example/about",
            &[
                r#"{"@type":["JobPosting"],"title":"Florist &amp; Buyer","hiringOrganization":"Bloom & Co","jobLocationType":"TELECOMMUTE"}"#,
            ],
        );
        assert!(looks_like_job_page(&s));
        assert_eq!(
            extract(&s),
            Some(job(
                "Florist & Buyer",
                "Bloom & Co",
                "Remote",
                "https://shop.example/about",
                "json-ld"
            ))
        );
    }

    #[test]
    fn json_ld_completed_by_site_rules() {
        let mut s = snapshot(
            "https://www.seek.com.au/job/81234567",
            &[
                r#"{"@type":"JobPosting","title":"Baker","hiringOrganization":{"name":"Larchmont"}}"#,
            ],
        );
        s.texts = vec![
            (
                "[data-automation=\"job-detail-title\"]".into(),
                Some("Baker".into()),
            ),
            (
                "[data-automation=\"job-detail-location\"]".into(),
                Some("Hobart TAS".into()),
            ),
        ];
        assert_eq!(
            extract(&s),
            Some(job(
                "Baker",
                "Larchmont",
                "Hobart TAS",
                "https://www.seek.com.au/job/81234567",
                "json-ld"
            ))
        );
    }

    #[test]
    fn stale_json_ld_loses_to_the_page() {
        let mut s = snapshot(
            "https://www.seek.com.au/job/81234567",
            &[
                r#"{"@type":"JobPosting","title":"Baker","hiringOrganization":{"name":"Larchmont"}}"#,
            ],
        );
        s.texts = vec![
            (
                "[data-automation=\"job-detail-title\"]".into(),
                Some("Pastry Chef".into()),
            ),
            (
                "[data-automation=\"advertiser-name\"]".into(),
                Some("Wattlebrook Hotel".into()),
            ),
        ];
        assert_eq!(
            extract(&s),
            Some(job(
                "Pastry Chef",
                "Wattlebrook Hotel",
                "",
                "https://www.seek.com.au/job/81234567",
                "seek"
            ))
        );
        // Formatting differences are not staleness.
        s.texts[0].1 = Some("BAKER – (m/w/d)".into());
        assert_eq!(
            extract(&s).map(|j| (j.title, j.source)),
            Some(("Baker".into(), "json-ld".into()))
        );
        assert!(titles_agree(
            "Field Service Technician – Wind",
            "Field Service Technician - Wind"
        ));
        assert!(!titles_agree("", "Baker"));
    }

    #[test]
    fn several_postings_need_a_match() {
        let list = [
            r#"{"@type":"JobPosting","title":"Baker","url":"https://larchmont.example/careers/baker-1"}"#,
            r#"{"@type":"JobPosting","title":"Driver","url":"https://larchmont.example/careers/driver-2/"}"#,
        ];
        // A careers home page listing postings: not one job.
        assert_eq!(
            extract(&snapshot("https://larchmont.example/careers", &list)),
            None
        );
        // The driver's own page (trailing slash and fragment do not matter).
        let found = extract(&snapshot(
            "https://www.larchmont.example/careers/driver-2#apply",
            &list,
        ));
        assert_eq!(found.map(|j| j.title), Some("Driver".to_string()));
        // The same posting twice (e.g. two JSON-LD blocks) is one posting.
        let twice = [list[0], list[0]];
        assert_eq!(
            extract(&snapshot("https://larchmont.example/careers", &twice)).map(|j| j.title),
            Some("Baker".into())
        );
    }

    #[test]
    fn canonical_urls() {
        let mut s = snapshot(
            "https://jobs.example/openings/welder-12?utm_source=x",
            &[r#"{"@type":"JobPosting","title":"Welder"}"#],
        );
        assert_eq!(
            extract(&s).map(|j| j.url).as_deref(),
            Some("https://jobs.example/openings/welder-12?utm_source=x")
        );
        s.canonical = Some("/openings/welder-12".into());
        assert_eq!(
            extract(&s).map(|j| j.url).as_deref(),
            Some("https://jobs.example/openings/welder-12")
        );
        s.canonical = Some("https://careers.jobs.example/openings/welder-12".into());
        assert_eq!(
            extract(&s).map(|j| j.url).as_deref(),
            Some("https://careers.jobs.example/openings/welder-12"),
            "another host of the same site"
        );
        // Another site's address is not taken for the posting's (a hostile page could name any).
        s.canonical = Some("https://phish.example/openings/welder-12".into());
        assert_eq!(
            extract(&s).map(|j| j.url).as_deref(),
            Some("https://jobs.example/openings/welder-12?utm_source=x")
        );
        s.canonical = Some("   ".into());
        assert_eq!(
            extract(&s).map(|j| j.url).as_deref(),
            Some("https://jobs.example/openings/welder-12?utm_source=x")
        );
    }

    #[test]
    fn nothing_on_plain_pages() {
        let mut s = snapshot("https://news.example/2025/01/story", &[]);
        s.title = "Engineer at Large: a profile".into();
        s.meta = vec![
            ("og:title".into(), "Engineer at Large".into()),
            ("og:type".into(), "article".into()),
        ];
        assert!(!looks_like_job_page(&s));
        assert_eq!(extract(&s), None);
        assert_eq!(extract(&Snapshot::default()), None);
    }

    #[test]
    fn supported_site_without_matches_falls_back_to_titles() {
        let mut s = snapshot("https://www.linkedin.com/jobs/view/4012345678/", &[]);
        s.title = "Halvard Systems hiring Welder in Kiel, Germany | LinkedIn".into();
        assert_eq!(
            extract(&s),
            Some(job(
                "Welder",
                "Halvard Systems",
                "Kiel, Germany",
                "https://www.linkedin.com/jobs/view/4012345678/",
                "generic"
            ))
        );
        // The detail pane of a search page before it has loaded: the title is the search's.
        let mut s = snapshot(
            "https://www.linkedin.com/jobs/search/?currentJobId=4012345678",
            &[],
        );
        s.title = "(4) 1,204 Welder jobs in Germany | LinkedIn".into();
        assert_eq!(extract(&s), None);
    }

    #[test]
    fn snapshot_round_trips_through_json() {
        let s = Snapshot {
            url: "https://x.example/".into(),
            title: "t".into(),
            json_ld: vec!["{}".into()],
            meta: vec![("og:title".into(), "x".into())],
            canonical: None,
            texts: vec![("h1".into(), None), ("h2".into(), Some("y".into()))],
        };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Snapshot>(&json).unwrap(), s);
    }
}
