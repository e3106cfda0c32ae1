//! Server functions: jobs.

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{jobs::*, *};

/// Delegate one job (activated clients). The job is assigned at once when an employee is available.
/// Form-encoded (fields named `form[job_url]`, ...) so the page's form posts it directly.
#[server(prefix = "/rpc", endpoint = "jobs/delegate", output = crate::rpc::codec::JsonOut)]
pub async fn delegate_job(form: DelegateForm) -> Result<JobSummary, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::jobs::delegate(&state.db, &state.events, &actor, &form, &meta).await
    })
    .await
}

/// Delegate up to 50 URLs at once; each line succeeds or fails on its own.
#[server(prefix = "/rpc", endpoint = "jobs/delegate_bulk", output = crate::rpc::codec::JsonOut)]
pub async fn delegate_bulk(form: BulkForm) -> Result<Vec<BulkLine>, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::jobs::delegate_bulk(&state.db, &state.events, &actor, &form, &meta).await
    })
    .await
}

/// Jobs the caller may see, filtered, sorted and paginated.
#[server(prefix = "/rpc", endpoint = "jobs/list", input = leptos::server_fn::codec::Json, output = crate::rpc::codec::JsonOut)]
pub async fn list_jobs(query: JobQuery) -> Result<Page<JobSummary>, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::jobs::list(&state.db, &actor, &query, &meta).await
    })
    .await
}

/// One job with its timeline.
#[server(prefix = "/rpc", endpoint = "jobs/detail", output = crate::rpc::codec::JsonOut)]
pub async fn get_job(job_id: Uuid) -> Result<JobDetail, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::jobs::detail(&state.db, &actor, job_id, &meta).await
    })
    .await
}

/// Cancel a job that is not finished (its client).
#[server(prefix = "/rpc", endpoint = "jobs/cancel", output = crate::rpc::codec::JsonOut)]
pub async fn cancel_job(job_id: Uuid) -> Result<JobSummary, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::jobs::cancel(&state.db, &state.events, &actor, job_id, &meta).await
    })
    .await
}

/// Give an open job to another employee assigned to its client (admins).
#[server(prefix = "/rpc", endpoint = "jobs/reassign", output = crate::rpc::codec::JsonOut)]
pub async fn reassign_job(job_id: Uuid, employee_id: Uuid) -> Result<JobSummary, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::jobs::reassign(&state.db, &state.events, &actor, job_id, employee_id, &meta)
            .await
    })
    .await
}
