//! Analytics computed by the database: grouped counts, averages and conditional sums in SQL that runs on SQLite
//! and PostgreSQL; Rust only fills in the days without jobs. Who may see what: a client their own jobs, an
//! employee the jobs assigned to them, admins everything.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult,
    QueryFilter, Value,
};
use uuid::Uuid;

use super::{
    access, audit,
    distribution::stmt,
    entities::{clients, employees, resume_types, users},
    policy::{allows, Action, Resource},
    Actor, RequestMeta,
};
use crate::api::{
    analytics::{
        AdminAnalytics, ClientAnalytics, ClientRow, DayCount, EmployeeAnalytics, EmployeeRow,
        Figures, NamedCount, Period, RateAlert, StatusCount,
    },
    jobs::JobStatus,
    AppError, Role,
};

/// Jobs still open (waiting, assigned, in progress): written exactly as the partial index `idx_job_open` is, so both
/// databases use it.
const OPEN: &str = "status IN ('unassigned', 'pending', 'in_progress')";

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
    actor: &Actor,
    period: &Period,
    meta: &RequestMeta,
) -> Result<ClientAnalytics, AppError> {
    let client = access::require_client(db, actor, "analytics.view", "analytics", meta).await?;
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
    let figures = figures(db, period, Scope::Employee(employee.id)).await?;
    let open_load = open_load(db, employee.id).await?;
    Ok(EmployeeAnalytics { figures, open_load })
}

/// Jobs that ended in a period for one employee and client, with one status.
#[derive(FromQueryResult)]
struct PerPair {
    assigned_employee_id: Option<Uuid>,
    client_id: Uuid,
    s: String,
    n: i64,
    minutes_sum: Option<f64>,
    minutes_n: Option<i64>,
    with_deadline: Option<i64>,
    on_time: Option<i64>,
}

/// [`PerPair`] rows added up for an employee or a client.
#[derive(Default, Clone, Copy)]
struct Ended {
    submitted: i64,
    not_submitted: i64,
    minutes_sum: f64,
    minutes_n: i64,
    with_deadline: i64,
    on_time: i64,
}

impl Ended {
    fn add(&mut self, r: &PerPair) {
        if r.s == "completed" {
            self.submitted += r.n;
            self.minutes_sum += r.minutes_sum.unwrap_or(0.0);
            self.minutes_n += r.minutes_n.unwrap_or(0);
            self.with_deadline += r.with_deadline.unwrap_or(0);
            self.on_time += r.on_time.unwrap_or(0);
        } else {
            self.not_submitted += r.n;
        }
    }
}

/// A count per client.
#[derive(FromQueryResult)]
struct PerClient {
    client_id: Uuid,
    n: i64,
}

#[derive(FromQueryResult)]
struct Backlog {
    n: i64,
    oldest: Option<chrono::DateTime<chrono::Utc>>,
}

/// Everything, for admins: totals and trends, a line per employee and per client, the unassigned backlog, and the
/// completion-rate alert.
pub async fn for_admin(
    db: &DatabaseConnection,
    actor: &Actor,
    period: &Period,
    meta: &RequestMeta,
) -> Result<AdminAnalytics, AppError> {
    if !allows(actor.role, Resource::Analytics, Action::View)
        || !matches!(actor.role, Role::Admin | Role::SuperAdmin)
    {
        return Err(audit::denied(
            db,
            actor,
            "analytics.admin",
            "analytics",
            None,
            meta,
            audit::NOT_PERMITTED,
        )
        .await);
    }
    let backend = db.get_database_backend();
    let figures = figures(db, period, Scope::All).await?;
    // Jobs that ended in the period, per employee, client and status: both tables come from these few rows.
    let sums = ended_sums(backend);
    let ended = PerPair::find_by_statement(stmt(
        backend,
        &format!(
            "SELECT assigned_employee_id, client_id, status AS s, {sums} FROM job_delegations \
             WHERE status IN ('completed', 'failed') AND completed_at >= $1 AND completed_at < $2 \
             GROUP BY assigned_employee_id, client_id, status"
        ),
        vec![period.start().into(), period.end().into()],
    ))
    .all(db)
    .await?;
    let mut per_employee: HashMap<Uuid, Ended> = HashMap::new();
    let mut per_client_ended: HashMap<Uuid, Ended> = HashMap::new();
    for r in &ended {
        if let Some(e) = r.assigned_employee_id {
            per_employee.entry(e).or_default().add(r);
        }
        per_client_ended.entry(r.client_id).or_default().add(r);
    }
    // Open jobs now, per client, employee and status (the partial index of open jobs): the employees' load and
    // the clients' open counts.
    #[derive(FromQueryResult)]
    struct Open {
        client_id: Uuid,
        assigned_employee_id: Option<Uuid>,
        s: String,
        n: i64,
    }
    let open_rows = Open::find_by_statement(stmt(
        backend,
        &format!(
            "SELECT client_id, assigned_employee_id, status AS s, COUNT(*) AS n FROM job_delegations \
             WHERE {OPEN} GROUP BY client_id, assigned_employee_id, status"
        ),
        vec![],
    ))
    .all(db)
    .await?;
    let mut loads: HashMap<Uuid, u64> = HashMap::new();
    let mut open: HashMap<Uuid, u64> = HashMap::new();
    for r in &open_rows {
        let n = r.n.max(0) as u64;
        *open.entry(r.client_id).or_default() += n;
        if let (Some(e), true) = (
            r.assigned_employee_id,
            r.s == JobStatus::Pending.as_str() || r.s == JobStatus::InProgress.as_str(),
        ) {
            *loads.entry(e).or_default() += n;
        }
    }
    let staff = employees::Entity::find().all(db).await?;
    let client_rows = clients::Entity::find().all(db).await?;
    let user_ids: Vec<Uuid> = staff
        .iter()
        .map(|e| e.user_id)
        .chain(client_rows.iter().map(|c| c.user_id))
        .collect();
    let people: HashMap<Uuid, users::Model> = users::Entity::find()
        .filter(users::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut employees_out: Vec<EmployeeRow> = staff
        .iter()
        .map(|e| {
            let row = per_employee.get(&e.id).copied().unwrap_or_default();
            let user = people.get(&e.user_id);
            EmployeeRow {
                employee_id: e.id,
                name: user.map(super::jobs::full_name).unwrap_or_default(),
                email: user.map(|u| u.email.clone()).unwrap_or_default(),
                submitted: row.submitted.max(0) as u64,
                not_submitted: row.not_submitted.max(0) as u64,
                avg_minutes_working: (row.minutes_n > 0)
                    .then(|| row.minutes_sum / row.minutes_n as f64),
                on_time_rate: ratio(row.on_time, row.with_deadline),
                open_load: loads.get(&e.id).copied().unwrap_or(0),
            }
        })
        .collect();
    employees_out.sort_by(|a, b| b.submitted.cmp(&a.submitted).then(a.name.cmp(&b.name)));

    // Per client: delegated and expired in the period, each an index-driven query; ended and open from above.
    let period_vals = || vec![period.start().into(), period.end().into()];
    let delegated = PerClient::find_by_statement(stmt(
        backend,
        "SELECT client_id, COUNT(*) AS n FROM job_delegations \
         WHERE delegated_at >= $1 AND delegated_at < $2 GROUP BY client_id",
        period_vals(),
    ))
    .all(db)
    .await?;
    let expired = PerClient::find_by_statement(stmt(
        backend,
        "SELECT client_id, COUNT(*) AS n FROM job_delegations \
         WHERE status = 'expired' AND updated_at >= $1 AND updated_at < $2 GROUP BY client_id",
        period_vals(),
    ))
    .all(db)
    .await?;
    let by_client = |rows: Vec<PerClient>| -> HashMap<Uuid, i64> {
        rows.into_iter().map(|r| (r.client_id, r.n)).collect()
    };
    let (delegated, expired) = (by_client(delegated), by_client(expired));
    let mut clients_out: Vec<ClientRow> = client_rows
        .iter()
        .map(|c| {
            let user = people.get(&c.user_id);
            let get = |m: &HashMap<Uuid, i64>| m.get(&c.id).copied().unwrap_or(0);
            let ended = per_client_ended.get(&c.id).copied().unwrap_or_default();
            let submitted = ended.submitted;
            ClientRow {
                client_id: c.id,
                name: user.map(super::jobs::full_name).unwrap_or_default(),
                email: user.map(|u| u.email.clone()).unwrap_or_default(),
                delegated: get(&delegated).max(0) as u64,
                submitted: submitted.max(0) as u64,
                completion_rate: ratio(
                    submitted,
                    ended.submitted + ended.not_submitted + get(&expired),
                ),
                open: open.get(&c.id).copied().unwrap_or(0),
            }
        })
        .collect();
    clients_out.sort_by(|a, b| b.delegated.cmp(&a.delegated).then(a.email.cmp(&b.email)));

    let backlog = Backlog::find_by_statement(stmt(
        backend,
        "SELECT COUNT(*) AS n, MIN(delegated_at) AS oldest FROM job_delegations WHERE status = 'unassigned'",
        vec![],
    ))
    .one(db)
    .await?;
    let alert = RateAlert::for_rate(figures.completion_rate);
    Ok(AdminAnalytics {
        figures,
        employees: employees_out,
        clients: clients_out,
        unassigned: backlog.as_ref().map(|b| b.n.max(0) as u64).unwrap_or(0),
        oldest_unassigned: backlog.and_then(|b| b.oldest),
        alert,
    })
}

/// An authorized export of the jobs delegated in a period: a client's own, or (admins) everyone's. Read page by page
/// in delegation order, so an export of any size is streamed rather than held in memory.
#[derive(Debug, Clone)]
pub struct JobExport {
    period: Period,
    client: Option<Uuid>,
}

/// Where the next page of an export starts: after this delegation time and id.
pub type ExportCursor = (chrono::DateTime<chrono::Utc>, Uuid);

impl JobExport {
    /// How many jobs one page reads.
    pub const PAGE: u64 = 1000;

    /// Who may export what: a client their own jobs, admins everyone's; anyone else is refused (and logged).
    pub async fn authorize(
        db: &DatabaseConnection,
        actor: &Actor,
        period: &Period,
        meta: &RequestMeta,
    ) -> Result<Self, AppError> {
        let client = if actor.role == Role::Client {
            Some(
                access::require_client(db, actor, "analytics.export", "analytics", meta)
                    .await?
                    .id,
            )
        } else if matches!(actor.role, Role::Admin | Role::SuperAdmin) {
            None
        } else {
            return Err(audit::denied(
                db,
                actor,
                "analytics.export",
                "analytics",
                None,
                meta,
                audit::NOT_PERMITTED,
            )
            .await);
        };
        Ok(Self {
            period: *period,
            client,
        })
    }

    /// The next page (oldest first) after `after`, with where the one after it starts; an empty page is the end.
    pub async fn page(
        &self,
        db: &DatabaseConnection,
        after: Option<ExportCursor>,
    ) -> Result<(Vec<crate::api::jobs::JobSummary>, Option<ExportCursor>), AppError> {
        use super::entities::job_delegations as jobs;
        use sea_orm::{Condition, QueryOrder, QuerySelect};
        let mut q = jobs::Entity::find()
            .filter(jobs::Column::DelegatedAt.lt(self.period.end()))
            .order_by_asc(jobs::Column::DelegatedAt)
            .order_by_asc(jobs::Column::Id)
            .limit(Self::PAGE);
        q = match after {
            // A range on the delegation time (so the index is used), minus the ties already sent.
            Some((at, id)) => q.filter(jobs::Column::DelegatedAt.gte(at)).filter(
                Condition::all()
                    .add(jobs::Column::DelegatedAt.eq(at))
                    .add(jobs::Column::Id.lte(id))
                    .not(),
            ),
            None => q.filter(jobs::Column::DelegatedAt.gte(self.period.start())),
        };
        if let Some(client) = self.client {
            q = q.filter(jobs::Column::ClientId.eq(client));
        }
        let rows = q.all(db).await?;
        let next = rows.last().map(|j| (j.delegated_at, j.id));
        Ok((super::jobs::summaries(db, rows).await?, next))
    }
}

/// The employee table, for the CSV export (admins).
pub async fn export_employees(
    db: &DatabaseConnection,
    actor: &Actor,
    period: &Period,
    meta: &RequestMeta,
) -> Result<Vec<EmployeeRow>, AppError> {
    Ok(for_admin(db, actor, period, meta).await?.employees)
}

/// The client table, for the CSV export (admins).
pub async fn export_clients(
    db: &DatabaseConnection,
    actor: &Actor,
    period: &Period,
    meta: &RequestMeta,
) -> Result<Vec<ClientRow>, AppError> {
    Ok(for_admin(db, actor, period, meta).await?.clients)
}
