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
