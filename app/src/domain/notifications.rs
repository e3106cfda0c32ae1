//! Notifications: written in the same transaction as the change they tell about; read and marked by their owner.

use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::{audit, entities::notifications as n, now, Actor, RequestMeta};
use crate::api::{
    notifications::{NotificationView, Notifications},
    AppError,
};
use crate::domain::infra::events::EventBus;

/// Whom a notification goes to: their user id, and the address and name its email is sent to.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
}

/// Tell `user_id` something. Call it inside the transaction of the change.
pub async fn notify<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    kind: &str,
    title: &str,
    message: &str,
    link: Option<String>,
) -> Result<(), AppError> {
    // The write first: on SQLite a transaction that reads first has to upgrade its lock to write, which another
    // writer can refuse at once.
    insert(db, user_id, kind, title, message, &link).await?;
    if let Some(u) = super::entities::users::Entity::find_by_id(user_id)
        .one(db)
        .await?
    {
        let to = Recipient {
            user_id,
            name: super::users::full_name(&u),
            email: u.email,
        };
        queue_email(db, &to, title, message, link).await?;
    }
    Ok(())
}

/// As [`notify`], for a recipient already loaded (no lookup).
pub async fn notify_recipient<C: ConnectionTrait>(
    db: &C,
    to: &Recipient,
    kind: &str,
    title: &str,
    message: &str,
    link: Option<String>,
) -> Result<(), AppError> {
    insert(db, to.user_id, kind, title, message, &link).await?;
    queue_email(db, to, title, message, link).await
}

async fn insert<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    kind: &str,
    title: &str,
    message: &str,
    link: &Option<String>,
) -> Result<(), AppError> {
    n::Entity::insert(n::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        notification_type: Set(kind.into()),
        title: Set(title.chars().take(200).collect()),
        message: Set(message.into()),
        is_read: Set(false),
        metadata: Set(json!({ "link": link })),
        created_at: Set(now()),
        read_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The same news by email, queued in the same transaction.
async fn queue_email<C: ConnectionTrait>(
    db: &C,
    to: &Recipient,
    title: &str,
    message: &str,
    link: Option<String>,
) -> Result<(), AppError> {
    super::infra::queue::enqueue(
        db,
        super::infra::queue::HIGH,
        &super::infra::queue::HighJob::Email(super::infra::queue::Email {
            to: to.email.clone(),
            name: to.name.clone(),
            subject: title.chars().take(200).collect(),
            body: message.into(),
            link,
        }),
    )
    .await?;
    Ok(())
}

pub async fn list(db: &DatabaseConnection, actor: &Actor) -> Result<Notifications, AppError> {
    let mine = || n::Entity::find().filter(n::Column::UserId.eq(actor.user_id));
    let unread = mine().filter(n::Column::IsRead.eq(false)).count(db).await?;
    let items = mine()
        .order_by_desc(n::Column::CreatedAt)
        .order_by_desc(n::Column::Id)
        .limit(20)
        .all(db)
        .await?
        .into_iter()
        .map(|r| NotificationView {
            link: r
                .metadata
                .get("link")
                .and_then(|l| l.as_str())
                .map(str::to_string),
            id: r.id,
            kind: r.notification_type,
            title: r.title,
            message: r.message,
            is_read: r.is_read,
            created_at: r.created_at,
        })
        .collect();
    Ok(Notifications { unread, items })
}

pub async fn mark_read(
    db: &DatabaseConnection,
    events: &EventBus,
    actor: &Actor,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let row = n::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("No such notification."))?;
    if row.user_id != actor.user_id {
        return Err(audit::denied(
            db,
            actor,
            "notification.read",
            "notification",
            Some(id),
            meta,
            audit::NOT_PERMITTED,
        )
        .await);
    }
    if !row.is_read {
        let mut am: n::ActiveModel = row.into();
        am.is_read = Set(true);
        am.read_at = Set(Some(now()));
        am.update(db).await?;
    }
    // The bell of every open page of this user.
    events.publish(vec![actor.user_id]);
    Ok(())
}

pub async fn mark_all_read(
    db: &DatabaseConnection,
    events: &EventBus,
    actor: &Actor,
) -> Result<(), AppError> {
    n::Entity::update_many()
        .col_expr(n::Column::IsRead, Expr::value(true))
        .col_expr(n::Column::ReadAt, Expr::value(now()))
        .filter(n::Column::UserId.eq(actor.user_id))
        .filter(n::Column::IsRead.eq(false))
        .exec(db)
        .await?;
    // The bell of every open page of this user.
    events.publish(vec![actor.user_id]);
    Ok(())
}
