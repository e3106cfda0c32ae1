//! Server functions of a person's own account (settings: name, password, devices, email address, notification
//! choices) and of the emailed links (password reset, address confirmation). The rules live in `domain::settings`,
//! `domain::devices`, `domain::recovery`, `domain::addresses` and `domain::preferences`.

use leptos::prelude::*;

use crate::api::{account::Device, AppError, CurrentUser};

/// The signed-in actor, the request's metadata and the session it is using (for what ends other sessions).
#[cfg(feature = "ssr")]
async fn here() -> Result<
    (
        super::AppState,
        crate::domain::Actor,
        crate::domain::RequestMeta,
        crate::domain::devices::Current,
    ),
    AppError,
> {
    let (state, actor, meta, session) = super::actor_in_session().await?;
    let current = crate::domain::devices::Current {
        session_id: crate::domain::infra::session::session_id(&session),
        family: None,
    };
    Ok((state, actor, meta, current))
}

/// Change the signed-in user's name.
#[server(prefix = "/rpc", endpoint = "account/name", output = crate::rpc::codec::JsonOut)]
pub async fn update_name(first_name: String, last_name: String) -> Result<CurrentUser, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::settings::update_name(&state.db, &actor, &first_name, &last_name, &meta)
            .await
    })
    .await
}

/// Change the signed-in user's password; every other device is signed out. Answers how many were.
#[server(prefix = "/rpc", endpoint = "account/password", output = crate::rpc::codec::JsonOut)]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<u64, AppError> {
    super::run(async {
        let change = crate::api::account::PasswordChange::parse(
            &current_password,
            &new_password,
            &confirm_password,
        )?;
        let (state, actor, meta, current) = here().await?;
        crate::domain::settings::change_password(
            &state.db,
            &state.auth.rates,
            &actor,
            &current,
            change,
            &meta,
        )
        .await
    })
    .await
}

/// Where the signed-in user is signed in.
#[server(prefix = "/rpc", endpoint = "account/devices", output = crate::rpc::codec::JsonOut)]
pub async fn get_devices() -> Result<Vec<Device>, AppError> {
    super::run(async {
        let (state, actor, _, current) = here().await?;
        crate::domain::devices::list(&state.db, &state.auth, &actor, &current).await
    })
    .await
}

/// Sign one of the user's devices out.
#[server(prefix = "/rpc", endpoint = "account/end_device", output = crate::rpc::codec::JsonOut)]
pub async fn end_device(id: String) -> Result<(), AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::devices::end(&state.db, &actor, &id, &meta).await
    })
    .await
}

/// Sign every other device of the user out. Answers how many were.
#[server(prefix = "/rpc", endpoint = "account/end_other_devices", output = crate::rpc::codec::JsonOut)]
pub async fn end_other_devices() -> Result<u64, AppError> {
    super::run(async {
        let (state, actor, meta, current) = here().await?;
        crate::domain::devices::end_others(&state.db, &actor, &current, &meta).await
    })
    .await
}

/// "Forgot password": send a reset link to the address, if an account uses it. The answer is the same either way.
#[server(prefix = "/rpc", endpoint = "forgot_password", output = crate::rpc::codec::JsonOut)]
pub async fn forgot_password(email: String) -> Result<String, AppError> {
    super::run(async {
        let state = super::state()?;
        let meta = super::request_meta(&state);
        crate::domain::recovery::request_reset(&state.db, &state.auth.rates, &email, &meta).await?;
        Ok(crate::api::account::RESET_SENT.to_string())
    })
    .await
}

/// Whether a reset link still works.
#[server(prefix = "/rpc", endpoint = "reset_link", output = crate::rpc::codec::JsonOut)]
pub async fn reset_link_works(token: String) -> Result<bool, AppError> {
    super::run(async {
        let state = super::state()?;
        crate::domain::recovery::link_works(&state.db, &token).await
    })
    .await
}

/// Choose a new password with a reset link, then sign in with it.
#[server(prefix = "/rpc", endpoint = "reset_password", output = crate::rpc::codec::JsonOut)]
pub async fn reset_password(
    token: String,
    password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    super::run(async {
        let (state, session) = super::context().await?;
        let meta = super::request_meta(&state);
        crate::domain::recovery::reset_password(
            &state.db,
            &state.auth.rates,
            &token,
            &password,
            &confirm_password,
            &meta,
        )
        .await?;
        // Whoever was signed in on this browser is not any more (the reset ended every session).
        if crate::domain::infra::session::session_id(&session).is_some() {
            crate::domain::infra::session::sign_out(&session).await?;
        }
        leptos_axum::redirect("/login?reset=done");
        Ok(())
    })
    .await
}

/// Send the signed-in user's email confirmation link again.
#[server(prefix = "/rpc", endpoint = "account/resend_verification", output = crate::rpc::codec::JsonOut)]
pub async fn resend_verification() -> Result<String, AppError> {
    super::run(async {
        let (state, actor, _) = super::actor().await?;
        crate::domain::addresses::resend_verification(&state.db, &state.auth.rates, &actor).await
    })
    .await
}

/// Move the signed-in user's account to a new address (once a link sent there is opened).
#[server(prefix = "/rpc", endpoint = "account/email", output = crate::rpc::codec::JsonOut)]
pub async fn change_email(new_email: String, password: String) -> Result<String, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::addresses::request_change(
            &state.db,
            &state.auth.rates,
            &actor,
            &new_email,
            &password,
            &meta,
        )
        .await
    })
    .await
}

/// What an email confirmation link would confirm (`None`: it no longer works).
#[server(prefix = "/rpc", endpoint = "email_link", output = crate::rpc::codec::JsonOut)]
pub async fn email_link(token: String) -> Result<Option<crate::api::account::LinkInfo>, AppError> {
    super::run(async {
        let state = super::state()?;
        crate::domain::addresses::link_info(&state.db, &token).await
    })
    .await
}

/// Use an email confirmation link.
#[server(prefix = "/rpc", endpoint = "confirm_email", output = crate::rpc::codec::JsonOut)]
pub async fn confirm_email(token: String) -> Result<String, AppError> {
    super::run(async {
        let state = super::state()?;
        let meta = super::request_meta(&state);
        crate::domain::addresses::confirm(&state.db, &token, &meta).await
    })
    .await
}

/// Where the signed-in user wants each kind of news.
#[server(prefix = "/rpc", endpoint = "account/notifications", output = crate::rpc::codec::JsonOut)]
pub async fn get_notification_prefs() -> Result<Vec<crate::api::account::NotificationPref>, AppError>
{
    super::run(async {
        let (state, actor, _) = super::actor().await?;
        crate::domain::preferences::get(&state.db, &actor).await
    })
    .await
}

/// Save where the signed-in user wants each kind of news (a checkbox per kind and channel).
#[server(prefix = "/rpc", endpoint = "account/save_notifications", output = crate::rpc::codec::JsonOut)]
pub async fn save_notification_prefs(
    // A form with nothing ticked sends no field at all.
    #[server(default)] prefs: crate::api::account::NotificationChoices,
) -> Result<Vec<crate::api::account::NotificationPref>, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::preferences::set(&state.db, &actor, &prefs.prefs(), &meta).await
    })
    .await
}
