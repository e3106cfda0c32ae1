//! Where webhook events come from: every audited action that is one of
//! [`WEBHOOK_EVENTS`](crate::api::integrations::WEBHOOK_EVENTS) becomes a delivery to
//! each enabled endpoint that wants it, written (and put on the durable queue) in the transaction of the change
//! itself ([`emit`], called by the activity log), so a change that rolls back tells nobody and one that commits is
//! always told.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{
    api::AppError,
    domain::{
        entities::{webhook_deliveries, webhook_endpoints},
        infra::queue::{self, NormalJob, NORMAL},
        now,
    },
};

/// The event types an endpoint wants (its `events` column).
pub(super) fn events_of(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// An audited action that is worth telling other tools about.
#[derive(Debug, Clone)]
pub struct Event {
    pub event_type: &'static str,
    pub entity_type: String,
    pub entity_id: Option<Uuid>,
    pub actor: Option<Uuid>,
    pub data: Value,
}

/// The webhook event an audited action is, if any.
pub fn event_of(action: &str, data: &Value) -> Option<&'static str> {
    Some(match action {
        "job.delegate" => "job.delegated",
        "job.assign" | "job.reassign" => "job.assigned",
        "job.start" => "job.started",
        "job.complete" => match data.get("outcome").and_then(Value::as_str) {
            Some("failed") => "job.failed",
            _ => "job.completed",
        },
        "job.cancel" => "job.cancelled",
        "job.expire" => "job.expired",
        "client.activate" => "client.activated",
        "job.ask" => "question.asked",
        "job.answer" => "question.answered",
        _ => return None,
    })
}

/// The body every endpoint gets for an event (the Standard Webhooks shape: `type`, `timestamp`, `data`). `data` holds
/// the entity's id (`job_id`, `client_id`), who acted (`actor_id`, none for scheduled work) and what the activity log
/// holds about the action; fetch the whole resource from the REST API with an API key.
fn body_of(event: &Event, at: chrono::DateTime<chrono::Utc>) -> String {
    let mut data = match &event.data {
        Value::Object(m) => m.clone(),
        _ => serde_json::Map::new(),
    };
    if let Some(id) = event.entity_id {
        data.insert(format!("{}_id", event.entity_type), json!(id));
    }
    data.insert("actor_id".into(), json!(event.actor));
    json!({
        "type": event.event_type,
        "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string()
}

/// Turn these events into deliveries for every enabled endpoint that wants them, each put on the durable queue. Call
/// it inside the transaction of the change (the activity log does).
pub async fn emit<C: ConnectionTrait>(db: &C, events: Vec<Event>) -> Result<(), AppError> {
    if events.is_empty() {
        return Ok(());
    }
    let endpoints = webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::Enabled.eq(true))
        .all(db)
        .await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let at = now();
    let mut rows = Vec::new();
    let mut ids = Vec::new();
    for event in &events {
        let event_id = Uuid::now_v7();
        let body = body_of(event, at);
        for e in endpoints
            .iter()
            .filter(|e| events_of(&e.events).iter().any(|t| t == event.event_type))
        {
            let id = Uuid::now_v7();
            ids.push(id);
            rows.push(webhook_deliveries::ActiveModel {
                id: Set(id),
                endpoint_id: Set(e.id),
                event_id: Set(event_id),
                event_type: Set(event.event_type.to_string()),
                payload: Set(body.clone()),
                status: Set("pending".into()),
                attempts: Set(0),
                last_status: Set(None),
                last_error: Set(None),
                created_at: Set(at),
                next_attempt_at: Set(Some(at)),
                delivered_at: Set(None),
            });
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    webhook_deliveries::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    for delivery_id in ids {
        queue::enqueue(db, NORMAL, &NormalJob::Webhook { delivery_id }).await?;
    }
    Ok(())
}
