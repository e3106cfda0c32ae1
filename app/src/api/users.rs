//! Server functions of the admin's user management.

use leptos::prelude::*;
use uuid::Uuid;

use super::{AppError, Page, Role, UserQuery, UserSummary};

/// Users matching the filters, newest first (admins).
#[server(prefix = "/rpc", endpoint = "admin/users", input = leptos::server_fn::codec::Json)]
pub async fn list_users(query: UserQuery) -> Result<Page<UserSummary>, AppError> {
    super::auth::ssr::run(async {
        let (state, actor, meta) = super::auth::ssr_actor().await?;
        crate::domain::users::list(&state.db, &actor, &query, &meta).await
    })
    .await
}

/// Create an employee (admins) or admin (super admins) account.
#[server(prefix = "/rpc", endpoint = "admin/create_user")]
pub async fn create_user(
    role: Role,
    email: String,
    password: String,
    first_name: String,
    last_name: String,
) -> Result<UserSummary, AppError> {
    super::auth::ssr::run(async {
        let account =
            super::validate::NewAccount::parse(&email, &password, &first_name, &last_name)?;
        let (state, actor, meta) = super::auth::ssr_actor().await?;
        if role == Role::Client {
            return Err(AppError::field("role", "Clients sign up themselves."));
        }
        let u = crate::domain::accounts::create_user(&state.db, Some(&actor), role, account, &meta)
            .await?;
        Ok(UserSummary {
            id: u.id,
            email: u.email,
            first_name: u.first_name,
            last_name: u.last_name,
            role,
            is_active: u.is_active,
            created_at: u.created_at,
        })
    })
    .await
}

/// Deactivate (ending every session) or reactivate a user.
#[server(prefix = "/rpc", endpoint = "admin/user_active")]
pub async fn set_user_active(user_id: Uuid, active: bool) -> Result<(), AppError> {
    super::auth::ssr::run(async {
        let (state, actor, meta) = super::auth::ssr_actor().await?;
        let user =
            crate::domain::accounts::set_active(&state.db, &actor, user_id, active, &meta).await?;
        // An employee's jobs may have moved: refresh the pages of everyone serving their clients.
        if let Ok(Some(e)) = crate::domain::access::employee_of(&state.db, user.id).await {
            for c in crate::domain::access::clients_served(&state.db, e.id)
                .await
                .unwrap_or_default()
            {
                super::auth::ssr::touch_client(&state, c, vec![user.id]).await;
            }
        }
        Ok(())
    })
    .await
}
