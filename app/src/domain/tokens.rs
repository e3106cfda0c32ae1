//! Token authentication of the REST API: a short-lived access token (JWT, HS256, signed with a key derived from the
//! session secret) and a rotating refresh token (random, stored as a SHA-256). Each sign-in starts a family; a
//! refresh uses up its token and issues the next of the family; a used token presented again revokes the family
//! (someone kept a copy); logout revokes the family. Every request re-reads the user and the family, so
//! deactivation and logout take effect at once.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{audit, entities::api_tokens as tokens, entities::users, Actor, RequestMeta};
use crate::api::{
    rest::{TokenResponse, ACCESS_TTL_SECS, REFRESH_TTL_SECS},
    AppError, Role,
};

/// The keys access tokens are signed and checked with.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenKeys {
    /// Derived from the session secret (at least 64 bytes), under a label of its own, so replicas that share the
    /// session secret accept each other's tokens and no second secret needs configuring.
    pub fn from_secret(secret: &[u8]) -> TokenKeys {
        let mut h = Sha256::new();
        h.update(b"jobdelegate/api/v1/access-token\0");
        h.update(secret);
        let key = h.finalize();
        TokenKeys {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The user.
    sub: Uuid,
    /// The sign-in (refresh token family).
    sid: Uuid,
    iat: i64,
    exp: i64,
    typ: String,
}

const ACCESS_TYP: &str = "access";

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("jdr_{}", hex::encode(bytes))
}

/// An access token for `user` in sign-in `family`, as of `now` (the tests sign expired ones with it).
pub fn access_token(
    keys: &TokenKeys,
    user: Uuid,
    family: Uuid,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let claims = Claims {
        sub: user,
        sid: family,
        iat: now.timestamp(),
        exp: now.timestamp() + ACCESS_TTL_SECS as i64,
        typ: ACCESS_TYP.into(),
    };
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).map_err(|e| {
        tracing::error!(error = %e, "could not sign an access token");
        AppError::Internal
    })
}

/// Store the next refresh token of `family` and build the pair.
async fn pair<C: ConnectionTrait>(
    db: &C,
    keys: &TokenKeys,
    user: &users::Model,
    family: Uuid,
    client_name: &str,
    now: DateTime<Utc>,
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

/// Sign in with email and password (same checks and throttling as the dashboard's login); starts a family.
pub async fn login(
    db: &DatabaseConnection,
    cfg: &super::state::AuthConfig,
    keys: &TokenKeys,
    email: &str,
    password: &str,
    client_name: &str,
    meta: &RequestMeta,
) -> Result<TokenResponse, AppError> {
    let user = super::accounts::login(db, cfg, email, password, meta).await?;
    let txn = super::begin_write(db).await?;
    let family = Uuid::now_v7();
    let out = pair(&txn, keys, &user, family, client_name, super::now()).await?;
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
    txn.commit().await?;
    Ok(out)
}

/// Trade a refresh token for a new pair. A token already used revokes its whole family.
pub async fn refresh(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    refresh_token: &str,
    meta: &RequestMeta,
) -> Result<TokenResponse, AppError> {
    let now = super::now();
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
        txn.commit().await?;
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
    let out = pair(&txn, keys, &user, row.family_id, &row.client_name, now).await?;
    txn.commit().await?;
    Ok(out)
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
    txn.commit().await?;
    Ok(())
}

/// Revoke every sign-in of a user (on deactivation).
pub async fn revoke_all_of<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<(), AppError> {
    tokens::Entity::update_many()
        .col_expr(tokens::Column::RevokedAt, Expr::value(super::now()))
        .filter(tokens::Column::UserId.eq(user_id))
        .filter(tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Who presents this access token: checks the signature and expiry, then that the sign-in is not revoked and the
/// user is active.
pub async fn authenticate(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    access_token: &str,
) -> Result<(Actor, users::Model), AppError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "sub"]);
    let claims = jsonwebtoken::decode::<Claims>(access_token, &keys.decoding, &validation)
        .map_err(|_| AppError::Unauthenticated)?
        .claims;
    if claims.typ != ACCESS_TYP {
        return Err(AppError::Unauthenticated);
    }
    let live = tokens::Entity::find()
        .filter(tokens::Column::FamilyId.eq(claims.sid))
        .filter(tokens::Column::UserId.eq(claims.sub))
        .filter(tokens::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    if live.is_none() {
        return Err(AppError::Unauthenticated);
    }
    let user = match users::Entity::find_by_id(claims.sub).one(db).await? {
        Some(u) if u.is_active => u,
        _ => return Err(AppError::Unauthenticated),
    };
    let role = Role::parse(&user.role).ok_or(AppError::Internal)?;
    Ok((
        Actor {
            user_id: user.id,
            role,
        },
        user,
    ))
}

/// Refresh tokens past their expiry (kept until then so that reuse is still detected), for the cleanup job.
pub async fn delete_expired(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, AppError> {
    Ok(tokens::Entity::delete_many()
        .filter(tokens::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_by_signature_and_expiry() {
        let keys = TokenKeys::from_secret(&[7u8; 64]);
        let other = TokenKeys::from_secret(&[8u8; 64]);
        let now = Utc::now();
        let t = access_token(&keys, Uuid::now_v7(), Uuid::now_v7(), now).unwrap();
        let mut v = Validation::new(Algorithm::HS256);
        v.leeway = 0;
        assert!(jsonwebtoken::decode::<Claims>(&t, &keys.decoding, &v).is_ok());
        assert!(jsonwebtoken::decode::<Claims>(&t, &other.decoding, &v).is_err());
        let old = access_token(
            &keys,
            Uuid::now_v7(),
            Uuid::now_v7(),
            now - Duration::hours(1),
        )
        .unwrap();
        assert!(jsonwebtoken::decode::<Claims>(&old, &keys.decoding, &v).is_err());
        // Refresh tokens are random and stored only as a hash.
        let (a, b) = (new_refresh_token(), new_refresh_token());
        assert_ne!(a, b);
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), a);
    }
}
