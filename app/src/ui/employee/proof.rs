//! How a job ended, with its proof and what the proof shows (shown to the client too), and the employee's form to
//! add a corrected proof (the first is never replaced).

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{
    jobs::JobDetail,
    work::{correct_path, Outcome, ProofView},
};
use crate::ui::shared::components::{when, FormAlert, Upload};

/// How the job ended (also shown to the client).
#[component]
pub fn Completion(detail: JobDetail) -> impl IntoView {
    detail.completion.map(|c| {
        view! {
            <div class="completion" data-testid="completion">
                <h3>{match c.outcome {
                    Outcome::Submitted => "Application submitted",
                    Outcome::Failed => "Could not be submitted",
                }}</h3>
                <p class="muted small">{format!("{}{}", when(c.completed_at), c.completed_by.map(|b| format!(" by {b}")).unwrap_or_default())}</p>
                {c.failure_reason.map(|r| view! { <p data-testid="failure-reason"><strong>"Reason: "</strong>{r}</p> })}
                {(!c.notes.is_empty()).then(|| view! { <p class="notes">{c.notes.clone()}</p> })}
                {c.proof.map(|p| view! { <Proof proof=p testid="proof" /> })}
                {(!c.corrections.is_empty()).then(|| view! {
                    <h4>"Corrected proofs"</h4>
                    {c.corrections.into_iter().map(|p| view! { <Proof proof=p testid="correction" /> }).collect_view()}
                })}
            </div>
        }
    })
}

/// One screenshot and what it shows: the captured page's address and title, when, its SHA-256, and notes.
#[component]
fn Proof(proof: ProofView, testid: &'static str) -> impl IntoView {
    let (href, src) = (proof.path.clone(), proof.path.clone());
    view! {
        <figure class="proof-card" data-testid=format!("{testid}-card")>
            <a href=href target="_blank" rel="external">
                <img class="proof" src=src alt="Screenshot of the submitted application" data-testid=testid />
            </a>
            <figcaption class="small">
                {proof.reason.map(|r| view! { <p data-testid="correction-reason"><strong>"Correction: "</strong>{r}</p> })}
                {proof.confirmation_page.then(|| view! {
                    <p class="badge badge-ok" data-testid="proof-confirmation">"Confirmation page recognized"</p>
                })}
                {proof.site_mismatch.then(|| view! {
                    <p class="notice" role="note" data-testid="proof-site-note">
                        "The screenshot was taken on another site than the job's; the employee confirmed it is this application."
                    </p>
                })}
                <dl class="proof-facts">
                    {proof.captured_url.map(|u| view! {
                        <dt>"Captured page"</dt>
                        <dd><a href=u.clone() rel="external noopener noreferrer" target="_blank" data-testid="proof-url">{u.clone()}</a></dd>
                    })}
                    {proof.captured_title.map(|t| view! { <dt>"Page title"</dt><dd data-testid="proof-title">{t}</dd> })}
                    {proof.captured_at.map(|t| view! { <dt>"Captured"</dt><dd data-testid="proof-captured-at">{when(t)}</dd> })}
                    <dt>"Added"</dt><dd>{when(proof.added_at)}</dd>
                    {proof.sha256.map(|h| view! { <dt>"SHA-256"</dt><dd><code class="hash" data-testid="proof-sha256">{h}</code></dd> })}
                </dl>
            </figcaption>
        </figure>
    }
}

/// Add a corrected proof: a new screenshot and what it corrects. Logged, and the client is told.
#[component]
pub fn CorrectForm(id: Uuid, completed: RwSignal<u32>) -> impl IntoView {
    let upload = Upload::new();
    let (progress, message) = (upload.progress, upload.message);
    let field = move |f: &'static str| upload.field(f);
    let on_submit = upload.on_submit(correct_path(id), completed);
    view! {
        <details class="correct-proof">
            <summary>"Add a corrected proof"</summary>
            <form class="form-grid" method="post" enctype="multipart/form-data" action=correct_path(id)
                on:submit=on_submit data-testid="correct-form" novalidate>
                <p class="muted small field-wide">"The first screenshot stays; the new one is shown beside it, with your reason."</p>
                <div class="field" class:has-error=move || field("screenshot").get().is_some()>
                    <label for="p-shot">"Screenshot (PNG or JPEG)"</label>
                    <input id="p-shot" name="screenshot" type="file" accept="image/png,image/jpeg" />
                    <p class="field-error" role="alert">{move || field("screenshot").get().unwrap_or_default()}</p>
                </div>
                <div class="field" class:has-error=move || field("reason").get().is_some()>
                    <label for="p-reason">"What it corrects"</label>
                    <input id="p-reason" name="reason" type="text" maxlength="2000" />
                    <p class="field-error" role="alert">{move || field("reason").get().unwrap_or_default()}</p>
                </div>
                {move || progress.get().map(|p| view! { <progress max="100" value=format!("{:.0}", p * 100.0)></progress> })}
                <FormAlert error=message />
                <button type="submit" class="btn" data-testid="correct-proof">"Add corrected proof"</button>
            </form>
        </details>
    }
}
