//! Email addresses people can vouch for: a client who signs up confirms theirs through a link, and anyone may move
//! their account to a new address, which becomes theirs only once a link sent to it is opened (the old address is
//! told). Links are single-use, expire, and are stored only as a SHA-256 of their token: the worker makes each one
//! when it sends the email, so the token exists nowhere else.

use chrono::Duration;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, SqlErr,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    audit,
    entities::{email_tokens as links, users},
    infra::{
        limits::{hit, Limited, RateConfig, Whom},
        queue::{self, Email, HighJob},
        tokens::{hash, link_hash, new_refresh_token},
    },
    now, Actor, RequestMeta,
};
use crate::api::{account::LinkInfo, validate::Email as Address, AppError};

/// How long a confirmation link works.
pub const LINK_HOURS: i64 = 48;

const VERIFY: &str = "verify";
const CHANGE: &str = "change";
const LINK_DEAD: &str =
    "This link has expired or was already used. Send yourself a new one from your settings.";

async fn new_link(
    db: &DatabaseConnection,
    user_id: Uuid,
    purpose: &str,
    email: &str,
) -> Result<String, AppError> {
    let token = new_refresh_token();
    let t = now();
    links::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        purpose: Set(purpose.into()),
        email: Set(email.into()),
        token_hash: Set(hash(&token)),
        created_at: Set(t),
        expires_at: Set(t + Duration::hours(LINK_HOURS)),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// For the worker: the email that asks `user_id` to confirm their address, or `None` when there is nothing to confirm
/// (already confirmed, deactivated, gone).
pub async fn verification_email(
    db: &DatabaseConnection,
    user_id: Uuid,
) -> Result<Option<Email>, AppError> {
    let user = match users::Entity::find_by_id(user_id).one(db).await? {
        Some(u) if u.is_active && u.email_verified_at.is_none() => u,
        _ => return Ok(None),
    };
    let token = new_link(db, user.id, VERIFY, &user.email).await?;
    Ok(Some(Email {
        message_id: None,
        to: user.email.clone(),
        name: super::users::full_name(&user),
        subject: "Confirm your email address".into(),
        body: format!(
            "Open the link below to confirm that this address is yours, so that we can reach you about your account \
             and your applications. It works once, for {LINK_HOURS} hours."
        ),
        link: Some(format!("/verify-email?token={token}")),
        items: Vec::new(),
    }))
}

/// For the worker: the email, to the new address, that makes it `user_id`'s once its link is opened.
pub async fn change_email(
    db: &DatabaseConnection,
    user_id: Uuid,
    new_email: &str,
) -> Result<Option<Email>, AppError> {
    let user = match users::Entity::find_by_id(user_id).one(db).await? {
        Some(u) if u.is_active => u,
        _ => return Ok(None),
    };
    let token = new_link(db, user.id, CHANGE, new_email).await?;
    Ok(Some(Email {
        message_id: None,
        to: new_email.to_string(),
        name: super::users::full_name(&user),
        subject: "Confirm your new email address".into(),
        body: format!(
            "You asked to move your account from {} to this address. Open the link below to confirm it; until then \
             the old address stays. It works once, for {LINK_HOURS} hours. If you did not ask, ignore this email.",
            user.email
        ),
        link: Some(format!("/verify-email?token={token}")),
        items: Vec::new(),
    }))
}

/// Send the signed-in user's confirmation link again (limited per account).
pub async fn resend_verification(
    db: &DatabaseConnection,
    rates: &RateConfig,
    actor: &Actor,
) -> Result<String, AppError> {
    let user = users::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if user.email_verified_at.is_some() {
        return Err(AppError::conflict(
            "Your email address is already confirmed.",
        ));
    }
    hit(
        db,
        rates,
        Limited::EmailLink,
        Whom::Account(actor.user_id),
        now(),
    )
    .await?;
    super::retrying(|| async {
        let txn = super::begin_write(db).await?;
        queue::enqueue(
            &txn,
            queue::HIGH,
            &HighJob::VerifyEmail { user_id: user.id },
        )
        .await?;
        super::commit(txn).await?;
        Ok(())
    })
    .await?;
    Ok(format!("We sent a new link to {}.", user.email))
}

/// Ask to move the signed-in user's account to `new_email`: the password is asked for (someone at an unlocked
/// computer must not take the account over), and a link goes to the new address.
pub async fn request_change(
    db: &DatabaseConnection,
    rates: &RateConfig,
    actor: &Actor,
    new_email: &str,
    password_input: &str,
    meta: &RequestMeta,
) -> Result<String, AppError> {
    let address = Address::parse(new_email).map_err(|m| AppError::field("new_email", m))?;
    if password_input.is_empty() {
        return Err(AppError::field("password", "Enter your password."));
    }
    let user = users::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if address.as_str() == user.email {
        return Err(AppError::field(
            "new_email",
            "This is already your address.",
        ));
    }
    if !super::infra::password::matches_outside_signin(db, rates, &user, password_input).await? {
        return Err(AppError::field("password", "That is not your password."));
    }
    super::accounts::ensure_email_free(db, &address)
        .await
        .map_err(|_| AppError::field("new_email", "Another account uses this address."))?;
    hit(
        db,
        rates,
        Limited::EmailLink,
        Whom::Account(actor.user_id),
        now(),
    )
    .await?;
    super::retrying(|| async {
        let txn = super::begin_write(db).await?;
        queue::enqueue(
            &txn,
            queue::HIGH,
            &HighJob::ConfirmEmailChange {
                user_id: user.id,
                email: address.as_str().to_string(),
            },
        )
        .await?;
        audit::record(
            &txn,
            Some(actor.user_id),
            "account.email_change_request",
            "user",
            Some(actor.user_id),
            json!({"new_email": address.as_str()}),
            meta,
        )
        .await?;
        super::commit(txn).await?;
        Ok(())
    })
    .await?;
    Ok(format!(
        "We sent a link to {}. Your address changes when you open it.",
        address.as_str()
    ))
}

async fn live_link(db: &DatabaseConnection, token: &str) -> Result<Option<links::Model>, AppError> {
    let Some(token_hash) = link_hash(token) else {
        return Ok(None);
    };
    Ok(links::Entity::find()
        .filter(links::Column::TokenHash.eq(token_hash))
        .filter(links::Column::UsedAt.is_null())
        .filter(links::Column::ExpiresAt.gt(now()))
        .one(db)
        .await?)
}

/// What a link would confirm, or `None` when it no longer works. Opening the page changes nothing (mail scanners
/// follow links): the person confirms with a button.
pub async fn link_info(db: &DatabaseConnection, token: &str) -> Result<Option<LinkInfo>, AppError> {
    Ok(live_link(db, token).await?.map(|l| LinkInfo {
        change: l.purpose == CHANGE,
        email: l.email,
    }))
}

/// Use a confirmation link: the address is confirmed, or becomes the account's (the old one is told).
pub async fn confirm(
    db: &DatabaseConnection,
    token: &str,
    meta: &RequestMeta,
) -> Result<String, AppError> {
    let dead = || AppError::field("token", LINK_DEAD);
    let link = live_link(db, token).await?.ok_or_else(dead)?;
    super::retrying(|| async {
        let txn = super::begin_write(db).await?;
        let t = now();
        let claimed = links::Entity::update_many()
            .col_expr(links::Column::UsedAt, Expr::value(t))
            .filter(links::Column::Id.eq(link.id))
            .filter(links::Column::UsedAt.is_null())
            .filter(links::Column::ExpiresAt.gt(t))
            .exec(&txn)
            .await?
            .rows_affected;
        if claimed == 0 {
            return Err(dead());
        }
        let user = users::Entity::find_by_id(link.user_id)
            .one(&txn)
            .await?
            .filter(|u| u.is_active)
            .ok_or_else(dead)?;
        let old = user.email.clone();
        let change = link.purpose == CHANGE;
        // A confirmation of an address the account no longer has is worthless.
        if !change && link.email != old {
            return Err(dead());
        }
        let mut am: users::ActiveModel = user.clone().into();
        am.email = Set(link.email.clone());
        am.email_verified_at = Set(Some(t));
        am.updated_at = Set(t);
        am.update(&txn).await.map_err(|e| match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                AppError::field("token", "Another account took this address in the meantime.")
            }
            _ => AppError::from(e),
        })?;
        if change {
            // The other pending changes of the account die with this one.
            links::Entity::update_many()
                .col_expr(links::Column::UsedAt, Expr::value(t))
                .filter(links::Column::UserId.eq(user.id))
                .filter(links::Column::UsedAt.is_null())
                .exec(&txn)
                .await?;
            queue::enqueue(
                &txn,
                queue::HIGH,
                &HighJob::Email(Email {
                    message_id: None,
                    to: old.clone(),
                    name: super::users::full_name(&user),
                    subject: "Your email address was changed".into(),
                    body: format!(
                        "Your account now uses {} instead of this address. If this was not you, tell your \
                         administrator at once.",
                        link.email
                    ),
                    link: None,
                    items: Vec::new(),
                }),
            )
            .await?;
        }
        audit::record(
            &txn,
            Some(user.id),
            if change { "account.email_change" } else { "account.email_verify" },
            "user",
            Some(user.id),
            if change {
                json!({"from": old, "to": link.email})
            } else {
                json!({})
            },
            meta,
        )
        .await?;
        super::commit(txn).await?;
        Ok(if change {
            format!("Your account now uses {}.", link.email)
        } else {
            format!("Thank you: {} is confirmed.", link.email)
        })
    })
    .await
}

/// Confirmation links past their expiry, for the cleanup job.
pub async fn delete_expired(db: &DatabaseConnection) -> Result<u64, AppError> {
    Ok(links::Entity::delete_many()
        .filter(links::Column::ExpiresAt.lt(now() - Duration::days(1)))
        .exec(db)
        .await?
        .rows_affected)
}
