//! The activity log: who did what to which entity, from where.

use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use uuid::Uuid;

use super::{entities::activity_logs, now, RequestMeta};
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
    activity_logs::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(actor),
        action_type: Set(action.to_string()),
        entity_type: Set(entity_type.to_string()),
        entity_id: Set(entity_id),
        action_data: Set(data),
        ip_address: Set(meta.ip.as_ref().map(|s| truncate(s, 45))),
        user_agent: Set(meta.user_agent.as_ref().map(|s| truncate(s, 512))),
        created_at: Set(now()),
    }
    .insert(db)
    .await?;
    Ok(())
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
