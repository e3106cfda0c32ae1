//! Using a second factor: a TOTP code (its step remembered, so it is good once) or a recovery code (marked used);
//! and the second step of signing in, where codes count toward the account's login throttle.

use sea_orm::{
    sea_query::Expr, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::{totp, unix_now};
use crate::{
    api::{account::SecondFactor, AppError},
    domain::{
        audit,
        entities::{mfa_recovery_codes as codes, users},
        infra::{
            limits::{self as throttle, Limited, Whom},
            session::AuthConfig,
            tokens::{hash, TokenKeys},
        },
        now, RequestMeta,
    },
};

/// How a second factor was refused.
pub(super) enum Refused {
    Wrong,
    Replayed,
}

/// Check `factor` for `user` and use it up, in `db` (a write transaction): a TOTP code's step is remembered, a
/// recovery code is marked used. Returns which kind it was.
pub(super) async fn use_factor<C: ConnectionTrait>(
    db: &C,
    keys: &TokenKeys,
    user: &users::Model,
    factor: &SecondFactor,
) -> Result<Result<&'static str, Refused>, AppError> {
    match factor {
        SecondFactor::Totp(code) => {
            let Some(sealed) = &user.mfa_secret else {
                return Ok(Err(Refused::Wrong));
            };
            let Some(secret) = keys.open(sealed, user.id.as_bytes()) else {
                tracing::warn!(user = %user.id, "a TOTP secret does not open: was the session secret changed?");
                return Ok(Err(Refused::Wrong));
            };
            let Some(step) = totp(secret, &user.email)?.check(code, unix_now()) else {
                return Ok(Err(Refused::Wrong));
            };
            let step = step as i64;
            let taken = users::Entity::update_many()
                .col_expr(users::Column::MfaLastStep, Expr::value(step))
                .filter(users::Column::Id.eq(user.id))
                .filter(
                    Condition::any()
                        .add(users::Column::MfaLastStep.is_null())
                        .add(users::Column::MfaLastStep.lt(step)),
                )
                .exec(db)
                .await?;
            Ok(if taken.rows_affected == 1 {
                Ok("totp")
            } else {
                Err(Refused::Replayed)
            })
        }
        SecondFactor::Recovery(code) => {
            let used = codes::Entity::update_many()
                .col_expr(codes::Column::UsedAt, Expr::value(now()))
                .filter(codes::Column::UserId.eq(user.id))
                .filter(codes::Column::CodeHash.eq(hash(code)))
                .filter(codes::Column::UsedAt.is_null())
                .exec(db)
                .await?;
            Ok(if used.rows_affected == 1 {
                Ok("recovery_code")
            } else {
                Err(Refused::Wrong)
            })
        }
    }
}

pub(super) fn refusal(field: &str, r: Refused) -> AppError {
    match r {
        Refused::Wrong => AppError::field(field, "That code is not right."),
        Refused::Replayed => AppError::field(
            field,
            "That code was already used. Wait for the next one in your authenticator app.",
        ),
    }
}

/// The second step of signing in: `user_id`'s password was right moments ago; `code` completes the sign-in. Codes
/// count toward the account's (and the address's) login throttle, like passwords.
pub async fn login_code(
    db: &DatabaseConnection,
    cfg: &AuthConfig,
    keys: &TokenKeys,
    user_id: Uuid,
    code: &str,
    meta: &RequestMeta,
) -> Result<users::Model, AppError> {
    let factor = SecondFactor::parse("code", code)?;
    let t = now();
    throttle::hit(
        db,
        &cfg.rates,
        Limited::Login,
        Whom::Address(meta.ip.as_deref()),
        t,
    )
    .await?;
    let user = match users::Entity::find_by_id(user_id).one(db).await? {
        Some(u) if u.is_active && u.mfa_enabled_at.is_some() => u,
        _ => return Err(AppError::Unauthenticated),
    };
    let account_key = throttle::account_key(&user.email);
    let ip_key = meta.ip.as_deref().map(throttle::ip_key);
    let mut limits = vec![(account_key.clone(), cfg.throttle.account_max_failures)];
    limits.extend(ip_key.clone().map(|k| (k, cfg.throttle.ip_max_failures)));
    throttle::attempt(db, &limits, &cfg.throttle, t).await?;

    let txn = crate::domain::begin_write(db).await?;
    match use_factor(&txn, keys, &user, &factor).await? {
        Ok(kind) => {
            audit::record(
                &txn,
                Some(user.id),
                "auth.login",
                "user",
                Some(user.id),
                json!({"second_step": kind}),
                meta,
            )
            .await?;
            crate::domain::commit(txn).await?;
            throttle::succeeded(db, &account_key, ip_key.as_slice()).await?;
            Ok(user)
        }
        Err(r) => {
            drop(txn);
            audit::record(
                db,
                Some(user.id),
                "auth.login_failed",
                "user",
                Some(user.id),
                json!({"step": "code"}),
                meta,
            )
            .await?;
            Err(refusal("code", r))
        }
    }
}
