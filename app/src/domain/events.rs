//! Live updates: after a change commits, the people it concerns are told "something changed" and their open pages
//! refetch (Server-Sent Events at `/events`). In-process: one server's subscribers hear that server's changes.

use std::sync::Arc;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use tokio::sync::broadcast;
use uuid::Uuid;

use super::entities::{
    client_employee_assignments as assignments, clients, employees, job_delegations as jobs,
};
use crate::api::AppError;

#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Arc<[Uuid]>>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            tx: broadcast::channel(1024).0,
        }
    }
}

impl EventBus {
    /// Tell these users (ids of `users`) that something of theirs changed. Nobody listening is fine.
    pub fn publish(&self, users: Vec<Uuid>) {
        if !users.is_empty() {
            let _ = self.tx.send(users.into());
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<[Uuid]>> {
        self.tx.subscribe()
    }
}

/// The client's user and the users of every employee serving the client.
pub async fn people_of_client<C: ConnectionTrait>(
    db: &C,
    client_id: Uuid,
) -> Result<Vec<Uuid>, AppError> {
    let mut users: Vec<Uuid> = clients::Entity::find_by_id(client_id)
        .one(db)
        .await?
        .map(|c| c.user_id)
        .into_iter()
        .collect();
    let serving: Vec<Uuid> = assignments::Entity::find()
        .filter(assignments::Column::ClientId.eq(client_id))
        .filter(assignments::Column::IsActive.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.employee_id)
        .collect();
    users.extend(employee_users(db, serving).await?);
    Ok(users)
}

pub async fn employee_users<C: ConnectionTrait>(
    db: &C,
    ids: Vec<Uuid>,
) -> Result<Vec<Uuid>, AppError> {
    Ok(employees::Entity::find()
        .filter(employees::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.user_id)
        .collect())
}

/// Everyone concerned by a job: its client, its employee, and the client's other employees.
pub async fn people_of_job<C: ConnectionTrait>(
    db: &C,
    job_id: Uuid,
) -> Result<Vec<Uuid>, AppError> {
    let Some(job) = jobs::Entity::find_by_id(job_id).one(db).await? else {
        return Ok(Vec::new());
    };
    let mut users = people_of_client(db, job.client_id).await?;
    users.extend(employee_users(db, job.assigned_employee_id.into_iter().collect()).await?);
    users.sort();
    users.dedup();
    Ok(users)
}
