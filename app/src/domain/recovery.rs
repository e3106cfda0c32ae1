//! "Forgot password": a single-use link, valid for [`RESET_LINK_MINUTES`], stored only as a SHA-256 of its token.
//!
//! Asking for a link answers the same whether or not the address has an account, and is limited per client address
//! and per address asked for. The link itself is made by the queue's worker, when it sends the email: the token exists
//! only in memory and in the email, never in the queue's table. Using a link ends every session and API sign-in of
//! the account, and lifts a sign-in lockout (the person has just proved they own the address).

use chrono::Duration;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    audit,
    devices::{end_all_but, Current},
    entities::{password_resets as resets, users},
    infra::{
        limits::{self, hit, Limited, RateConfig, Whom},
        password,
        queue::{self, Email, HighJob},
        tokens::{hash, link_hash, new_refresh_token},
    },
    now, RequestMeta,
};
use crate::api::{
    account::{parse_new_password, RESET_LINK_MINUTES},
    validate::Email as EmailAddress,
    AppError,
};

const LINK_DEAD: &str = "This link has expired or was already used. Ask for a new one below.";

/// Someone asks for a reset link for `email`. Queues the email whether or not an account uses the address (the worker
/// finds out), so the answer and its timing say nothing about it.
pub async fn request_reset(
    db: &DatabaseConnection,
    rates: &RateConfig,
    email: &str,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let email = EmailAddress::parse(email).map_err(|m| AppError::field("email", m))?;
    let t = now();
    hit(
        db,
        rates,
        Limited::Reset,
        Whom::Address(meta.ip.as_deref()),
        t,
    )
    .await?;
    hit(db, rates, Limited::Reset, Whom::Email(email.as_str()), t).await?;
    super::retrying(|| async {
        let txn = super::begin_write(db).await?;
        queue::enqueue(
            &txn,
            queue::HIGH,
            &HighJob::PasswordReset {
                email: email.as_str().to_string(),
            },
        )
        .await?;
        super::commit(txn).await?;
        Ok(())
    })
    .await
}

/// For the worker: make a reset link for the account of `email` and the email that carries it, or `None` when no
/// active account uses the address.
pub async fn reset_email(db: &DatabaseConnection, email: &str) -> Result<Option<Email>, AppError> {
    let Ok(address) = EmailAddress::parse(email) else {
        return Ok(None);
    };
    let user = match super::accounts::find_by_email(db, &address).await? {
        Some(u) if u.is_active => u,
        _ => return Ok(None),
    };
    let token = new_refresh_token();
    let t = now();
    resets::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        token_hash: Set(hash(&token)),
        created_at: Set(t),
        expires_at: Set(t + Duration::minutes(RESET_LINK_MINUTES)),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(Some(Email {
        message_id: None,
        to: user.email.clone(),
        name: super::users::full_name(&user),
        subject: "Choose a new password".into(),
        body: format!(
            "Someone, hopefully you, asked to choose a new password for this account. The link below works once, \
             for {RESET_LINK_MINUTES} minutes. Choosing a new password signs you out everywhere. If you did not ask, \
             ignore this email: your password stays as it is."
        ),
        link: Some(format!("/reset-password?token={token}")),
        items: Vec::new(),
    }))
}

/// Whether a reset link still works (the page says so before asking for a password).
pub async fn link_works(db: &DatabaseConnection, token: &str) -> Result<bool, AppError> {
    Ok(live_link(db, token).await?.is_some())
}

async fn live_link(
    db: &DatabaseConnection,
    token: &str,
) -> Result<Option<resets::Model>, AppError> {
    let Some(token_hash) = link_hash(token) else {
        return Ok(None);
    };
    Ok(resets::Entity::find()
        .filter(resets::Column::TokenHash.eq(token_hash))
        .filter(resets::Column::UsedAt.is_null())
        .filter(resets::Column::ExpiresAt.gt(now()))
        .one(db)
        .await?)
}

/// Choose a new password with a reset link. The link is used up; every session and sign-in of the account ends.
pub async fn reset_password(
    db: &DatabaseConnection,
    rates: &RateConfig,
    token: &str,
    new_password: &str,
    confirm: &str,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    hit(
        db,
        rates,
        Limited::Reset,
        Whom::Address(meta.ip.as_deref()),
        now(),
    )
    .await?;
    let Some(link) = live_link(db, token).await? else {
        return Err(AppError::field("token", LINK_DEAD));
    };
    let new = parse_new_password(new_password, confirm)?;
    let new_hash = password::hash(new.expose().to_string()).await?;
    super::retrying(|| async {
        let txn = super::begin_write(db).await?;
        let t = now();
        // Use the link up; the conditional update settles two uses at once.
        let claimed = resets::Entity::update_many()
            .col_expr(resets::Column::UsedAt, Expr::value(t))
            .filter(resets::Column::Id.eq(link.id))
            .filter(resets::Column::UsedAt.is_null())
            .filter(resets::Column::ExpiresAt.gt(t))
            .exec(&txn)
            .await?
            .rows_affected;
        if claimed == 0 {
            return Err(AppError::field("token", LINK_DEAD));
        }
        // The other links of the account die with it.
        resets::Entity::update_many()
            .col_expr(resets::Column::UsedAt, Expr::value(t))
            .filter(resets::Column::UserId.eq(link.user_id))
            .filter(resets::Column::UsedAt.is_null())
            .exec(&txn)
            .await?;
        let user = users::Entity::find_by_id(link.user_id)
            .one(&txn)
            .await?
            .filter(|u| u.is_active)
            .ok_or_else(|| AppError::field("token", LINK_DEAD))?;
        let mut am: users::ActiveModel = user.into();
        am.password_hash = Set(new_hash.clone());
        am.updated_at = Set(t);
        let user = am.update(&txn).await?;
        end_all_but(&txn, user.id, &Current::default()).await?;
        limits::clear(&txn, &limits::account_key(&user.email)).await?;
        queue::enqueue(
            &txn,
            queue::HIGH,
            &HighJob::Email(super::settings::password_changed_email(
                &user,
                "with a reset link sent to this address",
            )),
        )
        .await?;
        audit::record(
            &txn,
            Some(user.id),
            "account.password_reset",
            "user",
            Some(user.id),
            json!({}),
            meta,
        )
        .await?;
        super::commit(txn).await?;
        Ok(())
    })
    .await
}

/// Reset links past their expiry, for the cleanup job.
pub async fn delete_expired(db: &DatabaseConnection) -> Result<u64, AppError> {
    Ok(resets::Entity::delete_many()
        .filter(resets::Column::ExpiresAt.lt(now() - Duration::days(1)))
        .exec(db)
        .await?
        .rows_affected)
}
