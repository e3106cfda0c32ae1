//! API keys: made by an admin for another tool, named, read-only or read-write, shown once and stored as a SHA-256,
//! revocable, with when each was last used. A key acts as the admin who made it, with that admin's permissions (a
//! read-only key only for `GET`), and stops working when it is revoked or that admin is deactivated.

use base64::Engine;
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::{random_bytes, require_admin, shown};
use crate::{
    api::{
        integrations::{ApiKeyView, KeyScope, NewApiKey},
        AppError,
    },
    domain::{
        audit, commit,
        entities::{api_keys, users},
        infra::tokens,
        now, Actor, RequestMeta,
    },
};

/// Every key starts with this, so that a bearer token can be told to be a key (and secret scanners can find one).
pub const KEY_PREFIX: &str = "jdk_";

/// Names are at most this long.
pub const NAME_MAX: usize = 100;

/// `last_used_at` is written at most this often per key (not on every request).
const LAST_USED_EVERY_SECS: i64 = 60;

fn view(k: api_keys::Model, created_by: String) -> Result<ApiKeyView, AppError> {
    let scope = KeyScope::parse(&k.scope).ok_or_else(|| {
        tracing::error!(scope = %k.scope, "an API key with an unknown scope");
        AppError::Internal
    })?;
    Ok(ApiKeyView {
        id: k.id,
        name: k.name,
        scope,
        prefix: k.prefix,
        created_by,
        created_at: shown(k.created_at),
        last_used_at: k.last_used_at.map(shown),
        revoked_at: k.revoked_at.map(shown),
    })
}

/// Make a key. The answer is the only place the key ever appears.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
    scope: KeyScope,
    meta: &RequestMeta,
) -> Result<NewApiKey, AppError> {
    require_admin(db, actor, "api_key.create", "api_key", None, meta).await?;
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::field(
            "name",
            "Name the key after the tool that will use it.",
        ));
    }
    if name.chars().count() > NAME_MAX {
        return Err(AppError::field(
            "name",
            format!("Use at most {NAME_MAX} characters."),
        ));
    }
    let key = format!(
        "{KEY_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>())
    );
    let id = Uuid::now_v7();
    let txn = crate::domain::begin_write(db).await?;
    let creator = users::Entity::find_by_id(actor.user_id)
        .one(&txn)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let row = api_keys::ActiveModel {
        id: Set(id),
        name: Set(name.to_string()),
        scope: Set(scope.as_str().to_string()),
        key_hash: Set(tokens::hash(&key)),
        prefix: Set(key.chars().take(KEY_PREFIX.len() + 4).collect()),
        created_by: Set(actor.user_id),
        created_at: Set(now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor.user_id),
        "api_key.create",
        "api_key",
        Some(id),
        json!({ "name": name, "scope": scope.as_str() }),
        meta,
    )
    .await?;
    commit(txn).await?;
    Ok(NewApiKey {
        key,
        view: view(row, creator.email)?,
    })
}

/// Every key, live ones first, newest first.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    meta: &RequestMeta,
) -> Result<Vec<ApiKeyView>, AppError> {
    require_admin(db, actor, "api_key.list", "api_key", None, meta).await?;
    let rows = api_keys::Entity::find()
        .find_also_related(users::Entity)
        .order_by_asc(Expr::col(api_keys::Column::RevokedAt).is_not_null())
        .order_by_desc(api_keys::Column::CreatedAt)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|(k, u)| view(k, u.map(|u| u.email).unwrap_or_default()))
        .collect()
}

/// Revoke a key: it stops working at once.
pub async fn revoke(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    require_admin(db, actor, "api_key.revoke", "api_key", Some(id), meta).await?;
    let txn = crate::domain::begin_write(db).await?;
    let changed = api_keys::Entity::update_many()
        .col_expr(api_keys::Column::RevokedAt, Expr::value(now()))
        .filter(api_keys::Column::Id.eq(id))
        .filter(api_keys::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if changed == 0 {
        return Err(AppError::not_found("No live API key with this id."));
    }
    audit::record(
        &txn,
        Some(actor.user_id),
        "api_key.revoke",
        "api_key",
        Some(id),
        json!({}),
        meta,
    )
    .await?;
    commit(txn).await?;
    Ok(())
}

/// The admin a presented key acts for, or 401 (no such key, revoked, or its admin is no longer an active admin). A
/// read-only key asked to change something gets 403.
pub async fn authenticate(
    db: &DatabaseConnection,
    presented: &str,
    writes: bool,
) -> Result<(Actor, users::Model), AppError> {
    let presented = presented.trim();
    if presented.len() > 200 {
        return Err(AppError::Unauthenticated);
    }
    let found = api_keys::Entity::find()
        .filter(api_keys::Column::KeyHash.eq(tokens::hash(presented)))
        .filter(api_keys::Column::RevokedAt.is_null())
        .find_also_related(users::Entity)
        .one(db)
        .await?;
    let (key, user) = match found {
        Some((k, Some(u))) if u.is_active && u.role.is_admin() => (k, u),
        _ => return Err(AppError::Unauthenticated),
    };
    if writes && KeyScope::parse(&key.scope) != Some(KeyScope::ReadWrite) {
        return Err(AppError::forbidden(
            "This API key is read-only: it may only read (GET). Ask an admin for a read-write key.",
        ));
    }
    let t = now();
    let stale = t - chrono::Duration::seconds(LAST_USED_EVERY_SECS);
    api_keys::Entity::update_many()
        .col_expr(api_keys::Column::LastUsedAt, Expr::value(t))
        .filter(api_keys::Column::Id.eq(key.id))
        .filter(
            Condition::any()
                .add(api_keys::Column::LastUsedAt.is_null())
                .add(api_keys::Column::LastUsedAt.lt(stale)),
        )
        .exec(db)
        .await?;
    Ok((Actor::of(&user), user))
}
