//! What the assigned employee needs to fill a job's application form: the client's name, profile and answers, and
//! the PDF of the resume the client chose for the job. Only the employee the job is assigned to, while it is open.

use sea_orm::{DatabaseConnection, EntityTrait};
use uuid::Uuid;

use super::{own_job, Actor, RequestMeta};
use crate::api::{jobs::JobStatus, resumes::ApplicationPacket, AppError};
use crate::domain::{
    entities::{clients, job_delegations as jobs, users},
    infra::storage::Storage,
    jobs::summaries,
    resumes,
};

fn open(job: &jobs::Model) -> Result<(), AppError> {
    match job.status {
        JobStatus::Pending | JobStatus::InProgress => Ok(()),
        s => Err(AppError::conflict(format!(
            "This job is {}: there is no form to fill.",
            s.label().to_lowercase()
        ))),
    }
}

/// The client's details for the job's form.
pub async fn application(
    db: &DatabaseConnection,
    actor: &Actor,
    job_id: Uuid,
    meta: &RequestMeta,
) -> Result<ApplicationPacket, AppError> {
    let (_, job) = own_job(db, actor, job_id, "job.application", meta).await?;
    open(&job)?;
    let user = match clients::Entity::find_by_id(job.client_id).one(db).await? {
        Some(c) => users::Entity::find_by_id(c.user_id).one(db).await?,
        None => None,
    }
    .ok_or_else(|| AppError::not_found("No such client."))?;
    let bundle = resumes::get(db, actor, Some(job.client_id), meta).await?;
    let resume = job
        .resume_type_id
        .and_then(|id| bundle.types.iter().find(|t| t.id == id).cloned());
    let profile = bundle.profile;
    let email = if profile.contact.email.trim().is_empty() {
        user.email.clone()
    } else {
        profile.contact.email.clone()
    };
    Ok(ApplicationPacket {
        job: summaries(db, vec![job]).await?.remove(0),
        first_name: user.first_name,
        last_name: user.last_name,
        email,
        profile,
        resume,
    })
}

/// The PDF of the resume the client chose for the job: (file name, bytes).
pub async fn application_resume(
    db: &DatabaseConnection,
    storage: &dyn Storage,
    actor: &Actor,
    job_id: Uuid,
    meta: &RequestMeta,
) -> Result<(String, Vec<u8>), AppError> {
    let (_, job) = own_job(db, actor, job_id, "job.application", meta).await?;
    open(&job)?;
    let id = job
        .resume_type_id
        .ok_or_else(|| AppError::not_found("The client chose no resume for this job."))?;
    resumes::download(db, storage, actor, id, meta).await
}
