//! Scheduled work, run by the queue workers (see `infra::queue::SCHEDULE`): deadline reminders, alerts about jobs
//! that wait too long for an assistant, expiring jobs past their deadline, and cleanup. Each step takes `now` so the
//! tests can move the clock, and each is safe to run twice: what was done is recorded in the same transaction.
//! The `run_*` functions are what the workers call: the step, then the live events of what it changed.

mod cleanup;
mod expiry;
mod reminders;

pub use cleanup::{clean_orphan_files, clean_up, Cleaned};
pub use expiry::expire_overdue;
pub use reminders::{alert_unassigned, remind_deadlines};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use uuid::Uuid;

use crate::api::{jobs::JobStatus, AppError};
use crate::domain::entities::{clients, employees};
use crate::domain::infra::events::{people_of_job, EventBus};

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
pub(crate) const BATCH: u64 = 200;

pub(crate) fn open_statuses() -> Vec<&'static str> {
    // A job waiting for its client's answers is reminded of (the client has to answer in time) and expires at its
    // deadline like any open job.
    [
        JobStatus::Unassigned,
        JobStatus::Pending,
        JobStatus::InProgress,
        JobStatus::NeedsAnswer,
    ]
    .map(JobStatus::as_str)
    .to_vec()
}

pub(crate) fn when(t: DateTime<Utc>) -> String {
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

pub(crate) async fn user_of_client<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Option<Uuid>, AppError> {
    Ok(clients::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|c| c.user_id))
}

pub(crate) async fn user_of_employee<C: ConnectionTrait>(
    db: &C,
    id: Option<Uuid>,
) -> Result<Option<Uuid>, AppError> {
    let Some(id) = id else { return Ok(None) };
    Ok(employees::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|e| e.user_id))
}

/// Deadline reminders and waiting-job alerts, then the pages of everyone told refresh.
pub async fn run_reminders(
    db: &DatabaseConnection,
    events: &EventBus,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut users = remind_deadlines(db, rules, now).await?;
    users.extend(alert_unassigned(db, rules, now).await?);
    events.publish(users);
    Ok(())
}

/// Expire the open jobs past their deadline, then refresh the pages of everyone each job concerns. Returns how many
/// jobs expired.
pub async fn run_expiry(
    db: &DatabaseConnection,
    events: &EventBus,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let expired = expire_overdue(db, now).await?;
    let mut users = Vec::new();
    for id in &expired {
        users.extend(people_of_job(db, *id).await?);
    }
    events.publish(users);
    Ok(expired.len())
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
