//! Signing in and out of a cookie session, and finding who is signed in.

use std::time::Duration;

use chrono::Utc;
use sea_orm::{ConnectionTrait, EntityTrait};
use tower_sessions::Session;
use uuid::Uuid;

use super::{
    limits::{RateConfig, ThrottleConfig},
    session_store::USER_ID_KEY,
};
use crate::{
    api::AppError,
    domain::{entities::users, Actor},
};

/// Settings the domain needs from configuration.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// The site's own origin, e.g. `https://jobs.example.com`; server functions refuse other origins.
    pub public_origin: String,
    /// Sessions end after this long without a request.
    pub idle_timeout: Duration,
    /// Sessions end this long after login, however active.
    pub absolute_timeout: Duration,
    pub throttle: ThrottleConfig,
    /// Rate limits of sign-up, setup, sign-in, refresh, uploads, exports and event streams.
    pub rates: RateConfig,
    /// An API sign-in (the extension's) ends this long after it began, however often it is refreshed.
    pub signin_days: u32,
    /// Browser push subscriptions may name a push service on this machine (tests, self-hosted push services).
    pub push_loopback: bool,
    /// Roles that must use two-step sign-in: such a user without it can only set it up (and sign out).
    pub mfa_required: Vec<crate::api::Role>,
    /// Our reverse proxies: the client address is the right-most `X-Forwarded-For` hop that is not one of them.
    pub proxies: super::proxies::TrustedProxies,
}

impl AuthConfig {
    pub fn signin_lifetime(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.signin_days.max(1)))
    }

    pub fn https(&self) -> bool {
        self.public_origin.starts_with("https://")
    }

    /// Whether `user` must set up two-step sign-in before anything else.
    pub fn needs_mfa_setup(&self, user: &users::Model) -> bool {
        user.mfa_enabled_at.is_none() && self.mfa_required.contains(&user.role)
    }
}

pub const LOGIN_AT_KEY: &str = "login_at";
/// Where the session was signed in from, for the settings page's list of devices.
pub const IP_KEY: &str = "ip";
pub const USER_AGENT_KEY: &str = "ua";

fn session_err(e: tower_sessions::session::Error) -> AppError {
    use tower_sessions::{session::Error, session_store};
    if let Error::Store(session_store::Error::Backend(m)) = &e {
        if m.starts_with(super::session_store::UNAVAILABLE) {
            tracing::warn!(error = %e, "session store unavailable");
            return AppError::Unavailable {
                retry_after_secs: crate::domain::RETRY_AFTER_SECS,
            };
        }
    }
    tracing::error!(error = %e, "session store error");
    AppError::Internal
}

/// Bind the session to `user`, under a new session id (so an id planted before login is worthless), noting where
/// it was signed in from.
pub async fn sign_in(
    session: &Session,
    user: &users::Model,
    meta: &crate::domain::RequestMeta,
) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_err)?;
    forget_code(session).await?;
    session
        .insert(USER_ID_KEY, user.id)
        .await
        .map_err(session_err)?;
    session
        .insert(LOGIN_AT_KEY, Utc::now().timestamp())
        .await
        .map_err(session_err)?;
    if let Some(ip) = &meta.ip {
        session.insert(IP_KEY, ip).await.map_err(session_err)?;
    }
    if let Some(ua) = &meta.user_agent {
        let ua: String = ua.chars().take(500).collect();
        session
            .insert(USER_AGENT_KEY, ua)
            .await
            .map_err(session_err)?;
    }
    Ok(())
}

/// The id of this cookie session, once it has one.
pub fn session_id(session: &Session) -> Option<String> {
    session.id().map(|id| id.to_string())
}

/// End the session: its record is deleted and the cookie cleared.
pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_err)
}

/// The signed-in user, if any, whatever they may do. Ends the session if it outlived the absolute timeout or the
/// user was deactivated. Only what a user who still has to set up two-step sign-in may use calls this; everything
/// else calls [`current_user`].
pub async fn signed_in<C: ConnectionTrait>(
    db: &C,
    session: &Session,
    cfg: &AuthConfig,
) -> Result<Option<users::Model>, AppError> {
    let Some(user_id) = session
        .get::<Uuid>(USER_ID_KEY)
        .await
        .map_err(session_err)?
    else {
        return Ok(None);
    };
    let login_at = session
        .get::<i64>(LOGIN_AT_KEY)
        .await
        .map_err(session_err)?
        .unwrap_or(0);
    let age = Utc::now().timestamp().saturating_sub(login_at);
    if age < 0 || age as u64 >= cfg.absolute_timeout.as_secs() {
        sign_out(session).await?;
        return Ok(None);
    }
    match users::Entity::find_by_id(user_id).one(db).await? {
        Some(user) if user.is_active => Ok(Some(user)),
        _ => {
            sign_out(session).await?;
            Ok(None)
        }
    }
}

/// The refusal of everything but setting up two-step sign-in, for a user whose role requires it.
pub fn mfa_setup_first() -> AppError {
    AppError::forbidden("Your account must use two-step sign-in. Set it up first: open /setup-mfa.")
}

/// Refuse `user` if they must set up two-step sign-in first.
pub fn require_mfa_done(cfg: &AuthConfig, user: &users::Model) -> Result<(), AppError> {
    if cfg.needs_mfa_setup(user) {
        return Err(mfa_setup_first());
    }
    Ok(())
}

/// The signed-in user, if any (see [`signed_in`]); 403 if their role requires two-step sign-in and it is not set up.
pub async fn current_user<C: ConnectionTrait>(
    db: &C,
    session: &Session,
    cfg: &AuthConfig,
) -> Result<Option<users::Model>, AppError> {
    let user = signed_in(db, session, cfg).await?;
    if let Some(user) = &user {
        require_mfa_done(cfg, user)?;
    }
    Ok(user)
}

/// The session's half-done sign-in: whose password was right, and when.
const MFA_PENDING_KEY: &str = "mfa_pending";

/// Note that `user`'s password was right and their code is due; nobody is signed in yet.
pub async fn await_code(session: &Session, user: &users::Model) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_err)?;
    session
        .insert(MFA_PENDING_KEY, (user.id, Utc::now().timestamp()))
        .await
        .map_err(session_err)
}

/// The user whose code this session awaits, if their password was right within the last few minutes.
pub async fn awaiting_code(session: &Session) -> Result<Option<Uuid>, AppError> {
    let pending = session
        .get::<(Uuid, i64)>(MFA_PENDING_KEY)
        .await
        .map_err(session_err)?;
    let ttl = super::tokens::CHALLENGE_TTL_SECS as i64;
    Ok(pending
        .filter(|(_, at)| (0..ttl).contains(&Utc::now().timestamp().saturating_sub(*at)))
        .map(|(user, _)| user))
}

/// Forget the half-done sign-in (it completed, or was given up).
pub async fn forget_code(session: &Session) -> Result<(), AppError> {
    session
        .remove::<(Uuid, i64)>(MFA_PENDING_KEY)
        .await
        .map_err(session_err)?;
    Ok(())
}

/// The signed-in user as an [`Actor`], or 401.
pub async fn require_actor<C: ConnectionTrait>(
    db: &C,
    session: &Session,
    cfg: &AuthConfig,
) -> Result<(Actor, users::Model), AppError> {
    let user = current_user(db, session, cfg)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok((Actor::of(&user), user))
}
