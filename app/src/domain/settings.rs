//! A person's own account: their name and their password. Changing the password ends every other session and API
//! sign-in (someone who knew the old one is out), and tells the person by email.

use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use serde_json::json;

use super::{
    audit,
    devices::{end_all_but, Current},
    entities::users,
    infra::{
        limits::RateConfig,
        password,
        queue::{self, Email, HighJob},
    },
    now, Actor, RequestMeta,
};
use crate::api::{account::PasswordChange, AppError, CurrentUser};

/// Rename the signed-in user.
pub async fn update_name(
    db: &DatabaseConnection,
    actor: &Actor,
    first_name: &str,
    last_name: &str,
    meta: &RequestMeta,
) -> Result<CurrentUser, AppError> {
    let (first, last) = crate::api::account::parse_names(first_name, last_name)?;
    let user = super::retrying(|| async {
        let txn = super::begin_write(db).await?;
        let user = users::Entity::find_by_id(actor.user_id)
            .one(&txn)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let mut am: users::ActiveModel = user.into();
        am.first_name = Set(first.clone());
        am.last_name = Set(last.clone());
        am.updated_at = Set(now());
        let user = am.update(&txn).await?;
        audit::record(
            &txn,
            Some(actor.user_id),
            "account.name_change",
            "user",
            Some(actor.user_id),
            json!({}),
            meta,
        )
        .await?;
        super::commit(txn).await?;
        Ok(user)
    })
    .await?;
    super::accounts::current_user_view(db, &user).await
}

/// The email telling someone their password changed (by them, from settings or a reset link).
pub(super) fn password_changed_email(user: &users::Model, how: &str) -> Email {
    Email {
        message_id: None,
        to: user.email.clone(),
        name: super::users::full_name(user),
        subject: "Your password was changed".into(),
        body: format!(
            "The password of your account was changed {how}. Every other place you were signed in, the extension \
             included, has been signed out. If this was not you, choose a new password with \"Forgot password\" on \
             the sign-in page at once, and tell your administrator."
        ),
        link: Some("/login".into()),
        items: Vec::new(),
    }
}

/// Change the signed-in user's password: the current one is checked (counted against a per-account limit, since each
/// check costs a password hash), every other session and sign-in ends, and the user gets an email.
pub async fn change_password(
    db: &DatabaseConnection,
    rates: &RateConfig,
    actor: &Actor,
    current: &Current,
    change: PasswordChange,
    meta: &RequestMeta,
) -> Result<u64, AppError> {
    let user = users::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !password::matches_outside_signin(db, rates, &user, &change.current).await? {
        return Err(AppError::field(
            "current_password",
            "That is not your current password.",
        ));
    }
    let new_hash = password::hash(change.new.expose().to_string()).await?;
    let ended = super::retrying(|| async {
        let txn = super::begin_write(db).await?;
        let mut am: users::ActiveModel = user.clone().into();
        am.password_hash = Set(new_hash.clone());
        am.updated_at = Set(now());
        let user = am.update(&txn).await?;
        let ended = end_all_but(&txn, user.id, current).await?;
        queue::enqueue(
            &txn,
            queue::HIGH,
            &HighJob::Email(password_changed_email(&user, "from its settings page")),
        )
        .await?;
        audit::record(
            &txn,
            Some(actor.user_id),
            "account.password_change",
            "user",
            Some(actor.user_id),
            json!({"ended": ended}),
            meta,
        )
        .await?;
        super::commit(txn).await?;
        Ok(ended)
    })
    .await?;
    Ok(ended)
}
