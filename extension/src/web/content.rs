//! The content script: reads a cheap snapshot of the page (no full-HTML copy), answers the popup's "what job is
//! this?" and "what does the page say?" (for a proof) and, on job pages, adds a small "Delegate" button that
//! delegates through the background worker. It is the small build (`pkg/page*`) that runs on every page; filling
//! a form is in the full module, which `static/content.js` loads only when the employee asks for it.

use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use web_sys::{Document, Element};

use super::chrome::{from_js, on_message, prop, runtime_send_message, to_js};
use crate::extract::{self, collapse_whitespace, selectors_for, split_selector, Snapshot};

fn all(doc: &Document, css: &str) -> Vec<Element> {
    let mut out = Vec::new();
    if let Ok(list) = doc.query_selector_all(css) {
        for i in 0..list.length() {
            if let Some(e) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                out.push(e);
            }
        }
    }
    out
}

/// Elements whose text is not the page's (inline CSS and scripts inside headings and names).
const NOT_TEXT: &str = "script, style, noscript";

/// The element's `textContent` without its `<script>`, `<style>` and `<noscript>` subtrees (as `extract::html`).
/// Only elements that contain such a subtree are copied, and only those matched by a selector.
fn text_of(e: &Element) -> String {
    let has_hidden = e.query_selector(NOT_TEXT).ok().flatten().is_some();
    if !has_hidden {
        return e.text_content().unwrap_or_default();
    }
    let Some(copy) = e
        .clone_node_with_deep(true)
        .ok()
        .and_then(|n| n.dyn_into::<Element>().ok())
    else {
        return e.text_content().unwrap_or_default();
    };
    if let Ok(list) = copy.query_selector_all(NOT_TEXT) {
        for i in 0..list.length() {
            if let Some(hidden) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                hidden.remove();
            }
        }
    }
    copy.text_content().unwrap_or_default()
}

/// The snapshot the extraction rules need, read from the live page.
pub fn snapshot(doc: &Document) -> Snapshot {
    let url = doc
        .location()
        .and_then(|l| l.href().ok())
        .unwrap_or_default();
    let json_ld = all(doc, r#"script[type="application/ld+json"]"#)
        .iter()
        .filter_map(|e| e.text_content())
        .collect();
    let meta = all(doc, "meta[content]")
        .iter()
        .flat_map(|e| {
            let content = e.get_attribute("content").unwrap_or_default();
            ["name", "property"]
                .into_iter()
                .filter_map(|attr| e.get_attribute(attr).filter(|k| !k.is_empty()))
                .map(|key| (key, content.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let canonical = doc
        .query_selector(r#"link[rel="canonical"]"#)
        .ok()
        .flatten()
        .and_then(|e| e.get_attribute("href"));
    let texts = selectors_for(&url)
        .into_iter()
        .map(|entry| {
            let (css, attr) = split_selector(entry);
            let found = doc
                .query_selector(css)
                .ok()
                .flatten()
                .and_then(|e| match attr {
                    Some(a) => e.get_attribute(a),
                    None => Some(text_of(&e)),
                });
            (entry.to_string(), found.map(|t| collapse_whitespace(&t)))
        })
        .collect();
    Snapshot {
        title: doc.title(),
        url,
        json_ld,
        meta,
        canonical,
        texts,
    }
}

fn current_job() -> Option<extract::JobInfo> {
    let doc = super::dom::doc()?;
    extract::extract(&snapshot(&doc))
}

/// Entry point of the content script.
pub fn main() {
    // The popup asks for the page's job, or (with a proof screenshot) the page's headings and status messages.
    let listener = Closure::<dyn FnMut(JsValue, JsValue, js_sys::Function) -> JsValue>::new(
        |msg: JsValue, _sender: JsValue, reply: js_sys::Function| {
            match prop(&msg, "type").as_string().as_deref() {
                Some("job") => {
                    let _ = reply.call1(&JsValue::NULL, &to_js(&current_job()));
                }
                Some("page_text") => {
                    let text = super::dom::doc()
                        .map(|d| super::page_text::page_text(&d))
                        .unwrap_or_default();
                    let _ = reply.call1(&JsValue::NULL, &JsValue::from_str(&text));
                }
                _ => {}
            }
            JsValue::FALSE
        },
    );
    on_message(listener.as_ref().unchecked_ref());
    listener.forget();

    let Some(doc) = super::dom::doc() else { return };
    if !extract::looks_like_job_page(&snapshot(&doc)) {
        return;
    }
    add_button(&doc);
}

/// A small button in a closed shadow root: the page's styles cannot reach it, nor its scripts (they cannot find the
/// button, and a click they script is not trusted and does nothing). A real click opens the extension's own window
/// for this tab, which shows what will be sent and asks for confirmation; nothing is ever sent from the page.
fn add_button(doc: &Document) {
    let Some(body) = doc.body() else { return };
    let Ok(host) = doc.create_element("div") else {
        return;
    };
    host.set_id("jobdelegate-host");
    let _ = host.set_attribute(
        "style",
        "position:fixed;right:16px;bottom:16px;z-index:2147483647;",
    );
    let Ok(root) = host.attach_shadow(&web_sys::ShadowRootInit::new(
        web_sys::ShadowRootMode::Closed,
    )) else {
        return;
    };
    let Ok(button) = doc.create_element("button") else {
        return;
    };
    button.set_text_content(Some("Delegate"));
    let _ = button.set_attribute(
        "style",
        "font:600 14px system-ui,sans-serif;padding:10px 16px;border-radius:999px;border:0;\
         background:#1d4ed8;color:#fff;box-shadow:0 2px 8px rgba(0,0,0,.25);cursor:pointer;",
    );
    let _ = button.set_attribute("title", "Review and delegate this job in JobDelegate");
    let _ = root.append_child(&button);
    let _ = body.append_child(&host);
    let b = button.clone();
    super::dom::on_trusted_click(&button, move || {
        let b = b.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let msg = to_js(&serde_json::json!({"type": "confirm"}));
            let answer = runtime_send_message(msg).await.unwrap_or(JsValue::NULL);
            let opened = from_js::<serde_json::Value>(&answer)
                .is_some_and(|v| v.get("status").and_then(|s| s.as_str()) == Some("opened"));
            if !opened {
                b.set_text_content(Some("Open JobDelegate from the toolbar"));
            }
        });
    });
}
