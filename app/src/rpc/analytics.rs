//! Server functions: analytics.

use leptos::prelude::*;

use crate::api::{analytics::*, *};

/// The caller's own figures (clients). `from`/`to`: `YYYY-MM-DD`, empty for the last 30 days.
#[server(prefix = "/rpc", endpoint = "analytics/client", output = crate::rpc::codec::JsonOut)]
pub async fn get_client_analytics(from: String, to: String) -> Result<ClientAnalytics, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        let period = Period::parse(&from, &to, chrono::Utc::now().date_naive())?;
        let (db, actor, period, meta) = (&state.db, &actor, &period, &meta);
        state
            .reads
            .run(|reads| async move {
                crate::domain::analytics::for_client(db, &reads, actor, period, meta).await
            })
            .await
    })
    .await
}

/// The caller's own figures (employees).
#[server(prefix = "/rpc", endpoint = "analytics/employee", output = crate::rpc::codec::JsonOut)]
pub async fn get_employee_analytics(
    from: String,
    to: String,
) -> Result<EmployeeAnalytics, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        let period = Period::parse(&from, &to, chrono::Utc::now().date_naive())?;
        let (db, actor, period, meta) = (&state.db, &actor, &period, &meta);
        state
            .reads
            .run(|reads| async move {
                crate::domain::analytics::for_employee(db, &reads, actor, period, meta).await
            })
            .await
    })
    .await
}

/// Everything (admins).
#[server(prefix = "/rpc", endpoint = "analytics/admin", output = crate::rpc::codec::JsonOut)]
pub async fn get_admin_analytics(from: String, to: String) -> Result<AdminAnalytics, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        let period = Period::parse(&from, &to, chrono::Utc::now().date_naive())?;
        let (db, actor, period, meta) = (&state.db, &actor, &period, &meta);
        state
            .reads
            .run(|reads| async move {
                crate::domain::analytics::for_admin(db, &reads, actor, period, meta).await
            })
            .await
    })
    .await
}
