//! The employee's side of the popup: their queue with start and "Mark as completed", which captures the visible tab
//! as proof, with what it shows (address, title, time, the page's headings); a page on another site than the job's
//! must be confirmed.

use app::api::jobs::JobStatus;
use wasm_bindgen_futures::spawn_local;
use web_sys::Element;

use super::{
    api::{self, Capture, Failure},
    chrome::{capture_visible_tab, tabs_send_message, to_js},
    dom::{self, append, el, field, on_click, select},
    popup::{render, show_failure, target},
};

pub(super) async fn employee(app: &Element) {
    let fill_card = append(app, el("section", "fill", ""));
    append(app, el("h2", "", "Your queue"));
    let Some(list) = append(app, el("ul", "queue", "")) else {
        return;
    };
    list.set_id("queue");
    let Some(status) = append(app, el("p", "status", "")) else {
        return;
    };
    status.set_id("status");
    let jobs = match api::queue().await {
        Ok(j) => j,
        Err(e) => {
            show_failure(&status, &e);
            return;
        }
    };
    if let Some(card) = &fill_card {
        super::fill_popup::card(card, &jobs).await;
    }
    if jobs.is_empty() {
        append(&list, el("li", "hint", "No open jobs."));
    }
    for job in jobs {
        let li = append(&list, el("li", "job", "")).unwrap_or_else(|| list.clone());
        let _ = li.set_attribute("data-job", &job.id.to_string());
        append(&li, el("span", "title", &job.heading()));
        append(
            &li,
            el(
                "span",
                "meta",
                &format!("{} · {}", job.client_name, job.status.label()),
            ),
        );
        if let Some(a) = append(&li, el("a", "link", "Open posting")) {
            let _ = a.set_attribute("href", &job.job_url);
            let _ = a.set_attribute("target", "_blank");
        }
        let id = job.id.to_string();
        match job.status {
            JobStatus::Pending => {
                if let Some(b) = append(&li, el("button", "primary", "Start")) {
                    let (id, status) = (id.clone(), status.clone());
                    on_click(&b, move || {
                        let (id, status) = (id.clone(), status.clone());
                        spawn_local(async move {
                            match api::start(&id).await {
                                Ok(_) => render().await,
                                Err(e) => show_failure(&status, &e),
                            }
                        });
                    });
                }
            }
            JobStatus::InProgress => complete_form(&li, id, status.clone()),
            _ => {}
        }
    }
}

/// "Mark as completed": outcome, notes, reason; the visible tab is captured as the proof.
fn complete_form(li: &Element, id: String, status: Element) {
    let Some(open) = append(li, el("button", "primary", "Mark as completed")) else {
        return;
    };
    let Some(form) = append(li, el("div", "complete", "")) else {
        return;
    };
    dom::show(&form, false);
    let outcomes = vec![
        ("submitted".to_string(), "Submitted".to_string()),
        ("failed".to_string(), "Could not submit".to_string()),
    ];
    select(
        &form,
        "Outcome",
        &format!("outcome-{id}"),
        &outcomes,
        "submitted",
    );
    field(&form, "Notes", &format!("notes-{id}"), "text", "");
    field(
        &form,
        "Reason (if it could not be submitted)",
        &format!("reason-{id}"),
        "text",
        "",
    );
    append(
        &form,
        el(
            "p",
            "hint",
            "The visible tab is captured as proof: keep the confirmation page in view.",
        ),
    );
    // Shown when the captured page is on another site than the job's: the employee confirms it is the right one.
    let Some(confirm) = append(&form, el("label", "confirm-site", "")) else {
        return;
    };
    dom::show(&confirm, false);
    if let Some(b) = append(&confirm, el("input", "", "")) {
        b.set_id(&format!("confirm-site-{id}"));
        let _ = b.set_attribute("type", "checkbox");
    }
    append(
        &confirm,
        el(
            "span",
            "",
            " This is the right page, although it is on another site than the job's.",
        ),
    );
    let Some(send) = append(&form, el("button", "primary", "Capture and complete")) else {
        return;
    };
    let f = form.clone();
    on_click(&open, move || dom::show(&f, true));
    on_click(&send, move || {
        let (id, status, confirm) = (id.clone(), status.clone(), confirm.clone());
        spawn_local(async move {
            let outcome = dom::value(&format!("outcome-{id}"));
            let confirmed = dom::by_id(&format!("confirm-site-{id}"))
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(e).ok())
                .is_some_and(|i| i.checked());
            let (shot, capture) = if outcome == "submitted" {
                status.set_text_content(Some("Capturing the page…"));
                match capture(confirmed).await {
                    Ok((bytes, capture)) => (Some(bytes), capture),
                    Err(e) => {
                        status.set_text_content(Some(&format!("Could not capture the tab: {e}")));
                        return;
                    }
                }
            } else {
                (None, Capture::default())
            };
            status.set_text_content(Some("Uploading…"));
            match api::complete(
                &id,
                &outcome,
                &dom::value(&format!("notes-{id}")),
                &dom::value(&format!("reason-{id}")),
                shot.as_deref(),
                &capture,
            )
            .await
            {
                Ok(job) => {
                    render().await;
                    if let Some(s) = dom::by_id("status") {
                        s.set_text_content(Some(&format!(
                            "{}: {}",
                            job.heading(),
                            job.status.label()
                        )));
                    }
                }
                Err(e) => {
                    // The server asks for a confirmation when the captured page's site is not the job's.
                    if let Failure::Api(app::api::AppError::Validation { fields, .. }) = &e {
                        if fields.iter().any(|f| f.field == "captured_url") {
                            dom::show(&confirm, true);
                        }
                    }
                    show_failure(&status, &e)
                }
            }
        });
    });
}

/// The visible part of the target tab's window as PNG bytes, and what it shows.
async fn capture(confirm_site: bool) -> Result<(Vec<u8>, Capture), String> {
    let t = target().await.ok_or("no tab")?;
    let at = String::from(js_sys::Date::new_0().to_iso_string());
    let data = capture_visible_tab(t.window_id, to_js(&serde_json::json!({"format": "png"})))
        .await
        .map_err(|e| super::chrome::message_of(&e))?
        .as_string()
        .ok_or("no image")?;
    let b64 = data
        .split_once(',')
        .map(|(_, b)| b)
        .ok_or("not a data URL")?;
    let window = web_sys::window().ok_or("no window")?;
    let binary = window
        .atob(b64)
        .map_err(|e| super::chrome::message_of(&e))?;
    // The page's headings and status messages, read by the content script (none on pages it cannot run on).
    let page_text = tabs_send_message(t.id, to_js(&serde_json::json!({"type": "page_text"})))
        .await
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let capture = Capture {
        url: t.url,
        title: t.title,
        at,
        page_text,
        confirm_site,
    };
    Ok((binary.chars().map(|c| c as u32 as u8).collect(), capture))
}
