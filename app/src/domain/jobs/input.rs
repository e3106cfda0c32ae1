//! What a delegation must look like.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use uuid::Uuid;

use crate::api::{jobs::Priority, FieldError};
use crate::domain::now;

use super::*;

/// Query parameters that only say where a click came from.
pub(super) fn is_tracking(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.starts_with("utm_")
        // Per-site: Greenhouse's and Lever's sources, Indeed's search context, SmartRecruiters' tracking id.
        || k.starts_with("lever-")
        || matches!(
            k.as_str(),
            "gh_src" | "from" | "vjs" | "tk" | "advn" | "trid" | "alternatechannel"
        )
        || matches!(
            k.as_str(),
            "gclid"
                | "gclsrc"
                | "dclid"
                | "fbclid"
                | "msclkid"
                | "yclid"
                | "twclid"
                | "ttclid"
                | "igshid"
                | "mc_cid"
                | "mc_eid"
                | "_hsenc"
                | "_hsmi"
                | "mkt_tok"
                | "li_fat_id"
                | "trk"
                | "trkinfo"
                | "trackingid"
                | "refid"
                | "ref"
                | "referrer"
                | "src"
                | "source"
                | "campaign"
        )
}

/// A job posting's address as stored and compared: http(s) only, no credentials, no fragment, tracking parameters
/// dropped, host lower-case, default port and a trailing slash removed.
pub fn normalize_url(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("Enter the job posting's address.".into());
    }
    if raw.len() > URL_MAX {
        return Err(format!("Use at most {URL_MAX} characters."));
    }
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let mut url = url::Url::parse(&with_scheme)
        .map_err(|_| "Enter a full web address, e.g. https://jobs.example.com/123.".to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("Only http and https addresses can be delegated.".into());
    }
    let host = url.host_str().unwrap_or_default();
    if host.is_empty()
        || (!host.contains('.')
            && host != "localhost"
            && url
                .host()
                .is_some_and(|h| matches!(h, url::Host::Domain(_))))
    {
        return Err("Enter a full web address, e.g. https://jobs.example.com/123.".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Remove the user name and password from the address.".into());
    }
    url.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !is_tracking(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    let path = url.path().to_string();
    if path.len() > 1 && path.ends_with('/') {
        url.set_path(path.trim_end_matches('/'));
    }
    let out = url.to_string();
    if out.len() > URL_MAX {
        return Err(format!("Use at most {URL_MAX} characters."));
    }
    Ok(out)
}

/// A deadline as typed: `YYYY-MM-DD` (end of that day, UTC), `YYYY-MM-DDTHH:MM` (UTC) or RFC 3339. Must be future.
pub fn parse_deadline(raw: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let at = if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        t.with_timezone(&Utc)
    } else if let Ok(t) = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M") {
        t.and_utc()
    } else if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        d.and_hms_opt(23, 59, 59)
            .ok_or("Enter a valid date.")?
            .and_utc()
    } else {
        return Err("Enter a date as YYYY-MM-DD, optionally with a time.".into());
    };
    if at <= now {
        return Err("The deadline must be in the future.".into());
    }
    Ok(Some(at))
}

/// What every delegation shares, checked.
#[derive(Clone)]
pub(super) struct Common {
    pub(super) resume_type_id: Option<Uuid>,
    pub(super) priority: Priority,
    pub(super) deadline: Option<DateTime<Utc>>,
    pub(super) notes: String,
}

pub(super) fn check_common(
    resume_type_id: &str,
    priority: &str,
    deadline: &str,
    notes: &str,
    f: &mut Vec<FieldError>,
) -> Option<Common> {
    let mut err = |field: &str, message: String| {
        f.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let resume_type_id = match resume_type_id.trim() {
        "" => Some(None),
        s => match Uuid::parse_str(s) {
            Ok(id) => Some(Some(id)),
            Err(_) => {
                err("resume_type_id", "Choose one of your resumes.".into());
                None
            }
        },
    };
    let priority = match priority.trim() {
        "" => Some(Priority::Normal),
        s => match Priority::parse(s) {
            Some(p) => Some(p),
            None => {
                err("priority", "Choose low, normal, high or urgent.".into());
                None
            }
        },
    };
    let deadline = match parse_deadline(deadline, now()) {
        Ok(d) => Some(d),
        Err(m) => {
            err("deadline", m);
            None
        }
    };
    let notes = notes.trim().to_string();
    if notes.chars().count() > NOTES_MAX {
        err("notes", format!("Use at most {NOTES_MAX} characters."));
    }
    Some(Common {
        resume_type_id: resume_type_id?,
        priority: priority?,
        deadline: deadline?,
        notes,
    })
}

/// A validated delegation.
#[derive(Clone)]
pub(super) struct NewJob {
    pub(super) url: String,
    pub(super) company: String,
    pub(super) title: String,
    /// Where the job is (as the posting says it), kept in the job's metadata.
    pub(super) location: String,
    pub(super) common: Common,
}

pub(super) fn text(f: &mut Vec<FieldError>, field: &str, raw: &str, max: usize) -> String {
    let v = raw.trim().to_string();
    if v.chars().count() > max {
        f.push(FieldError {
            field: field.into(),
            message: format!("Use at most {max} characters."),
        });
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_normalized() {
        let n = |s| normalize_url(s).unwrap();
        assert_eq!(
            n("https://Jobs.Example.com/view/123/?utm_source=x&gh_jid=5&fbclid=y#apply"),
            "https://jobs.example.com/view/123?gh_jid=5"
        );
        assert_eq!(n("jobs.example.com/a"), "https://jobs.example.com/a");
        assert_eq!(
            n("https://example.com:443/x?utm_medium=a"),
            "https://example.com/x"
        );
        assert_eq!(n(" https://example.com/ "), "https://example.com/");
        assert_eq!(
            n("https://www.linkedin.com/jobs/view/42/?trk=abc&refId=1&currentJobId=42"),
            "https://www.linkedin.com/jobs/view/42?currentJobId=42"
        );
    }

    #[test]
    fn bad_urls_are_refused() {
        for bad in [
            "",
            "   ",
            "javascript:alert(1)",
            "ftp://example.com/x",
            "https://user:pw@example.com/",
            "not a url",
            "https://nodot/",
        ] {
            assert!(normalize_url(bad).is_err(), "{bad:?} accepted");
        }
        let long = format!("https://example.com/{}", "a".repeat(2100));
        assert!(normalize_url(&long).is_err());
    }

    #[test]
    fn deadlines_must_be_future() {
        let now = DateTime::parse_from_rfc3339("2026-01-10T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_deadline("", now), Ok(None));
        assert_eq!(
            parse_deadline("2026-01-11", now)
                .unwrap()
                .unwrap()
                .to_rfc3339(),
            "2026-01-11T23:59:59+00:00"
        );
        assert!(parse_deadline("2026-01-10T13:30", now).unwrap().is_some());
        assert!(parse_deadline("2026-01-09", now).is_err());
        assert!(parse_deadline("2026-01-10T11:00", now).is_err());
        assert!(parse_deadline("tomorrow", now).is_err());
    }
}
