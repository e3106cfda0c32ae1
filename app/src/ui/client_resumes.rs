//! The client's resumes: each a name and a PDF. Upload with progress (XHR, so the browser reports bytes sent),
//! replace, delete, download through the authorizing handler.

use leptos::prelude::*;

use super::components::{form_error, when, FormAlert};
use crate::api::{
    resumes::{
        get_resumes, resume_download_path, DeleteResumeType, ResumeTypeView, Resumes,
        RESUME_UPLOAD_PATH,
    },
    AppError, CurrentUser, FieldError, Role,
};

/// Created by the dashboard outside any Suspense (see `admin_clients::ClientsData`).
#[derive(Clone, Copy)]
pub struct ResumesData {
    pub list: Resource<Result<Option<Resumes>, AppError>>,
    pub delete: ServerAction<DeleteResumeType>,
    /// Bumped after each successful upload.
    pub uploaded: RwSignal<u32>,
}

impl ResumesData {
    pub fn new(
        on_section: Signal<bool>,
        user: Resource<Result<Option<CurrentUser>, AppError>>,
    ) -> ResumesData {
        let delete = ServerAction::<DeleteResumeType>::new();
        let uploaded = RwSignal::new(0u32);
        let list = Resource::new(
            move || (on_section.get(), delete.version().get(), uploaded.get()),
            move |(on, _, _)| async move {
                if !on {
                    return Ok(None);
                }
                match user.await {
                    Ok(Some(u)) if u.role == Role::Client => get_resumes(None).await.map(Some),
                    _ => Ok(None),
                }
            },
        );
        ResumesData {
            list,
            delete,
            uploaded,
        }
    }
}

fn size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes / 1024).max(1))
    }
}

#[component]
pub fn ResumesSection(data: ResumesData) -> impl IntoView {
    let ResumesData {
        list,
        delete,
        uploaded,
    } = data;
    view! {
        <section class="card" data-testid="resumes-section">
            <h2>"Resumes"</h2>
            <p class="muted">"Keep one PDF per kind of job you apply for (at most 10 MB each). Your assistant picks the one you choose when delegating."</p>
            <UploadForm uploaded replace=None />
            <FormAlert error=form_error(delete.value()) />
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(Some(r)) if r.types.is_empty() => view! { <p class="muted" data-testid="no-resumes">"No resumes uploaded yet."</p> }.into_any(),
                        Ok(Some(r)) => view! {
                            <ul class="resume-list">
                                {r.types.into_iter().map(|t| view! { <ResumeRow resume=t delete uploaded /> }).collect_view()}
                            </ul>
                        }
                        .into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <p class="alert alert-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ResumeRow(
    resume: ResumeTypeView,
    delete: ServerAction<DeleteResumeType>,
    uploaded: RwSignal<u32>,
) -> impl IntoView {
    let id = resume.id;
    view! {
        <li class="resume-row" data-testid="resume-row" data-name=resume.name.clone()>
            <div class="resume-head">
                <strong>{resume.name.clone()}</strong>
                <span class="muted small">{format!("{} · {} · uploaded {}", resume.file_name, size(resume.file_size), when(resume.uploaded_at))}</span>
            </div>
            <div class="row-actions">
                <a class="btn" href=resume_download_path(id) download=resume.file_name.clone() rel="external">"Download"</a>
                <ActionForm action=delete attr:class="inline-form">
                    <input type="hidden" name="id" value=id.to_string() />
                    <button type="submit" class="btn btn-danger">"Delete"</button>
                </ActionForm>
            </div>
            <details>
                <summary>"Replace the PDF"</summary>
                <UploadForm uploaded replace=Some((id, resume.name.clone())) />
            </details>
        </li>
    }
}

/// Upload (or replace) one resume; shows a progress bar while the file is sent.
#[component]
fn UploadForm(uploaded: RwSignal<u32>, replace: Option<(uuid::Uuid, String)>) -> impl IntoView {
    let progress = RwSignal::new(None::<f64>);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let field = move |f: &'static str| {
        Signal::derive(move || {
            errors.with(|e| e.iter().find(|x| x.field == f).map(|x| x.message.clone()))
        })
    };
    let suffix = replace
        .as_ref()
        .map(|(id, _)| id.to_string())
        .unwrap_or_else(|| "new".into());
    let name_id = format!("resume-name-{suffix}");
    let file_id = format!("resume-file-{suffix}");
    let (default_name, replace_id) = match &replace {
        Some((id, name)) => (name.clone(), id.to_string()),
        None => (String::new(), String::new()),
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        send(ev, progress, errors, message, done, uploaded);
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, uploaded);
    };
    let testid = if replace.is_some() {
        "replace-form"
    } else {
        "upload-form"
    };
    view! {
        <form class="form-grid upload-form" method="post" enctype="multipart/form-data"
            action=RESUME_UPLOAD_PATH on:submit=on_submit data-testid=testid novalidate>
            <input type="hidden" name="replace" value=replace_id />
            <div class="field" class:has-error=move || field("name").get().is_some()>
                <label for=name_id.clone()>"Name"</label>
                <input id=name_id name="name" type="text" maxlength="100" value=default_name placeholder="e.g. Software engineer" />
                <p class="field-error" role="alert">{move || field("name").get().unwrap_or_default()}</p>
            </div>
            <div class="field" class:has-error=move || field("file").get().is_some()>
                <label for=file_id.clone()>"PDF file"</label>
                <input id=file_id name="file" type="file" accept="application/pdf,.pdf" />
                <p class="field-error" role="alert">{move || field("file").get().unwrap_or_default()}</p>
            </div>
            {move || progress.get().map(|p| view! {
                <progress max="100" value=format!("{:.0}", p * 100.0) data-testid="upload-progress"></progress>
            })}
            <FormAlert error=message />
            {move || done.get().then(|| view! { <p class="alert alert-ok" role="status" data-testid="upload-done">"Uploaded."</p> })}
            <button type="submit" class="btn btn-primary">{if replace.is_some() { "Replace" } else { "Upload" }}</button>
        </form>
    }
}

/// Post the form with XMLHttpRequest (fetch cannot report upload progress) and report back.
#[cfg(feature = "hydrate")]
fn send(
    ev: leptos::ev::SubmitEvent,
    progress: RwSignal<Option<f64>>,
    errors: RwSignal<Vec<FieldError>>,
    message: RwSignal<Option<String>>,
    done: RwSignal<bool>,
    uploaded: RwSignal<u32>,
) {
    use wasm_bindgen::{closure::Closure, JsCast};
    let fail = move |m: &str| message.set(Some(m.to_string()));
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
        fail("Your browser could not send the file.");
        return;
    };
    errors.set(Vec::new());
    message.set(None);
    done.set(false);
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
    let on_done = Closure::<dyn FnMut()>::new(move || {
        progress.set(None);
        let status = x.status().unwrap_or(0);
        let body = x.response_text().ok().flatten().unwrap_or_default();
        if status == 201 {
            done.set(true);
            form.reset();
            uploaded.update(|n| *n += 1);
            return;
        }
        match serde_json::from_str::<AppError>(&body) {
            Ok(AppError::Validation { fields, message: m }) if !fields.is_empty() => {
                errors.set(fields);
                let _ = m;
            }
            Ok(e) => message.set(Some(e.to_string())),
            Err(_) if status == 413 => message.set(Some("The file is larger than 10 MB.".into())),
            Err(_) => message.set(Some(format!(
                "The upload failed (HTTP {status}). Please try again."
            ))),
        }
    });
    xhr.set_onloadend(Some(on_done.as_ref().unchecked_ref()));
    on_done.forget();
    if xhr.open("POST", RESUME_UPLOAD_PATH).is_err()
        || xhr.send_with_opt_form_data(Some(&data)).is_err()
    {
        progress.set(None);
        fail("Could not reach the server. Check your connection and try again.");
    }
}
