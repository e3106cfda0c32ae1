//! The filler's panel on the page: what was filled for whom, and the fields left for the employee, each a button
//! that brings the field into view. "Done" takes the panel away and stops filling new steps.

use std::{cell::RefCell, rc::Rc};

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

use super::dom::on_click;
use super::fill::{by_stamp, stop, Session};

const STYLE: &str = "
.panel{font:13px/1.4 system-ui,sans-serif;color:#111;background:#fff;border:1px solid #d1d5db;border-radius:10px;
  box-shadow:0 4px 16px rgba(0,0,0,.2);padding:10px 12px;width:300px;max-height:50vh;overflow:auto}
h2{font-size:14px;margin:0 0 4px}
p{margin:0 0 6px;color:#374151}
ul{list-style:none;margin:0;padding:0}
li button{all:unset;cursor:pointer;display:block;padding:4px 0;border-top:1px solid #f3f4f6;width:100%}
li button:hover .label{text-decoration:underline}
.label{font-weight:600;display:block}
.why{color:#92400e;font-size:12px}
.done{margin-top:8px;padding:6px 12px;border-radius:6px;border:0;background:#1d4ed8;color:#fff;font-weight:600;cursor:pointer}
";

fn el(doc: &Document, tag: &str, class: &str, text: &str) -> Option<Element> {
    let e = doc.create_element(tag).ok()?;
    if !class.is_empty() {
        e.set_class_name(class);
    }
    if !text.is_empty() {
        e.set_text_content(Some(text));
    }
    Some(e)
}

/// Show (or refresh) the panel with the session's report.
pub(super) fn show_panel(doc: &Document, session: &Rc<RefCell<Session>>) {
    let Some(body) = doc.body() else { return };
    let host = match session.borrow().panel.clone() {
        Some(h) => h,
        None => {
            let Some(host) = el(doc, "div", "", "") else {
                return;
            };
            host.set_id("jobdelegate-fill");
            let _ = host.set_attribute(
                "style",
                "position:fixed;left:16px;bottom:16px;z-index:2147483647;",
            );
            if host
                .attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
                .is_err()
            {
                return;
            }
            let _ = body.append_child(&host);
            session.borrow_mut().panel = Some(host.clone());
            host
        }
    };
    let Some(root) = host.shadow_root() else {
        return;
    };
    root.set_inner_html("");
    let Some(style) = el(doc, "style", "", STYLE) else {
        return;
    };
    let _ = root.append_child(&style);
    let Some(panel) = el(doc, "section", "panel", "") else {
        return;
    };
    let _ = panel.set_attribute("role", "status");
    let _ = root.append_child(&panel);
    let s = session.borrow();
    let r = &s.report;
    let add = |parent: &Element, child: Option<Element>| -> Option<Element> {
        let c = child?;
        parent.append_child(&c).ok()?;
        Some(c)
    };
    add(
        &panel,
        el(
            doc,
            "h2",
            "",
            &format!("JobDelegate: filled for {}", s.request.client),
        ),
    );
    add(
        &panel,
        el(
            doc,
            "p",
            "summary",
            &format!(
                "{} filled · {} kept as they were · {} left for you. Check everything before you submit.",
                r.filled.len(),
                r.kept.len(),
                r.left.len()
            ),
        ),
    );
    if let Some(list) = add(&panel, el(doc, "ul", "left", "")) {
        for line in &r.left {
            let Some(li) = add(&list, el(doc, "li", "", "")) else {
                continue;
            };
            let Some(b) = add(&li, el(doc, "button", "", "")) else {
                continue;
            };
            add(&b, el(doc, "span", "label", &line.label));
            add(&b, el(doc, "span", "why", &line.detail));
            let (d, stamp) = (doc.clone(), line.stamp.clone());
            on_click(&b, move || {
                if let Some(field) = by_stamp(&d, &stamp) {
                    field.scroll_into_view();
                    if let Some(h) = field.dyn_ref::<HtmlElement>() {
                        let _ = h.focus();
                    }
                }
            });
        }
    }
    drop(s);
    if let Some(done) = add(&panel, el(doc, "button", "done", "Done")) {
        let session = session.clone();
        on_click(&done, move || {
            stop(&session);
            super::fill::forget(&session);
        });
    }
}
