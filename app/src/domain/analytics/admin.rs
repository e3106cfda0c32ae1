//! The admin's overview: totals, a table per employee and per client, the backlog and the alert.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter};
use uuid::Uuid;

use crate::api::{
    analytics::{AdminAnalytics, ClientRow, EmployeeRow, Period, RateAlert},
    jobs::JobStatus,
    AppError, Role,
};
use crate::domain::{
    audit,
    distribution::stmt,
    entities::{clients, employees, users},
    policy::{allows, Action, Resource},
    Actor, RequestMeta,
};

use super::*;

/// Jobs that ended in a period for one employee and client, with one status.
#[derive(FromQueryResult)]
pub(super) struct PerPair {
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
pub(super) struct Ended {
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
pub(super) struct PerClient {
    client_id: Uuid,
    n: i64,
}

#[derive(FromQueryResult)]
pub(super) struct Backlog {
    n: i64,
    oldest: Option<chrono::DateTime<chrono::Utc>>,
}

/// Everything, for admins: totals and trends, a line per employee and per client, the unassigned backlog, and the
/// completion-rate alert.
pub async fn for_admin(
    db: &DatabaseConnection,
    reads: &DatabaseConnection,
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
    // Past the check: the figures may come from the read replica.
    let db = reads;
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
                name: user
                    .map(crate::domain::users::full_name)
                    .unwrap_or_default(),
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
                name: user
                    .map(crate::domain::users::full_name)
                    .unwrap_or_default(),
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
