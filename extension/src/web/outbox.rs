//! Delegations that could not reach the server wait in extension storage and are sent later, once: each is
//! removed as soon as the server has it (a 409 "delegated before" counts as having it). Each delegation keeps the
//! `Idempotency-Key` of its first attempt, so a retry of one whose answer was lost (it did reach the server) gets
//! the first answer again instead of a second job or a refusal.

use app::api::{
    jobs::{DelegateForm, JobSummary},
    AppError,
};

use super::{
    api::{self, Failure},
    store,
};

pub enum Sent {
    Delegated(JobSummary),
    /// The server already had this posting from this client.
    AlreadyThere,
    /// Kept for later: the server could not be reached.
    Queued,
}

pub async fn delegate_or_queue(form: DelegateForm) -> Result<Sent, Failure> {
    let key = uuid::Uuid::new_v4().to_string();
    match api::delegate(&form, &key).await {
        Ok(job) => Ok(Sent::Delegated(job)),
        Err(Failure::Api(AppError::Duplicate { .. })) => Ok(Sent::AlreadyThere),
        Err(Failure::Offline(_)) => {
            let mut items = store::outbox().await;
            if !items.iter().any(|p| p.form.job_url == form.job_url) {
                items.push(store::Pending {
                    // The key of the first attempt, sent again with every retry.
                    id: key,
                    form,
                    queued_at: js_sys::Date::new_0().to_iso_string().into(),
                    error: None,
                });
                store::set_outbox(&items).await.map_err(Failure::Offline)?;
            }
            Ok(Sent::Queued)
        }
        Err(e) => Err(e),
    }
}

/// Send what is waiting; returns how many reached the server. Stops at the first network failure; a delegation
/// the server refuses (e.g. an invalid address) stays, with the reason, for the user to see.
pub async fn flush() -> usize {
    let items = store::outbox().await;
    if items.is_empty() {
        return 0;
    }
    let mut keep = Vec::new();
    let mut sent = 0;
    let mut stopped = false;
    for mut p in items {
        if stopped || p.error.is_some() {
            keep.push(p);
            continue;
        }
        match api::delegate(&p.form, &p.id).await {
            Ok(_) | Err(Failure::Api(AppError::Duplicate { .. })) => sent += 1,
            Err(Failure::Offline(_)) | Err(Failure::Api(AppError::Unauthenticated)) => {
                stopped = true;
                keep.push(p);
            }
            Err(Failure::Api(e)) => {
                p.error = Some(e.to_string());
                keep.push(p);
            }
        }
    }
    let _ = store::set_outbox(&keep).await;
    sent
}
