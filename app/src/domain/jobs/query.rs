//! Lists, summaries and one job's detail with its timeline.

use std::collections::HashMap;

use sea_orm::{
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::api::{
    jobs::{JobDetail, JobQuery, JobSort, JobStatus, JobSummary, TimelineEntry},
    AppError, Page, Role,
};
use crate::domain::{
    access, audit,
    entities::{activity_logs, employees, job_delegations as jobs, users},
    Actor, RequestMeta,
};

use super::*;
use crate::api::work::{CompletionView, ProofView};
use crate::domain::entities::{job_completions, proof_corrections};
use crate::domain::users::{display_name, full_name};

/// Jobs the actor may see: a client their own, an employee those assigned to them, admins all.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    q: &JobQuery,
    meta: &RequestMeta,
) -> Result<Page<JobSummary>, AppError> {
    let select = filtered(db, actor, q, meta).await?;
    paged(db, select, q).await
}

/// The jobs the actor may see that match the query's filters (people, search, status), in no order yet.
pub(super) async fn filtered(
    db: &DatabaseConnection,
    actor: &Actor,
    q: &JobQuery,
    meta: &RequestMeta,
) -> Result<sea_orm::Select<jobs::Entity>, AppError> {
    let mut select = jobs::Entity::find();
    match actor.role {
        Role::Client => {
            let client = access::require_client(db, actor, "job.list", "job", meta).await?;
            if q.client_id.is_some_and(|c| c != client.id) {
                return Err(audit::denied(
                    db,
                    actor,
                    "job.list",
                    "client",
                    q.client_id,
                    meta,
                    audit::NOT_PERMITTED,
                )
                .await);
            }
            select = select.filter(jobs::Column::ClientId.eq(client.id));
        }
        Role::Employee => {
            let Some(e) = access::employee_of(db, actor.user_id).await? else {
                return Err(AppError::forbidden(audit::NOT_PERMITTED));
            };
            select = select.filter(jobs::Column::AssignedEmployeeId.eq(e.id));
            if let Some(c) = q.client_id {
                select = select.filter(jobs::Column::ClientId.eq(c));
            }
        }
        Role::Admin | Role::SuperAdmin => {
            if let Some(c) = q.client_id {
                select = select.filter(jobs::Column::ClientId.eq(c));
            }
            if let Some(e) = q.employee_id {
                select = select.filter(jobs::Column::AssignedEmployeeId.eq(e));
            }
        }
    }
    if let Some(s) = &q.search {
        if s.chars().count() > 200 {
            return Err(AppError::field("search", "Use at most 200 characters."));
        }
    }
    if let Some(s) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = crate::domain::users::like_pattern(s);
        let m = |c: jobs::Column| {
            Expr::expr(Func::lower(Expr::col(c))).like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        select = select.filter(
            m(jobs::Column::JobTitle)
                .or(m(jobs::Column::CompanyName))
                .or(m(jobs::Column::JobUrl)),
        );
    }
    if q.unassigned == Some(true) {
        select = select.filter(jobs::Column::Status.eq(JobStatus::Unassigned.as_str()));
    } else if let Some(s) = q.status {
        select = select.filter(jobs::Column::Status.eq(s.as_str()));
    }
    Ok(select)
}

async fn paged(
    db: &DatabaseConnection,
    select: sea_orm::Select<jobs::Entity>,
    q: &JobQuery,
) -> Result<Page<JobSummary>, AppError> {
    let select = match q.sort.unwrap_or_default() {
        JobSort::Newest => select.order_by_desc(jobs::Column::DelegatedAt),
        JobSort::Oldest => select.order_by_asc(jobs::Column::DelegatedAt),
        JobSort::Deadline => select
            .order_by_asc(Expr::cust("CASE WHEN deadline IS NULL THEN 1 ELSE 0 END"))
            .order_by_asc(jobs::Column::Deadline)
            .order_by_desc(jobs::Column::DelegatedAt),
        JobSort::Priority => select
            .order_by_asc(Expr::cust(
                "CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END",
            ))
            .order_by_desc(jobs::Column::DelegatedAt),
    };
    let per_page = Ord::clamp(q.per_page.unwrap_or(PER_PAGE_DEFAULT), 1, PER_PAGE_MAX);
    let page = Ord::max(q.page.unwrap_or(1), 1);
    if page > super::PAGE_MAX {
        return Err(AppError::field(
            "page",
            format!("Use a page from 1 to {}.", super::PAGE_MAX),
        ));
    }
    let paginator = select.order_by_asc(jobs::Column::Id).paginate(db, per_page);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page - 1).await?;
    Ok(Page {
        items: summaries(db, rows).await?,
        total,
        page,
        per_page,
    })
}

#[derive(Debug, sea_orm::FromQueryResult)]
struct Name {
    kind: String,
    id: Uuid,
    first_name: String,
    last_name: String,
    email: String,
}

/// Rows to summaries, with client, employee and resume names (one query whatever the number of rows).
pub async fn summaries<C: ConnectionTrait>(
    db: &C,
    rows: Vec<jobs::Model>,
) -> Result<Vec<JobSummary>, AppError> {
    // Each id once: a page of a thousand jobs usually has a handful of clients, employees and resumes.
    let unique = |ids: std::collections::BTreeSet<Uuid>| ids.into_iter().collect::<Vec<_>>();
    let client_ids = unique(rows.iter().map(|j| j.client_id).collect());
    let employee_ids = unique(rows.iter().filter_map(|j| j.assigned_employee_id).collect());
    let resume_ids = unique(rows.iter().filter_map(|j| j.resume_type_id).collect());
    // One SELECT per kind of name that has ids, joined with UNION ALL, with numbered placeholders.
    let mut parts = Vec::new();
    let mut values: Vec<sea_orm::Value> = Vec::new();
    for (ids, select) in [
        (
            client_ids,
            "SELECT 'c' AS kind, c.id AS id, u.first_name AS first_name, u.last_name AS last_name, \
             u.email AS email FROM clients c JOIN users u ON u.id = c.user_id WHERE c.id IN ({ids})",
        ),
        (
            employee_ids,
            "SELECT 'e' AS kind, e.id AS id, u.first_name AS first_name, u.last_name AS last_name, \
             u.email AS email FROM employees e JOIN users u ON u.id = e.user_id WHERE e.id IN ({ids})",
        ),
        (
            resume_ids,
            "SELECT 'r' AS kind, r.id AS id, r.name AS first_name, '' AS last_name, '' AS email \
             FROM resume_types r WHERE r.id IN ({ids})",
        ),
    ] {
        if ids.is_empty() {
            continue;
        }
        let from = values.len() + 1;
        let marks = (from..from + ids.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        values.extend(ids.into_iter().map(sea_orm::Value::from));
        parts.push(select.replace("{ids}", &marks));
    }
    let mut clients: HashMap<Uuid, String> = HashMap::new();
    let mut employees: HashMap<Uuid, String> = HashMap::new();
    let mut resumes: HashMap<Uuid, String> = HashMap::new();
    if !parts.is_empty() {
        let sql = parts.join(" UNION ALL ");
        let names = Name::find_by_statement(crate::domain::infra::sql::stmt(
            db.get_database_backend(),
            &sql,
            values,
        ))
        .all(db)
        .await?;
        for n in names {
            match n.kind.as_str() {
                "c" => clients.insert(n.id, display_name(&n.first_name, &n.last_name, &n.email)),
                "e" => employees.insert(n.id, display_name(&n.first_name, &n.last_name, &n.email)),
                _ => resumes.insert(n.id, n.first_name),
            };
        }
    }
    Ok(rows
        .into_iter()
        .map(|j| {
            let client = clients.get(&j.client_id).cloned().unwrap_or_default();
            let employee = j
                .assigned_employee_id
                .and_then(|e| employees.get(&e))
                .cloned();
            let resume = j.resume_type_id.and_then(|r| resumes.get(&r)).cloned();
            summary(j, client, employee, resume)
        })
        .collect())
}

/// One row as a summary, given the names that go with it.
pub(super) fn summary(
    j: jobs::Model,
    client_name: String,
    employee_name: Option<String>,
    resume_type_name: Option<String>,
) -> JobSummary {
    JobSummary {
        client_name,
        employee_name,
        resume_type_name,
        location: j
            .metadata
            .get("location")
            .and_then(|l| l.as_str())
            .unwrap_or_default()
            .to_string(),
        id: j.id,
        client_id: j.client_id,
        job_url: j.job_url,
        company_name: j.company_name,
        job_title: j.job_title,
        status: j.status,
        priority: j.priority,
        deadline: j.deadline,
        delegated_at: j.delegated_at,
        assigned_at: j.assigned_at,
        employee_id: j.assigned_employee_id,
        resume_type_id: j.resume_type_id,
    }
}

/// May the actor see this job? Its client, admins, and the employee it is assigned to or one serving its client.
pub(super) async fn may_see(
    db: &DatabaseConnection,
    actor: &Actor,
    job: &jobs::Model,
) -> Result<bool, AppError> {
    if actor.role == Role::Employee {
        if let Some(e) = access::employee_of(db, actor.user_id).await? {
            if job.assigned_employee_id == Some(e.id) {
                return Ok(true);
            }
        }
    }
    access::may_read_client(db, actor, job.client_id).await
}

pub(super) async fn load(db: &DatabaseConnection, id: Uuid) -> Result<jobs::Model, AppError> {
    jobs::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("No such job."))
}

pub(super) fn describe(
    action: &str,
    data: &serde_json::Value,
    names: &HashMap<Uuid, String>,
) -> (String, String) {
    let employee = |key: &str| {
        data.get(key)
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok())
            .and_then(|id| names.get(&id).cloned())
    };
    match action {
        "job.delegate" => ("Delegated".into(), String::new()),
        "job.assign" => (
            "Assigned".into(),
            employee("employee_id")
                .map(|n| format!("to {n}"))
                .unwrap_or_default(),
        ),
        "job.reassign" => (
            "Reassigned".into(),
            employee("employee_id")
                .map(|n| format!("to {n}"))
                .unwrap_or_default(),
        ),
        "job.unassign" => ("Returned to the pool".into(), String::new()),
        "job.cancel" => ("Cancelled".into(), String::new()),
        "job.expire" => ("Expired".into(), "The deadline passed.".into()),
        "job.deadline_reminder" => ("Deadline reminder sent".into(), String::new()),
        "job.unassigned_alert" => (
            "Admins told it is waiting for an assistant".into(),
            String::new(),
        ),
        "job.start" => ("Started".into(), String::new()),
        "job.ask" => (
            "Asked the client".into(),
            count_of(data, "questions", "question"),
        ),
        "job.answer" => (
            "Client answered".into(),
            count_of(data, "answered", "answer"),
        ),
        "job.complete" => match data.get("outcome").and_then(|v| v.as_str()) {
            Some("failed") => (
                "Could not be submitted".into(),
                data.get("reason")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string(),
            ),
            _ => ("Submitted".into(), String::new()),
        },
        other => (other.to_string(), String::new()),
    }
}

/// "2 questions", from a number in the log entry's data.
fn count_of(data: &serde_json::Value, key: &str, noun: &str) -> String {
    match data.get(key).and_then(|v| v.as_u64()) {
        Some(1) => format!("1 {noun}"),
        Some(n) => format!("{n} {noun}s"),
        None => String::new(),
    }
}

/// One job with its timeline.
pub async fn detail(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<JobDetail, AppError> {
    let job = load(db, id).await?;
    if !may_see(db, actor, &job).await? {
        return Err(audit::denied(
            db,
            actor,
            "job.view",
            "job",
            Some(id),
            meta,
            audit::NOT_PERMITTED,
        )
        .await);
    }
    let log = activity_logs::Entity::find()
        .filter(activity_logs::Column::EntityType.eq("job"))
        .filter(activity_logs::Column::EntityId.eq(id))
        .order_by_asc(activity_logs::Column::CreatedAt)
        .order_by_asc(activity_logs::Column::Id)
        .all(db)
        .await?;
    // Names of the people the log mentions: actors and employees (by employee id).
    let employee_ids: Vec<Uuid> = log
        .iter()
        .flat_map(|l| {
            ["employee_id", "from_employee_id"].map(|k| {
                l.action_data
                    .get(k)
                    .and_then(|v| v.as_str())
                    .and_then(|s| Uuid::parse_str(s).ok())
            })
        })
        .flatten()
        .collect();
    let emps: Vec<employees::Model> = employees::Entity::find()
        .filter(employees::Column::Id.is_in(employee_ids))
        .all(db)
        .await?;
    let mut user_ids: Vec<Uuid> = log.iter().filter_map(|l| l.user_id).collect();
    user_ids.extend(emps.iter().map(|e| e.user_id));
    let people: HashMap<Uuid, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, full_name(&u)))
        .collect();
    let mut names = people.clone();
    for e in &emps {
        if let Some(n) = people.get(&e.user_id) {
            names.insert(e.id, n.clone());
        }
    }
    let timeline = log
        .into_iter()
        .filter(|l| l.action_type != "authz.denied")
        .map(|l| {
            let (action, detail) = describe(&l.action_type, &l.action_data, &names);
            TimelineEntry {
                at: l.created_at,
                action,
                actor: l
                    .user_id
                    .and_then(|u| people.get(&u).cloned())
                    .unwrap_or_else(|| "System".into()),
                detail,
            }
        })
        .collect();
    let notes = job.notes.clone();
    let (started_at, completed_at) = (job.started_at, job.completed_at);
    let completion = completion_of(db, job.id).await?;
    let questions = super::questions::questions_of(db, job.id).await?;
    Ok(JobDetail {
        job: summaries(db, vec![job]).await?.remove(0),
        notes,
        started_at,
        completed_at,
        timeline,
        completion,
        questions,
    })
}

/// How the job ended, for anyone who may see the job.
pub async fn completion_of<C: ConnectionTrait>(
    db: &C,
    job_id: Uuid,
) -> Result<Option<CompletionView>, AppError> {
    let Some(c) = job_completions::Entity::find()
        .filter(job_completions::Column::JobDelegationId.eq(job_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let by = match c.completed_by {
        Some(e) => match employees::Entity::find_by_id(e).one(db).await? {
            Some(e) => users::Entity::find_by_id(e.user_id)
                .one(db)
                .await?
                .map(|u| full_name(&u)),
            None => None,
        },
        None => None,
    };
    let proof = c.proof_screenshot_path.as_ref().map(|_| ProofView {
        path: crate::api::work::proof_path(job_id),
        sha256: c.proof_sha256.clone(),
        captured_url: c.captured_url.clone(),
        captured_title: c.captured_title.clone(),
        captured_at: c.captured_at,
        site_mismatch: c.site_mismatch,
        confirmation_page: c.confirmation_page,
        reason: None,
        added_at: c.completed_at,
    });
    let corrections = proof_corrections::Entity::find()
        .filter(proof_corrections::Column::JobDelegationId.eq(job_id))
        .order_by_asc(proof_corrections::Column::AddedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|r| ProofView {
            path: crate::api::work::correction_path(job_id, r.id),
            sha256: r.proof_sha256,
            captured_url: r.captured_url,
            captured_title: r.captured_title,
            captured_at: r.captured_at,
            site_mismatch: r.site_mismatch,
            confirmation_page: r.confirmation_page,
            reason: Some(r.reason),
            added_at: r.added_at,
        })
        .collect();
    Ok(Some(CompletionView {
        outcome: c.completion_status,
        notes: c.completion_notes,
        failure_reason: c.failure_reason,
        completed_at: c.completed_at,
        completed_by: by,
        has_proof: c.proof_screenshot_path.is_some(),
        proof,
        corrections,
    }))
}
