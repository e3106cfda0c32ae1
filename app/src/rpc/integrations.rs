//! Server functions: integrations (API keys and webhooks), for admins.

use std::collections::BTreeMap;

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{integrations::*, *};

/// Every API key, live ones first (admins).
#[server(prefix = "/rpc", endpoint = "admin/api_keys", output = crate::rpc::codec::JsonOut)]
pub async fn list_api_keys() -> Result<Vec<ApiKeyView>, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::integrations::keys::list(&state.db, &actor, &meta).await
    })
    .await
}

/// Make an API key; the answer holds the key, shown this once (admins).
#[server(prefix = "/rpc", endpoint = "admin/api_keys/create", output = crate::rpc::codec::JsonOut)]
pub async fn create_api_key(name: String, scope: String) -> Result<NewApiKey, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        let scope = KeyScope::parse(&scope)
            .ok_or_else(|| AppError::field("scope", "Choose read only, or read and write."))?;
        crate::domain::integrations::keys::create(&state.db, &actor, &name, scope, &meta).await
    })
    .await
}

/// Revoke an API key (admins).
#[server(prefix = "/rpc", endpoint = "admin/api_keys/revoke", output = crate::rpc::codec::JsonOut)]
pub async fn revoke_api_key(id: Uuid) -> Result<(), AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::integrations::keys::revoke(&state.db, &actor, id, &meta).await
    })
    .await
}

/// Every webhook endpoint (admins).
#[server(prefix = "/rpc", endpoint = "admin/webhooks", output = crate::rpc::codec::JsonOut)]
pub async fn list_webhooks() -> Result<Vec<WebhookView>, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::integrations::webhooks::list(&state.db, &actor, &meta).await
    })
    .await
}

/// Register an endpoint; the answer holds its signing secret, shown this once (admins). The form posts a checkbox
/// per event, named after it with `_` for `.` (`events[job_completed]=on`).
#[server(prefix = "/rpc", endpoint = "admin/webhooks/create", output = crate::rpc::codec::JsonOut)]
pub async fn create_webhook(
    url: String,
    #[server(default)] description: String,
    #[server(default)] events: BTreeMap<String, String>,
    #[server(default)] allow_private: Option<String>,
) -> Result<NewWebhook, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        let events = events
            .keys()
            .map(|k| {
                WEBHOOK_EVENTS
                    .iter()
                    .find(|(name, _)| name.replace('.', "_") == *k || name == k)
                    .map_or_else(|| k.clone(), |(name, _)| name.to_string())
            })
            .collect();
        crate::domain::integrations::webhooks::create(
            &state.db,
            &state.tokens,
            &actor,
            crate::domain::integrations::webhooks::EndpointInput {
                url,
                description,
                events,
                allow_private: allow_private.is_some(),
            },
            &meta,
        )
        .await
    })
    .await
}

/// Turn an endpoint on or off (admins).
#[server(prefix = "/rpc", endpoint = "admin/webhooks/enabled", output = crate::rpc::codec::JsonOut)]
pub async fn set_webhook_enabled(id: Uuid, enabled: bool) -> Result<WebhookView, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::integrations::webhooks::set_enabled(&state.db, &actor, id, enabled, &meta)
            .await
    })
    .await
}

/// Delete an endpoint and its deliveries (admins).
#[server(prefix = "/rpc", endpoint = "admin/webhooks/delete", output = crate::rpc::codec::JsonOut)]
pub async fn delete_webhook(id: Uuid) -> Result<(), AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::integrations::webhooks::delete(&state.db, &actor, id, &meta).await
    })
    .await
}

/// The latest 20 deliveries of an endpoint, with their tries (admins).
#[server(prefix = "/rpc", endpoint = "admin/webhooks/deliveries", output = crate::rpc::codec::JsonOut)]
pub async fn webhook_deliveries(id: Uuid) -> Result<Vec<DeliveryView>, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::integrations::deliveries::list(&state.db, &actor, id, 20, &meta).await
    })
    .await
}

/// Send a delivery again now (admins).
#[server(prefix = "/rpc", endpoint = "admin/webhooks/redeliver", output = crate::rpc::codec::JsonOut)]
pub async fn redeliver_webhook(id: Uuid) -> Result<(), AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::integrations::deliveries::redeliver(&state.db, &actor, id, &meta).await
    })
    .await
}
