//! Server functions of sign-up, setup, login and logout. Each reads the session, calls one domain service and
//! maps its error; the rules live in `domain::accounts`.

use leptos::prelude::*;

use crate::api::{AppError, CurrentUser};

/// The signed-in user, or `None`.
#[server(prefix = "/rpc", endpoint = "me", output = crate::rpc::codec::JsonOut)]
pub async fn me() -> Result<Option<CurrentUser>, AppError> {
    super::run(async {
        let (state, session) = super::context().await?;
        match super::context::signed_in_any(&state, &session).await? {
            Some(user) => {
                let mut view = crate::domain::accounts::current_user_view(&state.db, &user).await?;
                view.mfa_setup_required = state.auth.needs_mfa_setup(&user);
                Ok(Some(view))
            }
            None => Ok(None),
        }
    })
    .await
}

/// Whether the one-time setup page is open (no super admin exists yet).
#[server(prefix = "/rpc", endpoint = "needs_setup", output = crate::rpc::codec::JsonOut)]
pub async fn needs_setup() -> Result<bool, AppError> {
    super::run(async {
        let state = super::state()?;
        crate::domain::accounts::needs_setup(&state.db).await
    })
    .await
}

/// First run: create the super admin and sign them in.
#[server(prefix = "/rpc", endpoint = "setup", output = crate::rpc::codec::JsonOut)]
pub async fn setup(
    setup_token: String,
    email: String,
    password: String,
    first_name: String,
    last_name: String,
) -> Result<(), AppError> {
    super::run(async {
        let account =
            crate::api::validate::NewAccount::parse(&email, &password, &first_name, &last_name)?;
        let (state, session) = super::context().await?;
        let meta = super::request_meta(&state);
        let user = crate::domain::setup::setup_super_admin(
            &state.db,
            &state.auth.rates,
            &setup_token,
            account,
            &meta,
        )
        .await?;
        crate::domain::infra::session::sign_in(&session, &user, &meta).await?;
        leptos_axum::redirect(landing(&state, &user));
        Ok(())
    })
    .await
}

/// A job seeker creates a client account and is signed in to await activation.
#[server(prefix = "/rpc", endpoint = "signup", output = crate::rpc::codec::JsonOut)]
pub async fn signup(
    email: String,
    password: String,
    first_name: String,
    last_name: String,
) -> Result<(), AppError> {
    super::run(async {
        let account =
            crate::api::validate::NewAccount::parse(&email, &password, &first_name, &last_name)?;
        let (state, session) = super::context().await?;
        let meta = super::request_meta(&state);
        let user =
            crate::domain::accounts::signup_client(&state.db, &state.auth.rates, account, &meta)
                .await?;
        crate::domain::infra::session::sign_in(&session, &user, &meta).await?;
        leptos_axum::redirect(landing(&state, &user));
        Ok(())
    })
    .await
}

/// Sign in and land on the role's own dashboard.
#[server(prefix = "/rpc", endpoint = "login", output = crate::rpc::codec::JsonOut)]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    super::run(async {
        let (state, session) = super::context().await?;
        let meta = super::request_meta(&state);
        let user = crate::domain::accounts::login(&state.db, &state.auth, &email, &password, &meta)
            .await?;
        if user.mfa_enabled_at.is_some() {
            // The password was right; the code is next, on its own page. Nobody is signed in until then.
            crate::domain::infra::session::await_code(&session, &user).await?;
            leptos_axum::redirect("/login/code");
            return Ok(());
        }
        crate::domain::infra::session::sign_in(&session, &user, &meta).await?;
        leptos_axum::redirect(landing(&state, &user));
        Ok(())
    })
    .await
}

/// Where a user lands once signed in: their dashboard, or first the setup of two-step sign-in if their role
/// requires it and it is not on.
#[cfg(feature = "ssr")]
fn landing(state: &super::AppState, user: &crate::domain::entities::users::Model) -> &'static str {
    if state.auth.needs_mfa_setup(user) {
        "/setup-mfa"
    } else {
        user.role.home()
    }
}

/// Sign out and go back to the login page.
#[server(prefix = "/rpc", endpoint = "logout", output = crate::rpc::codec::JsonOut)]
pub async fn logout() -> Result<(), AppError> {
    super::run(async {
        let (state, session) = super::context().await?;
        let meta = super::request_meta(&state);
        crate::domain::accounts::sign_out(&state.db, &session, &state.auth, &meta).await?;
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}
