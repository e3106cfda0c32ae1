//! A job's questions: what the employee asked the client and the answers, with a form per open question for the
//! client (one column, so it reads and types well on a phone).

use leptos::prelude::*;
use uuid::Uuid;

use crate::ui::shared::components::{form_error, when, FormAlert};
use crate::{
    api::{questions::JobQuestion, AppError},
    rpc::questions::AnswerQuestion,
};

/// The job's questions. With `answer` (the job's client), each open question has its answer form; without, open
/// questions say they wait for the client.
#[component]
pub fn JobQuestions(
    job_id: Uuid,
    questions: Vec<JobQuestion>,
    answer: Option<ServerAction<AnswerQuestion>>,
) -> impl IntoView {
    if questions.is_empty() {
        return ().into_any();
    }
    let open = questions.iter().filter(|q| q.answer.is_none()).count();
    let heading = match (answer.is_some(), open) {
        (true, 0) => "Your answers".to_string(),
        (true, 1) => "A question for you".to_string(),
        (true, n) => format!("{n} questions for you"),
        (false, _) => "Questions for the client".to_string(),
    };
    view! {
        <section class="questions" data-testid="job-questions">
            <h3>{heading}</h3>
            {(answer.is_some() && open > 0).then(|| view! {
                <p class="muted small">"The application form asks what your profile does not say. Your assistant goes on once every question is answered."</p>
            })}
            <ol class="question-list">
                {questions.into_iter().map(|q| view! { <QuestionItem job_id q answer /> }).collect_view()}
            </ol>
            {answer.map(|a| view! { <FormAlert error=answer_error(a) /> })}
        </section>
    }
    .into_any()
}

/// The refusal of the last answer sent, with the field's own message when there is one.
fn answer_error(a: ServerAction<AnswerQuestion>) -> Signal<Option<String>> {
    let general = form_error(a.value());
    Signal::derive(move || {
        a.value().with(|v| match v {
            Some(Err(e @ AppError::Validation { .. })) => e
                .field_message("answers.0")
                .or_else(|| e.field_message("answers"))
                .or_else(|| general.get()),
            _ => general.get(),
        })
    })
}

#[component]
fn QuestionItem(
    job_id: Uuid,
    q: JobQuestion,
    answer: Option<ServerAction<AnswerQuestion>>,
) -> impl IntoView {
    let asked = format!(
        "Asked {}{}",
        when(q.asked_at),
        q.asked_by.map(|n| format!(" by {n}")).unwrap_or_default()
    );
    let body = match (q.answer, answer) {
        (Some(a), _) => view! {
            <p class="answer" data-testid="question-answer">{a}</p>
            <p class="muted small">{q.answered_at.map(|t| format!("Answered {}", when(t))).unwrap_or_default()}</p>
        }
        .into_any(),
        (None, Some(action)) => {
            let id = format!("answer-{}", q.id);
            view! {
                <div data-testid="answer-form"><ActionForm action attr:class="answer-form">
                    <input type="hidden" name="job_id" value=job_id.to_string() />
                    <input type="hidden" name="question_id" value=q.id.to_string() />
                    <label for=id.clone() class="sr-only">"Your answer"</label>
                    <textarea id=id name="answer" rows="3" maxlength="2000" required=true data-testid="answer-text"></textarea>
                    <label class="check">
                        <input type="checkbox" name="save" value="on" data-testid="answer-save" />
                        " Save to my profile for next time"
                    </label>
                    <button type="submit" class="btn btn-primary" data-testid="send-answer">"Send answer"</button>
                </ActionForm></div>
            }
            .into_any()
        }
        (None, None) => view! {
            <p class="muted" data-testid="question-open">"Waiting for the client's answer."</p>
        }
        .into_any(),
    };
    view! {
        <li class="question" data-testid="question">
            <p class="question-text"><strong>{q.question}</strong></p>
            <p class="muted small">{asked}</p>
            {body}
        </li>
    }
}
