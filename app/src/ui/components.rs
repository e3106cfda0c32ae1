//! Small shared pieces: form fields with their own error line, form-level alerts.

use leptos::prelude::*;

use crate::api::AppError;

/// A labelled input whose error message (if any) sits right under it and is announced to screen readers.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    /// The element id; default `f-<name>`.
    #[prop(optional)]
    id: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = id
        .map(str::to_string)
        .unwrap_or_else(|| format!("f-{name}"));
    let err_id = format!("{id}-error");
    let described = err_id.clone();
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                placeholder=placeholder
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=described
            />
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            <p class="field-error" id=err_id data-field=name role="alert">
                {move || error.get().unwrap_or_default()}
            </p>
        </div>
    }
}

/// The message of an error for one field, as a signal.
pub fn field_error<S, T>(value: S, field: &'static str) -> Signal<Option<String>>
where
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    T: 'static,
{
    Signal::derive(move || {
        value.with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().err())
                .and_then(|e| e.field_message(field))
        })
    })
}

/// The form-level message of a failed action, as a signal.
pub fn form_error<S, T>(value: S) -> Signal<Option<String>>
where
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    T: 'static,
{
    Signal::derive(move || {
        value.with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().err())
                .map(ToString::to_string)
        })
    })
}

/// The form-level message of a failed action (shown above the submit button).
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || error.get().is_some()>
            <div class="alert alert-error" role="alert" data-testid="form-error">
                {move || error.get().unwrap_or_default()}
            </div>
        </Show>
    }
}

/// Percent-encode a value for a query string.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A date and time as people read it here: `2026-11-24 14:05 UTC`.
pub fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}
