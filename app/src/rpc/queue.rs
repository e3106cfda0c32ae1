//! Server functions: queue.

use leptos::prelude::*;

use crate::api::{queue::*, *};

/// Failed jobs, newest first (admins).
#[server(prefix = "/rpc", endpoint = "admin/queue/failed", output = crate::rpc::codec::JsonOut)]
pub async fn failed_jobs() -> Result<Vec<FailedJobView>, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        Ok(crate::domain::background::failed(&state.db, &actor, &meta)
            .await?
            .into_iter()
            .map(|f| FailedJobView {
                id: f.id,
                queue: f.queue,
                summary: f.summary,
                attempts: f.attempts,
                max_attempts: f.max_attempts,
                last_error: f.last_error,
                finished: f.finished,
            })
            .collect())
    })
    .await
}

/// Run a failed job again with fresh attempts (admins).
#[server(prefix = "/rpc", endpoint = "admin/queue/retry", output = crate::rpc::codec::JsonOut)]
pub async fn retry_job(id: String) -> Result<(), AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::background::retry(&state.db, &actor, &id, &meta).await
    })
    .await
}
