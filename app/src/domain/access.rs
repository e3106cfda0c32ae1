//! Who the actor is to the data: their client or employee row, and whether an employee serves a client. The role
//! checks are in `policy`; these are the ownership checks the services make against loaded rows.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use super::{
    audit,
    entities::{client_employee_assignments as assignments, clients, employees, users},
    Actor, RequestMeta,
};
use crate::api::{AppError, Role};

pub async fn client_of<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> Result<Option<clients::Model>, AppError> {
    Ok(clients::Entity::find()
        .filter(clients::Column::UserId.eq(user_id))
        .one(db)
        .await?)
}

pub async fn employee_of<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> Result<Option<employees::Model>, AppError> {
    Ok(employees::Entity::find()
        .filter(employees::Column::UserId.eq(user_id))
        .one(db)
        .await?)
}

/// Whether the employee is (actively) assigned to the client.
pub async fn serves<C: ConnectionTrait>(
    db: &C,
    employee_id: Uuid,
    client_id: Uuid,
) -> Result<bool, AppError> {
    Ok(assignments::Entity::find()
        .filter(assignments::Column::EmployeeId.eq(employee_id))
        .filter(assignments::Column::ClientId.eq(client_id))
        .filter(assignments::Column::IsActive.eq(true))
        .count(db)
        .await?
        > 0)
}

/// May the actor read this client's data? The client themself, admins, and employees assigned to the client.
pub async fn may_read_client<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    client_id: Uuid,
) -> Result<bool, AppError> {
    Ok(match actor.role {
        Role::SuperAdmin | Role::Admin => true,
        Role::Client => client_of(db, actor.user_id)
            .await?
            .is_some_and(|c| c.id == client_id),
        Role::Employee => match employee_of(db, actor.user_id).await? {
            Some(e) => serves(db, e.id, client_id).await?,
            None => false,
        },
    })
}

/// The actor's own client row, or a logged refusal for anyone who is not a client.
pub async fn require_client<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    attempted: &str,
    entity_type: &str,
    meta: &RequestMeta,
) -> Result<clients::Model, AppError> {
    let found = match actor.role {
        Role::Client => client_of(db, actor.user_id).await?,
        _ => None,
    };
    match found {
        Some(c) => Ok(c),
        None => Err(not_a_client(db, actor, attempted, entity_type, meta).await),
    }
}

/// As [`require_client`], with the client's account (for their name) read in the same query.
pub async fn require_client_and_user<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    attempted: &str,
    entity_type: &str,
    meta: &RequestMeta,
) -> Result<(clients::Model, Option<users::Model>), AppError> {
    let found = match actor.role {
        Role::Client => {
            clients::Entity::find()
                .filter(clients::Column::UserId.eq(actor.user_id))
                .find_also_related(users::Entity)
                .one(db)
                .await?
        }
        _ => None,
    };
    match found {
        Some(found) => Ok(found),
        None => Err(not_a_client(db, actor, attempted, entity_type, meta).await),
    }
}

async fn not_a_client<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    attempted: &str,
    entity_type: &str,
    meta: &RequestMeta,
) -> AppError {
    audit::denied(
        db,
        actor,
        attempted,
        entity_type,
        None,
        meta,
        audit::NOT_PERMITTED,
    )
    .await
}

/// Take the client's row lock for the rest of the transaction: concurrent delegations and distributions for one
/// client run one after another. On PostgreSQL a row lock; on SQLite the write lock, taken before any read so the
/// transaction never has to upgrade (which SQLite would refuse under contention).
pub async fn lock_client<C: ConnectionTrait>(db: &C, client_id: Uuid) -> Result<(), AppError> {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "SELECT id FROM clients WHERE id = $1 FOR UPDATE",
        _ => "UPDATE clients SET payment_status = payment_status WHERE id = ?",
    };
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        sql,
        [client_id.into()],
    ))
    .await?;
    Ok(())
}

/// The clients an employee is (actively) assigned to.
pub async fn clients_served<C: ConnectionTrait>(
    db: &C,
    employee_id: Uuid,
) -> Result<Vec<Uuid>, AppError> {
    Ok(assignments::Entity::find()
        .filter(assignments::Column::EmployeeId.eq(employee_id))
        .filter(assignments::Column::IsActive.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.client_id)
        .collect())
}
