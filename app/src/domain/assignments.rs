//! Which employees serve which clients, and who is available. Each change distributes waiting jobs in the same
//! transaction.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, Set, SqlErr,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    access, audit,
    distribution::{self, stmt},
    entities::{
        client_employee_assignments as assignments, clients, employees, job_delegations as jobs,
        users,
    },
    now,
    policy::{allows, Action, Resource},
    users::full_name,
    Actor, RequestMeta,
};
use crate::api::{
    assignments::{AssignedClient, AssignmentOverview, ClientOption, EmployeeLoad},
    jobs::JobStatus,
    AppError, Role,
};
use crate::domain::infra::events::EventBus;

async fn refuse(
    db: &DatabaseConnection,
    actor: &Actor,
    attempted: &str,
    entity: &str,
    id: Option<Uuid>,
    meta: &RequestMeta,
) -> AppError {
    audit::denied(db, actor, attempted, entity, id, meta, audit::NOT_PERMITTED).await
}

#[derive(Debug, FromQueryResult)]
struct Count {
    id: Uuid,
    n: i64,
}

async fn counts<C: ConnectionTrait>(db: &C, sql: &str) -> Result<HashMap<Uuid, u64>, AppError> {
    let rows = Count::find_by_statement(stmt(db.get_database_backend(), sql, vec![]))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.n.max(0) as u64))
        .collect())
}

/// Every employee with load and clients, every client with waiting jobs (admins). Counts come from GROUP BY
/// queries, not from loading jobs.
pub async fn overview(
    db: &DatabaseConnection,
    actor: &Actor,
    meta: &RequestMeta,
) -> Result<AssignmentOverview, AppError> {
    if !allows(actor.role, Resource::EmployeeAssignment, Action::View) {
        return Err(refuse(db, actor, "assignment.list", "assignment", None, meta).await);
    }
    let emps = employees::Entity::find().all(db).await?;
    let cls = clients::Entity::find()
        .order_by_desc(clients::Column::CreatedAt)
        .all(db)
        .await?;
    let user_ids: Vec<Uuid> = emps
        .iter()
        .map(|e| e.user_id)
        .chain(cls.iter().map(|c| c.user_id))
        .collect();
    let people: HashMap<Uuid, users::Model> = users::Entity::find()
        .filter(users::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let open = counts(
        db,
        "SELECT assigned_employee_id AS id, COUNT(*) AS n FROM job_delegations \
         WHERE assigned_employee_id IS NOT NULL AND status IN ('pending', 'in_progress') \
         GROUP BY assigned_employee_id",
    )
    .await?;
    let waiting = counts(
        db,
        "SELECT client_id AS id, COUNT(*) AS n FROM job_delegations WHERE status = 'unassigned' GROUP BY client_id",
    )
    .await?;
    let active = assignments::Entity::find()
        .filter(assignments::Column::IsActive.eq(true))
        .order_by_asc(assignments::Column::AssignedAt)
        .all(db)
        .await?;
    let client_user: HashMap<Uuid, Uuid> = cls.iter().map(|c| (c.id, c.user_id)).collect();
    let mut by_employee: HashMap<Uuid, Vec<AssignedClient>> = HashMap::new();
    for a in active {
        if let Some(u) = client_user.get(&a.client_id).and_then(|u| people.get(u)) {
            by_employee
                .entry(a.employee_id)
                .or_default()
                .push(AssignedClient {
                    client_id: a.client_id,
                    name: full_name(u),
                    email: u.email.clone(),
                    assigned_at: a.assigned_at,
                });
        }
    }
    let mut employees: Vec<EmployeeLoad> = emps
        .into_iter()
        .filter_map(|e| {
            let u = people.get(&e.user_id)?;
            Some(EmployeeLoad {
                employee_id: e.id,
                user_id: u.id,
                name: full_name(u),
                email: u.email.clone(),
                user_active: u.is_active,
                is_available: e.is_available,
                open_jobs: open.get(&e.id).copied().unwrap_or(0),
                last_assigned_at: e.last_assigned_at,
                clients: by_employee.remove(&e.id).unwrap_or_default(),
            })
        })
        .collect();
    employees.sort_by_key(|e| e.name.to_lowercase());
    let clients = cls
        .into_iter()
        .filter_map(|c| {
            let u = people.get(&c.user_id)?;
            Some(ClientOption {
                client_id: c.id,
                name: full_name(u),
                email: u.email.clone(),
                is_activated: c.is_activated,
                unassigned_jobs: waiting.get(&c.id).copied().unwrap_or(0),
            })
        })
        .collect();
    Ok(AssignmentOverview { employees, clients })
}

async fn employee_and_client(
    db: &DatabaseConnection,
    client_id: Uuid,
    employee_id: Uuid,
) -> Result<(clients::Model, employees::Model), AppError> {
    let client = clients::Entity::find_by_id(client_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::field("client_id", "No such client."))?;
    let employee = employees::Entity::find_by_id(employee_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::field("employee_id", "No such employee."))?;
    Ok((client, employee))
}

/// Assign an employee to a client and hand them the client's waiting jobs.
pub async fn assign(
    db: &DatabaseConnection,
    events: &EventBus,
    actor: &Actor,
    client_id: Uuid,
    employee_id: Uuid,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    if !allows(actor.role, Resource::EmployeeAssignment, Action::Create) {
        return Err(refuse(
            db,
            actor,
            "assignment.create",
            "client",
            Some(client_id),
            meta,
        )
        .await);
    }
    let (client, employee) = employee_and_client(db, client_id, employee_id).await?;
    let user = users::Entity::find_by_id(employee.user_id).one(db).await?;
    if !user.is_some_and(|u| u.is_active) {
        return Err(AppError::field(
            "employee_id",
            "This employee's account is deactivated. Reactivate it first.",
        ));
    }
    let n = crate::domain::retrying(|| async {
        let txn = super::begin_write(db).await?;
        access::lock_client(&txn, client.id).await?;
        if access::serves(&txn, employee.id, client.id).await? {
            return Err(AppError::conflict(
                "This employee is already assigned to this client.",
            ));
        }
        let row = assignments::ActiveModel {
            id: Set(Uuid::now_v7()),
            client_id: Set(client.id),
            employee_id: Set(employee.id),
            assigned_by: Set(Some(actor.user_id)),
            assigned_at: Set(now()),
            is_active: Set(true),
            unassigned_at: Set(None),
        }
        .insert(&txn)
        .await;
        let row = match row {
            Ok(r) => r,
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                return Err(AppError::conflict(
                    "This employee is already assigned to this client.",
                ))
            }
            Err(e) => return Err(e.into()),
        };
        audit::record(
            &txn,
            Some(actor.user_id),
            "assignment.create",
            "assignment",
            Some(row.id),
            json!({"client_id": client.id, "employee_id": employee.id}),
            meta,
        )
        .await?;
        let n = distribution::distribute_waiting(&txn, client.id, meta).await?;
        crate::domain::commit(txn).await?;
        Ok(n)
    })
    .await?;
    tracing::info!(client = %client.id, employee = %employee.id, distributed = n, "employee assigned");
    events.client_changed(db, client.id, vec![]).await;
    Ok(())
}

/// End an assignment. The employee's unfinished jobs for this client go back to the pool and are redistributed.
pub async fn unassign(
    db: &DatabaseConnection,
    events: &EventBus,
    actor: &Actor,
    client_id: Uuid,
    employee_id: Uuid,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    if !allows(actor.role, Resource::EmployeeAssignment, Action::Delete) {
        return Err(refuse(db, actor, "assignment.end", "client", Some(client_id), meta).await);
    }
    let (client, employee) = employee_and_client(db, client_id, employee_id).await?;
    crate::domain::retrying(|| async {
        let txn = super::begin_write(db).await?;
        access::lock_client(&txn, client.id).await?;
        let Some(row) = assignments::Entity::find()
            .filter(assignments::Column::ClientId.eq(client.id))
            .filter(assignments::Column::EmployeeId.eq(employee.id))
            .filter(assignments::Column::IsActive.eq(true))
            .one(&txn)
            .await?
        else {
            return Err(AppError::conflict(
                "This employee is not assigned to this client.",
            ));
        };
        let mut am: assignments::ActiveModel = row.into();
        am.is_active = Set(false);
        am.unassigned_at = Set(Some(now()));
        let row = am.update(&txn).await?;
        let open = jobs::Entity::find()
            .filter(jobs::Column::ClientId.eq(client.id))
            .filter(jobs::Column::AssignedEmployeeId.eq(employee.id))
            .filter(jobs::Column::Status.is_in(JobStatus::ASSIGNED_OPEN.map(|s| s.as_str())))
            .all(&txn)
            .await?;
        let returned = open.len();
        for job in open {
            let id = job.id;
            let mut am: jobs::ActiveModel = job.into();
            am.assigned_employee_id = Set(None);
            am.status = Set(JobStatus::Unassigned);
            am.assigned_at = Set(None);
            am.started_at = Set(None);
            am.updated_at = Set(now());
            am.update(&txn).await?;
            audit::record(
                &txn,
                Some(actor.user_id),
                "job.unassign",
                "job",
                Some(id),
                json!({"from_employee_id": employee.id, "reason": "employee unassigned from client"}),
                meta,
            )
            .await?;
        }
        audit::record(
            &txn,
            Some(actor.user_id),
            "assignment.end",
            "assignment",
            Some(row.id),
            json!({"client_id": client.id, "employee_id": employee.id, "jobs_returned": returned}),
            meta,
        )
        .await?;
        distribution::distribute_waiting(&txn, client.id, meta).await?;
        crate::domain::commit(txn).await?;
        Ok(())
    })
    .await?;
    // The employee who no longer serves the client loses its jobs from their queue.
    events
        .client_changed(db, client.id, vec![employee.user_id])
        .await;
    Ok(())
}

/// Mark an employee available or not (admins, or the employee themself). Becoming available hands them waiting
/// jobs of their clients at once. Jobs already assigned stay with them either way.
pub async fn set_availability(
    db: &DatabaseConnection,
    events: &EventBus,
    actor: &Actor,
    employee_id: Uuid,
    available: bool,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let employee = employees::Entity::find_by_id(employee_id).one(db).await?;
    let own = actor.role == Role::Employee
        && employee
            .as_ref()
            .is_some_and(|e| e.user_id == actor.user_id);
    if !own && !allows(actor.role, Resource::EmployeeAssignment, Action::Update) {
        return Err(refuse(
            db,
            actor,
            "employee.availability",
            "employee",
            Some(employee_id),
            meta,
        )
        .await);
    }
    let employee = employee.ok_or_else(|| AppError::not_found("No such employee."))?;
    let mut client_ids: Vec<Uuid> = assignments::Entity::find()
        .filter(assignments::Column::EmployeeId.eq(employee.id))
        .filter(assignments::Column::IsActive.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.client_id)
        .collect();
    client_ids.sort();
    crate::domain::retrying(|| async {
        let txn = super::begin_write(db).await?;
        // Client locks first, in id order (as every other writer takes them), then the employee row.
        for c in &client_ids {
            access::lock_client(&txn, *c).await?;
        }
        let mut am: employees::ActiveModel = employee.clone().into();
        am.is_available = Set(available);
        let employee = am.update(&txn).await?;
        audit::record(
            &txn,
            Some(actor.user_id),
            "employee.availability",
            "employee",
            Some(employee.id),
            json!({"available": available}),
            meta,
        )
        .await?;
        if available {
            for c in &client_ids {
                distribution::distribute_waiting(&txn, *c, meta).await?;
            }
        }
        crate::domain::commit(txn).await?;
        Ok(())
    })
    .await?;
    // Waiting jobs may have moved to this employee: refresh them and every client they serve.
    events.employee_changed(db, employee_id).await;
    Ok(())
}

/// Return every unfinished job of the employee to the pool and redistribute each client's waiting jobs (the
/// employee is no longer a candidate: deactivated or unassigned). Client locks are taken in id order.
pub async fn release_jobs_of<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    employee_id: Uuid,
    reason: &str,
    meta: &RequestMeta,
) -> Result<usize, AppError> {
    let open = jobs::Entity::find()
        .filter(jobs::Column::AssignedEmployeeId.eq(employee_id))
        .filter(jobs::Column::Status.is_in(JobStatus::ASSIGNED_OPEN.map(|s| s.as_str())))
        .all(txn)
        .await?;
    let mut clients: Vec<Uuid> = open.iter().map(|j| j.client_id).collect();
    clients.sort();
    clients.dedup();
    for c in &clients {
        access::lock_client(txn, *c).await?;
    }
    let n = open.len();
    for job in open {
        let id = job.id;
        let mut am: jobs::ActiveModel = job.into();
        am.assigned_employee_id = Set(None);
        am.status = Set(JobStatus::Unassigned);
        am.assigned_at = Set(None);
        am.started_at = Set(None);
        am.updated_at = Set(now());
        am.update(txn).await?;
        audit::record(
            txn,
            Some(actor.user_id),
            "job.unassign",
            "job",
            Some(id),
            json!({"from_employee_id": employee_id, "reason": reason}),
            meta,
        )
        .await?;
    }
    for c in &clients {
        distribution::distribute_waiting(txn, *c, meta).await?;
    }
    Ok(n)
}

/// Hand waiting jobs of the employee's clients out (the employee became a candidate again).
pub async fn distribute_for<C: ConnectionTrait>(
    txn: &C,
    employee_id: Uuid,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let mut clients = access::clients_served(txn, employee_id).await?;
    clients.sort();
    for c in &clients {
        access::lock_client(txn, *c).await?;
    }
    for c in &clients {
        distribution::distribute_waiting(txn, *c, meta).await?;
    }
    Ok(())
}
