//! Reading the page around a field: visibility, text, ancestry (the helpers of [`super`]).

use scraper::ElementRef;

pub(super) fn is_inside(e: ElementRef<'_>, outer: ElementRef<'_>) -> bool {
    e.ancestors().any(|a| a.id() == outer.id())
}

pub(super) fn ancestors<'a>(e: ElementRef<'a>) -> impl Iterator<Item = ElementRef<'a>> {
    e.ancestors().filter_map(ElementRef::wrap)
}

pub(super) fn has_class(e: ElementRef<'_>, names: &[&str]) -> bool {
    e.value().classes().any(|c| names.contains(&c))
}

pub(super) fn is_control(e: ElementRef<'_>) -> bool {
    matches!(e.value().name(), "input" | "select" | "textarea")
}

/// Inline style that hides the element.
pub(super) fn style_hides(e: ElementRef<'_>) -> bool {
    let style: String = e
        .value()
        .attr("style")
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    style.contains("display:none") || style.contains("visibility:hidden")
}

pub(super) fn hidden_self(e: ElementRef<'_>) -> bool {
    e.value().attr("hidden").is_some()
        || style_hides(e)
        || has_class(e, &["ng-hide", "displayNone", "d-none", "hidden"])
}

pub(super) fn hidden_ancestor(e: ElementRef<'_>) -> bool {
    ancestors(e).any(|a| {
        (a.value().name() == "template" && a.value().attr("shadowrootmode").is_none())
            || a.value().attr("hidden").is_some()
            || a.value().attr("aria-hidden") == Some("true")
            || style_hides(a)
            || has_class(a, &["ng-hide", "displayNone", "d-none"])
    })
}

/// Where the search for a field's label stops: the form, the page, a tab panel or dialog.
pub(super) fn is_boundary(e: ElementRef<'_>) -> bool {
    matches!(e.value().name(), "form" | "body" | "main")
        || matches!(
            e.value().attr("role"),
            Some("tabpanel" | "dialog" | "main" | "form")
        )
}

/// The text of `e` before the element `stop`; true once `stop` was reached.
pub(super) fn push_until(e: ElementRef<'_>, stop: ElementRef<'_>, out: &mut String) -> bool {
    for child in e.children() {
        if child.id() == stop.id() {
            return true;
        }
        if let Some(text) = child.value().as_text() {
            out.push_str(text);
        } else if let Some(c) = ElementRef::wrap(child) {
            if is_inside(stop, c) {
                out.push(' ');
                return push_until(c, stop, out);
            }
            out.push(' ');
            out.push_str(&text_of(c));
            out.push(' ');
        }
    }
    false
}

/// A role or tag that groups the controls of one question or one form section.
pub(super) fn is_group(e: ElementRef<'_>) -> bool {
    e.value().name() == "fieldset"
        || matches!(
            e.value().attr("role"),
            Some("group" | "radiogroup" | "region")
        )
}

pub(super) fn is_checkable(e: ElementRef<'_>) -> bool {
    e.value().name() == "input" && matches!(e.value().attr("type"), Some("radio" | "checkbox"))
}

pub(super) fn descendants<'a>(e: ElementRef<'a>) -> impl Iterator<Item = ElementRef<'a>> {
    e.descendants().filter_map(ElementRef::wrap)
}

/// The text a person reads in an element, without scripts, controls, option lists and `aria-hidden` decorations.
pub(super) fn text_of(e: ElementRef<'_>) -> String {
    let mut out = String::new();
    push_text(e, &mut out);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn push_text(e: ElementRef<'_>, out: &mut String) {
    for child in e.children() {
        if let Some(text) = child.value().as_text() {
            out.push_str(text);
        } else if let Some(c) = ElementRef::wrap(child) {
            let v = c.value();
            let skip = matches!(
                v.name(),
                "script"
                    | "style"
                    | "noscript"
                    | "input"
                    | "select"
                    | "textarea"
                    | "option"
                    | "svg"
            ) || (v.name() == "template" && v.attr("shadowrootmode").is_none())
                || v.attr("role") == Some("listbox")
                || v.attr("aria-hidden") == Some("true")
                || hidden_self(c);
            if !skip {
                out.push(' ');
                push_text(c, out);
                out.push(' ');
            }
        }
    }
}

/// Whitespace collapsed, required/optional markers stripped from either end.
pub(super) fn clean_label(text: &str) -> String {
    let mut s = text.split_whitespace().collect::<Vec<_>>().join(" ");
    loop {
        let before = s.len();
        s = s
            .trim_matches(|c: char| c == '*' || c == '✱' || c == ':' || c.is_whitespace())
            .to_string();
        let lower = s.to_lowercase();
        if lower.starts_with("required.") && s.len() > 9 {
            s = s[9..].to_string();
            continue;
        }
        for marker in ["(required)", "(optional)", "required"] {
            if lower.ends_with(marker) && s.len() > marker.len() {
                s.truncate(s.len() - marker.len());
                break;
            }
        }
        if s.len() == before {
            return s;
        }
    }
}
