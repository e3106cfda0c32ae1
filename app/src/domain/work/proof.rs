//! What a proof screenshot shows, checked: the captured tab's address and title, when it was captured, a SHA-256 of
//! the image, whether its site is the job's, and whether it is an applicant-tracking confirmation page.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::api::FieldError;

/// What the extension reports about the tab it captured (all optional: an upload from the dashboard has none).
#[derive(Debug, Clone, Default)]
pub struct CaptureInput {
    /// The captured tab's address.
    pub url: String,
    /// The captured tab's title.
    pub title: String,
    /// When it was captured (RFC 3339).
    pub at: String,
    /// The employee confirmed that a page on another site than the job's is the right one.
    pub confirm_site: bool,
    /// The page's main headings and status messages (a few hundred characters), to recognize a confirmation page.
    pub page_text: String,
}

/// A checked capture, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capture {
    pub url: Option<String>,
    pub title: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub site_mismatch: bool,
    pub confirmation_page: bool,
}

const URL_MAX: usize = 2048;
const TITLE_MAX: usize = 500;
const PAGE_TEXT_MAX: usize = 2000;

/// Check the capture against the job's address; problems go to `f` under the form's field names.
pub fn check_capture(
    input: &CaptureInput,
    job_url: &str,
    now: DateTime<Utc>,
    f: &mut Vec<FieldError>,
) -> Capture {
    let mut err = |field: &str, message: String| {
        f.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let mut capture = Capture::default();
    let raw = input.url.trim();
    if !raw.is_empty() {
        match url::Url::parse(raw) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && raw.len() <= URL_MAX => {
                let mut u = u;
                // What the tab showed, without credentials a page might carry in its address.
                let _ = u.set_username("");
                let _ = u.set_password(None);
                let captured_site = site_of(&u);
                let job_site = url::Url::parse(job_url).ok().map(|j| site_of(&j));
                capture.site_mismatch = job_site.as_ref().is_some_and(|j| *j != captured_site);
                if capture.site_mismatch && !input.confirm_site {
                    err(
                        "captured_url",
                        format!(
                            "The screenshot was taken on {captured_site}, not on the job's site ({}). Check that it shows \
                             this job's application, then confirm.",
                            job_site.unwrap_or_default()
                        ),
                    );
                }
                capture.url = Some(u.to_string());
            }
            _ => err(
                "captured_url",
                "The captured page's address is not a web address.".into(),
            ),
        }
    }
    let title: String = input.title.trim().chars().take(TITLE_MAX).collect();
    capture.title = (!title.is_empty()).then_some(title);
    let at = input.at.trim();
    if !at.is_empty() {
        match DateTime::parse_from_rfc3339(at) {
            Ok(t) => {
                let t = t.with_timezone(&Utc);
                if t > now + Duration::minutes(5) {
                    err(
                        "captured_at",
                        "The capture time is in the future: check the computer's clock.".into(),
                    );
                } else if t < now - Duration::hours(24) {
                    err(
                        "captured_at",
                        "The screenshot is more than a day old: capture the page again.".into(),
                    );
                } else {
                    capture.at = Some(t);
                }
            }
            Err(_) => err(
                "captured_at",
                "Give the capture time as RFC 3339, e.g. 2026-12-01T09:30:00Z.".into(),
            ),
        }
    }
    let page_text: String = input.page_text.chars().take(PAGE_TEXT_MAX).collect();
    capture.confirmation_page = is_confirmation(
        capture.url.as_deref().unwrap_or_default(),
        capture.title.as_deref().unwrap_or_default(),
        &page_text,
    );
    capture
}

/// SHA-256 of the image, lower-case hex.
pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The site of an address: its registrable domain, approximately (the last two labels, three under the common
/// two-level country suffixes such as `co.uk` and `com.au`), without `www.`.
fn site_of(u: &url::Url) -> String {
    let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    if labels.len() <= 2 || u.host().is_some_and(|h| !matches!(h, url::Host::Domain(_))) {
        return host.trim_start_matches("www.").to_string();
    }
    let n = labels.len();
    let second = labels[n - 2];
    let two_level = labels[n - 1].len() == 2
        && matches!(
            second,
            "co" | "com" | "org" | "net" | "gov" | "ac" | "edu" | "ne" | "or" | "gc"
        );
    let keep = if two_level { 3 } else { 2 };
    labels[n.saturating_sub(keep)..].join(".")
}

/// Does the captured page say the application went through? Its title or headings in the words applicant-tracking
/// systems use, or an address ending in their confirmation paths.
fn is_confirmation(url: &str, title: &str, page_text: &str) -> bool {
    const PHRASES: [&str; 16] = [
        "thank you for applying",
        "thanks for applying",
        "thank you for your application",
        "thanks for your application",
        "thank you for your interest",
        "application submitted",
        "application received",
        "application has been submitted",
        "application was submitted",
        "application has been received",
        "application was received",
        "received your application",
        "successfully applied",
        "successfully submitted",
        "application sent",
        "you have applied",
    ];
    let text = format!("{title}\n{page_text}").to_lowercase();
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = text.replace('’', "'");
    if PHRASES.iter().any(|p| text.contains(p)) {
        return true;
    }
    let path = url::Url::parse(url)
        .map(|u| u.path().trim_end_matches('/').to_ascii_lowercase())
        .unwrap_or_default();
    [
        "/confirmation",
        "/thanks",
        "/thank-you",
        "/thankyou",
        "/success",
        "/submitted",
        "/applied",
    ]
    .iter()
    .any(|end| path.ends_with(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn capture(url: &str, confirm: bool) -> (Capture, Vec<FieldError>) {
        let mut f = Vec::new();
        let c = check_capture(
            &CaptureInput {
                url: url.into(),
                title: "Thank you for applying | Acme".into(),
                at: "2026-12-01T09:59:00Z".into(),
                confirm_site: confirm,
                page_text: String::new(),
            },
            "https://boards.greenhouse.io/acme/jobs/12345",
            now(),
            &mut f,
        );
        (c, f)
    }

    #[test]
    fn same_site_needs_no_confirmation() {
        let (c, f) = capture(
            "https://job-boards.greenhouse.io/acme/jobs/12345/confirmation",
            false,
        );
        assert!(f.is_empty(), "{f:?}");
        assert!(!c.site_mismatch);
        assert!(c.confirmation_page);
        assert_eq!(
            c.at.map(|t| t.to_rfc3339()),
            Some("2026-12-01T09:59:00+00:00".into())
        );
    }

    #[test]
    fn another_site_must_be_confirmed_and_is_noted() {
        let (c, f) = capture("https://careers.acme.example/thanks", false);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].field, "captured_url");
        assert!(f[0].message.contains("acme.example"), "{}", f[0].message);
        assert!(c.site_mismatch);
        let (c, f) = capture("https://careers.acme.example/thanks", true);
        assert!(f.is_empty());
        assert!(c.site_mismatch);
    }

    #[test]
    fn bad_values_are_refused_by_field() {
        let mut f = Vec::new();
        check_capture(
            &CaptureInput {
                url: "javascript:alert(1)".into(),
                at: "yesterday".into(),
                ..CaptureInput::default()
            },
            "https://jobs.example/1",
            now(),
            &mut f,
        );
        let fields: Vec<&str> = f.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["captured_url", "captured_at"]);
        for at in ["2026-12-01T11:00:00Z", "2026-11-29T09:00:00Z"] {
            let mut f = Vec::new();
            check_capture(
                &CaptureInput {
                    at: at.into(),
                    ..CaptureInput::default()
                },
                "https://jobs.example/1",
                now(),
                &mut f,
            );
            assert_eq!(f.len(), 1, "{at}");
        }
    }

    #[test]
    fn sites() {
        let site = |u: &str| url::Url::parse(u).map(|u| site_of(&u)).unwrap_or_default();
        assert_eq!(site("https://www.seek.com.au/job/1"), "seek.com.au");
        assert_eq!(site("https://au.seek.com/job/1"), "seek.com");
        assert_eq!(site("https://uk.indeed.com/viewjob"), "indeed.com");
        assert_eq!(site("https://www.indeed.co.uk/viewjob"), "indeed.co.uk");
        assert_eq!(
            site("https://nvidia.wd5.myworkdayjobs.com/x"),
            "myworkdayjobs.com"
        );
        assert_eq!(site("http://127.0.0.1:3000/x"), "127.0.0.1");
    }

    #[test]
    fn confirmation_pages() {
        assert!(is_confirmation(
            "https://x.example/",
            "",
            "Application submitted!"
        ));
        assert!(is_confirmation(
            "https://x.example/",
            "",
            "We’ve  RECEIVED your application"
        ));
        assert!(is_confirmation(
            "https://jobs.lever.co/acme/uuid/thanks",
            "",
            ""
        ));
        assert!(!is_confirmation(
            "https://jobs.lever.co/acme/uuid/apply",
            "Apply for Baker",
            "Submit application"
        ));
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
