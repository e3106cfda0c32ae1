//! Server functions of the admin's client screen.

use leptos::prelude::*;
use uuid::Uuid;

use super::{AppError, ClientSummary, PaymentStatus};

/// Every client with activation and payment state (admins).
#[server(prefix = "/rpc", endpoint = "admin/clients")]
pub async fn list_clients() -> Result<Vec<ClientSummary>, AppError> {
    super::auth::ssr::run(async {
        let (state, actor, meta) = super::auth::ssr_actor().await?;
        crate::domain::clients::list(&state.db, &actor, &meta).await
    })
    .await
}

/// Activate or deactivate a client with payment status and subscription notes (admins).
#[server(prefix = "/rpc", endpoint = "admin/client_activation")]
pub async fn set_client_activation(
    client_id: Uuid,
    activate: bool,
    payment_status: PaymentStatus,
    subscription_notes: String,
) -> Result<ClientSummary, AppError> {
    super::auth::ssr::run(async {
        let (state, actor, meta) = super::auth::ssr_actor().await?;
        let summary = crate::domain::clients::set_activation(
            &state.db,
            &actor,
            client_id,
            activate,
            payment_status,
            &subscription_notes,
            &meta,
        )
        .await?;
        state.events.publish(vec![summary.user_id]);
        Ok(summary)
    })
    .await
}
