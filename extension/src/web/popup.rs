//! The popup: sign in; for a client, the current tab's job (editable, "already delegated" when it was) delegated
//! with a resume and a priority, and the recent delegations; for an employee, their queue (see `work`).

use app::api::{
    jobs::{DelegateForm, Priority},
    Role,
};
use wasm_bindgen_futures::spawn_local;
use web_sys::Element;

use super::{
    api::{self, Failure},
    chrome::{from_js, prop, tabs_get, tabs_query, tabs_send_message, to_js},
    dom::{self, append, el, field, on_click, select, textarea},
    outbox::{self, Sent},
    store,
};
use crate::extract::JobInfo;

/// The tab the popup works on: `?tab=<id>` when given (the popup opened as a page), else the active tab.
pub(super) struct Target {
    pub(super) id: i32,
    pub(super) window_id: i32,
    pub(super) url: String,
    pub(super) title: String,
}

pub(super) async fn target() -> Option<Target> {
    let from_query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|q| web_sys::UrlSearchParams::new_with_str(&q).ok())
        .and_then(|p| p.get("tab"))
        .and_then(|t| t.parse::<i32>().ok());
    let tab = match from_query {
        Some(id) => tabs_get(id).await.ok()?,
        None => {
            let tabs = tabs_query(to_js(
                &serde_json::json!({"active": true, "currentWindow": true}),
            ))
            .await
            .ok()?;
            js_sys::Array::from(&tabs).get(0)
        }
    };
    Some(Target {
        id: prop(&tab, "id").as_f64()? as i32,
        window_id: prop(&tab, "windowId").as_f64()? as i32,
        url: prop(&tab, "url").as_string().unwrap_or_default(),
        title: prop(&tab, "title").as_string().unwrap_or_default(),
    })
}

pub async fn main() {
    render().await;
}

pub(super) async fn render() {
    let Some(app) = dom::by_id("app") else { return };
    dom::clear(&app);
    let mut session = store::session().await;
    if session.is_some() {
        // The sign-in may have ended on the server (signed out elsewhere, deactivated).
        if let Err(Failure::Api(app::api::AppError::Unauthenticated)) = api::me().await {
            store::clear_session().await;
            session = None;
        }
    }
    match session {
        None => super::signin::login(&app),
        Some(s) => {
            let bar = append(&app, el("div", "bar", "")).unwrap_or_else(|| app.clone());
            append(
                &bar,
                el(
                    "span",
                    "who",
                    &format!("{} ({})", s.user.email, s.user.role.label()),
                ),
            );
            if let Ok(n) = api::notifications().await {
                if n.unread > 0 {
                    if let Some(b) =
                        append(&bar, el("a", "badge unread", &format!("{} new", n.unread)))
                    {
                        let _ = b.set_attribute("href", &format!("{}/", store::server().await));
                        let _ = b.set_attribute("target", "_blank");
                        let _ =
                            b.set_attribute("title", "Unread notifications: open the dashboard");
                    }
                }
            }
            if let Some(out) = append(&bar, el("button", "link", "Sign out")) {
                out.set_id("sign-out");
                on_click(&out, || {
                    spawn_local(async {
                        api::logout().await;
                        render().await;
                    })
                });
            }
            match s.user.role {
                Role::Client => client(&app).await,
                Role::Employee => super::work::employee(&app).await,
                _ => {
                    append(&app, el("p", "", "Admins work from the dashboard."));
                }
            }
        }
    }
}

pub(super) fn show_failure(status: &Element, e: &Failure) {
    let mut text = e.message();
    if let Failure::Api(app::api::AppError::Validation { fields, .. }) = e {
        for f in fields {
            text.push_str(&format!(" {}: {}", f.field, f.message));
        }
    }
    status.set_text_content(Some(&text));
}

async fn client(app: &Element) {
    // Anything that waited offline goes first.
    let _ = outbox::flush().await;
    let waiting = store::outbox().await;
    if !waiting.is_empty() {
        let w = append(app, el("div", "outbox", "")).unwrap_or_else(|| app.clone());
        w.set_id("outbox");
        append(
            &w,
            el(
                "p",
                "",
                &format!("{} delegation(s) waiting to be sent.", waiting.len()),
            ),
        );
        for p in waiting.iter().filter(|p| p.error.is_some()) {
            append(
                &w,
                el(
                    "p",
                    "error",
                    &format!(
                        "{}: {}",
                        p.form.job_url,
                        p.error.clone().unwrap_or_default()
                    ),
                ),
            );
        }
    }

    append(app, el("h2", "", "This page"));
    let tab = target().await;
    let job: Option<JobInfo> = match &tab {
        Some(t) => tabs_send_message(t.id, to_js(&serde_json::json!({"type": "job"})))
            .await
            .ok()
            .and_then(|v| from_js(&v)),
        None => None,
    };
    let url = job
        .as_ref()
        .map(|j| j.url.clone())
        .or_else(|| tab.as_ref().map(|t| t.url.clone()))
        .unwrap_or_default();
    if job.is_none() {
        append(
            app,
            el("p", "hint", "No job detected here; fill in what you know."),
        );
    }
    // Delegated before (under this or another address of the same posting): say so before anything is sent.
    let earlier = if url.is_empty() {
        None
    } else {
        api::lookup(&url).await.ok().flatten()
    };
    if let Some(earlier) = &earlier {
        if let Some(p) = append(app, el("p", "already", "")) {
            p.set_id("already");
            p.set_text_content(Some(&format!(
                "Already delegated on {} ({}). ",
                earlier.delegated_at.format("%Y-%m-%d"),
                earlier.status.label().to_lowercase()
            )));
            if let Some(a) = append(&p, el("a", "link", "Open it")) {
                let _ = a.set_attribute(
                    "href",
                    &format!("{}/client/jobs?job={}", store::server().await, earlier.id),
                );
                let _ = a.set_attribute("target", "_blank");
            }
        }
    }
    let form = append(app, el("div", "form", "")).unwrap_or_else(|| app.clone());
    let j = job.clone();
    let get = |f: fn(&JobInfo) -> String| j.as_ref().map(f).unwrap_or_default();
    field(
        &form,
        "Title",
        "job-title",
        "text",
        &get(|j| j.title.clone()),
    );
    field(
        &form,
        "Company",
        "company",
        "text",
        &get(|j| j.company.clone()),
    );
    field(
        &form,
        "Location",
        "location",
        "text",
        &get(|j| j.location.clone()),
    );
    field(&form, "Address", "job-url", "url", &url);
    let resumes = api::resume_types().await.unwrap_or_default();
    let mut options = vec![(String::new(), "No resume".to_string())];
    options.extend(resumes.iter().map(|r| (r.id.to_string(), r.name.clone())));
    let first = resumes
        .first()
        .map(|r| r.id.to_string())
        .unwrap_or_default();
    select(&form, "Resume", "resume", &options, &first);
    let priorities: Vec<(String, String)> = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ]
    .iter()
    .map(|p| (p.as_str().to_string(), p.label().to_string()))
    .collect();
    select(&form, "Priority", "priority", &priorities, "normal");
    textarea(&form, "Notes for your assistant", "notes");
    let Some(button) = append(&form, el("button", "primary", "Delegate")) else {
        return;
    };
    button.set_id("delegate");
    if earlier.is_some() {
        dom::set_disabled(&button, true);
    }
    let Some(status) = append(&form, el("p", "status", "")) else {
        return;
    };
    status.set_id("status");
    let b = button.clone();
    on_click(&button, move || {
        let status = status.clone();
        let b = b.clone();
        spawn_local(async move {
            dom::set_disabled(&b, true);
            status.set_text_content(Some("Delegating…"));
            let form = DelegateForm {
                job_url: dom::value("job-url"),
                company_name: dom::value("company"),
                job_title: dom::value("job-title"),
                location: dom::value("location"),
                resume_type_id: dom::value("resume"),
                priority: dom::value("priority"),
                deadline: String::new(),
                notes: dom::value("notes"),
            };
            match outbox::delegate_or_queue(form).await {
                Ok(Sent::Delegated(job)) => {
                    status.set_text_content(Some(&format!(
                        "Delegated: {} ({})",
                        job.heading(),
                        job.status.label()
                    )));
                    recent().await;
                }
                Ok(Sent::AlreadyThere) => {
                    status.set_text_content(Some("You delegated this posting before."));
                }
                Ok(Sent::Queued) => status.set_text_content(Some(
                    "The server cannot be reached: saved, and sent as soon as it can be.",
                )),
                Err(e) => show_failure(&status, &e),
            }
            dom::set_disabled(&b, false);
        });
    });

    append(app, el("h2", "", "Recent delegations"));
    if let Some(list) = append(app, el("ul", "recent", "")) {
        list.set_id("recent");
    }
    recent().await;
}

async fn recent() {
    let Some(list) = dom::by_id("recent") else {
        return;
    };
    dom::clear(&list);
    match api::my_jobs().await {
        Ok(page) if page.items.is_empty() => {
            append(&list, el("li", "hint", "Nothing delegated yet."));
        }
        Ok(page) => {
            for job in page.items.iter().take(5) {
                let li = append(&list, el("li", "", "")).unwrap_or_else(|| list.clone());
                append(&li, el("span", "title", &job.heading()));
                append(
                    &li,
                    el(
                        "span",
                        &format!("badge status-{}", job.status.as_str()),
                        job.status.label(),
                    ),
                );
            }
        }
        Err(e) => {
            append(&list, el("li", "error", &e.message()));
        }
    }
}
