//! Structural rules read on every page, whatever its site: schema.org `JobPosting` marked up in the page itself
//! (microdata `itemprop` or RDFa `property`, as Job Bank and many career sites do instead of JSON-LD) and the page's
//! main heading.
//!
//! These selectors are few and cheap (`document.querySelector` on attribute selectors), since the content script
//! reads them on every page.

use super::text::clean;
use super::{Fields, Snapshot};

/// The page's first `<h1>`.
const H1: &str = "h1";
/// The posting's title marked up inside a `JobPosting` item.
const TITLE: &str = "[itemtype*=\"JobPosting\"] [itemprop=\"title\"], [typeof~=\"JobPosting\"] [property=\"title\"]";
/// The hiring organization's name (`hiringOrganization` exists only on `JobPosting`).
const ORGANIZATION: &str = "[itemprop=\"hiringOrganization\"] [itemprop=\"name\"], [property=\"hiringOrganization\"] [property=\"name\"]";
/// The job's location as the page shows it (the whole `Place`, e.g. "Toronto, ON").
const LOCATION: &str =
    "[itemprop=\"jobLocation\"], [property=\"jobLocation\"], [property=\"joblocation\"]";

/// The selectors read on every page, in this order (after the site's own).
pub(crate) const SELECTORS: [&str; 4] = [H1, TITLE, ORGANIZATION, LOCATION];

fn read(s: &Snapshot, selector: &str) -> String {
    s.text(selector).map(clean).unwrap_or_default()
}

/// Does the page mark up a job posting (a hiring organization or a job location)?
pub(crate) fn has_posting_markup(s: &Snapshot) -> bool {
    !read(s, ORGANIZATION).is_empty() || !read(s, LOCATION).is_empty()
}

/// Title, company and location from the page's `JobPosting` markup; all empty when the page has none. The title is
/// the marked-up one, else the page's heading.
pub(crate) fn fields(s: &Snapshot) -> Fields {
    if !has_posting_markup(s) {
        return Fields::default();
    }
    let title = Some(read(s, TITLE))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| read(s, H1));
    Fields {
        title,
        company: read(s, ORGANIZATION),
        location: read(s, LOCATION),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(texts: &[(&str, &str)]) -> Snapshot {
        Snapshot {
            url: "https://jobs.example/posting/1".into(),
            texts: texts
                .iter()
                .map(|(k, v)| (k.to_string(), Some(v.to_string())))
                .collect(),
            ..Snapshot::default()
        }
    }

    #[test]
    fn markup_gives_fields() {
        let s = snapshot(&[
            (H1, "Welder"),
            (ORGANIZATION, " Copperline "),
            (LOCATION, "Austin, TX"),
        ]);
        assert!(has_posting_markup(&s));
        assert_eq!(
            fields(&s),
            Fields {
                title: "Welder".into(),
                company: "Copperline".into(),
                location: "Austin, TX".into()
            }
        );
        let s = snapshot(&[(H1, "Our story")]);
        assert!(!has_posting_markup(&s));
        assert_eq!(fields(&s), Fields::default());
    }
}
