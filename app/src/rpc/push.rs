//! Server functions of browser push: the key to subscribe with and how many browsers receive pushes, keeping a
//! browser's subscription, and dropping it. The rules live in `domain::push`.

use leptos::prelude::*;

use crate::api::{push::PushStatus, AppError};

/// The server's VAPID public key and how many of the signed-in user's browsers receive pushes.
#[server(prefix = "/rpc", endpoint = "push/status", output = crate::rpc::codec::JsonOut)]
pub async fn get_push_status() -> Result<PushStatus, AppError> {
    super::run(async {
        let (state, actor, _) = super::actor().await?;
        Ok(PushStatus {
            public_key: state.push_key.to_string(),
            devices: crate::domain::push::devices(&state.db, &actor).await?,
        })
    })
    .await
}

/// Keep this browser's push subscription (`PushSubscription.toJSON()`: its endpoint and keys). Answers how many
/// browsers now receive pushes.
#[server(prefix = "/rpc", endpoint = "push/subscribe", output = crate::rpc::codec::JsonOut)]
pub async fn push_subscribe(
    endpoint: String,
    p256dh: String,
    auth: String,
) -> Result<u64, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        let input = crate::api::push::PushSubscriptionInput::parse(
            &endpoint,
            &p256dh,
            &auth,
            state.auth.push_loopback,
        )?;
        crate::domain::push::subscribe(&state.db, &actor, &input, &meta).await
    })
    .await
}

/// Stop pushing to this browser.
#[server(prefix = "/rpc", endpoint = "push/unsubscribe", output = crate::rpc::codec::JsonOut)]
pub async fn push_unsubscribe(endpoint: String) -> Result<u64, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::push::unsubscribe(&state.db, &actor, &endpoint, &meta).await
    })
    .await
}
