//! Writing delegations, one or in bulk, each distributed in its own transaction.

use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, SqlErr};
use serde_json::json;
use uuid::Uuid;

use crate::api::{
    jobs::{BulkForm, BulkLine, BulkOutcome, DelegateForm, JobStatus, JobSummary},
    AppError, FieldError,
};
use crate::domain::{
    access, audit, distribution,
    entities::{clients, job_delegations as jobs},
    now,
    users::full_name,
    Actor, RequestMeta,
};

use super::{input::*, posting::posting_key, *};
use crate::domain::infra::events::EventBus;

/// The actor's client row, which must be activated, with the client's name (one query); refusals are logged.
pub(super) async fn activated_client(
    db: &DatabaseConnection,
    actor: &Actor,
    meta: &RequestMeta,
) -> Result<(clients::Model, String), AppError> {
    let (client, user) =
        access::require_client_and_user(db, actor, "job.delegate", "job", meta).await?;
    if !client.is_activated {
        return Err(audit::denied(
            db,
            actor,
            "job.delegate",
            "job",
            None,
            meta,
            "Your account is awaiting activation: you can delegate jobs once an administrator activates it.",
        )
        .await);
    }
    let name = user.as_ref().map(full_name).unwrap_or_default();
    Ok((client, name))
}

/// Delegate one job.
pub async fn delegate(
    db: &DatabaseConnection,
    events: &EventBus,
    actor: &Actor,
    form: &DelegateForm,
    meta: &RequestMeta,
) -> Result<JobSummary, AppError> {
    let (client, client_name) = activated_client(db, actor, meta).await?;
    let mut f = Vec::new();
    let url = match normalize_url(&form.job_url) {
        Ok(u) => Some(u),
        Err(m) => {
            f.push(FieldError {
                field: "job_url".into(),
                message: m,
            });
            None
        }
    };
    let company = text(&mut f, "company_name", &form.company_name, 200);
    let title = text(&mut f, "job_title", &form.job_title, 300);
    let location = text(&mut f, "location", &form.location, 200);
    let common = check_common(
        &form.resume_type_id,
        &form.priority,
        &form.deadline,
        &form.notes,
        &mut f,
    );
    let (Some(url), Some(common), true) = (url, common, f.is_empty()) else {
        return Err(AppError::fields(f));
    };
    let job = create(
        db,
        Some(events),
        actor,
        &client,
        NewJob {
            url,
            company,
            title,
            location,
            common,
        },
        meta,
    )
    .await?;
    // Everything the answer and the live update need came out of the transaction: no query after it.
    let Created {
        job,
        employee,
        resume,
        people,
        told,
    } = job;
    if !told {
        events.publish(people);
    }
    let employee = employee.map(|e| e.name());
    Ok(super::query::summary(job, client_name, employee, resume))
}

/// Delegate up to 50 URLs at once. Shared fields are checked first (an error there writes nothing); then each line
/// is delegated on its own and reported.
pub async fn delegate_bulk(
    db: &DatabaseConnection,
    events: &EventBus,
    actor: &Actor,
    form: &BulkForm,
    meta: &RequestMeta,
) -> Result<Vec<BulkLine>, AppError> {
    let (client, _) = activated_client(db, actor, meta).await?;
    let lines: Vec<(usize, &str)> = form
        .urls
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let mut f = Vec::new();
    if lines.is_empty() {
        f.push(FieldError {
            field: "urls".into(),
            message: "Paste at least one job address, one per line.".into(),
        });
    } else if lines.len() > BULK_MAX {
        f.push(FieldError {
            field: "urls".into(),
            message: format!(
                "Paste at most {BULK_MAX} addresses at once (you pasted {}).",
                lines.len()
            ),
        });
    }
    let common = check_common(
        &form.resume_type_id,
        &form.priority,
        &form.deadline,
        &form.notes,
        &mut f,
    );
    let (Some(common), true) = (common, f.is_empty()) else {
        return Err(AppError::fields(f));
    };
    let mut out = Vec::with_capacity(lines.len());
    for (line, raw) in lines {
        let outcome = match normalize_url(raw) {
            Err(message) => BulkOutcome::Invalid { message },
            Ok(url) => {
                let new = NewJob {
                    url,
                    company: String::new(),
                    title: String::new(),
                    location: String::new(),
                    common: Common {
                        resume_type_id: common.resume_type_id,
                        priority: common.priority,
                        deadline: common.deadline,
                        notes: common.notes.clone(),
                    },
                };
                match create(db, None, actor, &client, new, meta).await {
                    Ok(Created { job, .. }) => BulkOutcome::Created {
                        job_id: job.id,
                        status: job.status,
                    },
                    Err(AppError::Duplicate {
                        message,
                        existing_job_id,
                    }) => BulkOutcome::Duplicate {
                        job_id: existing_job_id,
                        message,
                    },
                    Err(e @ AppError::Validation { .. }) => {
                        // A shared field (the resume) is wrong for every line: stop and say so.
                        if out.is_empty() {
                            return Err(e);
                        }
                        BulkOutcome::Invalid {
                            message: e.to_string(),
                        }
                    }
                    Err(e) => BulkOutcome::Invalid {
                        message: e.to_string(),
                    },
                }
            }
        };
        out.push(BulkLine {
            line,
            url: raw.chars().take(300).collect(),
            outcome,
        });
    }
    events.client_changed(db, client.id, vec![]).await;
    Ok(out)
}

/// The client's live delegation of this posting (by its identity, [`posting_key`]), as the error that points at it.
pub(super) async fn duplicate_of<C: ConnectionTrait>(
    db: &C,
    client_id: Uuid,
    key: &str,
) -> Result<Option<AppError>, AppError> {
    let earlier = jobs::Entity::find()
        .filter(jobs::Column::ClientId.eq(client_id))
        .filter(jobs::Column::PostingKey.eq(key))
        .filter(jobs::Column::Status.ne(JobStatus::Cancelled.as_str()))
        .one(db)
        .await?;
    Ok(earlier.map(|j| {
        let status = j.status;
        AppError::Duplicate {
            message: format!(
                "You already delegated this posting on {} (status: {}).",
                j.delegated_at.format("%Y-%m-%d"),
                status.label().to_lowercase()
            ),
            existing_job_id: j.id,
        }
    }))
}

/// A delegation written: the job, who got it, the name of its resume, and the employees serving the client (users
/// to tell about it).
pub(super) struct Created {
    job: jobs::Model,
    employee: Option<distribution::Picked>,
    resume: Option<String>,
    /// Whom the live update goes to: the client and the employees serving them.
    people: Vec<Uuid>,
    /// Whether they were told within the transaction (then nothing is left to publish).
    told: bool,
}

/// Write one delegation and distribute it, in one transaction under the client's lock (run again if it loses to a
/// conflicting write).
/// With `tell`, the people concerned are told within the transaction where the bus can do that (see
/// [`EventBus::publish_within`]).
pub(super) async fn create(
    db: &DatabaseConnection,
    tell: Option<&EventBus>,
    actor: &Actor,
    client: &clients::Model,
    new: NewJob,
    meta: &RequestMeta,
) -> Result<Created, AppError> {
    crate::domain::retrying(|| create_once(db, tell, actor, client, new.clone(), meta)).await
}

async fn create_once(
    db: &DatabaseConnection,
    tell: Option<&EventBus>,
    actor: &Actor,
    client: &clients::Model,
    new: NewJob,
    meta: &RequestMeta,
) -> Result<Created, AppError> {
    let txn = crate::domain::begin_write(db).await?;
    access::lock_client(&txn, client.id).await?;
    let mut resume = None;
    if let Some(rt) = new.common.resume_type_id {
        resume = crate::domain::resumes::type_of_client(&txn, client.id, rt)
            .await?
            .map(|r| r.name);
        if resume.is_none() {
            drop(txn);
            let _ = audit::denied(
                db,
                actor,
                "job.delegate",
                "resume_type",
                Some(rt),
                meta,
                audit::NOT_PERMITTED,
            )
            .await;
            return Err(AppError::field(
                "resume_type_id",
                "Choose one of your own resumes.",
            ));
        }
    }
    let key = posting_key(&new.url);
    if let Some(dup) = duplicate_of(&txn, client.id, &key).await? {
        return Err(dup);
    }
    // Chosen before the row is written, so the job is written once, already assigned when someone can take it.
    let candidates = distribution::candidates(&txn, client.id).await?;
    let employee = distribution::first_taker(&candidates, None);
    let t = now();
    let job = jobs::Model {
        id: Uuid::now_v7(),
        client_id: client.id,
        assigned_employee_id: employee.as_ref().map(|e| e.id),
        resume_type_id: new.common.resume_type_id,
        job_url: new.url.clone(),
        company_name: new.company,
        job_title: new.title,
        status: if employee.is_some() {
            JobStatus::Pending
        } else {
            JobStatus::Unassigned
        },
        priority: new.common.priority,
        deadline: new.common.deadline,
        delegated_at: t,
        assigned_at: employee.as_ref().map(|_| t),
        started_at: None,
        completed_at: None,
        notes: new.common.notes,
        metadata: if new.location.is_empty() {
            json!({})
        } else {
            json!({ "location": new.location })
        },
        updated_at: t,
        deadline_reminded_at: None,
        unassigned_alerted_at: None,
        posting_key: Some(key.clone()),
    };
    let inserted = jobs::Entity::insert(jobs::ActiveModel::from(job.clone()))
        .exec_without_returning(&txn)
        .await;
    match inserted {
        Ok(_) => {}
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            drop(txn);
            return Err(duplicate_of(db, client.id, &key)
                .await?
                .unwrap_or_else(|| AppError::conflict("This posting was just delegated.")));
        }
        Err(e) => return Err(e.into()),
    };
    let delegated = audit::Entry {
        actor: Some(actor.user_id),
        action: "job.delegate",
        entity_type: "job",
        entity_id: Some(job.id),
        data: json!({"url": job.job_url, "priority": job.priority}),
    };
    match &employee {
        Some(e) => {
            let assigned = distribution::assignment_entry("job.assign", &job, None, None);
            distribution::announce(&txn, &job, e, vec![delegated, assigned], meta).await?;
        }
        None => audit::record_all(&txn, vec![delegated], meta).await?,
    }
    let mut people: Vec<Uuid> = candidates.iter().map(|c| c.user_id).collect();
    people.push(actor.user_id);
    let told = match tell {
        Some(events) => events.publish_within(&txn, &people).await?,
        None => false,
    };
    crate::domain::commit(txn).await?;
    Ok(Created {
        job,
        employee,
        resume,
        people,
        told,
    })
}
