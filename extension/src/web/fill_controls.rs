//! Filling one control the way a person does (the filler's hands): text through the element's own value setter
//! and the events frameworks listen for, menus and radio groups by their visible text, comboboxes by typing and
//! clicking the site's option, files through a `DataTransfer` as the file dialog gives them.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement, HtmlInputElement, HtmlSelectElement};

use super::fill::{by_stamp, rendered};
use crate::fill::{pick_option, Action, FillProfile, Found};

pub(super) enum Done {
    Filled(String),
    Kept,
}

/// Do one planned action on the field's element.
pub(super) async fn apply(
    doc: &Document,
    f: &Found,
    el: &Element,
    action: &Action,
    profile: &FillProfile,
    resume: &[u8],
) -> Result<Done, String> {
    match action {
        Action::Resume => attach(el, &profile.resume, resume, "application/pdf"),
        Action::CoverLetter => attach(
            el,
            "Cover letter.txt",
            profile.cover_letter.as_bytes(),
            "text/plain",
        ),
        Action::Text(v) => set_text(el, v),
        Action::Choose(_) | Action::YesNo(_) => {
            if !f.options.is_empty() {
                return choose_box(doc, f, action);
            }
            if let Some(select) = el.dyn_ref::<HtmlSelectElement>() {
                return choose_in_select(select, action);
            }
            if el.dyn_ref::<HtmlInputElement>().is_some() {
                return choose_in_combobox(doc, el, action).await;
            }
            Err("A custom menu: choose it by hand".into())
        }
    }
}

fn fire(el: &Element, name: &str) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    if let Ok(ev) = web_sys::Event::new_with_event_init_dict(name, &init) {
        let _ = el.dispatch_event(&ev);
    }
}

/// Set `value` through the prototype's setter, as typing does: React watches the element's own `value` property
/// and would otherwise take the change for its own and drop it.
fn set_native_value(el: &Element, value: &str) -> bool {
    let class = match el.tag_name().to_ascii_lowercase().as_str() {
        "input" => "HTMLInputElement",
        "textarea" => "HTMLTextAreaElement",
        _ => return false,
    };
    let Some(window) = web_sys::window() else {
        return false;
    };
    let setter = js_sys::Reflect::get(&window, &class.into())
        .and_then(|c| js_sys::Reflect::get(&c, &"prototype".into()))
        .ok()
        .and_then(|p| p.dyn_into::<js_sys::Object>().ok())
        .map(|p| js_sys::Object::get_own_property_descriptor(&p, &"value".into()))
        .and_then(|d| js_sys::Reflect::get(&d, &"set".into()).ok())
        .and_then(|s| s.dyn_into::<js_sys::Function>().ok());
    match setter {
        Some(set) => set.call1(el, &JsValue::from_str(value)).is_ok(),
        None => false,
    }
}

fn current_value(el: &Element) -> Option<String> {
    if let Some(i) = el.dyn_ref::<HtmlInputElement>() {
        return Some(i.value());
    }
    el.dyn_ref::<web_sys::HtmlTextAreaElement>()
        .map(|t| t.value())
}

fn type_into(el: &Element, v: &str) -> bool {
    if let Some(h) = el.dyn_ref::<HtmlElement>() {
        let _ = h.focus();
    }
    fire(el, "focus");
    if !set_native_value(el, v) {
        return false;
    }
    fire(el, "input");
    fire(el, "change");
    true
}

fn leave_field(el: &Element) {
    if let Some(h) = el.dyn_ref::<HtmlElement>() {
        let _ = h.blur();
    }
    fire(el, "blur");
    fire(el, "focusout");
}

fn set_text(el: &Element, v: &str) -> Result<Done, String> {
    let Some(now) = current_value(el) else {
        return Err("Not a text box".into());
    };
    if !now.trim().is_empty() {
        return Ok(Done::Kept);
    }
    if !type_into(el, v) {
        return Err("The page refused the value".into());
    }
    leave_field(el);
    Ok(Done::Filled(v.to_string()))
}

fn choose_in_select(select: &HtmlSelectElement, action: &Action) -> Result<Done, String> {
    let options = select.options();
    let texts: Vec<String> = (0..options.length())
        .filter_map(|i| options.item(i))
        .filter_map(|o| o.dyn_into::<web_sys::HtmlOptionElement>().ok())
        .map(|o| o.text())
        .collect();
    let current = select.selected_index();
    if current > 0 && !select.value().is_empty() {
        return Ok(Done::Kept);
    }
    let Some(i) = pick_option(&texts, action) else {
        return Err(no_option(action));
    };
    select.set_selected_index(i as i32);
    fire(select, "input");
    fire(select, "change");
    leave_field(select);
    Ok(Done::Filled(texts[i].clone()))
}

fn no_option(action: &Action) -> String {
    match action {
        Action::YesNo(b) => format!(
            "No option reads “{}”: choose it by hand",
            if *b { "Yes" } else { "No" }
        ),
        Action::Choose(v) => format!("No option reads “{v}”: choose it by hand"),
        _ => "Choose it by hand".into(),
    }
}

/// A radio group or checkboxes: click the box whose text reads like the answer (a click is what the page's own
/// handlers expect).
fn choose_box(doc: &Document, f: &Found, action: &Action) -> Result<Done, String> {
    let boxes: Vec<Option<HtmlInputElement>> = f
        .options
        .iter()
        .map(|o| {
            o.stamp
                .as_deref()
                .and_then(|s| by_stamp(doc, s))
                .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
        })
        .collect();
    if boxes.iter().flatten().any(|b| b.checked()) {
        return Ok(Done::Kept);
    }
    let pick = if f.options.len() == 1 {
        // A lone checkbox ("I am authorized to work…") is ticked for yes and left for no.
        match action {
            Action::YesNo(true) => Some(0),
            Action::YesNo(false) => return Ok(Done::Filled("Left unticked (no)".into())),
            _ => None,
        }
    } else {
        let texts: Vec<String> = f.options.iter().map(|o| o.text.clone()).collect();
        pick_option(&texts, action)
    };
    let Some(b) = pick.and_then(|i| boxes.get(i).cloned().flatten()) else {
        return Err(no_option(action));
    };
    b.click();
    Ok(Done::Filled(
        pick.and_then(|i| f.options.get(i))
            .map(|o| o.text.clone())
            .unwrap_or_default(),
    ))
}

/// A combobox (react-select and the like): type the answer, wait for the site's list, click the option reading
/// like it. Without such an option the typed text is taken back.
async fn choose_in_combobox(doc: &Document, el: &Element, action: &Action) -> Result<Done, String> {
    let typed = match action {
        Action::YesNo(true) => "Yes".to_string(),
        Action::YesNo(false) => "No".to_string(),
        Action::Choose(v) => v.clone(),
        _ => return Err("Choose it by hand".into()),
    };
    if current_value(el).is_some_and(|v| !v.trim().is_empty()) {
        return Ok(Done::Kept);
    }
    type_into(el, &typed);
    fire(el, "keydown");
    let mut picked = None;
    for _ in 0..6 {
        sleep(80).await;
        let options = listed_options(doc, el);
        let texts: Vec<String> = options
            .iter()
            .map(|o| o.text_content().unwrap_or_default())
            .collect();
        if let Some(i) = pick_option(&texts, action) {
            picked = Some((options[i].clone(), texts[i].trim().to_string()));
            break;
        }
    }
    let Some((option, text)) = picked else {
        set_native_value(el, "");
        fire(el, "input");
        leave_field(el);
        return Err(no_option(action));
    };
    for name in ["mousedown", "mouseup", "click"] {
        let init = web_sys::MouseEventInit::new();
        init.set_bubbles(true);
        init.set_cancelable(true);
        if let Ok(ev) = web_sys::MouseEvent::new_with_mouse_event_init_dict(name, &init) {
            let _ = option.dispatch_event(&ev);
        }
    }
    leave_field(el);
    Ok(Done::Filled(text))
}

/// The options of the list a combobox controls, else every option shown on the page.
fn listed_options(doc: &Document, el: &Element) -> Vec<Element> {
    let list = ["aria-controls", "aria-owns"]
        .iter()
        .filter_map(|a| el.get_attribute(a))
        .flat_map(|ids| {
            ids.split_whitespace()
                .filter_map(|id| doc.get_element_by_id(id))
                .collect::<Vec<_>>()
        })
        .next();
    let scope: Option<Element> = list;
    let found = match &scope {
        Some(l) => l.query_selector_all("[role=option]"),
        None => doc.query_selector_all("[role=option]"),
    };
    let Ok(found) = found else {
        return Vec::new();
    };
    (0..found.length())
        .filter_map(|i| found.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .filter(rendered)
        .collect()
}

pub(super) async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Attach a file to a file input, as choosing it in the file dialog does.
fn attach(el: &Element, name: &str, bytes: &[u8], kind: &str) -> Result<Done, String> {
    let Some(input) = el
        .dyn_ref::<HtmlInputElement>()
        .filter(|i| i.type_() == "file")
    else {
        return Err(format!(
            "Attach “{name}” by hand: the site draws its own upload"
        ));
    };
    if input.files().is_some_and(|f| f.length() > 0) {
        return Ok(Done::Kept);
    }
    if bytes.is_empty() {
        return Err("The file could not be fetched".into());
    }
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes).into());
    let bag = web_sys::FilePropertyBag::new();
    bag.set_type(kind);
    let file = web_sys::File::new_with_u8_array_sequence_and_options(&parts, name, &bag)
        .map_err(|e| super::chrome::message_of(&e))?;
    let dt = web_sys::DataTransfer::new().map_err(|e| super::chrome::message_of(&e))?;
    dt.items()
        .add_with_file(&file)
        .map_err(|e| super::chrome::message_of(&e))?;
    input.set_files(dt.files().as_ref());
    fire(el, "input");
    fire(el, "change");
    Ok(Done::Filled(name.to_string()))
}
