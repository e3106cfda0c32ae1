//! schema.org `JobPosting` in JSON-LD blocks.
//!
//! Handles what real pages ship: a posting as the top-level object, inside a top-level array, inside `@graph` or as a
//! page's `mainEntity`; `@type` as a string or an array; `hiringOrganization` as an object, a string or an `@id`
//! reference to a node elsewhere in the graph; `jobLocation` as one `Place` or an array, with `address` as a
//! `PostalAddress` or a string; remote jobs (`jobLocationType: TELECOMMUTE`); HTML entities in strings; and blocks
//! that are not quite JSON (raw newlines in strings, trailing commas, CDATA/comment wrappers). Blocks that still do
//! not parse are ignored.

use serde_json::{Map, Value};

use super::text::{clean, collapse_whitespace};
use super::Fields;

/// A `JobPosting` found in the page's JSON-LD.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Posting {
    pub fields: Fields,
    /// The posting's own `url`, if it has one (used to pick the right posting when a page has several).
    pub url: String,
}

/// How deep to look for postings (`@graph` → `mainEntity` → …): real pages need 3 at most.
const MAX_DEPTH: usize = 8;

/// All postings with a title, in page order.
pub(crate) fn postings(blocks: &[String]) -> Vec<Posting> {
    let docs: Vec<Value> = blocks
        .iter()
        .filter_map(|block| parse_block(block))
        .collect();
    let mut jobs = Vec::new();
    let mut ids = Vec::new();
    for doc in &docs {
        walk(doc, 0, &mut jobs, &mut ids);
    }
    jobs.into_iter()
        .map(|job| posting(job, &ids))
        .filter(|p| !p.fields.title.is_empty())
        .collect()
}

/// Does any block mention `JobPosting` at all (even one that does not parse)? A cheap signal.
pub(crate) fn mentions_job_posting(blocks: &[String]) -> bool {
    blocks.iter().any(|block| block.contains("JobPosting"))
}

fn parse_block(raw: &str) -> Option<Value> {
    serde_json::from_str(raw)
        .ok()
        .or_else(|| serde_json::from_str(&repair(raw)).ok())
}

/// Make common near-JSON valid: strip `<!-- -->`/CDATA wrappers and a trailing `;`, replace raw control characters
/// inside strings with spaces, drop invalid escapes (`\'`) and trailing commas before `}` or `]`.
fn repair(raw: &str) -> String {
    let mut s = raw.trim();
    loop {
        let before = s.len();
        for prefix in ["<!--", "/*<![CDATA[*/", "//<![CDATA[", "<![CDATA["] {
            s = s.strip_prefix(prefix).unwrap_or(s).trim_start();
        }
        for suffix in ["-->", "/*]]>*/", "//]]>", "]]>", ";"] {
            s = s.strip_suffix(suffix).unwrap_or(s).trim_end();
        }
        if s.len() == before {
            break;
        }
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut in_string = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if in_string {
            match c {
                '\\' => match chars.get(i + 1) {
                    Some(&next) if "\"\\/bfnrtu".contains(next) => {
                        out.push(c);
                        out.push(next);
                        i += 1;
                    }
                    // `\'` and friends: keep the character, drop the backslash.
                    Some(_) => {}
                    None => {}
                },
                '"' => {
                    in_string = false;
                    out.push(c);
                }
                c if (c as u32) < 0x20 => out.push(' '),
                c => out.push(c),
            }
        } else {
            match c {
                '"' => {
                    in_string = true;
                    out.push(c);
                }
                ',' => {
                    let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
                    if !matches!(next, Some('}') | Some(']')) {
                        out.push(c);
                    }
                }
                c => out.push(c),
            }
        }
        i += 1;
    }
    out
}

fn walk<'a>(
    value: &'a Value,
    depth: usize,
    jobs: &mut Vec<&'a Map<String, Value>>,
    ids: &mut Vec<(&'a str, &'a Value)>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Array(items) => {
            for item in items {
                walk(item, depth + 1, jobs, ids);
            }
        }
        Value::Object(map) => {
            if let Some(Value::String(id)) = map.get("@id") {
                ids.push((id.as_str(), value));
            }
            if is_job_posting(map) {
                jobs.push(map);
            }
            for key in ["@graph", "mainEntity"] {
                if let Some(child) = map.get(key) {
                    walk(child, depth + 1, jobs, ids);
                }
            }
        }
        _ => {}
    }
}

fn is_job_posting(map: &Map<String, Value>) -> bool {
    let is_it = |t: &str| {
        let t = t.trim();
        t == "JobPosting" || t.ends_with("/JobPosting") || t.ends_with(":JobPosting")
    };
    match map.get("@type") {
        Some(Value::String(t)) => is_it(t),
        Some(Value::Array(types)) => types.iter().any(|t| t.as_str().is_some_and(is_it)),
        _ => false,
    }
}

/// Follow a bare `{"@id": ...}` reference to the node with that id, if the page has it.
fn resolve<'a>(value: &'a Value, ids: &[(&'a str, &'a Value)]) -> &'a Value {
    if let Value::Object(map) = value {
        let is_reference = map.keys().all(|k| k == "@id" || k == "@type");
        if let (true, Some(Value::String(id))) = (is_reference, map.get("@id")) {
            let is_full_node = |node: &Value| {
                node.as_object()
                    .is_some_and(|m| m.keys().any(|k| k != "@id" && k != "@type"))
            };
            if let Some((_, node)) = ids
                .iter()
                .find(|(other, node)| *other == id.as_str() && is_full_node(node))
            {
                return node;
            }
        }
    }
    value
}

fn posting(job: &Map<String, Value>, ids: &[(&str, &Value)]) -> Posting {
    let title = ["title", "name"]
        .iter()
        .map(|key| string_of(job.get(*key)))
        .find(|t| !t.is_empty())
        .unwrap_or_default();
    let company = job
        .get("hiringOrganization")
        .map(|org| organization(org, ids))
        .unwrap_or_default();
    Posting {
        fields: Fields {
            title,
            company,
            location: location(job, ids),
        },
        url: string_of(job.get("url")),
    }
}

/// A string value (or the first non-empty string of an array), tags stripped, entities decoded, whitespace collapsed.
fn string_of(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => clean(&strip_tags(s)),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| string_of(Some(item)))
            .find(|s| !s.is_empty())
            .unwrap_or_default(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Remove `<...>` tags (some sites put markup in JSON-LD strings).
fn strip_tags(s: &str) -> String {
    if !s.contains('<') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        // Only a real tag: `<` followed by a letter, `/` or `!`, closed by `>`.
        let is_tag =
            after[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
        match (is_tag, after.find('>')) {
            (true, Some(close)) => {
                out.push(' ');
                rest = &after[close + 1..];
            }
            _ => {
                out.push('<');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The name of a node: `name`, else `legalName`, else `alternateName`.
fn name_of(value: &Value) -> String {
    match value {
        Value::String(_) | Value::Array(_) => string_of(Some(value)),
        Value::Object(map) => ["name", "legalName", "alternateName"]
            .iter()
            .map(|k| string_of(map.get(*k)))
            .find(|s| !s.is_empty())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn organization(org: &Value, ids: &[(&str, &Value)]) -> String {
    match org {
        Value::Array(items) => items
            .iter()
            .map(|item| organization(item, ids))
            .find(|s| !s.is_empty())
            .unwrap_or_default(),
        other => name_of(resolve(other, ids)),
    }
}

fn location(job: &Map<String, Value>, ids: &[(&str, &Value)]) -> String {
    let mut places = Vec::new();
    match job.get("jobLocation") {
        Some(Value::Array(items)) => items.iter().for_each(|item| place(item, ids, &mut places)),
        Some(item) => place(item, ids, &mut places),
        None => {}
    }
    let remote = match job.get("jobLocationType") {
        Some(Value::String(t)) => t.to_ascii_uppercase().contains("TELECOMMUTE"),
        Some(Value::Array(types)) => types.iter().any(|t| {
            t.as_str()
                .is_some_and(|t| t.to_ascii_uppercase().contains("TELECOMMUTE"))
        }),
        _ => false,
    };
    if remote {
        let mut regions = Vec::new();
        match job.get("applicantLocationRequirements") {
            Some(Value::Array(items)) => items
                .iter()
                .for_each(|item| push_unique(&mut regions, name_of(resolve(item, ids)))),
            Some(item) => push_unique(&mut regions, name_of(resolve(item, ids))),
            None => {}
        }
        // A "location" that only repeats an allowed region ("United Kingdom") adds nothing to "Remote (United Kingdom)".
        places.retain(|place| {
            !regions
                .iter()
                .any(|region| region.eq_ignore_ascii_case(place))
        });
        let remote = if regions.is_empty() {
            "Remote".to_string()
        } else {
            format!("Remote ({})", regions.join(", "))
        };
        places.insert(0, remote);
    }
    let mut unique = Vec::new();
    for p in places {
        push_unique(&mut unique, p);
    }
    unique.join("; ")
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !item.is_empty() && !list.iter().any(|other| other.eq_ignore_ascii_case(&item)) {
        list.push(item);
    }
}

/// One `jobLocation` entry: a `Place` (address as `PostalAddress`, string or array), or a bare string.
fn place(value: &Value, ids: &[(&str, &Value)], out: &mut Vec<String>) {
    let value = resolve(value, ids);
    let Value::Object(map) = value else {
        out.push(string_of(Some(value)));
        return;
    };
    let before = out.len();
    match map.get("address").map(|a| resolve(a, ids)) {
        Some(Value::Array(addresses)) => addresses
            .iter()
            .for_each(|a| out.push(address(resolve(a, ids)))),
        Some(address_value) => out.push(address(address_value)),
        None => {}
    }
    // A PostalAddress given directly as the location, or a Place with only a name.
    if out[before..].iter().all(String::is_empty) {
        out.truncate(before);
        let direct = address(value);
        out.push(if direct.is_empty() {
            name_of(value)
        } else {
            direct
        });
    }
}

/// "Locality, Region, Country" from a `PostalAddress` (parts already contained in earlier ones are skipped), or the
/// string itself.
fn address(value: &Value) -> String {
    let Value::Object(map) = value else {
        return string_of(Some(value));
    };
    let mut parts: Vec<String> = Vec::new();
    for key in ["addressLocality", "addressRegion", "addressCountry"] {
        let part = match map.get(key) {
            Some(country @ Value::Object(_)) => name_of(country),
            other => string_of(other),
        };
        let already = parts.iter().any(|p| {
            p.split(',')
                .any(|piece| piece.trim().eq_ignore_ascii_case(&part))
        });
        if !part.is_empty() && !already {
            parts.push(part);
        }
    }
    collapse_whitespace(&parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(block: &str) -> Fields {
        let found = postings(&[block.to_string()]);
        assert_eq!(found.len(), 1, "{found:?}");
        found.into_iter().next().unwrap().fields
    }

    fn fields(title: &str, company: &str, location: &str) -> Fields {
        Fields {
            title: title.into(),
            company: company.into(),
            location: location.into(),
        }
    }

    #[test]
    fn organization_as_object_or_string() {
        let object = r#"{"@context":"https://schema.org","@type":"JobPosting","title":"Welder",
            "hiringOrganization":{"@type":"Organization","name":"Copperline Logistics"},
            "jobLocation":{"@type":"Place","address":{"@type":"PostalAddress","addressLocality":"Denver","addressRegion":"CO","addressCountry":"US"}}}"#;
        assert_eq!(
            one(object),
            fields("Welder", "Copperline Logistics", "Denver, CO, US")
        );
        let string = r#"{"@type":"JobPosting","title":"Welder","hiringOrganization":"Copperline Logistics"}"#;
        assert_eq!(one(string), fields("Welder", "Copperline Logistics", ""));
        let legal = r#"{"@type":"JobPosting","title":"Welder","hiringOrganization":[{"legalName":"Copperline LLC"}]}"#;
        assert_eq!(one(legal), fields("Welder", "Copperline LLC", ""));
    }

    #[test]
    fn arrays_of_locations_are_joined() {
        let block = r#"{"@type":"JobPosting","title":"Nurse","hiringOrganization":{"name":"Greyfriars Health"},
            "jobLocation":[
              {"@type":"Place","address":{"@type":"PostalAddress","addressLocality":"Edinburgh","addressCountry":{"@type":"Country","name":"United Kingdom"}}},
              {"@type":"Place","address":"Glasgow, Scotland"},
              {"@type":"Place","address":{"addressLocality":"Edinburgh","addressCountry":{"name":"United Kingdom"}}},
              {"@type":"Place","name":"Aberdeen Clinic"},
              "Dundee"
            ]}"#;
        assert_eq!(
            one(block).location,
            "Edinburgh, United Kingdom; Glasgow, Scotland; Aberdeen Clinic; Dundee"
        );
    }

    #[test]
    fn address_parts_are_not_repeated() {
        let block = r#"{"@type":"JobPosting","title":"Analyst","jobLocation":{"address":{"addressLocality":"Columbus, OH","addressRegion":"OH","addressCountry":"USA"}}}"#;
        assert_eq!(one(block).location, "Columbus, OH, USA");
        let block = r#"{"@type":"JobPosting","title":"Analyst","jobLocation":{"address":{"addressLocality":"Berlin","addressRegion":"Berlin","addressCountry":"DE"}}}"#;
        assert_eq!(one(block).location, "Berlin, DE");
        let block = r#"{"@type":"JobPosting","title":"Analyst","jobLocation":{"@type":"PostalAddress","addressLocality":"Oslo"}}"#;
        assert_eq!(one(block).location, "Oslo");
    }

    #[test]
    fn remote_jobs() {
        let block = r#"{"@type":"JobPosting","title":"SRE","jobLocationType":"TELECOMMUTE"}"#;
        assert_eq!(one(block).location, "Remote");
        let block = r#"{"@type":"JobPosting","title":"SRE","jobLocationType":["TELECOMMUTE"],
            "applicantLocationRequirements":[{"@type":"Country","name":"United States"},{"@type":"Country","name":"Canada"}]}"#;
        assert_eq!(one(block).location, "Remote (United States, Canada)");
        let block = r#"{"@type":"JobPosting","title":"SRE","jobLocationType":"telecommute",
            "applicantLocationRequirements":{"@type":"Country","name":"Germany"},
            "jobLocation":{"address":{"addressLocality":"Berlin","addressCountry":"DE"}}}"#;
        assert_eq!(one(block).location, "Remote (Germany); Berlin, DE");
        let block = r#"{"@type":"JobPosting","title":"SRE","jobLocationType":"TELECOMMUTE",
            "applicantLocationRequirements":{"@type":"Country","name":"United Kingdom"},
            "jobLocation":{"@type":"Place","address":{"@type":"PostalAddress","addressCountry":"United Kingdom"}}}"#;
        assert_eq!(one(block).location, "Remote (United Kingdom)");
    }

    #[test]
    fn entities_and_tags_are_decoded() {
        let block = r#"{"@type":"JobPosting","title":"Research &amp; Development Lead &#8211; <b>Pumps</b>",
            "hiringOrganization":{"name":"Kestrel &amp; Finch S&eacute;rl"}}"#;
        assert_eq!(
            one(block),
            fields(
                "Research & Development Lead – Pumps",
                "Kestrel & Finch Sérl",
                ""
            )
        );
    }

    #[test]
    fn type_as_array_or_iri() {
        let block = r#"{"@type":["Thing","JobPosting"],"title":"Baker"}"#;
        assert_eq!(one(block).title, "Baker");
        let block = r#"{"@type":"http://schema.org/JobPosting","name":"Baker"}"#;
        assert_eq!(one(block).title, "Baker");
        assert!(postings(&[r#"{"@type":"JobPostingList","title":"x"}"#.to_string()]).is_empty());
        assert!(postings(&[r#"{"@type":"Article","headline":"x"}"#.to_string()]).is_empty());
    }

    #[test]
    fn graph_array_main_entity_and_references() {
        let graph = r#"{"@context":"https://schema.org","@graph":[
            {"@type":"Organization","@id":"https://greyfriars.example/#org","name":"Greyfriars Dental"},
            {"@type":"WebPage","@id":"https://greyfriars.example/careers/x/"},
            {"@type":"JobPosting","title":"Hygienist","hiringOrganization":{"@id":"https://greyfriars.example/#org"}}]}"#;
        assert_eq!(one(graph), fields("Hygienist", "Greyfriars Dental", ""));
        let array = r#"[{"@type":"BreadcrumbList"},{"@type":"JobPosting","title":"Baker","hiringOrganization":"Larchmont"}]"#;
        assert_eq!(one(array), fields("Baker", "Larchmont", ""));
        let main = r#"{"@type":"WebPage","mainEntity":{"@type":"JobPosting","title":"Baker"}}"#;
        assert_eq!(one(main).title, "Baker");
        // A dangling reference gives no company rather than failing.
        let dangling =
            r##"{"@type":"JobPosting","title":"Baker","hiringOrganization":{"@id":"#nowhere"}}"##;
        assert_eq!(one(dangling).company, "");
    }

    #[test]
    fn malformed_blocks_are_ignored_or_repaired() {
        let blocks = vec![
            r#"{"@context": "https://schema.org", "@type": "JobPosting", "title": "Truncat"#
                .to_string(),
            "not json at all".to_string(),
            String::new(),
            r#"{"@type":"JobPosting","title":"Good One"}"#.to_string(),
        ];
        let found = postings(&blocks);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].fields.title, "Good One");
        assert!(mentions_job_posting(&blocks[..1]));

        // Raw newlines in strings, a trailing comma, an invalid escape, CDATA and a trailing semicolon.
        let sloppy = "/*<![CDATA[*/{\"@type\":\"JobPosting\",\"title\":\"Line\nCook\",\"description\":\"We\\'re hiring\",}/*]]>*/;";
        assert_eq!(one(sloppy).title, "Line Cook");
    }

    #[test]
    fn repair_leaves_strings_alone() {
        assert_eq!(
            repair(r#"{"a":"x, }","b":[1,2,],}"#),
            r#"{"a":"x, }","b":[1,2]}"#
        );
        assert_eq!(repair("<!-- {\"a\":1} -->"), "{\"a\":1}");
    }

    #[test]
    fn strips_only_real_tags() {
        assert_eq!(
            collapse_whitespace(&strip_tags("<p>Pay < 5k</p> <br/>ok")),
            "Pay < 5k ok"
        );
    }
}
