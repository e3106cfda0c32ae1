//! The content script's form filler: reads the live form with the same rules as the saved pages in the tests (the
//! page's controls are stamped, the page is serialized and read by [`crate::fill::found_fields`]), plans each field
//! from the client's profile ([`crate::fill::plan`]) and carries the plan out the way a person would: the value set
//! through the element's own setter and the `input`/`change`/`blur` events React and Angular listen for, menus and
//! radio groups chosen by their visible text, the resume attached as a real file. Never submits.
//!
//! A field that already holds a value is kept as it is. What was filled is outlined in green, what was left in
//! amber, and a panel lists what was left. Forms spread over several steps (Workday) are filled step by step: while
//! the panel is open, new fields appearing on the page are filled as they come.

use std::{cell::RefCell, collections::HashSet, rc::Rc};

use serde::{Deserialize, Serialize};
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{Document, Element, HtmlElement, HtmlInputElement};

use super::fill_controls::{apply, sleep, Done};
use super::fill_panel::show_panel;
use crate::fill::{found_fields, plan, FillProfile, Found, STAMP};

/// What the popup sends: the client, their answers and the files to attach.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FillRequest {
    pub client: String,
    pub profile: FillProfile,
    /// The resume PDF, base64.
    pub resume_b64: String,
}

/// One field in the report.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Line {
    pub label: String,
    pub detail: String,
    /// The field's [`STAMP`] on the page.
    #[serde(default)]
    pub stamp: String,
}

/// What the filler did so far on this page.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    pub filled: Vec<Line>,
    pub kept: Vec<Line>,
    pub left: Vec<Line>,
    /// Rounds run: the first fill, then one per step of the form that appeared.
    pub rounds: u32,
    /// Milliseconds the first round took to read the page and plan the fill (before setting any value).
    pub read_ms: f64,
}

pub(super) struct Session {
    pub(super) request: FillRequest,
    resume: Vec<u8>,
    handled: HashSet<String>,
    pub(super) report: Report,
    busy: bool,
    pending: bool,
    observer: Option<web_sys::MutationObserver>,
    pub(super) panel: Option<Element>,
}

thread_local! {
    static SESSION: RefCell<Option<Rc<RefCell<Session>>>> = const { RefCell::new(None) };
    static NEXT_STAMP: RefCell<u32> = const { RefCell::new(0) };
}

const FILLED: &str = "2px solid #16a34a";
const LEFT: &str = "2px dashed #d97706";

/// The report so far (none before the first fill).
pub fn report() -> Option<Report> {
    SESSION.with(|s| s.borrow().as_ref().map(|s| s.borrow().report.clone()))
}

/// Fill the form on this page from the request; later steps of the form are filled as they appear.
pub async fn start(request: FillRequest) -> Report {
    let Some(doc) = super::dom::doc() else {
        return Report::default();
    };
    let resume = decode(&request.resume_b64);
    let old = SESSION.with(|s| s.borrow_mut().take());
    if let Some(old) = old {
        stop(&old);
    }
    let session = Rc::new(RefCell::new(Session {
        request,
        resume,
        handled: HashSet::new(),
        report: Report::default(),
        busy: false,
        pending: false,
        observer: None,
        panel: None,
    }));
    SESSION.with(|s| *s.borrow_mut() = Some(session.clone()));
    run_round(&doc, &session).await;
    watch(&doc, &session);
    let report = session.borrow().report.clone();
    report
}

/// Stop watching the page and take the panel away.
pub(super) fn stop(session: &Rc<RefCell<Session>>) {
    let mut s = session.borrow_mut();
    if let Some(o) = s.observer.take() {
        o.disconnect();
    }
    if let Some(p) = s.panel.take() {
        p.remove();
    }
}

fn decode(b64: &str) -> Vec<u8> {
    if b64.is_empty() {
        return Vec::new();
    }
    web_sys::window()
        .and_then(|w| w.atob(b64).ok())
        .map(|s| s.chars().map(|c| c as u32 as u8).collect())
        .unwrap_or_default()
}

/// Number the controls not numbered yet.
fn stamp(doc: &Document) {
    let Ok(list) = doc.query_selector_all(&format!(
        "input:not([{STAMP}]), select:not([{STAMP}]), textarea:not([{STAMP}]), [role]:not([{STAMP}])"
    )) else {
        return;
    };
    NEXT_STAMP.with(|n| {
        let mut n = n.borrow_mut();
        for i in 0..list.length() {
            if let Some(e) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                *n += 1;
                let _ = e.set_attribute(STAMP, &n.to_string());
            }
        }
    });
}

pub(super) fn by_stamp(doc: &Document, stamp: &str) -> Option<Element> {
    doc.query_selector(&format!("[{STAMP}=\"{stamp}\"]"))
        .ok()
        .flatten()
}

/// One pass over the fields not handled yet.
async fn run_round(doc: &Document, session: &Rc<RefCell<Session>>) {
    {
        let mut s = session.borrow_mut();
        if s.busy {
            s.pending = true;
            return;
        }
        s.busy = true;
    }
    loop {
        let started = js_sys::Date::now();
        stamp(doc);
        let html = doc
            .document_element()
            .map(|e| e.outer_html())
            .unwrap_or_default();
        let found = found_fields(&html);
        let steps = plan(&found, &session.borrow().request.profile);
        {
            let mut s = session.borrow_mut();
            if s.report.rounds == 0 {
                s.report.read_ms = js_sys::Date::now() - started;
            }
        }
        let mut touched = false;
        for step in steps {
            let f = &found[step.field];
            let Some(stamp) = f.stamp.clone() else {
                continue;
            };
            if session.borrow().handled.contains(&stamp) {
                continue;
            }
            let Some(el) = by_stamp(doc, &stamp) else {
                continue;
            };
            if f.info.kind != "file" && f.options.is_empty() && !rendered(&el) {
                continue;
            }
            let stamp_now = stamp.clone();
            session.borrow_mut().handled.insert(stamp);
            touched = true;
            let label = label_of(f);
            let outcome = match &step.action {
                None => Err(step.reason.clone()),
                Some(action) => {
                    let (profile, resume) = {
                        let s = session.borrow();
                        (s.request.profile.clone(), s.resume.clone())
                    };
                    apply(doc, f, &el, action, &profile, &resume).await
                }
            };
            let mut s = session.borrow_mut();
            match outcome {
                Ok(Done::Filled(value)) => {
                    outline(&el, FILLED);
                    s.report.filled.push(Line {
                        label,
                        detail: value,
                        stamp: stamp_now,
                    });
                }
                Ok(Done::Kept) => s.report.kept.push(Line {
                    label,
                    detail: "Already filled: left as it was".into(),
                    stamp: stamp_now,
                }),
                Err(reason) => {
                    outline(&el, LEFT);
                    let _ = el.set_attribute("data-jd-left", &reason);
                    s.report.left.push(Line {
                        label,
                        detail: reason,
                        stamp: stamp_now,
                    });
                }
            }
        }
        {
            let mut s = session.borrow_mut();
            if touched || s.report.rounds == 0 {
                s.report.rounds += 1;
            }
            if !s.pending {
                s.busy = false;
                break;
            }
            s.pending = false;
        }
    }
    show_panel(doc, session);
}

fn label_of(f: &Found) -> String {
    [&f.info.label, &f.info.name, &f.info.id]
        .into_iter()
        .find(|t| !t.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| format!("A {} field", f.info.kind))
}

pub(super) fn rendered(el: &Element) -> bool {
    el.get_client_rects().length() > 0
}

fn outline(el: &Element, how: &str) {
    // A hidden file input or a small box: outline what the person sees around it.
    let target = match el.dyn_ref::<HtmlInputElement>() {
        Some(i) if matches!(i.type_().as_str(), "file" | "radio" | "checkbox") => {
            el.parent_element().unwrap_or_else(|| el.clone())
        }
        _ => el.clone(),
    };
    if let Some(h) = target.dyn_ref::<HtmlElement>() {
        let _ = h.style().set_property("outline", how);
        let _ = h.style().set_property("outline-offset", "1px");
    }
    let _ = el.set_attribute("data-jd", if how == FILLED { "filled" } else { "left" });
}

/// While the panel is open, fill the fields of each new step of the form as it appears.
fn watch(doc: &Document, session: &Rc<RefCell<Session>>) {
    let Some(body) = doc.body() else { return };
    let (d, s) = (doc.clone(), session.clone());
    let scheduled = Rc::new(RefCell::new(false));
    let callback = Closure::<dyn FnMut()>::new(move || {
        if *scheduled.borrow() {
            return;
        }
        *scheduled.borrow_mut() = true;
        let (d, s, scheduled) = (d.clone(), s.clone(), scheduled.clone());
        wasm_bindgen_futures::spawn_local(async move {
            sleep(400).await;
            *scheduled.borrow_mut() = false;
            let live = SESSION.with(|cur| cur.borrow().as_ref().is_some_and(|c| Rc::ptr_eq(c, &s)));
            if live {
                run_round(&d, &s).await;
            }
        });
    });
    let Ok(observer) = web_sys::MutationObserver::new(callback.as_ref().unchecked_ref()) else {
        return;
    };
    callback.forget();
    let init = web_sys::MutationObserverInit::new();
    init.set_child_list(true);
    init.set_subtree(true);
    if observer.observe_with_options(&body, &init).is_ok() {
        session.borrow_mut().observer = Some(observer);
    }
}

/// Forget the session (after "Done"): the next fill starts afresh.
pub(super) fn forget(session: &Rc<RefCell<Session>>) {
    SESSION.with(|s| {
        let mut cur = s.borrow_mut();
        if cur.as_ref().is_some_and(|c| Rc::ptr_eq(c, session)) {
            *cur = None;
        }
    });
}
