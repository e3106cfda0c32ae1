//! Server functions: questions the client must answer.

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{
    jobs::{JobDetail, QuestionsAsked},
    AppError,
};

/// Ask the job's client what the application form wants and the profile cannot tell (the job's employee, or an
/// admin): one question per line.
#[server(prefix = "/rpc", endpoint = "questions/ask", output = crate::rpc::codec::JsonOut)]
pub async fn ask_client(job_id: Uuid, questions: String) -> Result<QuestionsAsked, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        let asked = crate::api::questions::questions_of_lines(&questions);
        crate::domain::questions::ask(&state.db, &state.events, &actor, job_id, &asked, &meta).await
    })
    .await
}

/// The job's client answers one of its questions; `save` (a ticked box) keeps the answer in their profile.
#[server(prefix = "/rpc", endpoint = "questions/answer", output = crate::rpc::codec::JsonOut)]
pub async fn answer_question(
    job_id: Uuid,
    question_id: Uuid,
    answer: String,
    #[server(default)] save: Option<String>,
) -> Result<JobDetail, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        let answers = [crate::api::questions::AnswerInput {
            question_id,
            answer,
            save: save.is_some(),
        }];
        crate::domain::questions::answer(&state.db, &state.events, &actor, job_id, &answers, &meta)
            .await
    })
    .await
}
