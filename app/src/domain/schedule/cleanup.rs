//! Expired sessions, tokens, throttles and idempotency keys, old queue rows, and orphaned files.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, ExprTrait,
    QueryFilter, Statement,
};

use crate::api::AppError;
use crate::domain::{
    entities::{job_completions, login_throttles, proof_corrections, resume_types, sessions},
    infra::storage::Storage,
};

use super::*;

/// What a cleanup run removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cleaned {
    pub sessions: u64,
    pub throttles: u64,
    pub queue_entries: u64,
    pub api_tokens: u64,
    pub reset_links: u64,
}

/// Remove expired sessions, API refresh tokens and password reset and email confirmation links, login throttles that no longer count, and finished queue
/// entries past their keep; on SQLite, refresh the planner's statistics.
pub async fn clean_up(
    db: &DatabaseConnection,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Cleaned, AppError> {
    let sessions = sessions::Entity::delete_many()
        .filter(sessions::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected;
    let throttles = login_throttles::Entity::delete_many()
        .filter(login_throttles::Column::WindowStartedAt.lte(now - Duration::days(1)))
        .filter(
            login_throttles::Column::LockedUntil
                .is_null()
                .or(login_throttles::Column::LockedUntil.lte(now)),
        )
        .exec(db)
        .await?
        .rows_affected
        + crate::domain::infra::limits::prune_rates(db, now).await?
        + crate::domain::infra::idempotency::prune(db, now).await?;
    let cutoff = (now - rules.keep_queue_history).timestamp();
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "DELETE FROM apalis.jobs WHERE status = 'Done' AND done_at < to_timestamp($1)"
        }
        _ => "DELETE FROM Jobs WHERE status = 'Done' AND done_at < ?",
    };
    let queue_entries = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [cutoff.into()],
        ))
        .await?
        .rows_affected();
    let api_tokens = crate::domain::infra::tokens::delete_expired(db, now).await?;
    let reset_links = crate::domain::recovery::delete_expired(db).await?
        + crate::domain::addresses::delete_expired(db).await?;
    // SQLite's planner picks between indexes (the analytics ones especially) from statistics that nothing else
    // keeps current; `PRAGMA optimize` refreshes the ones that are stale, cheaply (0x10002: look at every table).
    // PostgreSQL's autovacuum does this on its own.
    if backend == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA optimize=0x10002").await?;
    }
    Ok(Cleaned {
        sessions,
        throttles,
        queue_entries,
        api_tokens,
        reset_links,
    })
}

/// Where the application keeps files, and which column refers to them.
const FILE_PREFIXES: [&str; 2] = ["resumes/", "proofs/"];

/// Delete stored files that no row refers to and that are older than the grace period: left behind by a crash
/// between storing a file and committing its row, or by a failed removal. Returns how many were removed.
pub async fn clean_orphan_files(
    db: &DatabaseConnection,
    storage: &dyn Storage,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let mut removed = 0;
    for prefix in FILE_PREFIXES {
        let mut after: Option<String> = None;
        loop {
            let page = storage.list(prefix, after.as_deref()).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.key.clone());
            let old: Vec<String> = page
                .into_iter()
                .filter(|o| o.modified <= now - rules.orphan_grace)
                .map(|o| o.key)
                .collect();
            if old.is_empty() {
                continue;
            }
            let mut used: std::collections::HashSet<String> = resume_types::Entity::find()
                .filter(resume_types::Column::FilePath.is_in(old.clone()))
                .all(db)
                .await?
                .into_iter()
                .map(|r| r.file_path)
                .collect();
            used.extend(
                job_completions::Entity::find()
                    .filter(job_completions::Column::ProofScreenshotPath.is_in(old.clone()))
                    .all(db)
                    .await?
                    .into_iter()
                    .filter_map(|c| c.proof_screenshot_path),
            );
            used.extend(
                proof_corrections::Entity::find()
                    .filter(proof_corrections::Column::ProofScreenshotPath.is_in(old.clone()))
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|c| c.proof_screenshot_path),
            );
            for key in old.into_iter().filter(|k| !used.contains(k)) {
                storage.delete(&key).await?;
                tracing::info!(%key, "removed an orphaned file");
                removed += 1;
            }
        }
    }
    Ok(removed)
}
