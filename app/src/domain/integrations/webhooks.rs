//! Webhook endpoints: registered by admins with the events they want and a signing secret (shown once, kept sealed),
//! enabled and disabled, deleted. Events become deliveries in [`super::outbox`].

use base64::Engine;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, QueryOrder, Set};
use serde_json::json;
use uuid::Uuid;

use super::{outbox::events_of, random_bytes, require_admin, shown, targets};
use crate::{
    api::{
        integrations::{NewWebhook, WebhookView, WEBHOOK_EVENTS},
        AppError, FieldError,
    },
    domain::{
        audit, commit, entities::webhook_endpoints, infra::tokens::TokenKeys, now, Actor,
        RequestMeta,
    },
};

/// What an admin registers.
#[derive(Debug, Clone, Default)]
pub struct EndpointInput {
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    /// May target loopback and private networks (an admin's explicit choice).
    pub allow_private: bool,
}

const DESCRIPTION_MAX: usize = 200;

pub(super) fn view(e: webhook_endpoints::Model) -> WebhookView {
    WebhookView {
        id: e.id,
        url: e.url,
        description: e.description,
        events: events_of(&e.events),
        enabled: e.enabled,
        allow_private: e.allow_private,
        consecutive_failures: e.consecutive_failures,
        disabled_reason: e.disabled_reason,
        created_at: shown(e.created_at),
    }
}

/// The context a secret is sealed for: its endpoint (a sealed secret copied to another row does not open).
pub(super) fn seal_context(endpoint_id: Uuid) -> Vec<u8> {
    format!("webhook:{endpoint_id}").into_bytes()
}

/// Register an endpoint. The answer is the only place its secret ever appears.
pub async fn create(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    actor: &Actor,
    input: EndpointInput,
    meta: &RequestMeta,
) -> Result<NewWebhook, AppError> {
    require_admin(db, actor, "webhook.create", "webhook", None, meta).await?;
    let mut fields = Vec::new();
    let url = match targets::check_url(&input.url, input.allow_private) {
        Ok(u) => u.to_string(),
        Err(message) => {
            fields.push(FieldError {
                field: "url".into(),
                message,
            });
            String::new()
        }
    };
    let description = input.description.trim().to_string();
    if description.chars().count() > DESCRIPTION_MAX {
        fields.push(FieldError {
            field: "description".into(),
            message: format!("Use at most {DESCRIPTION_MAX} characters."),
        });
    }
    let mut events: Vec<String> = Vec::new();
    for e in &input.events {
        let e = e.trim();
        if !WEBHOOK_EVENTS.iter().any(|(name, _)| *name == e) {
            fields.push(FieldError {
                field: "events".into(),
                message: format!("“{e}” is not an event this product sends."),
            });
        } else if !events.iter().any(|x| x == e) {
            events.push(e.to_string());
        }
    }
    if input.events.is_empty() {
        fields.push(FieldError {
            field: "events".into(),
            message: "Choose at least one event.".into(),
        });
    }
    if !fields.is_empty() {
        return Err(AppError::fields(fields));
    }
    let id = Uuid::now_v7();
    let secret = format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(random_bytes::<24>())
    );
    let sealed = keys.seal(secret.as_bytes(), &seal_context(id))?;
    let txn = crate::domain::begin_write(db).await?;
    let row = webhook_endpoints::ActiveModel {
        id: Set(id),
        url: Set(url.clone()),
        description: Set(description),
        events: Set(json!(events)),
        secret_sealed: Set(sealed),
        enabled: Set(true),
        allow_private: Set(input.allow_private),
        consecutive_failures: Set(0),
        disabled_reason: Set(None),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor.user_id),
        "webhook.create",
        "webhook",
        Some(id),
        json!({ "url": url, "events": events, "allow_private": input.allow_private }),
        meta,
    )
    .await?;
    commit(txn).await?;
    Ok(NewWebhook {
        secret,
        view: view(row),
    })
}

/// Every endpoint, newest first.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    meta: &RequestMeta,
) -> Result<Vec<WebhookView>, AppError> {
    require_admin(db, actor, "webhook.list", "webhook", None, meta).await?;
    Ok(webhook_endpoints::Entity::find()
        .order_by_desc(webhook_endpoints::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// Turn an endpoint on (its failure count starts again) or off.
pub async fn set_enabled(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    enabled: bool,
    meta: &RequestMeta,
) -> Result<WebhookView, AppError> {
    let action = if enabled {
        "webhook.enable"
    } else {
        "webhook.disable"
    };
    require_admin(db, actor, action, "webhook", Some(id), meta).await?;
    let txn = crate::domain::begin_write(db).await?;
    let found = webhook_endpoints::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("No such webhook."))?;
    let mut am: webhook_endpoints::ActiveModel = found.into();
    am.enabled = Set(enabled);
    if enabled {
        am.consecutive_failures = Set(0);
        am.disabled_reason = Set(None);
    } else {
        am.disabled_reason = Set(Some("Turned off by an admin.".into()));
    }
    let row = am.update(&txn).await?;
    audit::record(
        &txn,
        Some(actor.user_id),
        action,
        "webhook",
        Some(id),
        json!({}),
        meta,
    )
    .await?;
    commit(txn).await?;
    Ok(view(row))
}

/// Delete an endpoint with its deliveries.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    require_admin(db, actor, "webhook.delete", "webhook", Some(id), meta).await?;
    let txn = crate::domain::begin_write(db).await?;
    let gone = webhook_endpoints::Entity::delete_by_id(id)
        .exec(&txn)
        .await?
        .rows_affected;
    if gone == 0 {
        return Err(AppError::not_found("No such webhook."));
    }
    audit::record(
        &txn,
        Some(actor.user_id),
        "webhook.delete",
        "webhook",
        Some(id),
        json!({}),
        meta,
    )
    .await?;
    commit(txn).await?;
    Ok(())
}
