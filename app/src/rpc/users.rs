//! Server functions: users.

use leptos::prelude::*;

use uuid::Uuid;

use crate::api::*;

/// Users matching the filters, newest first (admins).
#[server(prefix = "/rpc", endpoint = "admin/users", input = leptos::server_fn::codec::Json, output = crate::rpc::codec::JsonOut)]
pub async fn list_users(query: UserQuery) -> Result<Page<UserSummary>, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::users::list(&state.db, &actor, &query, &meta).await
    })
    .await
}

/// Create an employee (admins) or admin (super admins) account.
#[server(prefix = "/rpc", endpoint = "admin/create_user", output = crate::rpc::codec::JsonOut)]
pub async fn create_user(
    role: Role,
    email: String,
    password: String,
    first_name: String,
    last_name: String,
) -> Result<UserSummary, AppError> {
    super::run(async {
        let account =
            crate::api::validate::NewAccount::parse(&email, &password, &first_name, &last_name)?;
        let (state, actor, meta) = super::actor().await?;
        crate::domain::accounts::create_staff(&state.db, &actor, role, account, &meta).await
    })
    .await
}

/// Deactivate (ending every session) or reactivate a user.
#[server(prefix = "/rpc", endpoint = "admin/user_active", output = crate::rpc::codec::JsonOut)]
pub async fn set_user_active(user_id: Uuid, active: bool) -> Result<(), AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::accounts::set_active(
            &state.db,
            &state.events,
            &actor,
            user_id,
            active,
            &meta,
        )
        .await?;
        Ok(())
    })
    .await
}
