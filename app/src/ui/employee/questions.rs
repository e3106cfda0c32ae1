//! Asking the client: the screening questions of an application form that the client's profile cannot answer, one
//! per line. The job then waits for the client and leaves the queue until they answer.

use leptos::prelude::*;
use uuid::Uuid;

use crate::ui::shared::components::{form_error, FormAlert};
use crate::{
    api::{questions::QUESTIONS_MAX, AppError},
    rpc::questions::AskClient,
};

#[component]
pub fn AskForm(id: Uuid, ask: ServerAction<AskClient>) -> impl IntoView {
    let value = ask.value();
    // Field errors name the list (`questions`) or one line (`questions.<i>`, counted among the non-blank lines).
    let fields = Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(AppError::Validation { fields, .. })) => fields
                .iter()
                .map(|f| match f.field.strip_prefix("questions.") {
                    Some(i) => format!(
                        "Question {}: {}",
                        i.parse::<usize>().map(|n| n + 1).unwrap_or(0),
                        f.message
                    ),
                    None => f.message.clone(),
                })
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    });
    let general = Signal::derive(move || match fields.get().is_empty() {
        true => form_error(value).get(),
        false => None,
    });
    view! {
        <details class="ask-client" data-testid="ask-client">
            <summary>"Ask the client"</summary>
            <ActionForm action=ask attr:class="ask-form">
                <input type="hidden" name="job_id" value=id.to_string() />
                <div class="field field-wide" class:has-error=move || !fields.get().is_empty()>
                    <label for="ask-questions">{format!("Questions the profile cannot answer, one per line (at most {QUESTIONS_MAX})")}</label>
                    <textarea id="ask-questions" name="questions" rows="4" data-testid="ask-questions"
                        placeholder="Are you willing to relocate?"></textarea>
                    <ul class="field-error" role="alert" data-testid="ask-errors">
                        {move || fields.get().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                    </ul>
                </div>
                <p class="muted small">"The job waits for the client's answers, then comes back to your queue."</p>
                <button type="submit" class="btn" data-testid="ask-send">"Send to the client"</button>
            </ActionForm>
            <FormAlert error=general />
        </details>
    }
}
