//! Server functions of sign-up, setup, login and logout. Each reads the session, calls one domain service and
//! maps its error; the rules live in `domain::accounts`.

use leptos::prelude::*;

use super::{AppError, CurrentUser};

/// The signed-in user, or `None`.
#[server(prefix = "/rpc", endpoint = "me")]
pub async fn me() -> Result<Option<CurrentUser>, AppError> {
    ssr::run(async {
        let (state, session) = ssr::context().await?;
        match crate::domain::session::current_user(&state.db, &session, &state.auth).await? {
            Some(user) => Ok(Some(
                crate::domain::accounts::current_user_view(&state.db, &user).await?,
            )),
            None => Ok(None),
        }
    })
    .await
}

/// Whether the one-time setup page is open (no super admin exists yet).
#[server(prefix = "/rpc", endpoint = "needs_setup")]
pub async fn needs_setup() -> Result<bool, AppError> {
    ssr::run(async {
        let state = ssr::state()?;
        crate::domain::accounts::needs_setup(&state.db).await
    })
    .await
}

/// First run: create the super admin and sign them in.
#[server(prefix = "/rpc", endpoint = "setup")]
pub async fn setup(
    email: String,
    password: String,
    first_name: String,
    last_name: String,
) -> Result<(), AppError> {
    ssr::run(async {
        let account =
            super::validate::NewAccount::parse(&email, &password, &first_name, &last_name)?;
        let (state, session) = ssr::context().await?;
        let user = crate::domain::accounts::setup_super_admin(
            &state.db,
            account,
            &ssr::request_meta(&state),
        )
        .await?;
        crate::domain::session::sign_in(&session, &user).await?;
        leptos_axum::redirect("/admin");
        Ok(())
    })
    .await
}

/// A job seeker creates a client account and is signed in to await activation.
#[server(prefix = "/rpc", endpoint = "signup")]
pub async fn signup(
    email: String,
    password: String,
    first_name: String,
    last_name: String,
) -> Result<(), AppError> {
    ssr::run(async {
        let account =
            super::validate::NewAccount::parse(&email, &password, &first_name, &last_name)?;
        let (state, session) = ssr::context().await?;
        let user =
            crate::domain::accounts::signup_client(&state.db, account, &ssr::request_meta(&state))
                .await?;
        crate::domain::session::sign_in(&session, &user).await?;
        leptos_axum::redirect("/client");
        Ok(())
    })
    .await
}

/// Sign in and land on the role's own dashboard.
#[server(prefix = "/rpc", endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    ssr::run(async {
        let (state, session) = ssr::context().await?;
        let meta = ssr::request_meta(&state);
        let user = crate::domain::accounts::login(&state.db, &state.auth, &email, &password, &meta)
            .await?;
        crate::domain::session::sign_in(&session, &user).await?;
        let home = super::Role::parse(&user.role)
            .map(super::Role::home)
            .unwrap_or("/");
        leptos_axum::redirect(home);
        Ok(())
    })
    .await
}

/// Sign out and go back to the login page.
#[server(prefix = "/rpc", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    ssr::run(async {
        let (state, session) = ssr::context().await?;
        if let Some(user) =
            crate::domain::session::current_user(&state.db, &session, &state.auth).await?
        {
            crate::domain::audit::record(
                &state.db,
                Some(user.id),
                "auth.logout",
                "user",
                Some(user.id),
                serde_json::json!({}),
                &ssr::request_meta(&state),
            )
            .await?;
        }
        crate::domain::session::sign_out(&session).await?;
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}

/// The signed-in actor with state and request metadata, or 401: the first line of every protected server function.
#[cfg(feature = "ssr")]
pub async fn ssr_actor() -> Result<
    (
        crate::domain::state::AppState,
        crate::domain::Actor,
        crate::domain::RequestMeta,
    ),
    AppError,
> {
    let (state, session) = ssr::context().await?;
    let (actor, _) =
        crate::domain::session::require_actor(&state.db, &session, &state.auth).await?;
    let meta = ssr::request_meta(&state);
    Ok((state, actor, meta))
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! Plumbing shared by server functions: state, session, request metadata and error status.

    use std::{future::Future, net::SocketAddr};

    use axum::extract::ConnectInfo;
    use leptos::prelude::*;
    use tower_sessions::Session;

    use crate::{
        api::AppError,
        domain::{state::AppState, RequestMeta},
    };

    pub fn state() -> Result<AppState, AppError> {
        use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the server function context");
            AppError::Internal
        })
    }

    pub async fn context() -> Result<(AppState, Session), AppError> {
        let state = state()?;
        let session = leptos_axum::extract::<Session>().await.map_err(|e| {
            tracing::error!(error = ?e, "session layer missing");
            AppError::Internal
        })?;
        Ok((state, session))
    }

    /// Client IP and user agent of the current request, for the activity log and throttling.
    pub fn request_meta(state: &AppState) -> RequestMeta {
        let Some(parts) = use_context::<http::request::Parts>() else {
            return RequestMeta::default();
        };
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        meta_of(&parts.headers, peer, state.auth.trust_proxy)
    }

    /// Request metadata from headers and the peer address (also used by the plain axum handlers).
    pub fn meta_of(
        headers: &http::HeaderMap,
        peer: Option<std::net::IpAddr>,
        trust_proxy: bool,
    ) -> RequestMeta {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let forwarded = trust_proxy
            .then(|| header("x-forwarded-for"))
            .flatten()
            .and_then(|v| v.split(',').next().map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty());
        RequestMeta {
            ip: forwarded.or_else(|| peer.map(|ip| ip.to_string())),
            user_agent: header("user-agent"),
        }
    }

    /// After a change to a job: tell everyone it concerns (plus `also`, user ids) to refresh.
    pub async fn touch_job(state: &AppState, job_id: uuid::Uuid, also: Vec<uuid::Uuid>) {
        match crate::domain::events::people_of_job(&state.db, job_id).await {
            Ok(mut users) => {
                users.extend(also);
                state.events.publish(users)
            }
            Err(e) => tracing::warn!(error = %e, "could not work out who to tell about a change"),
        }
    }

    /// After a change to a client's jobs or employees: tell the client, their employees and `also`.
    pub async fn touch_client(state: &AppState, client_id: uuid::Uuid, also: Vec<uuid::Uuid>) {
        match crate::domain::events::people_of_client(&state.db, client_id).await {
            Ok(mut users) => {
                users.extend(also);
                state.events.publish(users)
            }
            Err(e) => tracing::warn!(error = %e, "could not work out who to tell about a change"),
        }
    }

    /// Run a server function body and give its error the right HTTP status.
    pub async fn run<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
        let result = body.await;
        if let Err(e) = &result {
            if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                let status = http::StatusCode::from_u16(e.status())
                    .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
                res.set_status(status);
                if let AppError::TooManyRequests { retry_after_secs } = e {
                    if let Ok(v) = http::HeaderValue::from_str(&retry_after_secs.to_string()) {
                        res.insert_header(http::header::RETRY_AFTER, v);
                    }
                }
            }
        }
        result
    }
}
