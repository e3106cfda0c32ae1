//! Automatic distribution: a job goes to an available, active employee assigned to its client, fewest open jobs
//! first, then the one assigned least recently. Every function here runs inside the caller's transaction, after
//! the caller has taken the client's lock (`access::lock_client`), so one client's jobs are distributed one at a
//! time and loads never drift apart by more than one.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    audit,
    entities::{employees, job_delegations as jobs},
    now, Actor, RequestMeta,
};
use crate::api::{jobs::JobStatus, AppError};

pub use super::infra::sql::stmt;

/// The employee chosen for a job, with what telling them needs.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Picked {
    pub id: Uuid,
    pub user_id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// Available, and their account active: automatic distribution may choose them.
    pub takes_work: bool,
}

impl Picked {
    /// "First Last", or the email address.
    pub fn name(&self) -> String {
        super::users::display_name(&self.first_name, &self.last_name, &self.email)
    }
}

const PICKED: &str =
    "SELECT e.id AS id, u.id AS user_id, u.email AS email, u.first_name AS first_name, \
     u.last_name AS last_name, (e.is_available AND u.is_active) AS takes_work FROM employees e \
     JOIN users u ON u.id = e.user_id";

/// Employees as [`Picked`]: `rest` follows [`PICKED`] (joins, conditions, order), with `$1` bound to `id`.
async fn picked<C: ConnectionTrait>(db: &C, rest: &str, id: Uuid) -> Result<Vec<Picked>, AppError> {
    let sql = format!("{PICKED} {rest}");
    Ok(
        Picked::find_by_statement(stmt(db.get_database_backend(), &sql, vec![id.into()]))
            .all(db)
            .await?,
    )
}

/// Everyone actively assigned to the client, those who take work first, in the order [`pick`] chooses (fewest open
/// jobs, then assigned least recently): the first of them who takes work is the pick, and all of them are the
/// employees to tell about a change of the client's jobs. One query.
pub async fn candidates<C: ConnectionTrait>(
    db: &C,
    client_id: Uuid,
) -> Result<Vec<Picked>, AppError> {
    picked(
        db,
        "JOIN client_employee_assignments a ON a.employee_id = e.id AND a.client_id = $1 AND a.is_active = TRUE \
         ORDER BY (e.is_available AND u.is_active) DESC, \
                  (SELECT COUNT(*) FROM job_delegations j \
                   WHERE j.assigned_employee_id = e.id AND j.status IN ('pending', 'in_progress')) ASC, \
                  e.last_assigned_at ASC NULLS FIRST, e.id ASC",
        client_id,
    )
    .await
}

/// The employee who should take the client's next job, if any.
pub async fn pick<C: ConnectionTrait>(db: &C, client_id: Uuid) -> Result<Option<Picked>, AppError> {
    pick_except(db, client_id, None).await
}

/// As [`pick`], never choosing `except` (an employee handing a job back).
pub async fn pick_except<C: ConnectionTrait>(
    db: &C,
    client_id: Uuid,
    except: Option<Uuid>,
) -> Result<Option<Picked>, AppError> {
    Ok(first_taker(&candidates(db, client_id).await?, except))
}

/// The pick among [`candidates`]: the first who takes work (other than `except`).
pub fn first_taker(candidates: &[Picked], except: Option<Uuid>) -> Option<Picked> {
    candidates
        .iter()
        .find(|c| c.takes_work && Some(c.id) != except)
        .cloned()
}

/// An employee chosen by an admin (whatever their load), if they exist.
async fn employee<C: ConnectionTrait>(
    db: &C,
    employee_id: Uuid,
) -> Result<Option<Picked>, AppError> {
    Ok(picked(db, "WHERE e.id = $1", employee_id).await?.pop())
}

/// Give `job` to `employee_id` (an admin's choice, `by`): see [`assign_picked`].
pub async fn assign_to<C: ConnectionTrait>(
    db: &C,
    job: jobs::Model,
    employee_id: Uuid,
    by: Option<&Actor>,
    meta: &RequestMeta,
) -> Result<jobs::Model, AppError> {
    let Some(e) = employee(db, employee_id).await? else {
        return Err(AppError::not_found("That employee does not exist."));
    };
    assign_picked(db, job, &e, by, meta).await
}

/// Give `job` to `employee`: status pending (a job waiting for its client's answers keeps waiting), timestamps, the
/// employee's last-assigned time, a notification and a timeline entry. `by` is the admin who chose, or `None` for
/// automatic distribution.
pub async fn assign_picked<C: ConnectionTrait>(
    db: &C,
    job: jobs::Model,
    employee: &Picked,
    by: Option<&Actor>,
    meta: &RequestMeta,
) -> Result<jobs::Model, AppError> {
    let t = now();
    let from = job.assigned_employee_id;
    // A job waiting for its client's answers keeps waiting: the new employee gets it when the client answers.
    let status = match job.status {
        JobStatus::NeedsAnswer => JobStatus::NeedsAnswer,
        _ => JobStatus::Pending,
    };
    let mut am: jobs::ActiveModel = job.into();
    am.assigned_employee_id = Set(Some(employee.id));
    am.status = Set(status);
    am.assigned_at = Set(Some(t));
    am.started_at = Set(None);
    am.updated_at = Set(t);
    let job = am.update(db).await?;
    let action = if by.is_some() {
        "job.reassign"
    } else {
        "job.assign"
    };
    let entry = assignment_entry(action, &job, from, by);
    announce(db, &job, employee, vec![entry], meta).await?;
    Ok(job)
}

/// The timeline entry of an assignment.
pub fn assignment_entry<'a>(
    action: &'a str,
    job: &jobs::Model,
    from: Option<Uuid>,
    by: Option<&Actor>,
) -> audit::Entry<'a> {
    audit::Entry {
        actor: by.map(|a| a.user_id),
        action,
        entity_type: "job",
        entity_id: Some(job.id),
        data: json!({"employee_id": job.assigned_employee_id, "from_employee_id": from}),
    }
}

/// What follows giving an already written `job` to `employee`: their last-assigned time, their notification (and
/// its email), and the timeline `entries`, in one statement.
pub async fn announce<C: ConnectionTrait>(
    db: &C,
    job: &jobs::Model,
    employee: &Picked,
    entries: Vec<audit::Entry<'_>>,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    employees::Entity::update_many()
        .col_expr(
            employees::Column::LastAssignedAt,
            sea_orm::sea_query::Expr::value(job.assigned_at.unwrap_or_else(now)),
        )
        .filter(employees::Column::Id.eq(employee.id))
        .exec(db)
        .await?;
    let heading = crate::api::jobs::heading(&job.job_title, &job.company_name, &job.job_url);
    super::notifications::notify(
        db,
        employee.user_id,
        "job_assigned",
        &format!("New job: {heading}"),
        "A job was assigned to you.",
        Some(format!("/employee?job={}", job.id)),
    )
    .await?;
    audit::record_all(db, entries, meta).await
}

/// Assign `job` (just created or returned to the pool) if an employee is available; otherwise leave it waiting.
pub async fn distribute<C: ConnectionTrait>(
    db: &C,
    job: jobs::Model,
    meta: &RequestMeta,
) -> Result<jobs::Model, AppError> {
    match pick(db, job.client_id).await? {
        Some(e) => assign_picked(db, job, &e, None, meta).await,
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
                assign_picked(db, job, &e, None, meta).await?;
                n += 1;
            }
            None => break,
        }
    }
    Ok(n)
}
