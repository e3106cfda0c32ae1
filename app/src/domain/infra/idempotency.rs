//! `Idempotency-Key` on the REST API's writes. The first request with a key (per caller) claims it with a hash of
//! what it asks; its answer is kept with the key. A retry with the same key and the same request gets that answer
//! again, the work done once; the same key with another request is refused; a retry arriving while the first is
//! still being handled waits for its answer. The claim is one insert, so concurrent requests with one key do the
//! work once between them on both databases. Keys are kept [`KEEP`].

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    sea_query::OnConflict, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait,
    QueryFilter, Set,
};

use crate::api::AppError;
use crate::domain::entities::idempotency_keys as keys;

/// How long a key and its answer are kept.
pub const KEEP: TimeDelta = TimeDelta::hours(24);
/// A key claimed this long ago without an answer is taken for abandoned (its process died): a retry takes it over.
pub const ABANDONED_AFTER: TimeDelta = TimeDelta::seconds(120);

/// What to do with a request bearing a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// The key is this request's now: do the work, then [`finish`] (or [`forget`]).
    Fresh,
    /// The work was done: answer this again.
    Replay { status: u16, body: String },
    /// The key was used with another request.
    Mismatch,
    /// The first request with this key is still being handled.
    InProgress,
}

/// Claim `key` for `principal`'s request hashed `hash`, or say what the earlier request with it left.
pub async fn begin<C: ConnectionTrait>(
    db: &C,
    principal: &str,
    key: &str,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Begin, AppError> {
    let inserted = keys::Entity::insert(keys::ActiveModel {
        principal: Set(principal.to_string()),
        key: Set(key.to_string()),
        request_hash: Set(hash.to_string()),
        status_code: Set(None),
        response_body: Set(None),
        created_at: Set(now),
        completed_at: Set(None),
    })
    .on_conflict(
        OnConflict::columns([keys::Column::Principal, keys::Column::Key])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    if inserted == 1 {
        return Ok(Begin::Fresh);
    }
    let Some(row) = keys::Entity::find_by_id((principal.to_string(), key.to_string()))
        .one(db)
        .await?
    else {
        // Pruned between the two statements: a fresh key.
        return Box::pin(begin(db, principal, key, hash, now)).await;
    };
    let expired = row.created_at < now - KEEP;
    let abandoned = row.completed_at.is_none() && row.created_at < now - ABANDONED_AFTER;
    if expired || (abandoned && row.request_hash == hash) {
        // Taken over only if no one else took it over meanwhile (the row is as it was read).
        let taken = keys::Entity::update_many()
            .col_expr(keys::Column::RequestHash, hash.into())
            .col_expr(keys::Column::StatusCode, Option::<i32>::None.into())
            .col_expr(keys::Column::ResponseBody, Option::<String>::None.into())
            .col_expr(keys::Column::CreatedAt, now.into())
            .col_expr(
                keys::Column::CompletedAt,
                Option::<DateTime<Utc>>::None.into(),
            )
            .filter(keys::Column::Principal.eq(principal))
            .filter(keys::Column::Key.eq(key))
            .filter(keys::Column::CreatedAt.eq(row.created_at))
            .exec(db)
            .await?
            .rows_affected;
        return Ok(if taken == 1 {
            Begin::Fresh
        } else {
            Begin::InProgress
        });
    }
    if row.request_hash != hash {
        return Ok(Begin::Mismatch);
    }
    Ok(match (row.status_code, row.response_body) {
        (Some(status), Some(body)) if row.completed_at.is_some() => Begin::Replay {
            status: u16::try_from(status).unwrap_or(500),
            body,
        },
        _ => Begin::InProgress,
    })
}

/// Keep the answer of the request that holds `key`.
pub async fn finish<C: ConnectionTrait>(
    db: &C,
    principal: &str,
    key: &str,
    status: u16,
    body: String,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(row) = keys::Entity::find_by_id((principal.to_string(), key.to_string()))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let mut am: keys::ActiveModel = row.into();
    am.status_code = Set(Some(i32::from(status)));
    am.response_body = Set(Some(body));
    am.completed_at = Set(Some(now));
    am.update(db).await?;
    Ok(())
}

/// Let go of `key` without an answer (the request failed on our side, or was not let through): a retry does the
/// work.
pub async fn forget<C: ConnectionTrait>(
    db: &C,
    principal: &str,
    key: &str,
) -> Result<(), AppError> {
    keys::Entity::delete_many()
        .filter(keys::Column::Principal.eq(principal))
        .filter(keys::Column::Key.eq(key))
        .filter(keys::Column::CompletedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Remove keys older than [`KEEP`]; returns how many.
pub async fn prune<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<u64, AppError> {
    Ok(keys::Entity::delete_many()
        .filter(keys::Column::CreatedAt.lt(now - KEEP))
        .exec(db)
        .await?
        .rows_affected)
}

/// What a request asks, as a hash: its method, path and body.
pub fn request_hash(method: &str, path: &str, body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b" ");
    h.update(path.as_bytes());
    h.update(b"\n");
    h.update(body);
    hex::encode(h.finalize())
}
