//! Jobs a page at a time for integrators: newest first in a stable order (delegation time, then id), each page
//! continuing after the last job of the one before (a cursor), so a job delegated while someone pages is neither
//! skipped nor seen twice. A cursor past the end gives an empty page.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, QueryFilter, QueryOrder, QuerySelect};

use super::query::{filtered, summaries};
use crate::api::{
    jobs::{JobQuery, JobSummary},
    AppError, CursorPage,
};
use crate::domain::{entities::job_delegations as jobs, infra::cursor, Actor, RequestMeta};

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

/// One page of the jobs the actor may see (see [`super::list`] for who sees what).
pub async fn feed(
    db: &DatabaseConnection,
    actor: &Actor,
    feed: &Feed,
    meta: &RequestMeta,
) -> Result<CursorPage<JobSummary>, AppError> {
    let limit = cursor::limit(feed.limit, FEED_LIMIT_DEFAULT, FEED_LIMIT_MAX)?;
    let after = cursor::decode(feed.cursor.as_deref())?;
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
        .then(|| rows.last().map(|j| cursor::encode(j.delegated_at, j.id)))
        .flatten();
    Ok(CursorPage {
        items: summaries(db, rows).await?,
        next,
    })
}
