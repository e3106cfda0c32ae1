//! The activity log: who did what to which entity, from where.

use sea_orm::{ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

use super::{entities::activity_logs, integrations::outbox, now, RequestMeta};
use crate::api::AppError;

/// Record one action. Call it inside the transaction of the change it describes.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    actor: Option<Uuid>,
    action: &str,
    entity_type: &str,
    entity_id: Option<Uuid>,
    data: serde_json::Value,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    record_all(
        db,
        vec![Entry {
            actor,
            action,
            entity_type,
            entity_id,
            data,
        }],
        meta,
    )
    .await
}

/// One action for [`record_all`].
pub struct Entry<'a> {
    pub actor: Option<Uuid>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<Uuid>,
    pub data: serde_json::Value,
}

/// Record several actions of one change in one statement, in this order.
pub async fn record_all<C: ConnectionTrait>(
    db: &C,
    entries: Vec<Entry<'_>>,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    if entries.is_empty() {
        return Ok(());
    }
    // The ones other tools hear of through their webhooks, in the same transaction.
    let events: Vec<outbox::Event> = entries
        .iter()
        .filter_map(|e| {
            Some(outbox::Event {
                event_type: outbox::event_of(e.action, &e.data)?,
                entity_type: e.entity_type.to_string(),
                entity_id: e.entity_id,
                actor: e.actor,
                data: e.data.clone(),
            })
        })
        .collect();
    let t = now();
    let ip = meta.ip.as_ref().map(|s| truncate(s, 45));
    let agent = meta.user_agent.as_ref().map(|s| truncate(s, 512));
    activity_logs::Entity::insert_many(entries.into_iter().map(|e| activity_logs::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(e.actor),
        action_type: Set(e.action.to_string()),
        entity_type: Set(e.entity_type.to_string()),
        entity_id: Set(e.entity_id),
        action_data: Set(e.data),
        ip_address: Set(ip.clone()),
        user_agent: Set(agent.clone()),
        created_at: Set(t),
    }))
    .exec_without_returning(db)
    .await?;
    outbox::emit(db, events).await
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Record a refused attempt and return the refusal to send back. Commit it even when the caller's own change is
/// abandoned: pass the pool, not the caller's transaction.
pub async fn denied<C: ConnectionTrait>(
    db: &C,
    actor: &super::Actor,
    attempted: &str,
    entity_type: &str,
    entity_id: Option<Uuid>,
    meta: &RequestMeta,
    message: &str,
) -> AppError {
    let data = serde_json::json!({"attempted": attempted, "role": actor.role.as_str()});
    if let Err(e) = record(
        db,
        Some(actor.user_id),
        "authz.denied",
        entity_type,
        entity_id,
        data,
        meta,
    )
    .await
    {
        tracing::error!(error = %e, "could not record a refused attempt");
    }
    AppError::forbidden(message)
}

pub const NOT_PERMITTED: &str = "You do not have permission to do that.";
