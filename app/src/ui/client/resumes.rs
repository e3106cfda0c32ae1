//! The client's resumes: each a name and a PDF. Upload with progress (XHR, so the browser reports bytes sent),
//! replace, delete, download through the authorizing handler.

use crate::ui::shared::status::{for_role, ErrorAlert, Loading};
use leptos::prelude::*;

use crate::ui::shared::components::{form_error, when, FormAlert};
use crate::{
    api::{
        resumes::{resume_download_path, ResumeTypeView, Resumes, RESUME_UPLOAD_PATH},
        AppError, CurrentUser, FieldError, Role,
    },
    rpc::resumes::{get_resumes, DeleteResumeType},
};

/// Created by its section, outside any Suspense (see `admin_clients::ClientsData`).
#[derive(Clone, Copy)]
pub struct ResumesData {
    pub list: Resource<Result<Option<Resumes>, AppError>>,
    pub delete: ServerAction<DeleteResumeType>,
    /// Bumped after each successful upload.
    pub uploaded: RwSignal<u32>,
}

impl ResumesData {
    pub fn new(user: Resource<Result<Option<CurrentUser>, AppError>>) -> ResumesData {
        let delete = ServerAction::<DeleteResumeType>::new();
        let uploaded = RwSignal::new(0u32);
        let list = Resource::new(
            move || (delete.version().get(), uploaded.get()),
            move |(_, _)| async move { for_role(user, |r| r == Role::Client, get_resumes(None)).await },
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
            <Transition fallback=|| view! { <Loading /> }>
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
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
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

/// Post the form and report back: success bumps `uploaded`; errors go to their fields or the form alert.
#[cfg(feature = "hydrate")]
fn send(
    ev: leptos::ev::SubmitEvent,
    progress: RwSignal<Option<f64>>,
    errors: RwSignal<Vec<FieldError>>,
    message: RwSignal<Option<String>>,
    done: RwSignal<bool>,
    uploaded: RwSignal<u32>,
) {
    errors.set(Vec::new());
    message.set(None);
    done.set(false);
    crate::ui::shared::components::post_form(
        ev,
        RESUME_UPLOAD_PATH.to_string(),
        progress,
        move |form, status, body| {
            if status == 201 {
                done.set(true);
                form.reset();
                uploaded.update(|n| *n += 1);
                return;
            }
            match crate::ui::shared::components::upload_error(status, &body) {
                Ok(fields) => errors.set(fields),
                Err(m) => message.set(Some(m)),
            }
        },
    );
}
