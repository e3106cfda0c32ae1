//! Live updates: after a change commits, the people it concerns are told "something changed" and their open pages
//! refetch (Server-Sent Events at `/events`). In-process: one server's subscribers hear that server's changes.

use std::sync::Arc;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::api::AppError;
use crate::domain::entities::{client_employee_assignments as assignments, employees};

/// The PostgreSQL channel replicas use to tell each other whom to refresh.
pub const PG_CHANNEL: &str = "jd_events";
/// User ids per NOTIFY (PostgreSQL payloads stop at 8000 bytes; an id takes 37).
const IDS_PER_NOTIFY: usize = 150;

/// The NOTIFY on [`PG_CHANNEL`] that names these users (at most [`IDS_PER_NOTIFY`]).
fn notify_statement(users: &[Uuid]) -> sea_orm::Statement {
    let payload = users
        .iter()
        .map(Uuid::to_string)
        .collect::<Vec<_>>()
        .join(",");
    sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [PG_CHANNEL.into(), payload.into()],
    )
}

#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Arc<[Uuid]>>,
    /// On PostgreSQL, events go through NOTIFY so that every replica hears them (including this one, through its
    /// own LISTEN); otherwise they stay in this process.
    pg: Option<sea_orm::DatabaseConnection>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            tx: broadcast::channel(1024).0,
            pg: None,
        }
    }
}

impl EventBus {
    /// A bus for this database: on PostgreSQL it listens on [`PG_CHANNEL`] (reconnecting by itself) and publishes
    /// with NOTIFY, so replicas behind one database share their events. Needs a running tokio runtime.
    pub fn for_database(db: &sea_orm::DatabaseConnection) -> EventBus {
        let mut bus = EventBus::default();
        if db.get_database_backend() != sea_orm::DbBackend::Postgres {
            return bus;
        }
        let pool = db.get_postgres_connection_pool().clone();
        let tx = bus.tx.clone();
        tokio::spawn(async move {
            use sea_orm::sqlx::postgres::PgListener;
            loop {
                let listener = async {
                    let mut l = PgListener::connect_with(&pool).await?;
                    l.listen(PG_CHANNEL).await?;
                    Ok::<_, sea_orm::sqlx::Error>(l)
                };
                let mut listener = match listener.await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(error = %e, "event listener could not connect; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                        continue;
                    }
                };
                loop {
                    match listener.recv().await {
                        Ok(n) => {
                            let users: Vec<Uuid> = n
                                .payload()
                                .split(',')
                                .filter_map(|s| Uuid::parse_str(s).ok())
                                .collect();
                            if !users.is_empty() {
                                let _ = tx.send(users.into());
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "event listener lost its connection");
                            break;
                        }
                    }
                }
            }
        });
        bus.pg = Some(db.clone());
        bus
    }

    /// Tell these users (ids of `users`) that something of theirs changed. Nobody listening is fine.
    pub fn publish(&self, mut users: Vec<Uuid>) {
        users.sort();
        users.dedup();
        if users.is_empty() {
            return;
        }
        let Some(db) = self.pg.clone() else {
            let _ = self.tx.send(users.into());
            return;
        };
        let tx = self.tx.clone();
        tokio::spawn(async move {
            for chunk in users.chunks(IDS_PER_NOTIFY) {
                let sent = db.execute_raw(notify_statement(chunk)).await;
                if let Err(e) = sent {
                    // At least this replica's pages hear it.
                    tracing::warn!(error = %e, "NOTIFY failed; delivering locally only");
                    let _ = tx.send(Arc::from(chunk));
                }
            }
        });
    }

    /// Tell these users as part of the transaction `txn`: on PostgreSQL the NOTIFY is a statement of the transaction,
    /// delivered when (and only if) it commits, with no connection or round trip of its own after it. Elsewhere
    /// nothing is sent here (`false`): the caller publishes after the commit.
    pub async fn publish_within<C: ConnectionTrait>(
        &self,
        txn: &C,
        users: &[Uuid],
    ) -> Result<bool, AppError> {
        if self.pg.is_none() || txn.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(false);
        }
        let mut users = users.to_vec();
        users.sort();
        users.dedup();
        for chunk in users.chunks(IDS_PER_NOTIFY) {
            txn.execute_raw(notify_statement(chunk)).await?;
        }
        Ok(true)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<[Uuid]>> {
        self.tx.subscribe()
    }

    /// After a change to a job has committed: tell everyone it concerns, and `also` (user ids). A failure to work
    /// out who is concerned is logged, never reported: the change itself is done.
    pub async fn job_changed<C: ConnectionTrait>(&self, db: &C, job_id: Uuid, also: Vec<Uuid>) {
        match people_of_job(db, job_id).await {
            Ok(mut users) => {
                users.extend(also);
                self.publish(users)
            }
            Err(e) => tracing::warn!(error = %e, "could not work out who to tell about a change"),
        }
    }

    /// After a change to a client's jobs or employees has committed: tell the client, their employees and `also`.
    pub async fn client_changed<C: ConnectionTrait>(
        &self,
        db: &C,
        client_id: Uuid,
        also: Vec<Uuid>,
    ) {
        match people_of_client(db, client_id).await {
            Ok(mut users) => {
                users.extend(also);
                self.publish(users)
            }
            Err(e) => tracing::warn!(error = %e, "could not work out who to tell about a change"),
        }
    }

    /// After an employee's availability or assignments changed: the employee's user and everyone of each client
    /// they serve.
    pub async fn employee_changed<C: ConnectionTrait>(&self, db: &C, employee_id: Uuid) {
        let people = async {
            let me = employee_users(db, vec![employee_id]).await?;
            let served: Vec<Uuid> = assignments::Entity::find()
                .filter(assignments::Column::EmployeeId.eq(employee_id))
                .filter(assignments::Column::IsActive.eq(true))
                .all(db)
                .await?
                .into_iter()
                .map(|a| a.client_id)
                .collect();
            let mut users = me;
            for c in served {
                users.extend(people_of_client(db, c).await?);
            }
            Ok::<_, AppError>(users)
        };
        match people.await {
            Ok(users) => self.publish(users),
            Err(e) => tracing::warn!(error = %e, "could not work out who to tell about a change"),
        }
    }
}

#[derive(Debug, sea_orm::FromQueryResult)]
struct Person {
    user_id: Uuid,
}

/// The client's user and the users of every employee serving the client (one query).
pub async fn people_of_client<C: ConnectionTrait>(
    db: &C,
    client_id: Uuid,
) -> Result<Vec<Uuid>, AppError> {
    people(
        db,
        "SELECT c.user_id AS user_id FROM clients c WHERE c.id = $1 \
         UNION SELECT e.user_id AS user_id FROM client_employee_assignments a \
         JOIN employees e ON e.id = a.employee_id WHERE a.client_id = $1 AND a.is_active = TRUE",
        client_id,
    )
    .await
}

async fn people<C: ConnectionTrait>(db: &C, sql: &str, id: Uuid) -> Result<Vec<Uuid>, AppError> {
    Ok(Person::find_by_statement(crate::domain::infra::sql::stmt(
        db.get_database_backend(),
        sql,
        vec![id.into()],
    ))
    .all(db)
    .await?
    .into_iter()
    .map(|p| p.user_id)
    .collect())
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

/// Everyone concerned by a job: its client, its employee, and the client's other employees (one query).
pub async fn people_of_job<C: ConnectionTrait>(
    db: &C,
    job_id: Uuid,
) -> Result<Vec<Uuid>, AppError> {
    let mut users = people(
        db,
        "SELECT c.user_id AS user_id FROM job_delegations j JOIN clients c ON c.id = j.client_id WHERE j.id = $1 \
         UNION SELECT e.user_id AS user_id FROM job_delegations j \
         JOIN employees e ON e.id = j.assigned_employee_id WHERE j.id = $1 \
         UNION SELECT e.user_id AS user_id FROM job_delegations j \
         JOIN client_employee_assignments a ON a.client_id = j.client_id AND a.is_active = TRUE \
         JOIN employees e ON e.id = a.employee_id WHERE j.id = $1",
        job_id,
    )
    .await?;
    users.sort();
    users.dedup();
    Ok(users)
}
