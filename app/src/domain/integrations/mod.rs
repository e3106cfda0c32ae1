//! Integrations, managed by admins: API keys that let other tools use the REST API ([`keys`]), and webhooks that tell
//! other tools what happened ([`webhooks`] registers endpoints, [`outbox`] turns audited actions into deliveries,
//! [`deliveries`] sends them through the durable queue and keeps every attempt).

pub mod deliveries;
pub mod keys;
pub mod outbox;
pub mod targets;
pub mod webhooks;

use uuid::Uuid;

use super::{
    audit,
    policy::{allows, Action, Resource},
    Actor, RequestMeta,
};
use crate::api::AppError;

/// Refuse (and record the attempt) unless the actor may manage integrations: admins and super admins.
async fn require_admin(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    attempted: &str,
    entity_type: &str,
    entity_id: Option<Uuid>,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    if allows(actor.role, Resource::Integrations, Action::Update) {
        return Ok(());
    }
    Err(audit::denied(
        db,
        actor,
        attempted,
        entity_type,
        entity_id,
        meta,
        audit::NOT_PERMITTED,
    )
    .await)
}

/// A time as the admin screens show it.
fn shown(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Random bytes for keys and secrets.
fn random_bytes<const N: usize>() -> [u8; N] {
    use rand::RngCore;
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}
