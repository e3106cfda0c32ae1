//! The questions asked on a job, as the job's page shows them.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::api::{questions::JobQuestion, AppError};
use crate::domain::{
    entities::{employees, job_questions, users},
    users::full_name,
};

/// The questions asked on a job, the oldest first, with who asked.
pub async fn questions_of<C: ConnectionTrait>(
    db: &C,
    job_id: Uuid,
) -> Result<Vec<JobQuestion>, AppError> {
    let rows = job_questions::Entity::find()
        .filter(job_questions::Column::JobDelegationId.eq(job_id))
        .order_by_asc(job_questions::Column::AskedAt)
        .order_by_asc(job_questions::Column::Id)
        .all(db)
        .await?;
    let mut names: HashMap<Uuid, String> = HashMap::new();
    for e in rows.iter().filter_map(|q| q.asked_by) {
        if names.contains_key(&e) {
            continue;
        }
        if let Some(emp) = employees::Entity::find_by_id(e).one(db).await? {
            if let Some(u) = users::Entity::find_by_id(emp.user_id).one(db).await? {
                names.insert(e, full_name(&u));
            }
        }
    }
    Ok(rows
        .into_iter()
        .map(|q| JobQuestion {
            id: q.id,
            asked_by: q.asked_by.and_then(|e| names.get(&e).cloned()),
            question: q.question,
            answer: q.answer,
            asked_at: q.asked_at,
            answered_at: q.answered_at,
        })
        .collect())
}
