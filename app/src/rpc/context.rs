//! The one context helper of both ways in: the application state, the acting user and the request's metadata, for
//! server functions (from Leptos's context) and REST handlers (from the request's parts) alike.

use std::{future::Future, net::SocketAddr, sync::Arc};

use axum::extract::{ConnectInfo, FromRef};
use leptos::{config::LeptosOptions, prelude::*};
use sea_orm::DatabaseConnection;
use tower_sessions::Session;

use crate::{
    api::AppError,
    domain::{
        entities::users,
        infra::{
            events::EventBus,
            session::{self, AuthConfig},
            storage::Storage,
            tokens::TokenKeys,
        },
        Actor, RequestMeta,
    },
};

/// Application state shared by the router, server functions and REST handlers.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// The heavy reads that may lag a little: the read replica while it answers, else `db`.
    pub reads: crate::domain::infra::reads::Reads,
    pub auth: Arc<AuthConfig>,
    pub leptos_options: LeptosOptions,
    /// Uploaded files (resumes, proof screenshots).
    pub storage: Arc<dyn Storage>,
    /// Live updates for open pages.
    pub events: EventBus,
    /// Signs and checks the REST API's access tokens.
    pub tokens: Arc<TokenKeys>,
    /// The VAPID public key browsers subscribe to pushes with (base64url).
    pub push_key: Arc<str>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The application state of the current server function.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        AppError::Internal
    })
}

/// The state and the cookie session of the current server function.
pub async fn context() -> Result<(AppState, Session), AppError> {
    let state = state()?;
    let session = leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = ?e, "session layer missing");
        AppError::Internal
    })?;
    Ok((state, session))
}

/// The signed-in actor with state and request metadata, or 401: the first line of every protected server function.
pub async fn actor() -> Result<(AppState, Actor, RequestMeta), AppError> {
    let (state, actor, meta, _) = actor_in_session().await?;
    Ok((state, actor, meta))
}

/// [`actor`], with the cookie session the request is signed in with (for what concerns the session itself).
pub async fn actor_in_session() -> Result<(AppState, Actor, RequestMeta, Session), AppError> {
    let (state, session) = context().await?;
    let user = signed_in_user(&state, &session)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let actor = Actor::of(&user);
    let meta = request_meta(&state);
    Ok((state, actor, meta, session))
}

/// Who is signed in, found once per request: a page rendered on the server runs several server functions, and
/// each of them asks (provided fresh for every request by the router's context).
#[derive(Clone, Default)]
pub struct RequestUser(Arc<tokio::sync::OnceCell<Option<users::Model>>>);

/// The signed-in user of this request, or `None` (see [`RequestUser`]); 403 if they must set up two-step sign-in
/// first.
pub async fn signed_in_user(
    state: &AppState,
    session: &Session,
) -> Result<Option<users::Model>, AppError> {
    let user = signed_in_any(state, session).await?;
    if let Some(user) = &user {
        session::require_mfa_done(&state.auth, user)?;
    }
    Ok(user)
}

/// The signed-in user of this request, or `None`, even one who must set up two-step sign-in first: for what they
/// may still do (see who they are, set it up, sign out).
pub async fn signed_in_any(
    state: &AppState,
    session: &Session,
) -> Result<Option<users::Model>, AppError> {
    let lookup = || session::signed_in(&state.db, session, &state.auth);
    match use_context::<RequestUser>() {
        Some(once) => once.0.get_or_try_init(lookup).await.cloned(),
        None => lookup().await,
    }
}

/// Client IP and user agent of the current server function's request, for the activity log and throttling.
pub fn request_meta(state: &AppState) -> RequestMeta {
    let Some(parts) = use_context::<http::request::Parts>() else {
        return RequestMeta::default();
    };
    meta_of(&parts, &state.auth.proxies)
}

/// Request metadata from a request's parts: the client address (the peer, or behind our proxies the right-most
/// `X-Forwarded-For` hop that is not one of them) and the user agent. REST handlers and file routes use this too.
pub fn meta_of(
    parts: &http::request::Parts,
    proxies: &crate::domain::infra::proxies::TrustedProxies,
) -> RequestMeta {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let forwarded: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    RequestMeta {
        ip: peer.map(|peer| proxies.client(peer, &forwarded).to_string()),
        user_agent: header("user-agent"),
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
            if let AppError::TooManyRequests { retry_after_secs }
            | AppError::Unavailable { retry_after_secs } = e
            {
                if let Ok(v) = http::HeaderValue::from_str(&retry_after_secs.to_string()) {
                    res.insert_header(http::header::RETRY_AFTER, v);
                }
            }
        }
    }
    result
}
