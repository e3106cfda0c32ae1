//! A tower-sessions store on the application's own database connection (SQLite or PostgreSQL).
//!
//! Why not tower-sessions-sqlx-store: it pins sqlx 0.8 while sea-orm 2.0 uses sqlx 0.9; two sqlx versions would
//! mean two pools and two SQLite libraries. This store uses the one sea-orm pool, and keeps the user id in its own
//! column so that deactivating a user can end all of their sessions with one statement.

use async_trait::async_trait;
use sea_orm::{
    sea_query::Expr, ColumnTrait, DatabaseConnection, EntityTrait, ExprTrait, QueryFilter, Set,
    SqlErr,
};
use time::OffsetDateTime;
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, ExpiredDeletion},
    SessionStore,
};
use uuid::Uuid;

use crate::domain::entities::sessions;

/// The session key holding the signed-in user's id.
pub const USER_ID_KEY: &str = "uid";

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: DatabaseConnection,
    /// What each session held when this process last read or wrote it: a request whose session did not change, and
    /// whose idle deadline moved by less than [`SAVE_EVERY`], writes nothing at all (not even an UPDATE that
    /// matches no row: on SQLite that still takes the write lock).
    seen: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<Id, Seen>>>,
}

/// A session as this process last saw it in the database.
#[derive(Clone, Debug)]
struct Seen {
    data: u64,
    expires_at: chrono::DateTime<chrono::Utc>,
}

/// A session's row is rewritten when its data changed, or at most this often to move its idle deadline (or every
/// half idle timeout, if that is shorter).
pub const SAVE_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Sessions remembered at most; past it the memory starts over (costing one conditional UPDATE per session).
const SEEN_MAX: usize = 50_000;

fn digest(data: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    data.hash(&mut h);
    h.finish()
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            seen: Default::default(),
        }
    }

    fn remember(&self, id: Id, data: &[u8], expires_at: chrono::DateTime<chrono::Utc>) {
        if let Ok(mut seen) = self.seen.lock() {
            if seen.len() >= SEEN_MAX {
                seen.clear();
            }
            seen.insert(
                id,
                Seen {
                    data: digest(data),
                    expires_at,
                },
            );
        }
    }

    fn forget(&self, id: &Id) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.remove(id);
        }
    }

    /// Whether the row already holds this data with an idle deadline less than `slack` older.
    fn unchanged(
        &self,
        id: &Id,
        data: &[u8],
        expires_at: chrono::DateTime<chrono::Utc>,
        slack: chrono::TimeDelta,
    ) -> bool {
        self.seen.lock().ok().is_some_and(|seen| {
            seen.get(id)
                .is_some_and(|s| s.data == digest(data) && expires_at - s.expires_at < slack)
        })
    }
}

/// Marks a store failure that means "the database is unavailable", so that the session's user gets a 503 with
/// `Retry-After` (see `session::session_err`) rather than a 500.
pub const UNAVAILABLE: &str = "database unavailable: ";

fn backend(e: sea_orm::DbErr) -> session_store::Error {
    if crate::domain::unavailable(&e) {
        session_store::Error::Backend(format!("{UNAVAILABLE}{e}"))
    } else {
        session_store::Error::Backend(e.to_string())
    }
}

fn to_chrono(t: OffsetDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(t.unix_timestamp(), t.nanosecond()).unwrap_or_default()
}

fn to_time(t: chrono::DateTime<chrono::Utc>) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t.timestamp()).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A session's data as stored: keys in order, so the same data is always the same bytes (a `HashMap` serializes in
/// an order of its own) and an unchanged session is recognized as such.
fn encode(record: &Record) -> session_store::Result<Vec<u8>> {
    let sorted: std::collections::BTreeMap<_, _> = record.data.iter().collect();
    serde_json::to_vec(&sorted).map_err(|e| session_store::Error::Encode(e.to_string()))
}

fn active_model(record: &Record) -> session_store::Result<sessions::ActiveModel> {
    let data = encode(record)?;
    let user_id = record
        .data
        .get(USER_ID_KEY)
        .and_then(|v| v.as_str())
        .and_then(|s| Uuid::parse_str(s).ok());
    Ok(sessions::ActiveModel {
        id: Set(record.id.to_string()),
        user_id: Set(user_id),
        data: Set(data),
        expires_at: Set(to_chrono(record.expiry_date)),
    })
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh id is 128 random bits; still, never overwrite someone else's session on a collision.
        loop {
            let am = active_model(record)?;
            match sessions::Entity::insert(am).exec(&self.db).await {
                Ok(_) => {
                    if let Ok(data) = encode(record) {
                        self.remember(record.id, &data, to_chrono(record.expiry_date));
                    }
                    return Ok(());
                }
                Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                    record.id = Id::default();
                }
                Err(e) => return Err(backend(e)),
            }
        }
    }

    /// Write back a session that exists: never insert (a session ended while a request held it — a logout, a
    /// deactivation — stays ended), and write only when its data changed or its idle deadline moved by more than a
    /// minute, so a stream of requests does not rewrite the row each time.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = encode(record)?;
        let user_id = record
            .data
            .get(USER_ID_KEY)
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok());
        let expires_at = to_chrono(record.expiry_date);
        // How far the stored deadline may lag: a minute, or half the idle timeout if that is shorter (an active
        // session never expires for want of a write).
        let slack = SAVE_EVERY.min((expires_at - chrono::Utc::now()) / 2);
        if self.unchanged(&record.id, &data, expires_at, slack) {
            return Ok(());
        }
        let written = sessions::Entity::update_many()
            .col_expr(sessions::Column::UserId, Expr::value(user_id))
            .col_expr(sessions::Column::Data, Expr::value(data.clone()))
            .col_expr(sessions::Column::ExpiresAt, Expr::value(expires_at))
            .filter(sessions::Column::Id.eq(record.id.to_string()))
            .filter(
                sessions::Column::Data
                    .ne(data.clone())
                    .or(sessions::Column::ExpiresAt.lt(expires_at - slack)),
            )
            .exec(&self.db)
            .await
            .map_err(backend)?;
        if written.rows_affected > 0 {
            self.remember(record.id, &data, expires_at);
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row = sessions::Entity::find_by_id(id.to_string())
            .filter(sessions::Column::ExpiresAt.gt(chrono::Utc::now()))
            .one(&self.db)
            .await
            .map_err(backend)?;
        let Some(row) = row else {
            self.forget(id);
            return Ok(None);
        };
        self.remember(*id, &row.data, row.expires_at);
        let data = serde_json::from_slice(&row.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: to_time(row.expires_at),
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.forget(id);
        sessions::Entity::delete_by_id(id.to_string())
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        sessions::Entity::delete_many()
            .filter(sessions::Column::ExpiresAt.lte(chrono::Utc::now()))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

/// End every session of a user but the one with id `except` (on deactivation, a password change or reset).
pub async fn end_sessions_of<C: sea_orm::ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    except: Option<&str>,
) -> Result<u64, sea_orm::DbErr> {
    let mut q = sessions::Entity::delete_many().filter(sessions::Column::UserId.eq(user_id));
    if let Some(id) = except {
        q = q.filter(sessions::Column::Id.ne(id));
    }
    Ok(q.exec(db).await?.rows_affected)
}
