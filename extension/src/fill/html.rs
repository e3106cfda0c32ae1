//! The fields of an application form in saved HTML (native targets only), read the way the content script reads
//! the live DOM: every control a person sees, in document order, with the text a person reads as its question.
//!
//! Labels are resolved generically, first match wins: `<label for=id>`; a wrapping `<label>` (its text without the
//! controls and option lists inside it); `aria-labelledby`; `aria-label`; the legend or `aria-labelledby` of an
//! enclosing `fieldset`/`role=group` that holds only this field; a preceding heading or label-like element in the
//! field's own container (Breezy's `<h3>`, Lever's question text). Radio buttons and checkboxes of one question are
//! one field, labelled by the question rather than an option (options of one question share a name, or sit in one
//! `fieldset`/`role=group`).
//!
//! Left out: hidden inputs (`type=hidden`, the `hidden` attribute, inline `display:none`/`visibility:hidden`, the
//! classes `ng-hide`/`displayNone`/`d-none`, inside an `aria-hidden` ancestor or a `<template>`), text inputs that
//! are themselves `aria-hidden` with `tabindex=-1` (react-select's required shadow input, Workable's address
//! companions), buttons, and fields outside the page's main `<form>` when one holds most fields (cookie banners,
//! site search). A file input is kept even when hidden by its own style or class: sites draw their own button over
//! it. Custom checkboxes drawn over an `aria-hidden` native checkbox are kept too.
//!
//! Custom widgets without a native control, documented heuristics: an element with `role=combobox` is a `select`
//! (so is an input in a widget whose `data-*widget-type` names a select, Workday's multiselect prompt); an element
//! with `role=button` (not a `<button>`) whose accessible name speaks of uploading or attaching, in a container
//! without a file input, is a `file` field (SuccessFactors' attachment widget); an element whose attributes name an
//! upload controller and that holds a `<label>` but no control is a `file` field (Teamtailor's Dropzone area).

use std::collections::HashMap;

use scraper::{ElementRef, Html};

use super::{Choice, FieldInfo, Found, STAMP};

mod dom;
mod labels;

use dom::{
    ancestors, clean_label, descendants, hidden_ancestor, hidden_self, is_checkable, is_control,
    is_group, is_inside, text_of,
};

/// The fields a person sees on this page, in document order.
pub fn fields_from_html(html: &str) -> Vec<FieldInfo> {
    found_fields(html).into_iter().map(|f| f.info).collect()
}

/// The fields a person sees on this page, in document order, with the stamps ([`STAMP`]) of their controls and the
/// options of radio and checkbox questions: what the content script fills.
pub fn found_fields(html: &str) -> Vec<Found> {
    let doc = Html::parse_document(html);
    let page = Page::new(&doc);
    let mut candidates: Vec<(ElementRef<'_>, &'static str)> = page
        .elements
        .iter()
        .filter_map(|&e| Some((e, page.kind(e)?)))
        .collect();
    // The application form: when one <form> holds most fields, fields outside it are site chrome.
    let forms: Vec<ElementRef<'_>> = page
        .elements
        .iter()
        .copied()
        .filter(|e| e.value().name() == "form")
        .collect();
    if let Some((form, count)) = forms
        .iter()
        .map(|f| {
            (
                *f,
                candidates.iter().filter(|(c, _)| is_inside(*c, *f)).count(),
            )
        })
        .max_by_key(|(_, n)| *n)
    {
        if count * 2 > candidates.len() {
            candidates.retain(|(c, _)| is_inside(*c, form));
        }
    }
    // One field per question: checkable options grouped by their group container, else by name.
    let mut group_index: HashMap<String, usize> = HashMap::new();
    type Field<'b> = (
        ElementRef<'b>,
        &'static str,
        Option<ElementRef<'b>>,
        Vec<ElementRef<'b>>,
    );
    let mut fields: Vec<Field<'_>> = Vec::new();
    for (e, kind) in candidates {
        let group = (kind == "radio" || kind == "checkbox")
            .then(|| page.option_group(e))
            .flatten();
        let key = match (group, e.value().attr("name")) {
            (Some(g), _) => Some(format!("g{:?}", g.id())),
            (None, Some(name)) if !name.is_empty() && (kind == "radio" || kind == "checkbox") => {
                Some(format!("n{name}"))
            }
            _ => None,
        };
        if let Some(key) = key {
            if let Some(&i) = group_index.get(&key) {
                fields[i].3.push(e);
                continue;
            }
            group_index.insert(key, fields.len());
        }
        fields.push((e, kind, group, vec![e]));
    }
    let anchors: Vec<ElementRef<'_>> = fields.iter().map(|(e, _, _, _)| *e).collect();
    fields
        .iter()
        .map(|(e, kind, group, members)| {
            let (e, kind, group) = (*e, *kind, *group);
            let attr = |a: &str| e.value().attr(a).unwrap_or_default().to_string();
            let many = kind == "radio" || (kind == "checkbox" && page.has_siblings(e, group));
            let label = clean_label(&page.label(e, kind, many, group, &anchors));
            let options = if kind == "radio" || kind == "checkbox" {
                members
                    .iter()
                    .map(|m| Choice {
                        stamp: stamp_of(*m),
                        text: clean_label(&page.option_text(*m)),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            Found {
                info: FieldInfo {
                    section: page.section(e, &label, &anchors),
                    label,
                    name: attr("name"),
                    id: attr("id"),
                    kind: kind.to_string(),
                    autocomplete: attr("autocomplete"),
                },
                stamp: stamp_of(e),
                options,
            }
        })
        .collect()
}

fn stamp_of(e: ElementRef<'_>) -> Option<String> {
    e.value().attr(STAMP).map(str::to_string)
}

struct Page<'a> {
    /// Every element, in document order.
    elements: Vec<ElementRef<'a>>,
    by_id: HashMap<&'a str, ElementRef<'a>>,
    labels_for: HashMap<&'a str, Vec<ElementRef<'a>>>,
}

impl<'a> Page<'a> {
    fn new(doc: &'a Html) -> Self {
        let elements: Vec<ElementRef<'a>> = doc
            .root_element()
            .descendants()
            .filter_map(ElementRef::wrap)
            .collect();
        let mut by_id = HashMap::new();
        let mut labels_for: HashMap<&str, Vec<ElementRef<'a>>> = HashMap::new();
        for e in &elements {
            if let Some(id) = e.value().attr("id") {
                by_id.entry(id).or_insert(*e);
            }
            if let Some(target) = e
                .value()
                .attr("for")
                .filter(|_| e.value().name() == "label")
            {
                labels_for.entry(target).or_default().push(*e);
            }
        }
        Page {
            elements,
            by_id,
            labels_for,
        }
    }

    /// The kind of field this element is, or None when it is no field a person fills.
    fn kind(&self, e: ElementRef<'a>) -> Option<&'static str> {
        let v = e.value();
        let role = v.attr("role").unwrap_or_default();
        let kind = match v.name() {
            "select" => "select",
            "textarea" => "textarea",
            "input" => {
                let t = v.attr("type").unwrap_or("text").trim().to_ascii_lowercase();
                let select_widget = role == "combobox"
                    || v.attr("aria-haspopup") == Some("listbox")
                    || v.attr("aria-owns").is_some()
                    || v.attrs()
                        .any(|(k, val)| k.ends_with("widget-type") && val.contains("select"));
                match t.as_str() {
                    "hidden" | "submit" | "button" | "reset" | "image" => return None,
                    "email" | "tel" | "number" | "file" | "radio" | "checkbox" => {
                        match t.as_str() {
                            "email" => "email",
                            "tel" => "tel",
                            "number" => "number",
                            "file" => "file",
                            "radio" => "radio",
                            _ => "checkbox",
                        }
                    }
                    _ if select_widget => "select",
                    _ => "text",
                }
            }
            _ if role == "combobox" => {
                if e.descendants().filter_map(ElementRef::wrap).any(is_control) {
                    return None;
                }
                "select"
            }
            _ if role == "button"
                && v.name() != "button"
                && v.name() != "a"
                && self.upload_button(e) =>
            {
                "file"
            }
            _ if self.dropzone(e) => "file",
            _ => return None,
        };
        if hidden_ancestor(e) {
            return None;
        }
        if (kind != "file" || !is_control(e)) && hidden_self(e) {
            return None;
        }
        let aria_hidden = v.attr("aria-hidden") == Some("true") && v.attr("tabindex") == Some("-1");
        if aria_hidden && !matches!(kind, "checkbox" | "radio" | "file") {
            return None;
        }
        Some(kind)
    }

    /// A `role=button` whose name speaks of uploading, in a field container without a file input.
    fn upload_button(&self, e: ElementRef<'a>) -> bool {
        let name = format!(
            "{} {} {}",
            self.labelledby(e, false),
            e.value().attr("aria-label").unwrap_or_default(),
            e.value().attr("title").unwrap_or_default()
        )
        .to_lowercase();
        if !(name.contains("upload") || name.contains("attach")) {
            return false;
        }
        !ancestors(e).take(6).any(|a| {
            a.descendants()
                .filter_map(ElementRef::wrap)
                .any(|d| d.value().name() == "input" && d.value().attr("type") == Some("file"))
        })
    }

    /// An upload area (Dropzone-style) holding a label but no control.
    fn dropzone(&self, e: ElementRef<'a>) -> bool {
        e.value().id().is_some()
            && e.value().attrs().any(|(k, v)| {
                k.starts_with("data-") && k.ends_with("controller") && v.contains("upload")
            })
            && e.descendants()
                .filter_map(ElementRef::wrap)
                .any(|d| d.value().name() == "label")
            && !e
                .descendants()
                .filter_map(ElementRef::wrap)
                .any(|d| is_control(d) && !ancestors(d).any(|a| a.value().name() == "template"))
    }
}

impl<'a> Page<'a> {
    /// The text of the elements an `aria-labelledby` names; when it names several and the first is a label (a
    /// `<label>`, or an id saying "label"), that label alone: the rest describes the widget, not the question.
    fn labelledby(&self, e: ElementRef<'a>, first_only: bool) -> String {
        let Some(ids) = e.value().attr("aria-labelledby") else {
            return String::new();
        };
        let refs: Vec<ElementRef<'a>> = ids
            .split_whitespace()
            .filter_map(|id| self.by_id.get(id).copied())
            .collect();
        if let Some(first) = refs.first() {
            let label_like = first.value().name() == "label"
                || first
                    .value()
                    .id()
                    .is_some_and(|id| id.to_ascii_lowercase().contains("label"));
            if first_only && refs.len() > 1 && label_like && !text_of(*first).is_empty() {
                return text_of(*first);
            }
        }
        refs.iter()
            .map(|r| text_of(*r))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A group's own label: its legend, `aria-labelledby` or `aria-label`.
    fn group_label(&self, g: ElementRef<'a>) -> String {
        if g.value().name() == "fieldset" {
            if let Some(legend) = g
                .children()
                .filter_map(ElementRef::wrap)
                .find(|c| c.value().name() == "legend")
            {
                let t = text_of(legend);
                if !t.is_empty() {
                    return t;
                }
            }
        }
        let t = self.labelledby(g, true);
        if !t.is_empty() {
            return t;
        }
        g.value().attr("aria-label").unwrap_or_default().to_string()
    }

    /// The fieldset or `role=group` holding the options of this checkable's question.
    fn option_group(&self, e: ElementRef<'a>) -> Option<ElementRef<'a>> {
        ancestors(e).take(6).find(|a| is_group(*a)).filter(|g| {
            let options: Vec<_> = descendants(*g).filter(|d| is_checkable(*d)).collect();
            options.len() > 1 && !descendants(*g).any(|d| is_control(d) && !is_checkable(d))
        })
    }

    /// Does this checkbox have sibling options (one question, several boxes)?
    fn has_siblings(&self, e: ElementRef<'a>, group: Option<ElementRef<'a>>) -> bool {
        group.is_some()
            || e.value().attr("name").is_some_and(|name| {
                self.elements
                    .iter()
                    .filter(|d| is_checkable(**d) && d.value().attr("name") == Some(name))
                    .count()
                    > 1
            })
    }

    /// The label of the nearest enclosing group that holds several fields, or one field it does not label: the
    /// form section.
    fn section(&self, e: ElementRef<'a>, label: &str, anchors: &[ElementRef<'a>]) -> String {
        ancestors(e)
            .filter(|a| is_group(*a) || a.value().name() == "section")
            .filter(|a| anchors.iter().any(|x| is_inside(*x, *a)))
            .map(|a| clean_label(&self.group_label(a)))
            .find(|t| !t.is_empty() && !t.eq_ignore_ascii_case(label))
            .unwrap_or_default()
    }
}
