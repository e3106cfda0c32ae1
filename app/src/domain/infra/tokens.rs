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
    /// Seals secrets kept at rest (each user's TOTP secret), AES-256-GCM.
    seal: [u8; 32],
}

impl TokenKeys {
    /// Derived from the session secret (at least 64 bytes), under a label of its own, so replicas that share the
    /// session secret accept each other's tokens and no second secret needs configuring.
    pub fn from_secret(secret: &[u8]) -> TokenKeys {
        let mut h = Sha256::new();
        h.update(b"jobdelegate/api/v1/access-token\0");
        h.update(secret);
        let key = h.finalize();
        let mut h = Sha256::new();
        h.update(b"jobdelegate/mfa/secret-seal\0");
        h.update(secret);
        TokenKeys {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            seal: h.finalize().into(),
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
/// A sign-in whose password was right and whose second step (a code) is still due.
const CHALLENGE_TYP: &str = "mfa-challenge";
/// How long the second step of a sign-in may wait for its code.
pub const CHALLENGE_TTL_SECS: u64 = 5 * 60;

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

/// A short-lived challenge for `user`, whose password was right: the REST login's answer when a code is due.
pub fn challenge_token(
    keys: &TokenKeys,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let claims = Claims {
        sub: user,
        sid: Uuid::now_v7(),
        iat: now.timestamp(),
        exp: now.timestamp() + CHALLENGE_TTL_SECS as i64,
        typ: CHALLENGE_TYP.into(),
    };
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).map_err(|e| {
        tracing::error!(error = %e, "could not sign a sign-in challenge");
        AppError::Internal
    })
}

impl TokenKeys {
    fn decode(&self, token: &str, typ: &str) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .ok()?
            .claims;
        (claims.typ == typ).then_some(claims)
    }

    /// The user of a valid, unexpired sign-in challenge (never an access token), or `None`.
    pub fn challenge_user(&self, challenge: &str) -> Option<Uuid> {
        self.decode(challenge.trim(), CHALLENGE_TYP).map(|c| c.sub)
    }

    /// Seal `plain` for storage, bound to `context` (the owner's id: a sealed value moved to another row does not
    /// open). The text is `v1:` and the hex of nonce and ciphertext.
    pub fn seal(&self, plain: &[u8], context: &[u8]) -> Result<String, AppError> {
        use aes_gcm::{aead::Aead, aead::Payload, Aes256Gcm, KeyInit, Nonce};
        let cipher = Aes256Gcm::new((&self.seal).into());
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: context,
                },
            )
            .map_err(|_| {
                tracing::error!("could not seal a secret");
                AppError::Internal
            })?;
        Ok(format!("v1:{}{}", hex::encode(nonce), hex::encode(sealed)))
    }

    /// What [`seal`](Self::seal) sealed, or `None` when it was sealed under another key (the session secret
    /// changed) or for another context.
    pub fn open(&self, sealed: &str, context: &[u8]) -> Option<Vec<u8>> {
        use aes_gcm::{aead::Aead, aead::Payload, Aes256Gcm, KeyInit, Nonce};
        let bytes = hex::decode(sealed.strip_prefix("v1:")?).ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, data) = bytes.split_at(12);
        Aes256Gcm::new((&self.seal).into())
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: data,
                    aad: context,
                },
            )
            .ok()
    }

    /// The claims of a valid, unexpired access token, or 401.
    pub fn verify(&self, access_token: &str) -> Result<Claims, AppError> {
        self.decode(access_token, ACCESS_TYP)
            .ok_or(AppError::Unauthenticated)
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
