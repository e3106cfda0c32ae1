//! Questions the client must answer. The employee working a job asks the client what the application form wants and
//! the profile cannot tell (the job then waits for the client: `needs_answer`); the client answers on the job's page,
//! optionally keeping an answer in their profile for next time; once every question is answered the job returns to
//! the employee's queue (`pending`, still theirs).
//!
//! While a job waits for its client it is open (it can be cancelled, it expires at its deadline) but it is no one's
//! work: it counts in no employee's load and is in no queue, so the employee who asked gets new jobs meanwhile.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    access, audit, distribution,
    entities::{employees, job_delegations as jobs, job_questions as questions, users},
    jobs::{lock_and_reload, questions_of, summaries},
    notifications::notify,
    now,
    policy::{allows, Action, Resource},
    resumes, Actor, RequestMeta,
};
use crate::api::{
    jobs::{heading, JobDetail, JobStatus, QuestionsAsked},
    questions::{clean_answer, clean_questions, AnswerInput},
    AppError, FieldError, Role,
};
use crate::domain::infra::events::EventBus;

/// The most questions one job may carry in all.
pub const PER_JOB_MAX: u64 = 100;

/// Statuses a job may be asked about in: being worked on, or already waiting (one more question).
const ASKABLE: [JobStatus; 2] = [JobStatus::InProgress, JobStatus::NeedsAnswer];

fn job_missing() -> AppError {
    AppError::not_found("No such job.")
}

/// The job, if the actor may ask its client: the employee it is assigned to who still serves its client (with their
/// id), or an admin (`None`). Anyone else is refused, and the refusal logged.
async fn askable_job(
    db: &DatabaseConnection,
    actor: &Actor,
    job_id: Uuid,
    meta: &RequestMeta,
) -> Result<(jobs::Model, Option<Uuid>), AppError> {
    let refuse = || async {
        audit::denied(
            db,
            actor,
            "job.ask",
            "job",
            Some(job_id),
            meta,
            audit::NOT_PERMITTED,
        )
        .await
    };
    let is_admin = allows(actor.role, Resource::EmployeeAssignment, Action::Update);
    let employee = match actor.role {
        Role::Employee => access::employee_of(db, actor.user_id).await?,
        _ => None,
    };
    if !is_admin && employee.is_none() {
        return Err(refuse().await);
    }
    let job = jobs::Entity::find_by_id(job_id)
        .one(db)
        .await?
        .ok_or_else(job_missing)?;
    if is_admin {
        return Ok((job, None));
    }
    match employee {
        Some(e)
            if job.assigned_employee_id == Some(e.id)
                && access::serves(db, e.id, job.client_id).await? =>
        {
            Ok((job, Some(e.id)))
        }
        _ => Err(refuse().await),
    }
}

/// The employee working a job (or an admin) asks its client `asked` (free text, typically copied from the form). The
/// job waits for the client, who is told in the app, by email and by push as they chose.
pub async fn ask(
    db: &DatabaseConnection,
    events: &EventBus,
    actor: &Actor,
    job_id: Uuid,
    asked: &[String],
    meta: &RequestMeta,
) -> Result<QuestionsAsked, AppError> {
    let (job, asker) = askable_job(db, actor, job_id, meta).await?;
    let asked = clean_questions(asked)?;
    let job = super::retrying(|| async {
        let txn = super::begin_write(db).await?;
        let (job, status) = lock_and_reload(&txn, job.client_id, job.id).await?;
        if !ASKABLE.contains(&status) {
            return Err(AppError::conflict(match status {
                JobStatus::Pending => "Start this job before asking the client.".to_string(),
                s => format!(
                    "This job is {} and takes no more questions.",
                    s.label().to_lowercase()
                ),
            }));
        }
        // The one who asks is the job's employee (an admin asks on their behalf); it may have moved meanwhile.
        let Some(employee) = job.assigned_employee_id else {
            return Err(AppError::conflict(
                "This job has no assistant: assign it before asking the client.",
            ));
        };
        if asker.is_some_and(|a| a != employee) {
            return Err(AppError::conflict("This job is no longer assigned to you."));
        }
        let before = questions::Entity::find()
            .filter(questions::Column::JobDelegationId.eq(job.id))
            .count(&txn)
            .await?;
        if before + asked.len() as u64 > PER_JOB_MAX {
            return Err(AppError::field(
                "questions",
                format!("A job may carry at most {PER_JOB_MAX} questions."),
            ));
        }
        let t = now();
        questions::Entity::insert_many(asked.iter().map(|q| questions::ActiveModel {
            id: Set(Uuid::now_v7()),
            job_delegation_id: Set(job.id),
            asked_by: Set(Some(employee)),
            question: Set(q.clone()),
            answer: Set(None),
            asked_at: Set(t),
            answered_at: Set(None),
        }))
        .exec_without_returning(&txn)
        .await?;
        let mut am: jobs::ActiveModel = job.into();
        am.status = Set(JobStatus::NeedsAnswer);
        am.updated_at = Set(t);
        let job = am.update(&txn).await?;
        audit::record(
            &txn,
            Some(actor.user_id),
            "job.ask",
            "job",
            Some(job.id),
            json!({"questions": asked.len(), "from": status.as_str()}),
            meta,
        )
        .await?;
        tell_client(&txn, &job, &asked).await?;
        super::commit(txn).await?;
        Ok(job)
    })
    .await?;
    events.job_changed(db, job.id, vec![]).await;
    Ok(QuestionsAsked {
        questions: questions_of(db, job.id).await?,
        job: summaries(db, vec![job]).await?.remove(0),
    })
}

async fn tell_client<C: ConnectionTrait>(
    txn: &C,
    job: &jobs::Model,
    asked: &[String],
) -> Result<(), AppError> {
    let Some(user) = super::schedule::user_of_client(txn, job.client_id).await? else {
        return Ok(());
    };
    let title = format!(
        "{}: {}",
        if asked.len() == 1 {
            "A question for you"
        } else {
            "Questions for you"
        },
        heading(&job.job_title, &job.company_name, &job.job_url)
    );
    let message = format!(
        "The application form asks what your profile does not say. Answer on the job's page so your assistant can \
         go on:\n{}",
        asked
            .iter()
            .map(|q| format!("• {q}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    notify(
        txn,
        user,
        "job_question",
        &title,
        &message,
        Some(format!("/client/jobs?job={}", job.id)),
    )
    .await
}

/// The job's client answers some of its open questions. Answers marked `save` are kept in their profile. When no
/// question is left open, the job returns to its employee's queue and they are told; if that employee no longer
/// serves the client, it goes to another one (or waits for one).
pub async fn answer(
    db: &DatabaseConnection,
    events: &EventBus,
    actor: &Actor,
    job_id: Uuid,
    answers: &[AnswerInput],
    meta: &RequestMeta,
) -> Result<JobDetail, AppError> {
    let client = access::require_client(db, actor, "job.answer", "job", meta).await?;
    let job = jobs::Entity::find_by_id(job_id)
        .one(db)
        .await?
        .ok_or_else(job_missing)?;
    if job.client_id != client.id {
        return Err(audit::denied(
            db,
            actor,
            "job.answer",
            "job",
            Some(job_id),
            meta,
            audit::NOT_PERMITTED,
        )
        .await);
    }
    let cleaned = clean_answers(answers)?;
    let also = super::retrying(|| async {
        let txn = super::begin_write(db).await?;
        let (job, status) = lock_and_reload(&txn, client.id, job_id).await?;
        if status != JobStatus::NeedsAnswer {
            return Err(AppError::conflict(format!(
                "This job is {} and waits for no answer.",
                status.label().to_lowercase()
            )));
        }
        let t = now();
        let mut saved = Vec::new();
        for (a, text) in answers.iter().zip(&cleaned) {
            let q = questions::Entity::find_by_id(a.question_id)
                .one(&txn)
                .await?
                .filter(|q| q.job_delegation_id == job.id)
                .ok_or_else(|| AppError::not_found("No such question on this job."))?;
            if q.answer.is_some() {
                return Err(AppError::conflict("That question was answered already."));
            }
            if a.save {
                saved.push((q.question.clone(), text.clone()));
            }
            let mut am: questions::ActiveModel = q.into();
            am.answer = Set(Some(text.clone()));
            am.answered_at = Set(Some(t));
            am.update(&txn).await?;
        }
        resumes::save_answers(&txn, client.id, &saved).await?;
        let open = questions::Entity::find()
            .filter(questions::Column::JobDelegationId.eq(job.id))
            .filter(questions::Column::Answer.is_null())
            .count(&txn)
            .await?;
        audit::record(
            &txn,
            Some(actor.user_id),
            "job.answer",
            "job",
            Some(job.id),
            json!({"answered": cleaned.len(), "saved": saved.len(), "open": open}),
            meta,
        )
        .await?;
        let also = if open == 0 {
            back_to_work(&txn, job, meta).await?
        } else {
            Vec::new()
        };
        super::commit(txn).await?;
        Ok(also)
    })
    .await?;
    // An employee who lost the job (it went to another) refreshes too.
    events.job_changed(db, job_id, also).await;
    super::jobs::detail(db, actor, job_id, meta).await
}

/// Every answer trimmed and within its length; field errors name `answers.<i>` (`answers` when none is given).
fn clean_answers(answers: &[AnswerInput]) -> Result<Vec<String>, AppError> {
    if answers.is_empty() {
        return Err(AppError::field("answers", "Answer at least one question."));
    }
    let mut fields = Vec::new();
    let mut out = Vec::new();
    for (i, a) in answers.iter().enumerate() {
        match clean_answer(&a.answer) {
            Ok(t) => out.push(t),
            Err(e) => fields.push(FieldError {
                field: format!("answers.{i}"),
                message: e.field_message("answer").unwrap_or_else(|| e.to_string()),
            }),
        }
    }
    if fields.is_empty() {
        Ok(out)
    } else {
        Err(AppError::fields(fields))
    }
}

/// Every question answered: the job goes back to its employee (pending, to be started again) if they still serve
/// the client with an active account, and they are told; otherwise to whoever distribution picks, or it waits.
/// Returns the users to refresh besides the job's people.
async fn back_to_work<C: ConnectionTrait>(
    txn: &C,
    job: jobs::Model,
    meta: &RequestMeta,
) -> Result<Vec<Uuid>, AppError> {
    let t = now();
    let title = format!(
        "Answered: {}",
        heading(&job.job_title, &job.company_name, &job.job_url)
    );
    let (id, client_id, from) = (job.id, job.client_id, job.assigned_employee_id);
    let keeper = match from {
        Some(e) => employee_user_if_serving(txn, e, client_id).await?,
        None => None,
    };
    let mut am: jobs::ActiveModel = job.into();
    am.status = Set(JobStatus::Pending);
    am.started_at = Set(None);
    am.updated_at = Set(t);
    if let Some(user) = keeper {
        am.update(txn).await?;
        notify(
            txn,
            user,
            "job_answered",
            &title,
            "The client answered your questions: the job is back in your queue.",
            Some(format!("/employee?job={id}")),
        )
        .await?;
        return Ok(Vec::new());
    }
    // The employee who asked is gone from this client: the job is handed out afresh.
    am.status = Set(JobStatus::Unassigned);
    am.assigned_employee_id = Set(None);
    am.assigned_at = Set(None);
    let job = am.update(txn).await?;
    audit::record(
        txn,
        None,
        "job.unassign",
        "job",
        Some(id),
        json!({"from_employee_id": from, "reason": "answered after the employee left the client"}),
        meta,
    )
    .await?;
    distribution::distribute(txn, job, meta).await?;
    Ok(match from {
        Some(e) => super::infra::events::employee_users(txn, vec![e]).await?,
        None => Vec::new(),
    })
}

/// The user of employee `e` if they still serve the client and their account is active.
async fn employee_user_if_serving<C: ConnectionTrait>(
    txn: &C,
    e: Uuid,
    client_id: Uuid,
) -> Result<Option<Uuid>, AppError> {
    if !access::serves(txn, e, client_id).await? {
        return Ok(None);
    }
    let Some(employee) = employees::Entity::find_by_id(e).one(txn).await? else {
        return Ok(None);
    };
    Ok(users::Entity::find_by_id(employee.user_id)
        .one(txn)
        .await?
        .filter(|u| u.is_active)
        .map(|u| u.id))
}
