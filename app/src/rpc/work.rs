//! Server functions: work.

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{jobs::JobSummary, work::*, *};

/// The caller's open jobs (employees): most urgent first, then nearest deadline; optionally one client's.
#[server(prefix = "/rpc", endpoint = "work/queue", output = crate::rpc::codec::JsonOut)]
pub async fn employee_queue(client_id: Option<Uuid>) -> Result<Vec<JobSummary>, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        let page = (crate::domain::work::QUEUE_LIMIT_MAX, 1);
        crate::domain::work::queue(&state.db, &actor, client_id, page, &meta).await
    })
    .await
}

/// The caller's queue as the markup its screen shows (see [`employee_queue`] for the jobs): the filter by client and
/// a row per job, every text escaped. The screen sets it as its list's HTML, so the queue's wasm chunk carries
/// neither a decoder of the jobs nor the rows' view code; a row's link is followed by the router like any other.
#[server(prefix = "/rpc", endpoint = "work/queue_view", output = crate::rpc::codec::JsonOut)]
pub async fn queue_view(client_id: Option<Uuid>) -> Result<String, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        let page = (crate::domain::work::QUEUE_LIMIT_MAX, 1);
        let jobs = crate::domain::work::queue(&state.db, &actor, client_id, page, &meta).await?;
        Ok(queue_markup(&jobs, client_id))
    })
    .await
}

/// The queue's filter and rows (what [`queue_view`] sends).
#[cfg(feature = "ssr")]
pub fn queue_markup(jobs: &[JobSummary], client_id: Option<Uuid>) -> String {
    use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
    use std::fmt::Write;
    let mut clients: Vec<(Uuid, &str)> = jobs
        .iter()
        .map(|j| (j.client_id, j.client_name.as_str()))
        .collect();
    clients.sort();
    clients.dedup();
    let mut out = String::from(
        "<form method=\"get\" action=\"/employee\" class=\"filters\"><div class=\"field\">\
         <label for=\"q-client\">Client</label><select id=\"q-client\" name=\"client\">\
         <option value=\"\">All clients</option>",
    );
    for (id, name) in clients {
        let selected = if client_id == Some(id) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<option value=\"{id}\"{selected}>{}</option>",
            text(name)
        );
    }
    out.push_str("</select></div><button type=\"submit\" class=\"btn\">Show</button></form>");
    if jobs.is_empty() {
        out.push_str(
            "<p class=\"muted\" data-testid=\"queue-empty\">No jobs assigned to you right now.</p>",
        );
        return out;
    }
    out.push_str("<ul class=\"job-list\">");
    for j in jobs {
        let due = j
            .deadline
            .map(|d| format!(" · due {}", d.format("%Y-%m-%d %H:%M UTC")))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<li class=\"job-row\" data-testid=\"queue-row\"><div class=\"job-head\">\
             <a href=\"/employee?job={}\" class=\"job-title\">{}</a>\
             <span class=\"badge status-{}\" data-testid=\"job-status\">{}</span></div>\
             <p class=\"muted small\">{} · {} priority{due}</p></li>",
            j.id,
            text(&j.heading()),
            attr(j.status.as_str()),
            text(j.status.label()),
            text(&j.client_name),
            text(j.priority.label()),
        );
    }
    out.push_str("</ul>");
    out
}

/// A job with its client's resumes, as the employee's job panel shows it: the JSON of `(JobDetail, Resumes)`, read
/// with the same checks as `jobs/detail` and `resumes/get`, sent as one string. The panel's own wasm chunk decodes it
/// (`ui::employee::work`), so the queue's chunk, which holds the data of the page, carries no decoder of these two
/// large answers.
#[server(prefix = "/rpc", endpoint = "work/job", output = crate::rpc::codec::JsonOut)]
pub async fn job_panel(job_id: Uuid) -> Result<String, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        let detail = crate::domain::jobs::detail(&state.db, &actor, job_id, &meta).await?;
        let client = Some(detail.job.client_id);
        let resumes = crate::domain::resumes::get(&state.db, &actor, client, &meta).await?;
        serde_json::to_string(&(detail, resumes)).map_err(|_| AppError::Internal)
    })
    .await
}

/// Start a job assigned to the caller.
#[server(prefix = "/rpc", endpoint = "work/start", output = crate::rpc::codec::JsonOut)]
pub async fn start_job(job_id: Uuid) -> Result<JobSummary, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::work::start(&state.db, &state.events, &actor, job_id, &meta).await
    })
    .await
}

/// Hand a job back: it returns to the pool and goes to another employee of the client if one is available.
#[server(prefix = "/rpc", endpoint = "work/return", output = crate::rpc::codec::JsonOut)]
pub async fn return_job(job_id: Uuid) -> Result<JobSummary, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::work::return_to_pool(&state.db, &state.events, &actor, job_id, &meta).await
    })
    .await
}

/// The caller's counters and availability (employees).
#[server(prefix = "/rpc", endpoint = "work/stats", output = crate::rpc::codec::JsonOut)]
pub async fn my_stats() -> Result<EmployeeStats, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::work::stats(&state.db, &actor, &meta).await
    })
    .await
}
