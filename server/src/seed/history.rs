//! A history for the dashboards: finished jobs moved back over the past weeks.

use app::{
    api::{jobs::JobStatus, AppError},
    domain::{distribution::stmt, entities::job_delegations as jobs},
};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};

/// Move each ended job back by 1 to 27 days (all its times together, its completion too), and open ones by up to 2
/// days, so the dashboards show a history rather than one busy minute. Deadlines of open jobs stay ahead.
pub(super) async fn spread_over_past_weeks(db: &DatabaseConnection) -> Result<(), AppError> {
    let backend = db.get_database_backend();
    // Written the way the application writes times, so that SQLite's text comparisons keep working.
    let shift = |col: &str, days: usize| match backend {
        sea_orm::DbBackend::Postgres => format!("{col} = {col} - interval '{days} days'"),
        _ => format!("{col} = strftime('%Y-%m-%dT%H:%M:%f', {col}, '-{days} days') || '+00:00'"),
    };
    let ended_cols = [
        "delegated_at",
        "assigned_at",
        "started_at",
        "completed_at",
        "updated_at",
        "deadline",
    ];
    let open_cols = ["delegated_at", "assigned_at", "updated_at"];
    let all = jobs::Entity::find().all(db).await?;
    for (i, job) in all.into_iter().enumerate() {
        let ended = job.completed_at.is_some()
            || matches!(job.status, JobStatus::Cancelled | JobStatus::Expired);
        // Spread by a fixed stride, so a run is the same every time.
        let (days, cols): (usize, &[&str]) = if ended {
            (1 + (i * 11) % 27, &ended_cols)
        } else {
            ((i * 7) % 3, &open_cols)
        };
        if days == 0 {
            continue;
        }
        let set = cols
            .iter()
            .map(|c| shift(c, days))
            .collect::<Vec<_>>()
            .join(", ");
        db.execute_raw(stmt(
            backend,
            &format!("UPDATE job_delegations SET {set} WHERE id = $1"),
            vec![job.id.into()],
        ))
        .await?;
        db.execute_raw(stmt(
            backend,
            &format!(
                "UPDATE job_completions SET {} WHERE job_delegation_id = $1",
                shift("completed_at", days)
            ),
            vec![job.id.into()],
        ))
        .await?;
    }
    Ok(())
}
