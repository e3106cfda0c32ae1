//! Jobs a page at a time for integrators: newest first in a stable order (delegation time, then id), each page
//! continuing after the last job of the one before (a cursor), so a job delegated while someone pages is neither
//! skipped nor seen twice. A cursor past the end gives an empty page.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::query::{filtered, summaries};
use crate::api::{
    jobs::{JobQuery, JobSummary},
    AppError, CursorPage,
};
use crate::domain::{entities::job_delegations as jobs, Actor, RequestMeta};

/// Jobs per page unless the caller asks for another number.
pub const FEED_LIMIT_DEFAULT: u64 = 50;
/// The most jobs one page holds.
pub const FEED_LIMIT_MAX: u64 = 200;

/// What to page through: the filters of [`JobQuery`] (status, client, employee, search; not its sort or page),
/// delegation times, and where to continue.
#[derive(Debug, Clone, Default)]
pub struct Feed {
    pub query: JobQuery,
    /// Delegated at or after.
    pub from: Option<DateTime<Utc>>,
    /// Delegated before.
    pub until: Option<DateTime<Utc>>,
    /// A cursor from the previous page's `next`.
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

fn encode(t: DateTime<Utc>, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{id}", t.timestamp_micros()))
}

fn decode(cursor: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?).ok()?;
    let (micros, id) = text.split_once(':')?;
    Some((
        DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        Uuid::parse_str(id).ok()?,
    ))
}

/// One page of the jobs the actor may see (see [`super::list`] for who sees what).
pub async fn feed(
    db: &DatabaseConnection,
    actor: &Actor,
    feed: &Feed,
    meta: &RequestMeta,
) -> Result<CursorPage<JobSummary>, AppError> {
    let limit = feed.limit.unwrap_or(FEED_LIMIT_DEFAULT);
    if !(1..=FEED_LIMIT_MAX).contains(&limit) {
        return Err(AppError::field(
            "limit",
            format!("Use a whole number from 1 to {FEED_LIMIT_MAX}."),
        ));
    }
    let after = match feed.cursor.as_deref().filter(|c| !c.trim().is_empty()) {
        None => None,
        Some(c) => Some(decode(c).ok_or_else(|| {
            AppError::field(
                "cursor",
                "This is not a cursor this API gave out: pass a page's `next` as it is, or leave it out to start.",
            )
        })?),
    };
    let mut select = filtered(db, actor, &feed.query, meta).await?;
    if let Some(from) = feed.from {
        select = select.filter(jobs::Column::DelegatedAt.gte(from));
    }
    if let Some(until) = feed.until {
        select = select.filter(jobs::Column::DelegatedAt.lt(until));
    }
    if let Some((t, id)) = after {
        select = select.filter(
            Condition::any().add(jobs::Column::DelegatedAt.lt(t)).add(
                Condition::all()
                    .add(jobs::Column::DelegatedAt.eq(t))
                    .add(jobs::Column::Id.lt(id)),
            ),
        );
    }
    let mut rows = select
        .order_by_desc(jobs::Column::DelegatedAt)
        .order_by_desc(jobs::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next = more
        .then(|| rows.last().map(|j| encode(j.delegated_at, j.id)))
        .flatten();
    Ok(CursorPage {
        items: summaries(db, rows).await?,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        let t = DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap();
        let id = Uuid::now_v7();
        assert_eq!(decode(&encode(t, id)), Some((t, id)));
        for bad in ["", "abc", "MTIz", &URL_SAFE_NO_PAD.encode("12:not-a-uuid")] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }
}
