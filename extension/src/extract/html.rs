//! Snapshots of saved HTML pages (native targets only), following exactly the rules the content script applies to
//! the live DOM (see the module documentation of `extract`).

use scraper::{ElementRef, Html, Selector};

use super::{collapse_whitespace, selectors_for, split_selector, Snapshot};

/// Build the [`Snapshot`] the content script would capture on this page, reading `selectors_for(url)`.
pub fn snapshot_from_html(url: &str, html: &str) -> Snapshot {
    let doc = Html::parse_document(html);
    let elements = |name: &str| -> Vec<ElementRef<'_>> {
        Selector::parse(name)
            .map(|selector| doc.select(&selector).collect())
            .unwrap_or_default()
    };

    let title = elements("title")
        .first()
        .map(|e| collapse_whitespace(&e.text().collect::<String>()))
        .unwrap_or_default();
    let json_ld = elements("script")
        .into_iter()
        .filter(|e| {
            e.value()
                .attr("type")
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"))
        })
        .map(|e| e.text().collect::<String>())
        .collect();
    let meta = elements("meta")
        .into_iter()
        .flat_map(|e| {
            let content = e.value().attr("content");
            ["name", "property"].into_iter().filter_map(move |attr| {
                let key = e.value().attr(attr).filter(|k| !k.is_empty())?;
                Some((key.to_string(), content?.to_string()))
            })
        })
        .collect();
    let canonical = elements("link")
        .into_iter()
        .find(|e| {
            e.value().attr("rel").is_some_and(|rel| {
                rel.split_ascii_whitespace()
                    .any(|t| t.eq_ignore_ascii_case("canonical"))
            })
        })
        .and_then(|e| e.value().attr("href").map(str::to_string));
    let texts = selectors_for(url)
        .into_iter()
        .map(|entry| (entry.to_string(), read(&doc, entry)))
        .collect();

    Snapshot {
        url: url.to_string(),
        title,
        json_ld,
        meta,
        canonical,
        texts,
    }
}

/// `document.querySelector(css)`, then the attribute or the text content, whitespace collapsed.
fn read(doc: &Html, entry: &str) -> Option<String> {
    let (css, attr) = split_selector(entry);
    let selector = Selector::parse(css).ok()?;
    let element = doc.select(&selector).next()?;
    match attr {
        Some(attr) => element.value().attr(attr).map(collapse_whitespace),
        None => {
            let mut text = String::new();
            push_text(element, &mut text);
            Some(collapse_whitespace(&text))
        }
    }
}

/// The text of an element's text nodes, skipping `<script>`, `<style>` and `<noscript>` subtrees.
fn push_text(element: ElementRef<'_>, out: &mut String) {
    for child in element.children() {
        if let Some(text) = child.value().as_text() {
            out.push_str(text);
        } else if let Some(child) = ElementRef::wrap(child) {
            if !matches!(child.value().name(), "script" | "style" | "noscript") {
                push_text(child, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_the_content_script() {
        let html = r#"<!doctype html><html><head>
            <title>  Welder
              at Copperline </title>
            <meta property="og:title" content="Welder">
            <meta name="description" content="">
            <meta charset="utf-8">
            <link rel="alternate stylesheet" href="/x.css"><link rel="Canonical" href="/jobs/view/1">
            <script type="application/ld+json">{"a": 1}</script>
            <script type="text/javascript">var x;</script>
            <script type=" Application/LD+JSON ">[]</script>
            </head><body>
            <meta name="title" property="og:title" content="Welder (II)">
            <h1 class="top-card-layout__title">  Welder&nbsp;<span>II</span><style>.x{color:red}</style>
            <script>var y;</script></h1>
            <h1 class="top-card-layout__title">Second</h1>
            <div class="topcard__flavor"></div>
            </body></html>"#;
        let s = snapshot_from_html("https://www.linkedin.com/jobs/view/1/", html);
        assert_eq!(s.title, "Welder at Copperline");
        assert_eq!(s.json_ld, vec![r#"{"a": 1}"#.to_string(), "[]".to_string()]);
        assert_eq!(
            s.meta,
            vec![
                ("og:title".into(), "Welder".into()),
                ("description".into(), String::new()),
                ("title".into(), "Welder (II)".into()),
                ("og:title".into(), "Welder (II)".into()),
            ]
        );
        assert_eq!(s.canonical.as_deref(), Some("/jobs/view/1"));
        assert_eq!(s.text("h1.top-card-layout__title"), Some("Welder II"));
        assert_eq!(
            s.texts
                .iter()
                .find(|(k, _)| k == ".topcard__flavor:not(.topcard__flavor--bullet)")
                .map(|(_, v)| v.clone()),
            Some(Some(String::new()))
        );
        assert_eq!(
            s.texts
                .iter()
                .find(|(k, _)| k == ".topcard__org-name-link")
                .map(|(_, v)| v.clone()),
            Some(None)
        );
        assert_eq!(s.texts.len(), selectors_for(&s.url).len());
    }

    #[test]
    fn reads_attributes() {
        let html = r#"<div class="main-header-logo"><img src="x.png" alt=" Larchmont
            Foods logo "></div><div class="posting-headline"><h2>Baker</h2></div>"#;
        let s = snapshot_from_html(
            "https://jobs.lever.co/larchmont/3f2c9a1e-7b4d-4e8a-9c1f-2d5e6a7b8c90",
            html,
        );
        assert_eq!(
            s.text(".main-header-logo img@alt"),
            Some("Larchmont Foods logo")
        );
        assert_eq!(s.text(".posting-headline h2"), Some("Baker"));
        let keys: Vec<String> = snapshot_from_html("https://example.com/", html)
            .texts
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, selectors_for("https://example.com/"));
    }
}
