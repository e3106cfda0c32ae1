//! Text clean-up shared by all rules: whitespace, HTML entities, and splitting document titles.

/// Collapse every run of whitespace (including non-breaking spaces) to one space and trim the ends. This is the rule
/// for the snapshot's `texts`; the content script applies it to `textContent` (and to attribute values).
pub fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Decode HTML character references: numeric ones and the named ones that show up in job titles and company names.
/// Unknown or malformed references are kept as they are.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        match decode_one(rest) {
            Some((decoded, len)) => {
                out.push(decoded);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Decode the reference at the start of `s` (which starts with `&`): the character and the reference's length.
fn decode_one(s: &str) -> Option<(char, usize)> {
    // The longest reference we decode is 8 characters plus `&` and `;`; numeric ones may have leading zeros.
    let window = &s.as_bytes()[1..s.len().min(34)];
    let semi = window.iter().position(|&b| b == b';')?;
    let body = &s[1..1 + semi];
    let len = semi + 2;
    if let Some(num) = body.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        let c = char::from_u32(code).filter(|&c| c != '\0')?;
        return Some((c, len));
    }
    let c = match body {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "bull" => '•',
        "middot" => '·',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "euro" => '€',
        "pound" => '£',
        "yen" => '¥',
        "sect" => '§',
        "deg" => '°',
        "times" => '×',
        "aacute" => 'á',
        "agrave" => 'à',
        "acirc" => 'â',
        "atilde" => 'ã',
        "auml" => 'ä',
        "aring" => 'å',
        "aelig" => 'æ',
        "ccedil" => 'ç',
        "eacute" => 'é',
        "egrave" => 'è',
        "ecirc" => 'ê',
        "euml" => 'ë',
        "iacute" => 'í',
        "igrave" => 'ì',
        "icirc" => 'î',
        "iuml" => 'ï',
        "ntilde" => 'ñ',
        "oacute" => 'ó',
        "ograve" => 'ò',
        "ocirc" => 'ô',
        "otilde" => 'õ',
        "ouml" => 'ö',
        "oslash" => 'ø',
        "uacute" => 'ú',
        "ugrave" => 'ù',
        "ucirc" => 'û',
        "uuml" => 'ü',
        "yacute" => 'ý',
        "szlig" => 'ß',
        "Aacute" => 'Á',
        "Agrave" => 'À',
        "Auml" => 'Ä',
        "Aring" => 'Å',
        "AElig" => 'Æ',
        "Ccedil" => 'Ç',
        "Eacute" => 'É',
        "Egrave" => 'È',
        "Ntilde" => 'Ñ',
        "Oacute" => 'Ó',
        "Ouml" => 'Ö',
        "Oslash" => 'Ø',
        "Uacute" => 'Ú',
        "Uuml" => 'Ü',
        _ => return None,
    };
    Some((c, len))
}

/// The clean form of any extracted value: entities decoded, whitespace collapsed, trimmed.
pub fn clean(s: &str) -> String {
    collapse_whitespace(&decode_entities(s))
}

/// Job boards and aggregators whose name is never the employer (compared lowercase, without `www.` and TLD).
const AGGREGATORS: &[&str] = &[
    "linkedin",
    "indeed",
    "glassdoor",
    "seek",
    "greenhouse",
    "lever",
    "workday",
    "ashby",
    "monster",
    "ziprecruiter",
    "stepstone",
    "xing",
    "welcome to the jungle",
    "wellfound",
    "angellist",
    "dice",
    "simplyhired",
    "careerbuilder",
    "reed",
    "totaljobs",
    "jobstreet",
    "naukri",
    "trade me jobs",
    "jora",
    "otta",
    "builtin",
    "built in",
    "hired",
];

/// Is `name` the name of a job board or aggregator (e.g. "LinkedIn", "Indeed.com", "uk.indeed.com", "SEEK")?
pub fn is_aggregator(name: &str) -> bool {
    let lower = name.trim().to_lowercase();
    let lower = lower.strip_prefix("www.").unwrap_or(&lower);
    // "uk.indeed.com" → "indeed"; "Indeed.com" → "indeed"; "seek.co.nz" → "seek".
    let base = lower
        .split('.')
        .rfind(|label| {
            !matches!(
                *label,
                "com" | "co" | "net" | "org" | "au" | "nz" | "uk" | "ca" | "de" | "fr" | "io"
            )
        })
        .unwrap_or(lower);
    AGGREGATORS.contains(&lower) || (lower.contains('.') && AGGREGATORS.contains(&base))
}

/// Title separators, tried in this order when splitting "Title - Company"-style titles.
const SEPARATORS: &[&str] = &[" | ", " - ", " – ", " — ", " :: ", " · "];

/// A document (or Open Graph) title split into its parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TitleParts {
    pub title: String,
    pub company: String,
    pub location: String,
    /// The company came from an unambiguous form ("Title at Company", "Title @ Company", "Company hiring Title",
    /// "Job Application for Title at Company"), not from a bare separator.
    pub explicit: bool,
}

/// Remove what sites add around the job title: a leading "(3) " notification count and trailing site names
/// (" | LinkedIn", " - Indeed.com", " - SEEK", or `site_name` when given).
pub fn strip_site_decorations(title: &str, site_name: Option<&str>) -> String {
    let mut t = clean(title);
    // "(3) Title | LinkedIn", "(99+) ..."
    if let Some(rest) = t.strip_prefix('(') {
        if let Some((count, after)) = rest.split_once(") ") {
            let digits = count.trim_end_matches('+');
            if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
                t = after.to_string();
            }
        }
    }
    while let Some((head, tail)) = split_last_separator(&t) {
        let tail_is_site = is_aggregator(tail)
            || site_name
                .is_some_and(|name| !name.is_empty() && tail.eq_ignore_ascii_case(name.trim()))
            || tail.eq_ignore_ascii_case("jobs")
            || tail.eq_ignore_ascii_case("careers");
        if !tail_is_site || head.is_empty() {
            break;
        }
        t = head.to_string();
    }
    t
}

fn split_last_separator(t: &str) -> Option<(&str, &str)> {
    SEPARATORS
        .iter()
        .filter_map(|sep| t.rfind(sep).map(|i| (i, sep.len())))
        .max_by_key(|&(i, _)| i)
        .map(|(i, len)| (t[..i].trim(), t[i + len..].trim()))
}

fn split_first_separator(t: &str) -> Option<(&str, &str)> {
    SEPARATORS
        .iter()
        .filter_map(|sep| t.find(sep).map(|i| (i, sep.len())))
        .min_by_key(|&(i, _)| i)
        .map(|(i, len)| (t[..i].trim(), t[i + len..].trim()))
}

/// Words that end the text before " hiring " when it is a slogan rather than a company ("We are hiring ...").
const NOT_A_COMPANY_END: &[&str] = &[
    "now",
    "are",
    "we're",
    "is",
    "currently",
    "still",
    "actively",
    "we",
    "i'm",
];

/// Split a title into job title, company and (rarely) location. Recognised forms, after removing site decorations:
/// "Job Application for T at C" (Greenhouse), "C hiring T in L" (LinkedIn guest pages), "T @ C" (Ashby),
/// "T at C" (lowercase "at", last occurrence), and — only when `loose` — "T - C", "T | C", "T – C" (first part title, second company).
/// Without any of these the whole text is the title.
pub fn split_title(raw: &str, site_name: Option<&str>, loose: bool) -> TitleParts {
    let t = strip_site_decorations(raw, site_name);
    let mut parts = TitleParts::default();
    if t.is_empty() {
        return parts;
    }
    if let Some(rest) = t.strip_prefix("Job Application for ") {
        if let Some(i) = rest.rfind(" at ") {
            parts.title = rest[..i].trim().to_string();
            parts.company = rest[i + 4..].trim().to_string();
            parts.explicit = true;
            return parts;
        }
        parts.title = rest.trim().to_string();
        return parts;
    }
    // LinkedIn's "Company hiring Title in Location": lowercase "hiring" followed by a capitalised title, so that
    // "Senior hiring manager at X" is not read this way.
    if let Some(i) = t.find(" hiring ") {
        let company = t[..i].trim();
        let rest = t[i + 8..].trim();
        let (title, location) = match rest.rfind(" in ") {
            Some(j) => (rest[..j].trim(), rest[j + 4..].trim()),
            None => (rest, ""),
        };
        let capitalised = title
            .chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
        let last_word = company.rsplit(' ').next().unwrap_or(company).to_lowercase();
        if capitalised && !company.is_empty() && !NOT_A_COMPANY_END.contains(&last_word.as_str()) {
            parts.title = title.to_string();
            parts.company = company.to_string();
            parts.location = location.to_string();
            parts.explicit = true;
            return parts;
        }
    }
    for word in [" @ ", " at "] {
        if let Some(i) = t.rfind(word) {
            let (title, company) = (t[..i].trim(), t[i + word.len()..].trim());
            // "Title at Company | Careers": drop what follows the company.
            let company = split_first_separator(company).map_or(company, |(head, _)| head);
            if !title.is_empty() && !company.is_empty() {
                parts.title = title.to_string();
                parts.company = company.to_string();
                parts.explicit = true;
                return parts;
            }
        }
    }
    if loose {
        if let Some((title, rest)) = split_first_separator(&t) {
            let company = split_first_separator(rest).map_or(rest, |(head, _)| head);
            if !title.is_empty() && !company.is_empty() {
                parts.title = title.to_string();
                parts.company = company.to_string();
                return parts;
            }
        }
    }
    parts.title = t;
    parts
}

/// Does this title read like a list of jobs rather than one job ("1,234 Rust jobs in Berlin", "Careers", "Jobs")?
pub fn is_listing_title(title: &str) -> bool {
    let lower = title.trim().to_lowercase();
    if lower.is_empty() {
        return true;
    }
    const GENERIC: &[&str] = &[
        "careers",
        "jobs",
        "job search",
        "search jobs",
        "open positions",
        "open roles",
        "home",
        "search",
        "job board",
    ];
    if GENERIC.contains(&lower.as_str())
        || lower.starts_with("careers at ")
        || lower.starts_with("jobs at ")
    {
        return true;
    }
    let starts_with_count = lower.chars().next().is_some_and(|c| c.is_ascii_digit());
    lower.contains(" jobs in ")
        || lower.contains(" jobs, employment")
        || lower.ends_with(" jobs")
        || lower.contains(" job vacancies")
        || (starts_with_count && (lower.contains(" jobs") || lower.contains(" results")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_whitespace() {
        assert_eq!(collapse_whitespace("  a \n\t b\u{a0}\u{a0}c  "), "a b c");
        assert_eq!(collapse_whitespace(" \n "), "");
    }

    #[test]
    fn decodes_entities() {
        assert_eq!(
            decode_entities("R&amp;D &lt;b&gt; &#39;x&#x27; caf&eacute;"),
            "R&D <b> 'x' café"
        );
        assert_eq!(
            decode_entities("AT&T & Co; &unknown; &#xZZ; &"),
            "AT&T & Co; &unknown; &#xZZ; &"
        );
        assert_eq!(decode_entities("&amp;amp;"), "&amp;");
        assert_eq!(decode_entities("no entities"), "no entities");
        assert_eq!(clean(" Search&nbsp;&amp;\nRanking "), "Search & Ranking");
    }

    #[test]
    fn recognises_aggregators() {
        for name in [
            "LinkedIn",
            "Indeed.com",
            "uk.indeed.com",
            "SEEK",
            "seek.co.nz",
            "Glassdoor",
        ] {
            assert!(is_aggregator(name), "{name}");
        }
        for name in [
            "Halvard Systems",
            "Indeed Analytics Ltd",
            "Leverage Partners",
        ] {
            assert!(!is_aggregator(name), "{name}");
        }
    }

    fn split(raw: &str, loose: bool) -> (String, String, String, bool) {
        let p = split_title(raw, None, loose);
        (p.title, p.company, p.location, p.explicit)
    }

    #[test]
    fn splits_titles() {
        let s =
            |a: &str, b: &str, c: &str, e: bool| (a.to_string(), b.to_string(), c.to_string(), e);
        assert_eq!(
            split("Staff Accountant at Kestrel & Finch", false),
            s("Staff Accountant", "Kestrel & Finch", "", true)
        );
        assert_eq!(
            split("Data Analyst @ Brightwater", false),
            s("Data Analyst", "Brightwater", "", true)
        );
        assert_eq!(
            split("Rust Engineer - Halvard | LinkedIn", true),
            s("Rust Engineer", "Halvard", "", false)
        );
        assert_eq!(
            split("Rust Engineer - Halvard | LinkedIn", false),
            s("Rust Engineer - Halvard", "", "", false)
        );
        assert_eq!(
            split("(3) Designer | Quillfeather | LinkedIn", true),
            s("Designer", "Quillfeather", "", false)
        );
        assert_eq!(
            split("Night Nurse - Austin, TX - Indeed.com", false),
            s("Night Nurse - Austin, TX", "", "", false)
        );
        assert_eq!(
            split(
                "Halvard Systems hiring Senior Rust Engineer in Berlin, Germany | LinkedIn",
                false
            ),
            s(
                "Senior Rust Engineer",
                "Halvard Systems",
                "Berlin, Germany",
                true
            )
        );
        assert_eq!(
            split(
                "Job Application for Backend Engineer at Copperline Logistics",
                false
            ),
            s("Backend Engineer", "Copperline Logistics", "", true)
        );
        assert_eq!(
            split("Engineer at Acme | Careers", false),
            s("Engineer", "Acme", "", true)
        );
        assert_eq!(
            split("Senior hiring manager at Acme", false),
            s("Senior hiring manager", "Acme", "", true)
        );
        assert_eq!(
            split("We are hiring Data Engineers", true),
            s("We are hiring Data Engineers", "", "", false)
        );
        assert_eq!(split("Plain Title", true), s("Plain Title", "", "", false));
        assert_eq!(split("", true), s("", "", "", false));
    }

    #[test]
    fn strips_site_name_suffix() {
        assert_eq!(
            strip_site_decorations(
                "Firmware Engineer | Nordwind Robotics",
                Some("Nordwind Robotics")
            ),
            "Firmware Engineer"
        );
        assert_eq!(
            strip_site_decorations("Accountant Job in Sydney NSW - SEEK", None),
            "Accountant Job in Sydney NSW"
        );
        assert_eq!(
            strip_site_decorations("(99+) Designer | LinkedIn", None),
            "Designer"
        );
        assert_eq!(
            strip_site_decorations("(Senior) Designer", None),
            "(Senior) Designer"
        );
    }

    #[test]
    fn spots_listing_titles() {
        assert!(is_listing_title(
            "1,204 Rust Jobs in Berlin, Germany (37 new)"
        ));
        assert!(is_listing_title(
            "Rust Developer Jobs, Employment in Austin, TX"
        ));
        assert!(is_listing_title("Careers"));
        assert!(is_listing_title("Careers at Halvard"));
        assert!(!is_listing_title("Senior Rust Engineer"));
        assert!(!is_listing_title("Jobs Coordinator"));
    }
}
