//! Server functions of two-step sign-in: the code step of signing in, setting it up (which a user whose role requires
//! it may do before anything else), turning it off, new recovery codes, and an admin's reset of another user's. The
//! rules live in `domain::mfa`.

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{
    account::{MfaEnrolment, MfaStatus},
    AppError,
};

/// The signed-in actor, even one who has yet to set up two-step sign-in (what these functions are for).
#[cfg(feature = "ssr")]
async fn enrolling() -> Result<
    (
        super::AppState,
        crate::domain::Actor,
        crate::domain::RequestMeta,
    ),
    AppError,
> {
    let (state, session) = super::context().await?;
    let user = super::signed_in_any(&state, &session)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let meta = super::request_meta(&state);
    Ok((state, crate::domain::Actor::of(&user), meta))
}

/// The second step of signing in: the code from the authenticator app (or a recovery code), after the password was
/// right on this browser within the last five minutes.
#[server(prefix = "/rpc", endpoint = "login_code", output = crate::rpc::codec::JsonOut)]
pub async fn login_code(code: String) -> Result<(), AppError> {
    super::run(async {
        let (state, session) = super::context().await?;
        let Some(user_id) = crate::domain::infra::session::awaiting_code(&session).await? else {
            return Err(AppError::field(
                "code",
                "This sign-in has timed out. Go back and enter your email and password again.",
            ));
        };
        let meta = super::request_meta(&state);
        let user = crate::domain::mfa::login_code(
            &state.db,
            &state.auth,
            &state.tokens,
            user_id,
            &code,
            &meta,
        )
        .await?;
        crate::domain::infra::session::sign_in(&session, &user, &meta).await?;
        leptos_axum::redirect(user.role.home());
        Ok(())
    })
    .await
}

/// Whether the signed-in user's two-step sign-in is on.
#[server(prefix = "/rpc", endpoint = "mfa/status", output = crate::rpc::codec::JsonOut)]
pub async fn get_mfa_status() -> Result<MfaStatus, AppError> {
    super::run(async {
        let (state, actor, _) = enrolling().await?;
        crate::domain::mfa::status(&state.db, &state.auth, &actor).await
    })
    .await
}

/// Start setting it up: a new secret, as a QR code and as text.
#[server(prefix = "/rpc", endpoint = "mfa/begin", output = crate::rpc::codec::JsonOut)]
pub async fn mfa_begin() -> Result<MfaEnrolment, AppError> {
    super::run(async {
        let (state, actor, _) = enrolling().await?;
        crate::domain::mfa::begin(&state.db, &state.tokens, &actor).await
    })
    .await
}

/// Turn it on with the app's first code; answers the ten recovery codes (shown this once).
#[server(prefix = "/rpc", endpoint = "mfa/confirm", output = crate::rpc::codec::JsonOut)]
pub async fn mfa_confirm(code: String) -> Result<Vec<String>, AppError> {
    super::run(async {
        let (state, actor, meta) = enrolling().await?;
        crate::domain::mfa::confirm(&state.db, &state.tokens, &actor, &code, &meta).await
    })
    .await
}

/// Turn it off, with the password and a code.
#[server(prefix = "/rpc", endpoint = "mfa/disable", output = crate::rpc::codec::JsonOut)]
pub async fn mfa_disable(password: String, code: String) -> Result<(), AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::mfa::disable(
            &state.db,
            &state.auth,
            &state.tokens,
            &actor,
            &password,
            &code,
            &meta,
        )
        .await
    })
    .await
}

/// Ten new recovery codes after a code; the old ones stop working.
#[server(prefix = "/rpc", endpoint = "mfa/recovery_codes", output = crate::rpc::codec::JsonOut)]
pub async fn mfa_recovery_codes(code: String) -> Result<Vec<String>, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::mfa::renew_recovery_codes(
            &state.db,
            &state.auth,
            &state.tokens,
            &actor,
            &code,
            &meta,
        )
        .await
    })
    .await
}

/// An admin resets another user's two-step sign-in (within the permission matrix).
#[server(prefix = "/rpc", endpoint = "users/reset_mfa", output = crate::rpc::codec::JsonOut)]
pub async fn reset_user_mfa(user_id: Uuid) -> Result<(), AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::mfa::reset(&state.db, &actor, user_id, &meta).await
    })
    .await
}
