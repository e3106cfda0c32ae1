//! The question a field asks, as a person reads it (the label rules of [`super`]), and the text beside each box of a
//! radio or checkbox question.

use scraper::ElementRef;

use super::dom::{
    ancestors, clean_label, descendants, hidden_self, is_boundary, is_checkable, is_control,
    is_group, is_inside, push_until, text_of,
};
use super::Page;

impl<'a> Page<'a> {
    pub(super) fn label(
        &self,
        e: ElementRef<'a>,
        kind: &str,
        many: bool,
        group: Option<ElementRef<'a>>,
        anchors: &[ElementRef<'a>],
    ) -> String {
        let count = |a: ElementRef<'a>| anchors.iter().filter(|x| is_inside(**x, a)).count();
        // The label of an enclosing group that holds this field alone (a radio group, Greenhouse's file group).
        let own_group = || {
            ancestors(e)
                .take(8)
                .filter(|a| is_group(*a) || a.value().attr("aria-labelledby").is_some())
                .take_while(|a| count(*a) == 1)
                .map(|a| self.group_label(a))
                .find(|t| !t.is_empty())
                .unwrap_or_default()
        };
        let native = is_control(e);
        let mut steps: Vec<&dyn Fn() -> String> = Vec::new();
        let group_of_options = || group.map(|g| self.group_label(g)).unwrap_or_default();
        let preceding = || self.preceding(e, anchors);
        let label_for = || {
            e.value()
                .id()
                .filter(|id| !id.is_empty())
                .and_then(|id| self.labels_for.get(id))
                .into_iter()
                .flatten()
                .map(|l| text_of(*l))
                .find(|t| !t.is_empty())
                .unwrap_or_default()
        };
        let wrapping = || {
            ancestors(e)
                .find(|a| a.value().name() == "label")
                .map(|label| {
                    // The question comes before the control; text after it (hints, results) only when none does.
                    let mut before = String::new();
                    push_until(label, e, &mut before);
                    let before = before.split_whitespace().collect::<Vec<_>>().join(" ");
                    if before.is_empty() {
                        text_of(label)
                    } else {
                        before
                    }
                })
                .unwrap_or_default()
        };
        let labelledby = || self.labelledby(e, true);
        let aria_label = || {
            let Some(t) = e
                .value()
                .attr("aria-label")
                .map(str::trim)
                .filter(|t| !t.is_empty())
            else {
                return String::new();
            };
            // A part of a composite field (a date's month) is named with its group: "From (Month)".
            let outer = ancestors(e)
                .take(8)
                .filter(|a| is_group(*a) && count(*a) > 1 && count(*a) <= 4)
                .map(|a| clean_label(&self.group_label(a)))
                .find(|g| !g.is_empty());
            match outer {
                Some(g) if kind != "select" && !g.eq_ignore_ascii_case(t) => format!("{g} ({t})"),
                _ => t.to_string(),
            }
        };
        let inner_label = || {
            descendants(e)
                .filter(|d| d.value().name() == "label")
                .map(text_of)
                .find(|t| !t.is_empty())
                .unwrap_or_default()
        };
        let container = || self.container_text(e, anchors);
        let attrs = || {
            ["placeholder", "title"]
                .iter()
                .find_map(|a| e.value().attr(a).filter(|t| !t.trim().is_empty()))
                .unwrap_or_default()
                .to_string()
        };
        if many {
            steps.extend([
                &group_of_options as &dyn Fn() -> String,
                &own_group,
                &preceding,
            ]);
        }
        if kind == "file" {
            // A file input's own label is often its button ("Attach", "Choose file"); the question is the group's.
            steps.extend([&labelledby as &dyn Fn() -> String, &own_group, &inner_label]);
        }
        steps.extend([
            &label_for as &dyn Fn() -> String,
            &wrapping,
            &labelledby,
            &aria_label,
            &own_group,
            &preceding,
        ]);
        if native {
            steps.extend([&attrs as &dyn Fn() -> String, &container]);
        }
        steps
            .iter()
            .map(|f| f())
            .find(|t| !t.is_empty())
            .unwrap_or_default()
    }

    /// A heading or label-like element before the field in its own container (no other field in between): the
    /// nearest heading, `<label>`, legend or element with a label/question/title class, else the nearest short text.
    fn preceding(&self, e: ElementRef<'a>, anchors: &[ElementRef<'a>]) -> String {
        let mut node = e;
        let mut short = None;
        'levels: for _ in 0..8 {
            for sib in node.prev_siblings().filter_map(ElementRef::wrap) {
                if is_control(sib)
                    || anchors
                        .iter()
                        .any(|a| is_inside(*a, sib) || a.id() == sib.id())
                {
                    break 'levels;
                }
                if hidden_self(sib) || sib.value().attr("aria-hidden") == Some("true") {
                    continue;
                }
                let t = text_of(sib);
                if t.is_empty() {
                    continue;
                }
                let label_like = matches!(
                    sib.value().name(),
                    "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "label" | "legend"
                ) || sib.value().classes().any(|c| {
                    let c = c.to_ascii_lowercase();
                    c.contains("label") || c.contains("question") || c.contains("title")
                });
                if label_like {
                    return t;
                }
                if short.is_none() && t.chars().count() <= 120 {
                    short = Some(t);
                }
            }
            match node.parent().and_then(ElementRef::wrap) {
                Some(p) if !is_boundary(p) => node = p,
                _ => break,
            }
        }
        short.unwrap_or_default()
    }

    /// The text around a field without a label: its smallest container holding no other field.
    fn container_text(&self, e: ElementRef<'a>, anchors: &[ElementRef<'a>]) -> String {
        ancestors(e)
            .take(3)
            .take_while(|a| {
                !is_boundary(*a) && anchors.iter().filter(|x| is_inside(**x, *a)).count() == 1
            })
            .map(text_of)
            .find(|t| !t.is_empty())
            .unwrap_or_default()
    }

    /// The text a person reads next to one radio button or checkbox: its `<label for>`, a label wrapping it alone,
    /// its `aria-label`, the text after it up to the next control, else its value.
    pub(super) fn option_text(&self, e: ElementRef<'a>) -> String {
        let for_label = e
            .value()
            .id()
            .and_then(|id| self.labels_for.get(id))
            .into_iter()
            .flatten()
            .map(|l| text_of(*l))
            .find(|t| !t.is_empty());
        if let Some(t) = for_label {
            return t;
        }
        if let Some(label) = ancestors(e).take(4).find(|a| a.value().name() == "label") {
            let alone = descendants(label).filter(|d| is_checkable(*d)).count() == 1;
            let t = text_of(label);
            if alone && !t.is_empty() {
                return t;
            }
        }
        if let Some(t) = e
            .value()
            .attr("aria-label")
            .filter(|t| !t.trim().is_empty())
        {
            return t.to_string();
        }
        let mut after = String::new();
        for sib in e.next_siblings() {
            if let Some(text) = sib.value().as_text() {
                after.push_str(text);
            } else if let Some(c) = ElementRef::wrap(sib) {
                if is_control(c) || descendants(c).any(is_control) {
                    break;
                }
                after.push(' ');
                after.push_str(&text_of(c));
            }
        }
        let after = after.split_whitespace().collect::<Vec<_>>().join(" ");
        if !after.is_empty() {
            return after;
        }
        e.value().attr("value").unwrap_or_default().to_string()
    }
}
