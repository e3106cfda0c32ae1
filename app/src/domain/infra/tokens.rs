//! The REST API's token material: the key access tokens (JWT, HS256) are signed with, their claims, refresh tokens
//! (random, stored only as a SHA-256) and the bulk operations on stored sign-ins. The rules of signing in, rotating
//! and revoking are in `domain::signins`.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    api::{rest::ACCESS_TTL_SECS, AppError},
    domain::entities::api_tokens as tokens,
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
pub struct Claims {
    /// The user.
    pub sub: Uuid,
    /// The sign-in (refresh token family).
    pub sid: Uuid,
    iat: i64,
    exp: i64,
    typ: String,
}

const ACCESS_TYP: &str = "access";

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The stored hash of an emailed link's token as someone presents it, or `None` for text that cannot be one.
pub fn link_hash(token: &str) -> Option<String> {
    let token = token.trim();
    (!token.is_empty() && token.len() <= 200).then(|| hash(token))
}

pub fn new_refresh_token() -> String {
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

impl TokenKeys {
    /// The claims of a valid, unexpired access token, or 401.
    pub fn verify(&self, access_token: &str) -> Result<Claims, AppError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let claims = jsonwebtoken::decode::<Claims>(access_token, &self.decoding, &validation)
            .map_err(|_| AppError::Unauthenticated)?
            .claims;
        if claims.typ != ACCESS_TYP {
            return Err(AppError::Unauthenticated);
        }
        Ok(claims)
    }
}

/// Revoke every sign-in of a user but the one of family `except` (on deactivation, a password change or reset);
/// returns how many were live.
pub async fn revoke_all_of<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    except: Option<Uuid>,
) -> Result<u64, AppError> {
    let revoke = |live_only: bool| {
        let mut q = tokens::Entity::update_many()
            .col_expr(tokens::Column::RevokedAt, Expr::value(crate::domain::now()))
            .filter(tokens::Column::UserId.eq(user_id))
            .filter(tokens::Column::RevokedAt.is_null());
        if live_only {
            q = q.filter(tokens::Column::UsedAt.is_null());
        }
        if let Some(family) = except {
            q = q.filter(tokens::Column::FamilyId.ne(family));
        }
        q
    };
    // The live head of each sign-in (what is counted), then its used-up tokens: presenting one of those is then
    // refused as revoked rather than taken for a reuse of a live sign-in.
    let live = revoke(true).exec(db).await?.rows_affected;
    revoke(false).exec(db).await?;
    Ok(live)
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
    use chrono::Duration;

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
