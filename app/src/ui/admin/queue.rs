//! The admins' queue screen: background jobs that failed for good, with a retry button each.

use crate::ui::shared::status::{for_role, ErrorAlert, Loading};
use leptos::prelude::*;

use crate::ui::shared::components::{form_error, FormAlert};
use crate::{
    api::{queue::FailedJobView, AppError, CurrentUser, Role},
    rpc::queue::{failed_jobs, RetryJob},
};

/// Created by its section, outside any Suspense (see `admin_clients::ClientsData`).
#[derive(Clone, Copy)]
pub struct QueueData {
    pub failed: Resource<Result<Option<Vec<FailedJobView>>, AppError>>,
    pub retry: ServerAction<RetryJob>,
}

impl QueueData {
    pub fn new(user: Resource<Result<Option<CurrentUser>, AppError>>) -> QueueData {
        let retry = ServerAction::<RetryJob>::new();
        let failed = Resource::new(
            move || retry.version().get(),
            move |_| async move { for_role(user, Role::is_admin, failed_jobs()).await },
        );
        QueueData { failed, retry }
    }
}

#[component]
pub fn FailedJobsSection(data: QueueData) -> impl IntoView {
    let QueueData { failed, retry } = data;
    view! {
        <section class="card" data-testid="queue-section">
            <h2>"Background jobs"</h2>
            <p class="muted">"Emails and other background work are retried five times with growing pauses. Those that still failed are listed here."</p>
            <FormAlert error=form_error(retry.value()) />
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match failed.await {
                        Ok(Some(jobs)) if jobs.is_empty() => view! { <p class="muted" data-testid="no-failed">"No failed jobs."</p> }.into_any(),
                        Ok(Some(jobs)) => view! {
                            <ul class="job-list">
                                {jobs.into_iter().map(|j| view! {
                                    <li class="job-row" data-testid="failed-job">
                                        <div class="job-head">
                                            <strong>{j.summary.clone()}</strong>
                                            <span class="badge status-failed">{format!("{} of {} attempts", j.attempts, j.max_attempts)}</span>
                                        </div>
                                        <p class="muted small">{format!("{} · {}", j.queue, j.finished.clone().unwrap_or_default())}</p>
                                        {j.last_error.clone().map(|e| view! { <details><summary>"Last error"</summary><pre class="small">{e}</pre></details> })}
                                        <ActionForm action=retry attr:class="inline-form">
                                            <input type="hidden" name="id" value=j.id.clone() />
                                            <button type="submit" class="btn">"Retry"</button>
                                        </ActionForm>
                                    </li>
                                }).collect_view()}
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
