//! Small shared pieces: form fields with their own error line, form-level alerts.

use leptos::{prelude::*, server_fn::ServerFn};

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
    /// What the field starts with (a saved value being edited).
    #[prop(optional, into)]
    value: Option<String>,
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
                value=value
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

/// The hint under every new-password field.
pub const PASSWORD_HINT: &str = "8 to 128 characters.";

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
    format!("{} {} UTC", day(t), clock(t, false))
}

/// The day of a date and time: `2026-11-24`. Written out rather than with chrono's `format`, whose pattern
/// interpreter would be compiled into the browser's wasm for these few lines.
pub fn day(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Datelike;
    format!("{:04}-{:02}-{:02}", t.year(), t.month(), t.day())
}

/// The time of day: `14:05`, or `14:05:09` with seconds.
pub fn clock(t: chrono::DateTime<chrono::Utc>, seconds: bool) -> String {
    use chrono::Timelike;
    if seconds {
        format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
    } else {
        format!("{:02}:{:02}", t.hour(), t.minute())
    }
}

/// What a failed upload said: field errors when there are some, else one sentence.
#[cfg(feature = "hydrate")]
pub fn upload_error(status: u16, body: &str) -> Result<Vec<crate::api::FieldError>, String> {
    match serde_json::from_str::<AppError>(body) {
        Ok(AppError::Validation { fields, .. }) if !fields.is_empty() => Ok(fields),
        Ok(e) => Err(e.to_string()),
        Err(_) if status == 413 => Err("The file is larger than 10 MB.".into()),
        Err(_) => Err(format!(
            "The upload failed (HTTP {status}). Please try again."
        )),
    }
}

/// A form's fields as the browser would post them, read when it is submitted.
pub struct Fields(#[cfg(feature = "hydrate")] Option<web_sys::FormData>);

impl Fields {
    /// The text of the field `name` ("" if there is none).
    pub fn text(&self, name: &str) -> String {
        #[cfg(feature = "hydrate")]
        if let Some(v) = self.0.as_ref().and_then(|d| d.get(name).as_string()) {
            return v;
        }
        let _ = name;
        String::new()
    }
}

/// A form that runs the server `action` with the input `read` makes of its fields. Lighter than `ActionForm`, which
/// decodes the fields with serde_qs: the header, the sign-in pages and the employee's availability toggle use this one,
/// so that neither the first download nor the chunks of the sign-in pages and of the employee's queue carry serde_qs
/// (the screens that use `ActionForm` load it with their chunks).
/// Before the page hydrates, the form posts to the server function, as an `ActionForm` does. Attributes given as
/// `attr:` go on the `<form>`.
#[component]
pub fn PostForm<A, R>(action: ServerAction<A>, read: R, children: Children) -> impl IntoView
where
    A: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    A::Output: Send + Sync + 'static,
    R: Fn(&Fields) -> A + 'static,
{
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        let fields = {
            use wasm_bindgen::JsCast;
            Fields(
                ev.target()
                    .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
                    .and_then(|f| web_sys::FormData::new_with_form(&f).ok()),
            )
        };
        #[cfg(not(feature = "hydrate"))]
        let fields = Fields();
        action.dispatch(read(&fields));
    };
    view! {
        <form method="post" action=A::url() on:submit=submit>
            {children()}
        </form>
    }
}

/// Post a form (with its files) by XMLHttpRequest, which reports upload progress (fetch does not), and call `done`
/// with the form, the HTTP status and the response body. Status 0 means the server could not be reached.
#[cfg(feature = "hydrate")]
pub fn post_form(
    ev: leptos::ev::SubmitEvent,
    url: String,
    progress: RwSignal<Option<f64>>,
    done: impl Fn(web_sys::HtmlFormElement, u16, String) + 'static,
) {
    use wasm_bindgen::{closure::Closure, JsCast};
    let Some(form) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
    else {
        return;
    };
    let (Ok(data), Ok(xhr)) = (
        web_sys::FormData::new_with_form(&form),
        web_sys::XmlHttpRequest::new(),
    ) else {
        done(form, 0, String::new());
        return;
    };
    progress.set(Some(0.0));
    if let Ok(upload) = xhr.upload() {
        let on_progress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
                if e.length_computable() && e.total() > 0.0 {
                    progress.set(Some(e.loaded() / e.total()));
                }
            });
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        on_progress.forget();
    }
    let x = xhr.clone();
    let f = form.clone();
    let on_done = Closure::<dyn FnMut()>::new(move || {
        progress.set(None);
        let status = x.status().unwrap_or(0);
        let body = x.response_text().ok().flatten().unwrap_or_default();
        done(f.clone(), status, body);
    });
    xhr.set_onloadend(Some(on_done.as_ref().unchecked_ref()));
    on_done.forget();
    if xhr.open("POST", &url).is_err() || xhr.send_with_opt_form_data(Some(&data)).is_err() {
        progress.set(None);
    }
}

/// A multipart form sent with progress ([`post_form`]): its progress, field errors and form-level message, and the
/// submit handler that fills them (bumping `done` on success).
#[derive(Clone, Copy)]
pub struct Upload {
    pub progress: RwSignal<Option<f64>>,
    pub errors: RwSignal<Vec<crate::api::FieldError>>,
    pub message: RwSignal<Option<String>>,
}

impl Upload {
    pub fn new() -> Self {
        Upload {
            progress: RwSignal::new(None),
            errors: RwSignal::new(Vec::new()),
            message: RwSignal::new(None),
        }
    }

    /// The error of one field, as it changes.
    pub fn field(self, name: &'static str) -> Signal<Option<String>> {
        Signal::derive(move || {
            self.errors.with(|e| {
                e.iter()
                    .find(|x| x.field == name)
                    .map(|x| x.message.clone())
            })
        })
    }

    /// The form's submit handler: posts it to `url`; 200 bumps `done`, anything else shows its errors.
    pub fn on_submit(
        self,
        url: String,
        done: RwSignal<u32>,
    ) -> impl Fn(leptos::ev::SubmitEvent) + 'static {
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            self.errors.set(Vec::new());
            self.message.set(None);
            #[cfg(feature = "hydrate")]
            post_form(ev, url.clone(), self.progress, move |_, status, body| {
                if status == 200 {
                    done.update(|n| *n += 1);
                    return;
                }
                match upload_error(status, &body) {
                    Ok(fields) => self.errors.set(fields),
                    Err(m) => self.message.set(Some(m)),
                }
            });
            #[cfg(not(feature = "hydrate"))]
            let _ = (ev, &url, done);
        }
    }
}

impl Default for Upload {
    fn default() -> Self {
        Self::new()
    }
}
