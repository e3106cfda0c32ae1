//! The employee's "Fill for <client>" in the popup: which job (the one whose posting this tab shows by default),
//! then the client's profile and chosen resume are fetched with the employee's token and handed to the content
//! script of this tab, which fills the form and answers with what it filled and what it left.

use app::api::jobs::{JobStatus, JobSummary};
use wasm_bindgen::{closure::Closure, JsCast};
use wasm_bindgen_futures::spawn_local;
use web_sys::Element;

use super::{
    api,
    chrome::{from_js, tabs_send_message, to_js},
    dom::{self, append, el, on_click, select},
    fill::{FillRequest, Report},
    popup::{show_failure, target},
};
use crate::fill::{FillProfile, ASK};

/// How well a job's posting address matches the tab's: same page or a page under it (an `/apply` step), same
/// site, or not at all.
fn closeness(job_url: &str, tab_url: &str) -> u8 {
    let (Ok(job), Ok(tab)) = (web_sys::Url::new(job_url), web_sys::Url::new(tab_url)) else {
        return 0;
    };
    if job.host() != tab.host() {
        return 0;
    }
    let (jp, tp) = (job.pathname(), tab.pathname());
    let (jp, tp) = (jp.trim_end_matches('/'), tp.trim_end_matches('/'));
    if !jp.is_empty() && (tp.starts_with(jp) || jp.starts_with(tp) && !tp.is_empty()) {
        2
    } else {
        1
    }
}

/// The job to fill by default: the one this tab shows, else one started, else the first.
fn default_job(jobs: &[&JobSummary], tab_url: &str) -> usize {
    let mut best = (0usize, 0u8, false);
    for (i, j) in jobs.iter().enumerate() {
        let score = closeness(&j.job_url, tab_url);
        let started = j.status == JobStatus::InProgress;
        if (score, started) > (best.1, best.2) {
            best = (i, score, started);
        }
    }
    best.0
}

/// The card: a job to fill for and the button. Nothing when no job is open.
pub(super) async fn card(parent: &Element, jobs: &[JobSummary]) {
    let open: Vec<&JobSummary> = jobs
        .iter()
        .filter(|j| matches!(j.status, JobStatus::Pending | JobStatus::InProgress))
        .collect();
    if open.is_empty() {
        return;
    }
    let tab_url = target().await.map(|t| t.url).unwrap_or_default();
    let chosen = default_job(&open, &tab_url);
    append(parent, el("h2", "", "Fill the application"));
    let options: Vec<(String, String)> = open
        .iter()
        .map(|j| {
            (
                j.id.to_string(),
                format!("{} · {}", j.heading(), j.client_name),
            )
        })
        .collect();
    let Some(menu) = select(
        parent,
        "Job",
        "fill-job",
        &options,
        &open[chosen].id.to_string(),
    ) else {
        return;
    };
    let names: Vec<(String, String)> = open
        .iter()
        .map(|j| (j.id.to_string(), j.client_name.clone()))
        .collect();
    let label = move |id: &str| {
        names
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, n)| format!("Fill for {n}"))
            .unwrap_or_else(|| "Fill".into())
    };
    let first = label(&open[chosen].id.to_string());
    let Some(button) = append(parent, el("button", "primary", &first)) else {
        return;
    };
    button.set_id("fill");
    let Some(status) = append(parent, el("p", "status", "")) else {
        return;
    };
    status.set_id("fill-status");
    let Some(left) = append(parent, el("ul", "fill-left", "")) else {
        return;
    };
    left.set_id("fill-left");
    let b = button.clone();
    let on_change = Closure::<dyn FnMut()>::new(move || {
        b.set_text_content(Some(&label(&dom::value("fill-job"))));
    });
    let _ = menu.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
    on_change.forget();
    on_click(&button, move || {
        let (status, left) = (status.clone(), left.clone());
        spawn_local(async move { fill(&dom::value("fill-job"), &status, &left).await });
    });
}

fn base64(bytes: &[u8]) -> String {
    let binary: String = bytes.iter().map(|b| char::from(*b)).collect();
    web_sys::window()
        .and_then(|w| w.btoa(&binary).ok())
        .unwrap_or_default()
}

async fn fill(job: &str, status: &Element, left: &Element) {
    dom::clear(left);
    status.set_text_content(Some("Fetching the client's profile…"));
    let packet = match api::application(job).await {
        Ok(p) => p,
        Err(e) => return show_failure(status, &e),
    };
    let profile = FillProfile::from_packet(&packet);
    let resume_b64 = if profile.resume.is_empty() {
        String::new()
    } else {
        match api::application_resume(job).await {
            Ok(bytes) => base64(&bytes),
            Err(e) => return show_failure(status, &e),
        }
    };
    let client = packet["job"]["client_name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let request = FillRequest {
        client: client.clone(),
        profile,
        resume_b64,
    };
    let Some(tab) = target().await else {
        status.set_text_content(Some("No tab to fill."));
        return;
    };
    status.set_text_content(Some("Filling…"));
    let answer = tabs_send_message(
        tab.id,
        to_js(&serde_json::json!({"type": "fill", "request": request})),
    )
    .await;
    let Some(report) = answer.ok().and_then(|a| from_js::<Report>(&a)) else {
        status.set_text_content(Some(
            "This page cannot be filled: reload it once the extension is installed, or open the form.",
        ));
        return;
    };
    let _ = status.set_attribute("data-read-ms", &format!("{:.1}", report.read_ms));
    status.set_text_content(Some(&format!(
        "Filled {} fields; {} kept as they were; {} left for you. Nothing was submitted.",
        report.filled.len(),
        report.kept.len(),
        report.left.len()
    )));
    let mut questions = Vec::new();
    for line in &report.left {
        let Some(li) = append(left, el("li", "", "")) else {
            continue;
        };
        if line.detail == ASK {
            // Questions only the client can answer: ticked to be asked.
            let Some(l) = append(&li, el("label", "ask", "")) else {
                continue;
            };
            if let Some(b) = append(&l, el("input", "", "")) {
                let _ = b.set_attribute("type", "checkbox");
                let _ = b.set_attribute("checked", "");
                let _ = b.set_attribute("data-question", &line.label);
                questions.push(b);
            }
            append(&l, el("span", "title", &format!(" {}", line.label)));
        } else {
            append(&li, el("span", "title", &line.label));
        }
        append(&li, el("span", "meta", &line.detail));
    }
    if questions.is_empty() {
        return;
    }
    let client = request.client.clone();
    let Some(ask) = append(
        left,
        el("button", "", &format!("Ask {client} the ticked questions")),
    ) else {
        return;
    };
    ask.set_id("fill-ask");
    let (job, status) = (job.to_string(), status.clone());
    on_click(&ask, move || {
        let chosen: Vec<String> = questions
            .iter()
            .filter(|b| {
                b.dyn_ref::<web_sys::HtmlInputElement>()
                    .is_some_and(|i| i.checked())
            })
            .filter_map(|b| b.get_attribute("data-question"))
            .collect();
        let (job, status, client) = (job.clone(), status.clone(), client.clone());
        spawn_local(async move {
            if chosen.is_empty() {
                status.set_text_content(Some("Tick the questions to ask."));
                return;
            }
            match api::ask(&job, &chosen).await {
                Ok(_) => status.set_text_content(Some(&format!(
                    "Asked {client} {} question(s); the job waits for the answers.",
                    chosen.len()
                ))),
                Err(e) => show_failure(&status, &e),
            }
        });
    });
}
