//! A small, forgiving URL splitter: just enough to match hosts, paths and query parameters of job sites.
//!
//! The `url` crate would do, but the content script only needs host/path/query, and this keeps the wasm small.

/// The parts of an absolute URL that the site rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parts<'a> {
    /// `http` or `https` (lowercase), empty when the URL has no scheme.
    pub scheme: String,
    /// Lowercase host without port, user info or trailing dot (keeps a leading `www.`).
    pub host: String,
    /// The path, always starting with `/` (just `/` when empty).
    pub path: &'a str,
    /// The query without the `?`, empty when there is none.
    pub query: &'a str,
}

impl<'a> Parts<'a> {
    pub fn parse(url: &'a str) -> Option<Self> {
        let url = url.trim();
        let (scheme, rest) = url.split_once("://")?;
        if scheme.is_empty()
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return None;
        }
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, rest) = rest.split_at(authority_end);
        let authority = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let host = strip_port(authority)
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if host.is_empty() {
            return None;
        }
        let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        Some(Parts {
            scheme: scheme.to_ascii_lowercase(),
            host,
            path: if path.is_empty() { "/" } else { path },
            query,
        })
    }

    /// The host without a leading `www.` (and `m.`, LinkedIn's and Indeed's mobile hosts).
    pub fn bare_host(&self) -> &str {
        let host = self.host.as_str();
        host.strip_prefix("www.")
            .or_else(|| host.strip_prefix("m."))
            .unwrap_or(host)
    }

    /// Is the host `domain` itself or one of its subdomains?
    pub fn host_is(&self, domain: &str) -> bool {
        self.host == domain
            || self
                .host
                .strip_suffix(domain)
                .is_some_and(|sub| sub.ends_with('.'))
    }

    /// The non-empty path segments (not percent-decoded).
    pub fn segments(&self) -> impl Iterator<Item = &'a str> {
        self.path.split('/').filter(|segment| !segment.is_empty())
    }

    /// The value of the first query parameter named `key` (ASCII case-insensitive), not percent-decoded.
    pub fn query_param(&self, key: &str) -> Option<&'a str> {
        self.query
            .split('&')
            .filter_map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                k.eq_ignore_ascii_case(key).then_some(v)
            })
            .next()
    }

    /// The keys of all query parameters.
    pub fn query_keys(&self) -> impl Iterator<Item = &'a str> {
        self.query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| pair.split_once('=').map_or(pair, |(k, _)| k))
    }

    /// `scheme://host` (lowercase), the base for rebuilding URLs.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.host)
    }
}

fn strip_port(authority: &str) -> &str {
    if authority.starts_with('[') {
        // IPv6 literal: keep as is up to the closing bracket.
        return authority
            .split_once(']')
            .map_or(authority, |(host, _)| &authority[..host.len() + 1]);
    }
    authority
        .split_once(':')
        .map_or(authority, |(host, _)| host)
}

/// The site a host belongs to, roughly its registrable domain: the last two labels, or three under a two-letter
/// country code whose second level is a generic one (`seek.com.au`, `example.co.uk`).
fn site_of(host: &str) -> &str {
    let labels: Vec<&str> = host.rsplit('.').collect();
    let generic = |l: &str| {
        matches!(
            l,
            "co" | "com" | "org" | "net" | "gov" | "ac" | "edu" | "ne" | "or"
        )
    };
    let keep = if labels.len() >= 3 && labels[0].len() == 2 && generic(labels[1]) {
        3
    } else {
        2
    };
    if labels.len() <= keep {
        return host;
    }
    let cut: usize = labels[..keep].iter().map(|l| l.len() + 1).sum::<usize>() - 1;
    &host[host.len() - cut..]
}

/// Whether two absolute URLs belong to the same site (`jobs.acme.com` and `www.acme.com` do; `acme.com` and
/// `evil.example` do not).
pub(crate) fn same_site(a: &str, b: &str) -> bool {
    match (Parts::parse(a), Parts::parse(b)) {
        (Some(a), Some(b)) => site_of(&a.host) == site_of(&b.host),
        _ => false,
    }
}

/// A query value usable as an id in a rebuilt URL: 1 to 64 ASCII letters, digits, `-` or `_`.
pub(crate) fn id_value(value: Option<&str>) -> Option<&str> {
    value.filter(|v| {
        !v.is_empty()
            && v.len() <= 64
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    })
}

/// Resolve `href` (absolute, scheme-relative or root-relative) against `base`. Other relative forms are rare for
/// canonical links and are returned as None, so the caller falls back to the page URL.
pub(crate) fn resolve(base: &str, href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    if let Some(parts) = Parts::parse(href) {
        return matches!(parts.scheme.as_str(), "http" | "https").then(|| href.to_string());
    }
    let base = Parts::parse(base)?;
    if let Some(rest) = href.strip_prefix("//") {
        return Some(format!("{}://{rest}", base.scheme));
    }
    href.starts_with('/')
        .then(|| format!("{}{href}", base.origin()))
}

/// The URL without a trailing application-form step (`/apply`, `/application`, `/applications/new`): the posting's
/// own page. Query and fragment are dropped with the step; other URLs are returned as they are.
pub(crate) fn without_application_suffix(url: &str) -> String {
    let url = url.trim();
    let Some(parts) = Parts::parse(url) else {
        return url.to_string();
    };
    let path = parts.path.trim_end_matches('/');
    let stripped = ["/applications/new", "/application", "/apply"]
        .iter()
        .find_map(|suffix| path.strip_suffix(suffix))
        .filter(|head| !head.is_empty());
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match (stripped, url[after_scheme..].find('/')) {
        (Some(head), Some(i)) => format!("{}{head}", &url[..after_scheme + i]),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sites_are_registrable_domains() {
        assert!(same_site(
            "https://jobs.acme.com/x",
            "https://www.acme.com/y"
        ));
        assert!(same_site(
            "https://boards.greenhouse.io/a",
            "https://job-boards.greenhouse.io/b"
        ));
        assert!(same_site(
            "https://www.seek.com.au/job/1",
            "https://seek.com.au/job/1"
        ));
        assert!(!same_site(
            "https://www.seek.com.au/job/1",
            "https://evil.com.au/job/1"
        ));
        assert!(!same_site("https://acme.com/x", "https://evil.example/x"));
        assert!(!same_site("https://acme.com/x", "not a url"));
        assert!(same_site(
            "http://localhost:3000/a",
            "http://localhost:3000/b"
        ));
    }

    use super::*;

    #[test]
    fn splits_urls() {
        let parts =
            Parts::parse("HTTPS://user@WWW.LinkedIn.com:443/jobs/view/123/?currentJobId=9&x#frag")
                .unwrap();
        assert_eq!(parts.scheme, "https");
        assert_eq!(parts.host, "www.linkedin.com");
        assert_eq!(parts.bare_host(), "linkedin.com");
        assert_eq!(parts.path, "/jobs/view/123/");
        assert_eq!(
            parts.segments().collect::<Vec<_>>(),
            ["jobs", "view", "123"]
        );
        assert_eq!(parts.query_param("currentjobid"), Some("9"));
        assert_eq!(parts.query_param("x"), Some(""));
        assert_eq!(parts.query_param("frag"), None);
        assert!(parts.host_is("linkedin.com"));
        assert!(!Parts::parse("https://notlinkedin.com/")
            .unwrap()
            .host_is("linkedin.com"));
        assert_eq!(Parts::parse("https://example.com").unwrap().path, "/");
        assert_eq!(Parts::parse("not a url"), None);
        assert_eq!(Parts::parse("https:///path"), None);
    }

    #[test]
    fn resolves_canonical_links() {
        let base = "https://jobs.example.com/a/b?c=d";
        assert_eq!(
            resolve(base, "https://x.example/y").as_deref(),
            Some("https://x.example/y")
        );
        assert_eq!(
            resolve(base, "//cdn.example/y").as_deref(),
            Some("https://cdn.example/y")
        );
        assert_eq!(
            resolve(base, "/jobs/1").as_deref(),
            Some("https://jobs.example.com/jobs/1")
        );
        assert_eq!(resolve(base, "relative"), None);
        assert_eq!(resolve(base, "javascript://alert(1)"), None);
        assert_eq!(resolve(base, "  "), None);
    }

    #[test]
    fn application_steps_are_not_postings() {
        assert_eq!(
            without_application_suffix("https://apply.example.com/acme/j/A1B2/apply/"),
            "https://apply.example.com/acme/j/A1B2"
        );
        assert_eq!(
            without_application_suffix(
                "https://career.acme.example:8443/jobs/123-welder/applications/new?x=1"
            ),
            "https://career.acme.example:8443/jobs/123-welder"
        );
        assert_eq!(
            without_application_suffix("https://acme.example/jobs/apply-now?id=3"),
            "https://acme.example/jobs/apply-now?id=3"
        );
        assert_eq!(
            without_application_suffix("https://acme.example/apply"),
            "https://acme.example/apply"
        );
        assert_eq!(without_application_suffix("not a url"), "not a url");
    }

    #[test]
    fn ids_are_restricted() {
        assert_eq!(id_value(Some("a1b2c3")), Some("a1b2c3"));
        assert_eq!(id_value(Some("12%2F")), None);
        assert_eq!(id_value(Some("")), None);
        assert_eq!(id_value(None), None);
    }
}
