//! The admins' view of the background queue: jobs that failed for good, and retrying them.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppError;

/// One job that used up its attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedJobView {
    pub id: String,
    pub queue: String,
    pub summary: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
    pub finished: Option<String>,
}

/// Failed jobs, newest first (admins).
#[server(prefix = "/rpc", endpoint = "admin/queue/failed")]
pub async fn failed_jobs() -> Result<Vec<FailedJobView>, AppError> {
    super::auth::ssr::run(async {
        let (state, actor, meta) = super::auth::ssr_actor().await?;
        Ok(crate::domain::queue::failed(&state.db, &actor, &meta)
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
#[server(prefix = "/rpc", endpoint = "admin/queue/retry")]
pub async fn retry_job(id: String) -> Result<(), AppError> {
    super::auth::ssr::run(async {
        let (state, actor, meta) = super::auth::ssr_actor().await?;
        crate::domain::queue::retry(&state.db, &actor, &id, &meta).await
    })
    .await
}
