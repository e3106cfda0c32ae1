//! Server functions: activity.

use leptos::prelude::*;

use crate::api::{activity::*, *};

/// The activity log, newest first (admins).
#[server(prefix = "/rpc", endpoint = "admin/activity", input = leptos::server_fn::codec::Json, output = crate::rpc::codec::JsonOut)]
pub async fn list_activity(query: ActivityQuery) -> Result<Page<ActivityEntry>, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        let (db, actor, query, meta) = (&state.db, &actor, &query, &meta);
        state
            .reads
            .run(|reads| async move {
                crate::domain::activity::list(db, &reads, actor, query, meta).await
            })
            .await
    })
    .await
}
