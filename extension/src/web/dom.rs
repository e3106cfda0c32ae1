//! A few DOM helpers for the extension's small pages.

use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{
    Document, Element, HtmlElement, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement,
};

pub fn doc() -> Option<Document> {
    web_sys::window()?.document()
}

/// A new element with a class (may be empty) and text (may be empty).
pub fn el(tag: &str, class: &str, text: &str) -> Option<Element> {
    let e = doc()?.create_element(tag).ok()?;
    if !class.is_empty() {
        e.set_class_name(class);
    }
    if !text.is_empty() {
        e.set_text_content(Some(text));
    }
    Some(e)
}

pub fn append(parent: &Element, child: Option<Element>) -> Option<Element> {
    let child = child?;
    parent.append_child(&child).ok()?;
    Some(child)
}

pub fn by_id(id: &str) -> Option<Element> {
    doc()?.get_element_by_id(id)
}

/// The value of an input, select or textarea by id ("" when missing).
pub fn value(id: &str) -> String {
    let Some(e) = by_id(id) else {
        return String::new();
    };
    if let Some(i) = e.dyn_ref::<HtmlInputElement>() {
        return i.value();
    }
    if let Some(s) = e.dyn_ref::<HtmlSelectElement>() {
        return s.value();
    }
    if let Some(t) = e.dyn_ref::<HtmlTextAreaElement>() {
        return t.value();
    }
    String::new()
}

/// A labelled input: `<label>Label <input id=… name=… value=…></label>`.
pub fn field(parent: &Element, label: &str, id: &str, kind: &str, val: &str) -> Option<Element> {
    let l = append(parent, el("label", "field", label))?;
    let input = append(&l, el("input", "", ""))?;
    input.set_id(id);
    let _ = input.set_attribute("name", id);
    let _ = input.set_attribute("type", kind);
    if let Some(i) = input.dyn_ref::<HtmlInputElement>() {
        i.set_value(val);
    }
    Some(input)
}

/// A labelled select with (value, label) options.
pub fn select(
    parent: &Element,
    label: &str,
    id: &str,
    options: &[(String, String)],
    chosen: &str,
) -> Option<Element> {
    let l = append(parent, el("label", "field", label))?;
    let s = append(&l, el("select", "", ""))?;
    s.set_id(id);
    for (v, text) in options {
        let o = append(&s, el("option", "", text))?;
        let _ = o.set_attribute("value", v);
        if v == chosen {
            let _ = o.set_attribute("selected", "");
        }
    }
    Some(s)
}

pub fn textarea(parent: &Element, label: &str, id: &str) -> Option<Element> {
    let l = append(parent, el("label", "field", label))?;
    let t = append(&l, el("textarea", "", ""))?;
    t.set_id(id);
    Some(t)
}

/// Run `f` on every click of `e`.
pub fn on_click(e: &Element, f: impl FnMut() + 'static) {
    let mut f = f;
    let cb = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        ev.prevent_default();
        f();
    });
    let _ = e.add_event_listener_with_callback("click", cb.as_ref().unchecked_ref());
    cb.forget();
}

/// Run `f` on clicks the user made, never on ones a script dispatched (`isTrusted` is false for those).
pub fn on_trusted_click(e: &Element, f: impl FnMut() + 'static) {
    let mut f = f;
    let cb = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        ev.prevent_default();
        if ev.is_trusted() {
            f();
        }
    });
    let _ = e.add_event_listener_with_callback("click", cb.as_ref().unchecked_ref());
    cb.forget();
}

pub fn clear(e: &Element) {
    e.set_inner_html("");
}

pub fn set_disabled(e: &Element, disabled: bool) {
    if disabled {
        let _ = e.set_attribute("disabled", "");
    } else {
        let _ = e.remove_attribute("disabled");
    }
}

pub fn show(e: &Element, visible: bool) {
    if let Some(h) = e.dyn_ref::<HtmlElement>() {
        let _ = h
            .style()
            .set_property("display", if visible { "" } else { "none" });
    }
}
