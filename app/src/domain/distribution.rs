//! Automatic distribution: a job goes to an available, active employee assigned to its client, fewest open jobs
//! first, then the one assigned least recently. Every function here runs inside the caller's transaction, after
//! the caller has taken the client's lock (`access::lock_client`), so one client's jobs are distributed one at a
//! time and loads never drift apart by more than one.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    audit,
    entities::{employees, job_delegations as jobs},
    now, Actor, RequestMeta,
};
use crate::api::{jobs::JobStatus, AppError};

/// Write PostgreSQL-style `$1` placeholders; SQLite gets `?1` (numbered: same meaning).
pub fn stmt(backend: sea_orm::DbBackend, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    let sql = if backend == sea_orm::DbBackend::Sqlite {
        sql.replace('$', "?")
    } else {
        sql.to_string()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

#[derive(Debug, FromQueryResult)]
struct Pick {
    id: Uuid,
}

/// The employee who should take the client's next job, if any.
pub async fn pick<C: ConnectionTrait>(db: &C, client_id: Uuid) -> Result<Option<Uuid>, AppError> {
    pick_except(db, client_id, None).await
}

/// As [`pick`], never choosing `except` (an employee handing a job back).
pub async fn pick_except<C: ConnectionTrait>(
    db: &C,
    client_id: Uuid,
    except: Option<Uuid>,
) -> Result<Option<Uuid>, AppError> {
    let backend = db.get_database_backend();
    let sql = "SELECT e.id AS id FROM employees e \
         JOIN client_employee_assignments a ON a.employee_id = e.id AND a.client_id = $1 AND a.is_active = TRUE \
         JOIN users u ON u.id = e.user_id AND u.is_active = TRUE \
         WHERE e.is_available = TRUE AND ($2 IS NULL OR e.id <> $2) \
         ORDER BY (SELECT COUNT(*) FROM job_delegations j \
                   WHERE j.assigned_employee_id = e.id AND j.status IN ('pending', 'in_progress')) ASC, \
                  e.last_assigned_at ASC NULLS FIRST, e.id ASC \
         LIMIT 1";
    let row = Pick::find_by_statement(stmt(backend, sql, vec![client_id.into(), except.into()]))
        .one(db)
        .await?;
    Ok(row.map(|r| r.id))
}

/// Give `job` to `employee_id`: status pending, timestamps, the employee's last-assigned time, and a timeline
/// entry. `by` is the admin who chose, or `None` for automatic distribution.
pub async fn assign_to<C: ConnectionTrait>(
    db: &C,
    job: jobs::Model,
    employee_id: Uuid,
    by: Option<&Actor>,
    meta: &RequestMeta,
) -> Result<jobs::Model, AppError> {
    let t = now();
    let from = job.assigned_employee_id;
    let mut am: jobs::ActiveModel = job.into();
    am.assigned_employee_id = Set(Some(employee_id));
    am.status = Set(JobStatus::Pending);
    am.assigned_at = Set(Some(t));
    am.started_at = Set(None);
    am.updated_at = Set(t);
    let job = am.update(db).await?;
    employees::ActiveModel {
        id: Set(employee_id),
        last_assigned_at: Set(Some(t)),
        ..Default::default()
    }
    .update(db)
    .await?;
    if let Some(e) = employees::Entity::find_by_id(employee_id).one(db).await? {
        let heading = crate::api::jobs::heading(&job.job_title, &job.company_name, &job.job_url);
        super::notifications::notify(
            db,
            e.user_id,
            "job_assigned",
            &format!("New job: {heading}"),
            "A job was assigned to you.",
            Some(format!("/employee?job={}", job.id)),
        )
        .await?;
    }
    let action = if by.is_some() {
        "job.reassign"
    } else {
        "job.assign"
    };
    audit::record(
        db,
        by.map(|a| a.user_id),
        action,
        "job",
        Some(job.id),
        json!({"employee_id": employee_id, "from_employee_id": from}),
        meta,
    )
    .await?;
    Ok(job)
}

/// Assign `job` (just created or returned to the pool) if an employee is available; otherwise leave it waiting.
pub async fn distribute<C: ConnectionTrait>(
    db: &C,
    job: jobs::Model,
    meta: &RequestMeta,
) -> Result<jobs::Model, AppError> {
    match pick(db, job.client_id).await? {
        Some(e) => assign_to(db, job, e, None, meta).await,
        None => Ok(job),
    }
}

/// Distribute the client's waiting jobs, most urgent and oldest first, until none is left or nobody can take one.
/// Returns how many were assigned.
pub async fn distribute_waiting<C: ConnectionTrait>(
    db: &C,
    client_id: Uuid,
    meta: &RequestMeta,
) -> Result<usize, AppError> {
    let mut waiting = jobs::Entity::find()
        .filter(jobs::Column::ClientId.eq(client_id))
        .filter(jobs::Column::Status.eq(JobStatus::Unassigned.as_str()))
        .order_by_asc(jobs::Column::DelegatedAt)
        .limit(10_000)
        .all(db)
        .await?;
    waiting.sort_by_key(|j| (std::cmp::Reverse(j.priority), j.delegated_at));
    let mut n = 0;
    for job in waiting {
        match pick(db, client_id).await? {
            Some(e) => {
                assign_to(db, job, e, None, meta).await?;
                n += 1;
            }
            None => break,
        }
    }
    Ok(n)
}
