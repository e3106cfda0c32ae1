//! Token authentication of the REST API: a short-lived access token (JWT, HS256, signed with a key derived from the
//! session secret) and a rotating refresh token (random, stored as a SHA-256). Each sign-in starts a family; a
//! refresh uses up its token and issues the next of the family; a used token presented again revokes the family
//! (someone kept a copy); logout revokes the family. Every request re-reads the user and the family, so
//! deactivation and logout take effect at once.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    audit,
    entities::api_tokens as tokens,
    entities::users,
    infra::{
        session::AuthConfig,
        tokens::{
            access_token, challenge_token, hash, new_refresh_token, TokenKeys, CHALLENGE_TTL_SECS,
        },
    },
    Actor, RequestMeta,
};
use crate::api::{
    rest::{MfaChallenge, TokenResponse, ACCESS_TTL_SECS, REFRESH_TTL_SECS},
    AppError,
};

/// Store the next refresh token of `family` and build the pair.
async fn pair<C: ConnectionTrait>(
    db: &C,
    keys: &TokenKeys,
    user: &users::Model,
    family: Uuid,
    client_name: &str,
    now: DateTime<Utc>,
    meta: &RequestMeta,
) -> Result<TokenResponse, AppError> {
    let refresh = new_refresh_token();
    tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family),
        user_id: Set(user.id),
        token_hash: Set(hash(&refresh)),
        client_name: Set(client_name.chars().take(200).collect()),
        created_at: Set(now),
        expires_at: Set(now + Duration::seconds(REFRESH_TTL_SECS as i64)),
        used_at: Set(None),
        revoked_at: Set(None),
        ip: Set(meta.ip.clone()),
        user_agent: Set(meta
            .user_agent
            .as_ref()
            .map(|ua| ua.chars().take(500).collect())),
    }
    .insert(db)
    .await?;
    Ok(TokenResponse {
        access_token: access_token(keys, user.id, family, now)?,
        token_type: "Bearer".into(),
        expires_in: ACCESS_TTL_SECS,
        refresh_token: refresh,
        refresh_expires_in: REFRESH_TTL_SECS,
        user: super::accounts::current_user_view(db, user).await?,
    })
}

/// How a REST sign-in with email and password ends: tokens, or a code is due first.
#[derive(Debug)]
pub enum LoginOutcome {
    Tokens(Box<TokenResponse>),
    Code(MfaChallenge),
}

/// Sign in with email and password (same checks and throttling as the dashboard's login); starts a family. An
/// account with two-step sign-in gets a challenge instead (see [`login_code`]); one whose role requires it and who
/// has not set it up is refused until they do, in the dashboard.
pub async fn login(
    db: &DatabaseConnection,
    cfg: &AuthConfig,
    keys: &TokenKeys,
    email: &str,
    password: &str,
    client_name: &str,
    meta: &RequestMeta,
) -> Result<LoginOutcome, AppError> {
    let user = super::accounts::login(db, cfg, email, password, meta).await?;
    if user.mfa_enabled_at.is_some() {
        return Ok(LoginOutcome::Code(MfaChallenge {
            mfa_required: true,
            challenge: challenge_token(keys, user.id, super::now())?,
            expires_in: CHALLENGE_TTL_SECS,
            message: "Enter the code from your authenticator app, or a recovery code.".into(),
        }));
    }
    if cfg.needs_mfa_setup(&user) {
        return Err(AppError::forbidden(
            "Your account must use two-step sign-in. Sign in to the dashboard in a browser to set it up, then sign \
             in here again.",
        ));
    }
    Ok(LoginOutcome::Tokens(Box::new(
        issue(db, keys, &user, client_name, meta).await?,
    )))
}

/// The second step of a REST sign-in: the login's challenge and a code.
pub async fn login_code(
    db: &DatabaseConnection,
    cfg: &AuthConfig,
    keys: &TokenKeys,
    challenge: &str,
    code: &str,
    client_name: &str,
    meta: &RequestMeta,
) -> Result<TokenResponse, AppError> {
    let user_id = keys
        .challenge_user(challenge)
        .ok_or(AppError::Unauthenticated)?;
    let user = super::mfa::login_code(db, cfg, keys, user_id, code, meta).await?;
    issue(db, keys, &user, client_name, meta).await
}

/// Start a sign-in (token family) for `user`, who passed every check.
async fn issue(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    user: &users::Model,
    client_name: &str,
    meta: &RequestMeta,
) -> Result<TokenResponse, AppError> {
    let txn = super::begin_write(db).await?;
    let family = Uuid::now_v7();
    let out = pair(&txn, keys, user, family, client_name, super::now(), meta).await?;
    audit::record(
        &txn,
        Some(user.id),
        "api.token_issue",
        "user",
        Some(user.id),
        json!({"family": family, "client": client_name}),
        meta,
    )
    .await?;
    crate::domain::commit(txn).await?;
    Ok(out)
}

/// Trade a refresh token for a new pair. A token already used revokes its whole family.
pub async fn refresh(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    cfg: &AuthConfig,
    refresh_token: &str,
    meta: &RequestMeta,
) -> Result<TokenResponse, AppError> {
    let now = super::now();
    use super::infra::limits::{hit, Limited, Whom};
    hit(
        db,
        &cfg.rates,
        Limited::Refresh,
        Whom::Address(meta.ip.as_deref()),
        now,
    )
    .await?;
    let txn = super::begin_write(db).await?;
    let Some(row) = tokens::Entity::find()
        .filter(tokens::Column::TokenHash.eq(hash(refresh_token.trim())))
        .one(&txn)
        .await?
    else {
        return Err(AppError::Unauthenticated);
    };
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Err(AppError::Unauthenticated);
    }
    // However often it is refreshed, a sign-in ends this long after it began (its family id is a UUIDv7: it
    // carries that moment).
    if signed_in_at(row.family_id).is_some_and(|at| at + cfg.signin_lifetime() <= now) {
        revoke_family(&txn, row.family_id, now).await?;
        crate::domain::commit(txn).await?;
        return Err(AppError::Unauthenticated);
    }
    if row.used_at.is_some() {
        // Reuse: whoever holds the newer token, this family is no longer trusted.
        revoke_family(&txn, row.family_id, now).await?;
        audit::record(
            &txn,
            Some(row.user_id),
            "api.token_reuse",
            "user",
            Some(row.user_id),
            json!({"family": row.family_id}),
            meta,
        )
        .await?;
        crate::domain::commit(txn).await?;
        tracing::warn!(family = %row.family_id, "a used refresh token was presented; the sign-in is revoked");
        return Err(AppError::Unauthenticated);
    }
    let user = match users::Entity::find_by_id(row.user_id).one(&txn).await? {
        Some(u) if u.is_active => u,
        _ => return Err(AppError::Unauthenticated),
    };
    // Use the token up; the conditional update settles two concurrent refreshes with the same token.
    let claimed = tokens::Entity::update_many()
        .col_expr(tokens::Column::UsedAt, Expr::value(now))
        .filter(tokens::Column::Id.eq(row.id))
        .filter(tokens::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if claimed == 0 {
        return Err(AppError::Unauthenticated);
    }
    let out = pair(
        &txn,
        keys,
        &user,
        row.family_id,
        &row.client_name,
        now,
        meta,
    )
    .await?;
    crate::domain::commit(txn).await?;
    Ok(out)
}

/// When a sign-in began: the time inside its family's UUIDv7.
pub(super) fn signed_in_at(family: Uuid) -> Option<DateTime<Utc>> {
    let (secs, nanos) = family.get_timestamp()?.to_unix();
    DateTime::from_timestamp(secs as i64, nanos)
}

async fn revoke_family<C: ConnectionTrait>(
    db: &C,
    family: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    tokens::Entity::update_many()
        .col_expr(tokens::Column::RevokedAt, Expr::value(now))
        .filter(tokens::Column::FamilyId.eq(family))
        .filter(tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Sign out: the family of this refresh token is revoked (its access tokens stop working too). An unknown token
/// is not an error: the caller is signed out either way.
pub async fn logout(
    db: &DatabaseConnection,
    refresh_token: &str,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let Some(row) = tokens::Entity::find()
        .filter(tokens::Column::TokenHash.eq(hash(refresh_token.trim())))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let txn = super::begin_write(db).await?;
    revoke_family(&txn, row.family_id, super::now()).await?;
    audit::record(
        &txn,
        Some(row.user_id),
        "api.logout",
        "user",
        Some(row.user_id),
        json!({"family": row.family_id}),
        meta,
    )
    .await?;
    crate::domain::commit(txn).await?;
    Ok(())
}

/// Who presents this access token: checks the signature and expiry, then that the sign-in is not revoked and the
/// user is active (and has set up two-step sign-in if their role requires it).
pub async fn authenticate(
    db: &DatabaseConnection,
    cfg: &AuthConfig,
    keys: &TokenKeys,
    access_token: &str,
) -> Result<(Actor, users::Model), AppError> {
    let claims = keys.verify(access_token)?;
    // The user, provided the sign-in (token family) is still live: one query.
    let live = sea_orm::sea_query::Query::select()
        .column(tokens::Column::UserId)
        .from(tokens::Entity)
        .and_where(tokens::Column::FamilyId.eq(claims.sid))
        .and_where(tokens::Column::UserId.eq(claims.sub))
        .and_where(tokens::Column::RevokedAt.is_null())
        .to_owned();
    let user = users::Entity::find_by_id(claims.sub)
        .filter(users::Column::Id.in_subquery(live))
        .one(db)
        .await?;
    let user = match user {
        Some(u) if u.is_active => u,
        _ => return Err(AppError::Unauthenticated),
    };
    super::infra::session::require_mfa_done(cfg, &user)?;
    Ok((Actor::of(&user), user))
}
