//! Scheduled work, run by the queue workers (see `queue::SCHEDULE`): deadline reminders, alerts about jobs that
//! wait too long for an assistant, expiring jobs past their deadline, and cleanup. Each step takes `now` so the
//! tests can move the clock, and each is safe to run twice: what was done is recorded in the same transaction.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    audit,
    entities::{
        clients, employees, job_completions, job_delegations as jobs, login_throttles,
        resume_types, sessions, users,
    },
    storage::Storage,
    RequestMeta,
};
use crate::api::{
    jobs::{heading, JobStatus},
    AppError, Role,
};

/// Thresholds of the scheduled work (configurable; see the server's configuration).
#[derive(Debug, Clone)]
pub struct Rules {
    /// Remind the client and the employee this long before a job's deadline.
    pub remind_before: Duration,
    /// Tell the admins about a job that has waited this long for an assistant.
    pub unassigned_after: Duration,
    /// Files younger than this are left alone (an upload stores its file before its row).
    pub orphan_grace: Duration,
    /// Finished queue entries are kept this long.
    pub keep_queue_history: Duration,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            remind_before: Duration::hours(24),
            unassigned_after: Duration::hours(1),
            orphan_grace: Duration::hours(1),
            keep_queue_history: Duration::days(7),
        }
    }
}

/// Rows handled per query; the steps loop until nothing is left.
const BATCH: u64 = 200;

fn open_statuses() -> Vec<&'static str> {
    [
        JobStatus::Unassigned,
        JobStatus::Pending,
        JobStatus::InProgress,
    ]
    .map(JobStatus::as_str)
    .to_vec()
}

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// "1 hour", "90 minutes", "2 days".
pub fn span(d: Duration) -> String {
    let m = d.num_minutes();
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if m >= 1440 && m % 1440 == 0 {
        plural(m / 1440, "day")
    } else if m >= 60 && m % 60 == 0 {
        plural(m / 60, "hour")
    } else {
        plural(m, "minute")
    }
}

async fn user_of_client<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<Uuid>, AppError> {
    Ok(clients::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|c| c.user_id))
}

async fn user_of_employee<C: ConnectionTrait>(
    db: &C,
    id: Option<Uuid>,
) -> Result<Option<Uuid>, AppError> {
    let Some(id) = id else { return Ok(None) };
    Ok(employees::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|e| e.user_id))
}

/// Tell the client and the assigned employee that an open job's deadline is near (once per job). Returns the
/// users to refresh.
pub async fn remind_deadlines(
    db: &DatabaseConnection,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, AppError> {
    let mut touched = Vec::new();
    loop {
        let due = jobs::Entity::find()
            .filter(jobs::Column::Status.is_in(open_statuses()))
            .filter(jobs::Column::Deadline.gt(now))
            .filter(jobs::Column::Deadline.lte(now + rules.remind_before))
            .filter(jobs::Column::DeadlineRemindedAt.is_null())
            .order_by_asc(jobs::Column::Deadline)
            .limit(BATCH)
            .all(db)
            .await?;
        let last = (due.len() as u64) < BATCH;
        for job in due {
            let txn = super::begin_write(db).await?;
            // Claim the job: a second run (or a change that closed it meanwhile) finds nothing to do.
            let claimed = jobs::Entity::update_many()
                .col_expr(jobs::Column::DeadlineRemindedAt, Expr::value(now))
                .filter(jobs::Column::Id.eq(job.id))
                .filter(jobs::Column::DeadlineRemindedAt.is_null())
                .filter(jobs::Column::Status.is_in(open_statuses()))
                .exec(&txn)
                .await?
                .rows_affected;
            if claimed == 0 {
                continue;
            }
            let Some(deadline) = job.deadline else {
                continue;
            };
            let title = format!(
                "Deadline approaching: {}",
                heading(&job.job_title, &job.company_name, &job.job_url)
            );
            if let Some(user) = user_of_client(&txn, job.client_id).await? {
                super::notifications::notify(
                    &txn,
                    user,
                    "deadline_approaching",
                    &title,
                    &format!(
                        "Due {}. Status: {}.",
                        when(deadline),
                        JobStatus::parse(&job.status)
                            .unwrap_or(JobStatus::Unassigned)
                            .label()
                    ),
                    Some(format!("/client/jobs?job={}", job.id)),
                )
                .await?;
                touched.push(user);
            }
            if let Some(user) = user_of_employee(&txn, job.assigned_employee_id).await? {
                super::notifications::notify(
                    &txn,
                    user,
                    "deadline_approaching",
                    &title,
                    &format!("Due {}. Submit it before then.", when(deadline)),
                    Some(format!("/employee?job={}", job.id)),
                )
                .await?;
                touched.push(user);
            }
            audit::record(
                &txn,
                None,
                "job.deadline_reminder",
                "job",
                Some(job.id),
                json!({"deadline": deadline}),
                &RequestMeta::default(),
            )
            .await?;
            txn.commit().await?;
        }
        if last {
            return Ok(touched);
        }
    }
}

/// Tell every active admin, in one notification per run, about jobs that have waited too long for an assistant
/// (each job is reported once). Returns the users to refresh.
pub async fn alert_unassigned(
    db: &DatabaseConnection,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, AppError> {
    let waiting = jobs::Entity::find()
        .filter(jobs::Column::Status.eq(JobStatus::Unassigned.as_str()))
        .filter(jobs::Column::DelegatedAt.lte(now - rules.unassigned_after))
        .filter(jobs::Column::UnassignedAlertedAt.is_null())
        .order_by_asc(jobs::Column::DelegatedAt)
        .limit(1000)
        .all(db)
        .await?;
    if waiting.is_empty() {
        return Ok(Vec::new());
    }
    let txn = super::begin_write(db).await?;
    let mut claimed = Vec::new();
    for job in waiting {
        let n = jobs::Entity::update_many()
            .col_expr(jobs::Column::UnassignedAlertedAt, Expr::value(now))
            .filter(jobs::Column::Id.eq(job.id))
            .filter(jobs::Column::UnassignedAlertedAt.is_null())
            .filter(jobs::Column::Status.eq(JobStatus::Unassigned.as_str()))
            .exec(&txn)
            .await?
            .rows_affected;
        if n == 1 {
            audit::record(
                &txn,
                None,
                "job.unassigned_alert",
                "job",
                Some(job.id),
                json!({"waiting_since": job.delegated_at}),
                &RequestMeta::default(),
            )
            .await?;
            claimed.push(job);
        }
    }
    let Some(oldest) = claimed.first() else {
        return Ok(Vec::new());
    };
    let client_email = match clients::Entity::find_by_id(oldest.client_id)
        .one(&txn)
        .await?
    {
        Some(c) => users::Entity::find_by_id(c.user_id)
            .one(&txn)
            .await?
            .map(|u| u.email)
            .unwrap_or_default(),
        None => String::new(),
    };
    let title = match claimed.len() {
        1 => format!(
            "A job has waited over {} for an assistant",
            span(rules.unassigned_after)
        ),
        n => format!(
            "{n} jobs have waited over {} for an assistant",
            span(rules.unassigned_after)
        ),
    };
    let message = format!(
        "Oldest: {} for {client_email}, delegated {}. Assign an employee to the client or mark one available.",
        heading(&oldest.job_title, &oldest.company_name, &oldest.job_url),
        when(oldest.delegated_at),
    );
    let admins: Vec<Uuid> = users::Entity::find()
        .filter(users::Column::Role.is_in([Role::Admin.as_str(), Role::SuperAdmin.as_str()]))
        .filter(users::Column::IsActive.eq(true))
        .all(&txn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    for admin in &admins {
        super::notifications::notify(
            &txn,
            *admin,
            "job_unassigned_too_long",
            &title,
            &message,
            Some("/admin/jobs?unassigned=true&sort=oldest".into()),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(admins)
}

/// Open jobs whose deadline has passed become expired; their client and employee are told. Returns the jobs
/// expired.
pub async fn expire_overdue(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, AppError> {
    let mut expired = Vec::new();
    loop {
        let due = jobs::Entity::find()
            .filter(jobs::Column::Status.is_in(open_statuses()))
            .filter(jobs::Column::Deadline.lte(now))
            .order_by_asc(jobs::Column::Deadline)
            .limit(BATCH)
            .all(db)
            .await?;
        if due.is_empty() {
            return Ok(expired);
        }
        let mut progressed = false;
        for job in due {
            let txn = super::begin_write(db).await?;
            let (job, status) = super::jobs::lock_and_reload(&txn, job.client_id, job.id).await?;
            if !status.is_open() || job.deadline.is_none_or(|d| d > now) {
                continue;
            }
            let id = job.id;
            let title = format!(
                "Expired: {}",
                heading(&job.job_title, &job.company_name, &job.job_url)
            );
            let (client_id, employee_id) = (job.client_id, job.assigned_employee_id);
            let mut am: jobs::ActiveModel = job.into();
            am.status = Set(JobStatus::Expired.as_str().into());
            am.updated_at = Set(now);
            am.update(&txn).await?;
            audit::record(
                &txn,
                None,
                "job.expire",
                "job",
                Some(id),
                json!({"from": status.as_str()}),
                &RequestMeta::default(),
            )
            .await?;
            if let Some(user) = user_of_client(&txn, client_id).await? {
                super::notifications::notify(
                    &txn,
                    user,
                    "job_expired",
                    &title,
                    "The deadline passed before the application was submitted.",
                    Some(format!("/client/jobs?job={id}")),
                )
                .await?;
            }
            if let Some(user) = user_of_employee(&txn, employee_id).await? {
                super::notifications::notify(
                    &txn,
                    user,
                    "job_expired",
                    &title,
                    "The deadline passed; the job has left your queue.",
                    Some(format!("/employee?job={id}")),
                )
                .await?;
            }
            txn.commit().await?;
            expired.push(id);
            progressed = true;
        }
        if !progressed {
            return Ok(expired);
        }
    }
}

/// What a cleanup run removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cleaned {
    pub sessions: u64,
    pub throttles: u64,
    pub queue_entries: u64,
    pub api_tokens: u64,
}

/// Remove expired sessions and API refresh tokens, login throttles that no longer count, and finished queue
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
        .rows_affected;
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
    let api_tokens = super::tokens::delete_expired(db, now).await?;
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
            for key in old.into_iter().filter(|k| !used.contains(k)) {
                storage.delete(&key).await?;
                tracing::info!(%key, "removed an orphaned file");
                removed += 1;
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_naturally() {
        assert_eq!(span(Duration::hours(1)), "1 hour");
        assert_eq!(span(Duration::minutes(90)), "90 minutes");
        assert_eq!(span(Duration::days(2)), "2 days");
        assert_eq!(span(Duration::minutes(1)), "1 minute");
    }
}
