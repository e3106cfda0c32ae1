//! The words a page puts in its headings and status messages, sent with a proof screenshot so the server can
//! recognize an applicant-tracking confirmation page ("Thank you for applying"). Cheap: a few selectors, capped.

use wasm_bindgen::JsCast;
use web_sys::{Document, Element};

use crate::extract::collapse_whitespace;

/// At most this many characters are sent.
const MAX: usize = 2000;

/// Headings, alerts and status regions, in document order, whitespace collapsed.
pub fn page_text(doc: &Document) -> String {
    let mut out = String::new();
    let Ok(list) = doc.query_selector_all("h1, h2, h3, [role=alert], [role=status], [aria-live]")
    else {
        return out;
    };
    for i in 0..list.length() {
        let Some(e) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
            continue;
        };
        let text = collapse_whitespace(&e.text_content().unwrap_or_default());
        if text.is_empty() {
            continue;
        }
        out.push_str(&text);
        out.push('\n');
        if out.chars().count() >= MAX {
            break;
        }
    }
    out.chars().take(MAX).collect()
}
