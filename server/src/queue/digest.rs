//! A person's notification email (the digest of one window): claimed, sent, marked sent, each step safe against a
//! second digest for the same person and against the database restarting in between.

use std::{sync::Arc, time::Duration};

use apalis::prelude::BoxDynError;
use app::domain::notifications;
use uuid::Uuid;

use super::{fail, Workers};

/// Send `user_id` the email of their waiting notifications, if any wait.
///
/// The claim, the send and the mark run as a task of their own: when the queue's worker stops with this job in
/// hand (its storage lost the database, as in a restart), the job's future is dropped, and a send whose mark was
/// dropped with it would tell the same news again once the claim lapsed. The task finishes what it started.
pub(super) async fn send(w: Arc<Workers>, user_id: Uuid) -> Result<(), BoxDynError> {
    match tokio::spawn(async move { claim_send_mark(&w, user_id).await }).await {
        Ok(done) => done,
        Err(e) => Err(fail("notification email", e)),
    }
}

async fn claim_send_mark(w: &Workers, user_id: Uuid) -> Result<(), BoxDynError> {
    let pending = notifications::pending_email(&w.db, user_id)
        .await
        .map_err(|e| fail("notification email", e))?;
    let Some(p) = pending else {
        return Ok(());
    };
    // The notifications are claimed by this email until it is sent or handed back.
    if let Err(err) = w.mailer.send(&p.email).await {
        // Handed back for the next try (if even that fails, the claim lapses by itself after
        // notifications::EMAIL_CLAIM, and the sweep sends them).
        let back = persist(|| notifications::email_not_sent(&w.db, &p.takes)).await;
        if let Err(e) = back {
            tracing::warn!(error = %e, "could not hand back the news of an unsent email");
        }
        return Err(fail("email", err));
    }
    // Marked after sending, tried again for a while (the database may be restarting): running the job again would
    // send the same message twice. (A worker killed right here leaves the message recorded with its news, and the
    // next try, once the claim lapses, sends that same message: same Message-ID, same news.)
    persist(|| notifications::email_sent(&w.db, &p.takes))
        .await
        .map_err(|e| fail("notification email", e))?;
    tracing::info!(subject = %p.email.subject, notifications = p.takes.len(), "email sent");
    Ok(())
}

/// Run a short write until it succeeds, for up to about 20 s (a database restart takes a few seconds).
async fn persist<F, Fut>(write: F) -> Result<(), app::api::AppError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), app::api::AppError>>,
{
    let mut tries = 0;
    loop {
        match write().await {
            Ok(()) => return Ok(()),
            Err(e) if tries >= 40 => return Err(e),
            Err(_) => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}
