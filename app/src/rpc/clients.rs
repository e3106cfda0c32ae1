//! Server functions: clients.

use leptos::prelude::*;

use uuid::Uuid;

use crate::api::*;

/// Every client with activation and payment state (admins).
#[server(prefix = "/rpc", endpoint = "admin/clients", output = crate::rpc::codec::JsonOut)]
pub async fn list_clients() -> Result<Vec<ClientSummary>, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::clients::list(&state.db, &actor, &meta).await
    })
    .await
}

/// Activate or deactivate a client with payment status and subscription notes (admins).
#[server(prefix = "/rpc", endpoint = "admin/client_activation", output = crate::rpc::codec::JsonOut)]
pub async fn set_client_activation(
    client_id: Uuid,
    activate: bool,
    payment_status: PaymentStatus,
    subscription_notes: String,
) -> Result<ClientSummary, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::clients::set_activation(
            &state.db,
            &state.events,
            &actor,
            client_id,
            crate::domain::clients::Activation {
                activate,
                payment_status,
                notes: &subscription_notes,
            },
            &meta,
        )
        .await
    })
    .await
}
