//! Browser push: each browser that turns it on keeps a subscription (its push service's address and the keys its
//! messages are encrypted for). A notification of a kind the person wants by push, written while they have a
//! subscription, is marked `push_pending` in the statement that writes it, and queued
//! ([`HighJob::Push`](super::infra::queue::HighJob::Push)); the worker sends it to every subscription (encrypted and
//! signed by the server, see `server::push`), forgets a subscription its push service says is gone (404 or 410),
//! and clears the mark.

use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::{
    audit,
    entities::{notifications as n, push_subscriptions as subs},
    now, Actor, RequestMeta,
};
use crate::api::{push::PushSubscriptionInput, AppError};

/// How many of `actor`'s browsers receive pushes.
pub async fn devices(db: &DatabaseConnection, actor: &Actor) -> Result<u64, AppError> {
    Ok(subs::Entity::find()
        .filter(subs::Column::UserId.eq(actor.user_id))
        .count(db)
        .await?)
}

/// Keep this browser's subscription for `actor` (a browser that subscribes again replaces its keys; one that
/// changed hands moves to its new user). Answers how many browsers now receive pushes.
pub async fn subscribe(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &PushSubscriptionInput,
    meta: &RequestMeta,
) -> Result<u64, AppError> {
    super::retrying(|| async {
        let txn = super::begin_write(db).await?;
        subs::Entity::delete_many()
            .filter(subs::Column::Endpoint.eq(input.endpoint.as_str()))
            .exec(&txn)
            .await?;
        subs::Entity::insert(subs::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(actor.user_id),
            endpoint: Set(input.endpoint.clone()),
            p256dh: Set(input.p256dh.clone()),
            auth: Set(input.auth.clone()),
            user_agent: Set(meta
                .user_agent
                .as_ref()
                .map(|ua| ua.chars().take(500).collect())),
            created_at: Set(now()),
            last_used_at: Set(None),
        })
        .exec_without_returning(&txn)
        .await?;
        audit::record(
            &txn,
            Some(actor.user_id),
            "account.push_subscribe",
            "user",
            Some(actor.user_id),
            json!({}),
            meta,
        )
        .await?;
        super::commit(txn).await?;
        Ok(())
    })
    .await?;
    devices(db, actor).await
}

/// Stop pushing to this browser (only `actor`'s own subscription: another person's address is simply not found).
pub async fn unsubscribe(
    db: &DatabaseConnection,
    actor: &Actor,
    endpoint: &str,
    meta: &RequestMeta,
) -> Result<u64, AppError> {
    let gone = subs::Entity::delete_many()
        .filter(subs::Column::UserId.eq(actor.user_id))
        .filter(subs::Column::Endpoint.eq(endpoint.trim()))
        .exec(db)
        .await?
        .rows_affected;
    if gone == 0 {
        return Err(AppError::not_found("This browser does not receive pushes."));
    }
    audit::record(
        db,
        Some(actor.user_id),
        "account.push_unsubscribe",
        "user",
        Some(actor.user_id),
        json!({}),
        meta,
    )
    .await?;
    devices(db, actor).await
}

/// What a push shows: the notification's title and text, and the page it opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushMessage {
    pub title: String,
    pub body: String,
    /// A path on the site.
    pub url: String,
    /// Pushes of the same notification replace each other on the device.
    pub tag: String,
}

/// Where a push goes: one subscription.
#[derive(Debug, Clone)]
pub struct PushTarget {
    pub id: Uuid,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

/// A notification waiting to be pushed, and where.
#[derive(Debug)]
pub struct PendingPush {
    pub message: PushMessage,
    pub targets: Vec<PushTarget>,
}

/// The push of notification `id`, if it still waits for one.
pub async fn pending(db: &DatabaseConnection, id: Uuid) -> Result<Option<PendingPush>, AppError> {
    let Some(note) = n::Entity::find_by_id(id)
        .filter(n::Column::PushPending.eq(true))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let targets = subs::Entity::find()
        .filter(subs::Column::UserId.eq(note.user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| PushTarget {
            id: s.id,
            endpoint: s.endpoint,
            p256dh: s.p256dh,
            auth: s.auth,
        })
        .collect();
    // A push message carries at most about 4 KB: the text is cut well before.
    let body: String = note.message.chars().take(600).collect();
    let url = note.metadata["link"]
        .as_str()
        .filter(|l| l.starts_with('/'))
        .unwrap_or("/")
        .to_string();
    Ok(Some(PendingPush {
        message: PushMessage {
            title: note.title,
            body,
            url,
            tag: id.to_string(),
        },
        targets,
    }))
}

/// Notification `id` was pushed (or has nowhere left to go).
pub async fn pushed(db: &DatabaseConnection, id: Uuid) -> Result<(), AppError> {
    n::Entity::update_many()
        .col_expr(n::Column::PushPending, Expr::value(false))
        .filter(n::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Subscription `id` took a push.
pub async fn delivered<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<(), AppError> {
    subs::Entity::update_many()
        .col_expr(subs::Column::LastUsedAt, Expr::value(now()))
        .filter(subs::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The push service says subscription `id` is gone (the browser unsubscribed, or its subscription expired).
pub async fn gone<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<(), AppError> {
    subs::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}
