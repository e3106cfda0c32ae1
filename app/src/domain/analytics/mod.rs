//! Analytics computed by the database: grouped counts, averages and conditional sums in SQL that runs on SQLite
//! and PostgreSQL; Rust only fills in the days without jobs. Who may see what: a client their own jobs, an
//! employee the jobs assigned to them, admins everything.

mod admin;
mod export;

pub use admin::for_admin;
pub use export::{export_clients, export_employees, ExportCursor, JobExport};
use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult,
    QueryFilter, Value,
};
use uuid::Uuid;

use super::{access, audit, distribution::stmt, entities::resume_types, Actor, RequestMeta};
use crate::api::{
    analytics::{
        ClientAnalytics, DayCount, EmployeeAnalytics, Figures, NamedCount, Period, StatusCount,
    },
    jobs::JobStatus,
    AppError,
};

/// Jobs still open (waiting, assigned, in progress, waiting for the client's answer): written exactly as the partial
/// index `idx_job_open` is (migration 17), so both databases use it.
const OPEN: &str = "status IN ('unassigned', 'pending', 'in_progress', 'needs_answer')";

/// Whose jobs the figures cover.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    Client(Uuid),
    Employee(Uuid),
    All,
}

impl Scope {
    /// The SQL condition (placeholder `$3`) and its value.
    fn filter(self) -> (&'static str, Option<Value>) {
        match self {
            Scope::Client(id) => (" AND client_id = $3", Some(id.into())),
            Scope::Employee(id) => (" AND assigned_employee_id = $3", Some(id.into())),
            Scope::All => ("", None),
        }
    }
}

/// The UTC day of a timestamp column: what to group by, and the `YYYY-MM-DD` text to select (on PostgreSQL the
/// text is made once per group, not once per row).
fn day_of(backend: DbBackend, col: &str) -> (String, String) {
    match backend {
        DbBackend::Postgres => {
            let key = format!("(({col}) AT TIME ZONE 'UTC')::date");
            (key.clone(), format!("to_char({key}, 'YYYY-MM-DD')"))
        }
        _ => {
            let key = format!("substr({col}, 1, 10)");
            (key.clone(), key)
        }
    }
}

/// Seconds between two timestamp columns.
fn seconds_between(backend: DbBackend, from: &str, to: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("EXTRACT(EPOCH FROM ({to} - {from}))::float8"),
        _ => format!("((julianday({to}) - julianday({from})) * 86400.0)"),
    }
}

fn values(period: &Period, scope: Scope) -> (Vec<Value>, &'static str) {
    let (cond, v) = scope.filter();
    let mut vals: Vec<Value> = vec![period.start().into(), period.end().into()];
    vals.extend(v);
    (vals, cond)
}

/// A count under a key (a day).
struct KeyCount {
    k: Option<String>,
    n: i64,
}

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

fn ratio(n: i64, d: i64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

fn per_day(period: &Period, rows: impl IntoIterator<Item = KeyCount>) -> Vec<DayCount> {
    let mut counts: HashMap<String, i64> = HashMap::new();
    for r in rows {
        if let Some(k) = r.k {
            *counts.entry(k).or_default() += r.n;
        }
    }
    period
        .days()
        .into_iter()
        .map(|day| DayCount {
            count: counts
                .get(&day.format("%Y-%m-%d").to_string())
                .copied()
                .unwrap_or(0)
                .max(0) as u64,
            day,
        })
        .collect()
}

/// Jobs of one day and status.
#[derive(FromQueryResult)]
struct DayStatus {
    k: Option<String>,
    s: String,
    n: i64,
}

/// Jobs that ended on one day with one status, with the sums the averages and rates are made of.
#[derive(FromQueryResult)]
struct DayEnds {
    k: Option<String>,
    s: String,
    n: i64,
    hours_sum: Option<f64>,
    minutes_sum: Option<f64>,
    minutes_n: Option<i64>,
    with_deadline: Option<i64>,
    on_time: Option<i64>,
}

/// The sums over the ended jobs that [`Figures`] and the admin's tables are made of: `SELECT` terms over
/// `job_delegations` where the status is completed or failed.
fn ended_sums(backend: DbBackend) -> String {
    let hours = seconds_between(backend, "delegated_at", "completed_at");
    let minutes = seconds_between(backend, "started_at", "completed_at");
    format!(
        "COUNT(*) AS n, \
         SUM({hours} / 3600.0) AS hours_sum, \
         SUM(CASE WHEN started_at IS NOT NULL THEN {minutes} / 60.0 END) AS minutes_sum, \
         SUM(CASE WHEN started_at IS NOT NULL THEN 1 ELSE 0 END) AS minutes_n, \
         SUM(CASE WHEN deadline IS NOT NULL THEN 1 ELSE 0 END) AS with_deadline, \
         SUM(CASE WHEN deadline IS NOT NULL AND completed_at <= deadline THEN 1 ELSE 0 END) AS on_time"
    )
}

/// The figures of a scope over a period (see [`Figures`] for the definitions). Three index range scans: jobs
/// delegated in the period by day and status, jobs ended in the period by day and status, jobs expired in the
/// period; Rust adds up the few grouped rows.
pub async fn figures<C: ConnectionTrait>(
    db: &C,
    period: &Period,
    scope: Scope,
) -> Result<Figures, AppError> {
    let backend = db.get_database_backend();
    let (vals, cond) = values(period, scope);

    let (delegated_day, delegated_text) = day_of(backend, "delegated_at");
    let delegated = DayStatus::find_by_statement(stmt(
        backend,
        &format!(
            "SELECT {delegated_text} AS k, status AS s, COUNT(*) AS n FROM job_delegations \
             WHERE delegated_at >= $1 AND delegated_at < $2{cond} GROUP BY {delegated_day}, status"
        ),
        vals.clone(),
    ))
    .all(db)
    .await?;
    let by_status: Vec<StatusCount> = JobStatus::ALL
        .iter()
        .map(|st| StatusCount {
            status: *st,
            count: delegated
                .iter()
                .filter(|r| r.s == st.as_str())
                .map(|r| r.n.max(0) as u64)
                .sum(),
        })
        .collect();
    let delegated_per_day = per_day(
        period,
        delegated.into_iter().map(|r| KeyCount { k: r.k, n: r.n }),
    );

    // How jobs ended in the period: submitted and could-not-submit by their completion time (the index of ended
    // jobs), expired by the time they expired, their last update (the index of expired jobs).
    let (completed_day, completed_text) = day_of(backend, "completed_at");
    let sums = ended_sums(backend);
    let ended = DayEnds::find_by_statement(stmt(
        backend,
        &format!(
            "SELECT {completed_text} AS k, status AS s, {sums} FROM job_delegations \
             WHERE status IN ('completed', 'failed') AND completed_at >= $1 AND completed_at < $2{cond} \
             GROUP BY {completed_day}, status"
        ),
        vals.clone(),
    ))
    .all(db)
    .await?;
    let expired = Count::find_by_statement(stmt(
        backend,
        &format!(
            "SELECT COUNT(*) AS n FROM job_delegations \
             WHERE status = 'expired' AND updated_at >= $1 AND updated_at < $2{cond}"
        ),
        vals,
    ))
    .one(db)
    .await?
    .map(|c| c.n)
    .unwrap_or(0);

    let completed: Vec<&DayEnds> = ended.iter().filter(|r| r.s == "completed").collect();
    let submitted: i64 = completed.iter().map(|r| r.n).sum();
    let not_submitted: i64 = ended.iter().filter(|r| r.s == "failed").map(|r| r.n).sum();
    let hours_sum: f64 = completed.iter().filter_map(|r| r.hours_sum).sum();
    let minutes_sum: f64 = completed.iter().filter_map(|r| r.minutes_sum).sum();
    let minutes_n: i64 = completed.iter().filter_map(|r| r.minutes_n).sum();
    let with_deadline: i64 = completed.iter().filter_map(|r| r.with_deadline).sum();
    let on_time: i64 = completed.iter().filter_map(|r| r.on_time).sum();
    let completed_per_day = per_day(
        period,
        completed.iter().map(|r| KeyCount {
            k: r.k.clone(),
            n: r.n,
        }),
    );
    Ok(Figures {
        period: *period,
        delegated: by_status.iter().map(|s| s.count).sum(),
        by_status,
        submitted: submitted.max(0) as u64,
        not_submitted: not_submitted.max(0) as u64,
        expired: expired.max(0) as u64,
        completion_rate: ratio(submitted, submitted + not_submitted + expired),
        avg_hours_to_complete: (submitted > 0).then(|| hours_sum / submitted as f64),
        avg_minutes_working: (minutes_n > 0).then(|| minutes_sum / minutes_n as f64),
        on_time_rate: ratio(on_time, with_deadline),
        delegated_per_day,
        completed_per_day,
    })
}

/// A client's own figures, with their jobs per resume.
pub async fn for_client(
    db: &DatabaseConnection,
    reads: &DatabaseConnection,
    actor: &Actor,
    period: &Period,
    meta: &RequestMeta,
) -> Result<ClientAnalytics, AppError> {
    let client = access::require_client(db, actor, "analytics.view", "analytics", meta).await?;
    // Past the check: the figures may come from the read replica.
    let db = reads;
    let figures = figures(db, period, Scope::Client(client.id)).await?;
    let backend = db.get_database_backend();
    #[derive(FromQueryResult)]
    struct PerResume {
        resume_type_id: Option<Uuid>,
        n: i64,
    }
    let rows = PerResume::find_by_statement(stmt(
        backend,
        "SELECT resume_type_id, COUNT(*) AS n FROM job_delegations \
         WHERE delegated_at >= $1 AND delegated_at < $2 AND client_id = $3 GROUP BY resume_type_id",
        vec![period.start().into(), period.end().into(), client.id.into()],
    ))
    .all(db)
    .await?;
    let ids: Vec<Uuid> = rows.iter().filter_map(|r| r.resume_type_id).collect();
    let names: HashMap<Uuid, String> = resume_types::Entity::find()
        .filter(resume_types::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let mut by_resume: Vec<NamedCount> = rows
        .into_iter()
        .map(|r| NamedCount {
            name: match r.resume_type_id {
                Some(id) => names
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| "A deleted resume".into()),
                None => "No resume".into(),
            },
            count: r.n.max(0) as u64,
        })
        .collect();
    by_resume.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    Ok(ClientAnalytics { figures, by_resume })
}

/// An employee's open jobs (assigned or in progress), now.
async fn open_load<C: ConnectionTrait>(db: &C, employee: Uuid) -> Result<u64, AppError> {
    let n = Count::find_by_statement(stmt(
        db.get_database_backend(),
        "SELECT COUNT(*) AS n FROM job_delegations \
         WHERE status IN ('pending', 'in_progress') AND assigned_employee_id = $1",
        vec![employee.into()],
    ))
    .one(db)
    .await?
    .map(|c| c.n)
    .unwrap_or(0);
    Ok(n.max(0) as u64)
}

/// An employee's own figures and current load.
pub async fn for_employee(
    db: &DatabaseConnection,
    reads: &DatabaseConnection,
    actor: &Actor,
    period: &Period,
    meta: &RequestMeta,
) -> Result<EmployeeAnalytics, AppError> {
    let Some(employee) = access::employee_of(db, actor.user_id).await? else {
        return Err(audit::denied(
            db,
            actor,
            "analytics.view",
            "analytics",
            None,
            meta,
            audit::NOT_PERMITTED,
        )
        .await);
    };
    let figures = figures(reads, period, Scope::Employee(employee.id)).await?;
    let open_load = open_load(reads, employee.id).await?;
    Ok(EmployeeAnalytics { figures, open_load })
}
