//! Job delegations: create (one or in bulk), list, detail with timeline, cancel, reassign.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use sea_orm::{
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, SqlErr,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    access, audit, distribution,
    entities::{activity_logs, clients, employees, job_delegations as jobs, resume_types, users},
    now,
    policy::{allows, Action, Resource},
    Actor, RequestMeta,
};
use crate::api::{
    jobs::{
        BulkForm, BulkLine, BulkOutcome, DelegateForm, JobDetail, JobQuery, JobSort, JobStatus,
        JobSummary, Priority, TimelineEntry,
    },
    AppError, FieldError, Page, Role,
};

pub const BULK_MAX: usize = 50;
const URL_MAX: usize = 2048;
const NOTES_MAX: usize = 5000;
const PER_PAGE_DEFAULT: u64 = 20;
const PER_PAGE_MAX: u64 = 100;

/// Query parameters that only say where a click came from.
fn is_tracking(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.starts_with("utm_")
        || matches!(
            k.as_str(),
            "gclid"
                | "gclsrc"
                | "dclid"
                | "fbclid"
                | "msclkid"
                | "yclid"
                | "twclid"
                | "ttclid"
                | "igshid"
                | "mc_cid"
                | "mc_eid"
                | "_hsenc"
                | "_hsmi"
                | "mkt_tok"
                | "li_fat_id"
                | "trk"
                | "trkinfo"
                | "trackingid"
                | "refid"
                | "ref"
                | "referrer"
                | "src"
                | "source"
                | "campaign"
        )
}

/// A job posting's address as stored and compared: http(s) only, no credentials, no fragment, tracking parameters
/// dropped, host lower-case, default port and a trailing slash removed.
pub fn normalize_url(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("Enter the job posting's address.".into());
    }
    if raw.len() > URL_MAX {
        return Err(format!("Use at most {URL_MAX} characters."));
    }
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let mut url = url::Url::parse(&with_scheme)
        .map_err(|_| "Enter a full web address, e.g. https://jobs.example.com/123.".to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("Only http and https addresses can be delegated.".into());
    }
    let host = url.host_str().unwrap_or_default();
    if host.is_empty()
        || (!host.contains('.')
            && host != "localhost"
            && url
                .host()
                .is_some_and(|h| matches!(h, url::Host::Domain(_))))
    {
        return Err("Enter a full web address, e.g. https://jobs.example.com/123.".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Remove the user name and password from the address.".into());
    }
    url.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !is_tracking(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    let path = url.path().to_string();
    if path.len() > 1 && path.ends_with('/') {
        url.set_path(path.trim_end_matches('/'));
    }
    let out = url.to_string();
    if out.len() > URL_MAX {
        return Err(format!("Use at most {URL_MAX} characters."));
    }
    Ok(out)
}

/// A deadline as typed: `YYYY-MM-DD` (end of that day, UTC), `YYYY-MM-DDTHH:MM` (UTC) or RFC 3339. Must be future.
pub fn parse_deadline(raw: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let at = if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        t.with_timezone(&Utc)
    } else if let Ok(t) = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M") {
        t.and_utc()
    } else if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        d.and_hms_opt(23, 59, 59)
            .ok_or("Enter a valid date.")?
            .and_utc()
    } else {
        return Err("Enter a date as YYYY-MM-DD, optionally with a time.".into());
    };
    if at <= now {
        return Err("The deadline must be in the future.".into());
    }
    Ok(Some(at))
}

/// What every delegation shares, checked.
struct Common {
    resume_type_id: Option<Uuid>,
    priority: Priority,
    deadline: Option<DateTime<Utc>>,
    notes: String,
}

fn check_common(
    resume_type_id: &str,
    priority: &str,
    deadline: &str,
    notes: &str,
    f: &mut Vec<FieldError>,
) -> Option<Common> {
    let mut err = |field: &str, message: String| {
        f.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let resume_type_id = match resume_type_id.trim() {
        "" => Some(None),
        s => match Uuid::parse_str(s) {
            Ok(id) => Some(Some(id)),
            Err(_) => {
                err("resume_type_id", "Choose one of your resumes.".into());
                None
            }
        },
    };
    let priority = match priority.trim() {
        "" => Some(Priority::Normal),
        s => match Priority::parse(s) {
            Some(p) => Some(p),
            None => {
                err("priority", "Choose low, normal, high or urgent.".into());
                None
            }
        },
    };
    let deadline = match parse_deadline(deadline, now()) {
        Ok(d) => Some(d),
        Err(m) => {
            err("deadline", m);
            None
        }
    };
    let notes = notes.trim().to_string();
    if notes.chars().count() > NOTES_MAX {
        err("notes", format!("Use at most {NOTES_MAX} characters."));
    }
    Some(Common {
        resume_type_id: resume_type_id?,
        priority: priority?,
        deadline: deadline?,
        notes,
    })
}

/// A validated delegation.
struct NewJob {
    url: String,
    company: String,
    title: String,
    /// Where the job is (as the posting says it), kept in the job's metadata.
    location: String,
    common: Common,
}

fn text(f: &mut Vec<FieldError>, field: &str, raw: &str, max: usize) -> String {
    let v = raw.trim().to_string();
    if v.chars().count() > max {
        f.push(FieldError {
            field: field.into(),
            message: format!("Use at most {max} characters."),
        });
    }
    v
}

/// The actor's client row, which must be activated; refusals are logged.
async fn activated_client(
    db: &DatabaseConnection,
    actor: &Actor,
    meta: &RequestMeta,
) -> Result<clients::Model, AppError> {
    let client = access::require_client(db, actor, "job.delegate", "job", meta).await?;
    if !client.is_activated {
        return Err(audit::denied(
            db,
            actor,
            "job.delegate",
            "job",
            None,
            meta,
            "Your account is awaiting activation: you can delegate jobs once an administrator activates it.",
        )
        .await);
    }
    Ok(client)
}

/// Delegate one job.
pub async fn delegate(
    db: &DatabaseConnection,
    actor: &Actor,
    form: &DelegateForm,
    meta: &RequestMeta,
) -> Result<JobSummary, AppError> {
    let client = activated_client(db, actor, meta).await?;
    let mut f = Vec::new();
    let url = match normalize_url(&form.job_url) {
        Ok(u) => Some(u),
        Err(m) => {
            f.push(FieldError {
                field: "job_url".into(),
                message: m,
            });
            None
        }
    };
    let company = text(&mut f, "company_name", &form.company_name, 200);
    let title = text(&mut f, "job_title", &form.job_title, 300);
    let location = text(&mut f, "location", &form.location, 200);
    let common = check_common(
        &form.resume_type_id,
        &form.priority,
        &form.deadline,
        &form.notes,
        &mut f,
    );
    let (Some(url), Some(common), true) = (url, common, f.is_empty()) else {
        return Err(AppError::fields(f));
    };
    let job = create(
        db,
        actor,
        &client,
        NewJob {
            url,
            company,
            title,
            location,
            common,
        },
        meta,
    )
    .await?;
    Ok(summaries(db, vec![job]).await?.remove(0))
}

/// Delegate up to 50 URLs at once. Shared fields are checked first (an error there writes nothing); then each line
/// is delegated on its own and reported.
pub async fn delegate_bulk(
    db: &DatabaseConnection,
    actor: &Actor,
    form: &BulkForm,
    meta: &RequestMeta,
) -> Result<Vec<BulkLine>, AppError> {
    let client = activated_client(db, actor, meta).await?;
    let lines: Vec<(usize, &str)> = form
        .urls
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let mut f = Vec::new();
    if lines.is_empty() {
        f.push(FieldError {
            field: "urls".into(),
            message: "Paste at least one job address, one per line.".into(),
        });
    } else if lines.len() > BULK_MAX {
        f.push(FieldError {
            field: "urls".into(),
            message: format!(
                "Paste at most {BULK_MAX} addresses at once (you pasted {}).",
                lines.len()
            ),
        });
    }
    let common = check_common(
        &form.resume_type_id,
        &form.priority,
        &form.deadline,
        &form.notes,
        &mut f,
    );
    let (Some(common), true) = (common, f.is_empty()) else {
        return Err(AppError::fields(f));
    };
    let mut out = Vec::with_capacity(lines.len());
    for (line, raw) in lines {
        let outcome = match normalize_url(raw) {
            Err(message) => BulkOutcome::Invalid { message },
            Ok(url) => {
                let new = NewJob {
                    url,
                    company: String::new(),
                    title: String::new(),
                    location: String::new(),
                    common: Common {
                        resume_type_id: common.resume_type_id,
                        priority: common.priority,
                        deadline: common.deadline,
                        notes: common.notes.clone(),
                    },
                };
                match create(db, actor, &client, new, meta).await {
                    Ok(job) => BulkOutcome::Created {
                        job_id: job.id,
                        status: JobStatus::parse(&job.status).unwrap_or(JobStatus::Unassigned),
                    },
                    Err(AppError::Duplicate {
                        message,
                        existing_job_id,
                    }) => BulkOutcome::Duplicate {
                        job_id: existing_job_id,
                        message,
                    },
                    Err(e @ AppError::Validation { .. }) => {
                        // A shared field (the resume) is wrong for every line: stop and say so.
                        if out.is_empty() {
                            return Err(e);
                        }
                        BulkOutcome::Invalid {
                            message: e.to_string(),
                        }
                    }
                    Err(e) => BulkOutcome::Invalid {
                        message: e.to_string(),
                    },
                }
            }
        };
        out.push(BulkLine {
            line,
            url: raw.chars().take(300).collect(),
            outcome,
        });
    }
    Ok(out)
}

async fn duplicate_of<C: ConnectionTrait>(
    db: &C,
    client_id: Uuid,
    url: &str,
) -> Result<Option<AppError>, AppError> {
    let earlier = jobs::Entity::find()
        .filter(jobs::Column::ClientId.eq(client_id))
        .filter(jobs::Column::JobUrl.eq(url))
        .filter(jobs::Column::Status.ne(JobStatus::Cancelled.as_str()))
        .one(db)
        .await?;
    Ok(earlier.map(|j| {
        let status = JobStatus::parse(&j.status).unwrap_or(JobStatus::Unassigned);
        AppError::Duplicate {
            message: format!(
                "You already delegated this posting on {} (status: {}).",
                j.delegated_at.format("%Y-%m-%d"),
                status.label().to_lowercase()
            ),
            existing_job_id: j.id,
        }
    }))
}

/// Write one delegation and distribute it, in one transaction under the client's lock.
async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    client: &clients::Model,
    new: NewJob,
    meta: &RequestMeta,
) -> Result<jobs::Model, AppError> {
    let txn = super::begin_write(db).await?;
    access::lock_client(&txn, client.id).await?;
    if let Some(rt) = new.common.resume_type_id {
        if super::resumes::type_of_client(&txn, client.id, rt)
            .await?
            .is_none()
        {
            drop(txn);
            let _ = audit::denied(
                db,
                actor,
                "job.delegate",
                "resume_type",
                Some(rt),
                meta,
                audit::NOT_PERMITTED,
            )
            .await;
            return Err(AppError::field(
                "resume_type_id",
                "Choose one of your own resumes.",
            ));
        }
    }
    if let Some(dup) = duplicate_of(&txn, client.id, &new.url).await? {
        return Err(dup);
    }
    let t = now();
    let inserted = jobs::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client.id),
        assigned_employee_id: Set(None),
        resume_type_id: Set(new.common.resume_type_id),
        job_url: Set(new.url.clone()),
        company_name: Set(new.company),
        job_title: Set(new.title),
        status: Set(JobStatus::Unassigned.as_str().into()),
        priority: Set(new.common.priority.as_str().into()),
        deadline: Set(new.common.deadline),
        delegated_at: Set(t),
        assigned_at: Set(None),
        started_at: Set(None),
        completed_at: Set(None),
        notes: Set(new.common.notes),
        metadata: Set(if new.location.is_empty() {
            json!({})
        } else {
            json!({ "location": new.location })
        }),
        updated_at: Set(t),
        deadline_reminded_at: Set(None),
        unassigned_alerted_at: Set(None),
    }
    .insert(&txn)
    .await;
    let job = match inserted {
        Ok(j) => j,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            drop(txn);
            return Err(duplicate_of(db, client.id, &new.url)
                .await?
                .unwrap_or_else(|| AppError::conflict("This posting was just delegated.")));
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &txn,
        Some(actor.user_id),
        "job.delegate",
        "job",
        Some(job.id),
        json!({"url": job.job_url, "priority": job.priority}),
        meta,
    )
    .await?;
    let job = distribution::distribute(&txn, job, meta).await?;
    txn.commit().await?;
    Ok(job)
}

/// Jobs the actor may see: a client their own, an employee those assigned to them, admins all.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    q: &JobQuery,
    meta: &RequestMeta,
) -> Result<Page<JobSummary>, AppError> {
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
        let pattern = super::users::like_pattern(s);
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
    select = match q.sort.unwrap_or_default() {
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

/// Rows to summaries, with client, employee and resume names (three queries whatever the number of rows).
pub async fn summaries<C: ConnectionTrait>(
    db: &C,
    rows: Vec<jobs::Model>,
) -> Result<Vec<JobSummary>, AppError> {
    // Each id once: a page of a thousand jobs usually has a handful of clients, employees and resumes.
    let unique = |ids: std::collections::BTreeSet<Uuid>| ids.into_iter().collect::<Vec<_>>();
    let client_ids = unique(rows.iter().map(|j| j.client_id).collect());
    let employee_ids = unique(rows.iter().filter_map(|j| j.assigned_employee_id).collect());
    let resume_ids = unique(rows.iter().filter_map(|j| j.resume_type_id).collect());
    let clients: HashMap<Uuid, Uuid> = clients::Entity::find()
        .filter(clients::Column::Id.is_in(client_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.user_id))
        .collect();
    let employees: HashMap<Uuid, Uuid> = employees::Entity::find()
        .filter(employees::Column::Id.is_in(employee_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.user_id))
        .collect();
    let user_ids = unique(
        clients
            .values()
            .chain(employees.values())
            .copied()
            .collect(),
    );
    let names: HashMap<Uuid, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, full_name(&u)))
        .collect();
    let resumes: HashMap<Uuid, String> = resume_types::Entity::find()
        .filter(resume_types::Column::Id.is_in(resume_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|j| JobSummary {
            client_name: clients
                .get(&j.client_id)
                .and_then(|u| names.get(u))
                .cloned()
                .unwrap_or_default(),
            employee_name: j
                .assigned_employee_id
                .and_then(|e| employees.get(&e))
                .and_then(|u| names.get(u))
                .cloned(),
            resume_type_name: j.resume_type_id.and_then(|r| resumes.get(&r)).cloned(),
            id: j.id,
            client_id: j.client_id,
            job_url: j.job_url,
            company_name: j.company_name,
            job_title: j.job_title,
            status: JobStatus::parse(&j.status).unwrap_or(JobStatus::Unassigned),
            priority: Priority::parse(&j.priority).unwrap_or(Priority::Normal),
            deadline: j.deadline,
            delegated_at: j.delegated_at,
            assigned_at: j.assigned_at,
            employee_id: j.assigned_employee_id,
            resume_type_id: j.resume_type_id,
            location: j
                .metadata
                .get("location")
                .and_then(|l| l.as_str())
                .unwrap_or_default()
                .to_string(),
        })
        .collect())
}

pub fn full_name(u: &users::Model) -> String {
    let n = format!("{} {}", u.first_name, u.last_name);
    let n = n.trim();
    if n.is_empty() {
        u.email.clone()
    } else {
        n.to_string()
    }
}

/// May the actor see this job? Its client, admins, and the employee it is assigned to or one serving its client.
async fn may_see(
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

async fn load(db: &DatabaseConnection, id: Uuid) -> Result<jobs::Model, AppError> {
    jobs::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("No such job."))
}

fn describe(
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
    let completion = super::work::completion_of(db, job.id).await?;
    Ok(JobDetail {
        job: summaries(db, vec![job]).await?.remove(0),
        notes,
        started_at,
        completed_at,
        timeline,
        completion,
    })
}

/// Take the client's lock, then read the job afresh (its status may have changed since it was first loaded).
pub(crate) async fn lock_and_reload<C: ConnectionTrait>(
    txn: &C,
    client_id: Uuid,
    id: Uuid,
) -> Result<(jobs::Model, JobStatus), AppError> {
    access::lock_client(txn, client_id).await?;
    let job = jobs::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("No such job."))?;
    let status = JobStatus::parse(&job.status).unwrap_or(JobStatus::Unassigned);
    Ok((job, status))
}

/// The client cancels a job that is not finished.
pub async fn cancel(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<JobSummary, AppError> {
    let client = access::require_client(db, actor, "job.cancel", "job", meta).await?;
    let job = load(db, id).await?;
    if job.client_id != client.id {
        return Err(audit::denied(
            db,
            actor,
            "job.cancel",
            "job",
            Some(id),
            meta,
            audit::NOT_PERMITTED,
        )
        .await);
    }
    let txn = super::begin_write(db).await?;
    let (job, status) = lock_and_reload(&txn, client.id, id).await?;
    if !status.is_open() {
        return Err(AppError::conflict(format!(
            "This job is {} and can no longer be cancelled.",
            status.label().to_lowercase()
        )));
    }
    let mut am: jobs::ActiveModel = job.into();
    am.status = Set(JobStatus::Cancelled.as_str().into());
    am.updated_at = Set(now());
    let job = am.update(&txn).await?;
    audit::record(
        &txn,
        Some(actor.user_id),
        "job.cancel",
        "job",
        Some(job.id),
        json!({"from": status.as_str()}),
        meta,
    )
    .await?;
    txn.commit().await?;
    Ok(summaries(db, vec![job]).await?.remove(0))
}

/// An admin gives an open job to another employee assigned to the job's client.
pub async fn reassign(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    employee_id: Uuid,
    meta: &RequestMeta,
) -> Result<JobSummary, AppError> {
    if !allows(actor.role, Resource::EmployeeAssignment, Action::Update) {
        return Err(audit::denied(
            db,
            actor,
            "job.reassign",
            "job",
            Some(id),
            meta,
            audit::NOT_PERMITTED,
        )
        .await);
    }
    let job = load(db, id).await?;
    let txn = super::begin_write(db).await?;
    let (job, status) = lock_and_reload(&txn, job.client_id, id).await?;
    if !status.is_open() {
        return Err(AppError::conflict(format!(
            "This job is {} and cannot be reassigned.",
            status.label().to_lowercase()
        )));
    }
    if job.assigned_employee_id == Some(employee_id) {
        return Err(AppError::field(
            "employee_id",
            "The job is already assigned to this employee.",
        ));
    }
    if !access::serves(&txn, employee_id, job.client_id).await? {
        return Err(AppError::field(
            "employee_id",
            "Choose an employee assigned to this job's client.",
        ));
    }
    let job = distribution::assign_to(&txn, job, employee_id, Some(actor), meta).await?;
    txn.commit().await?;
    Ok(summaries(db, vec![job]).await?.remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_normalized() {
        let n = |s| normalize_url(s).unwrap();
        assert_eq!(
            n("https://Jobs.Example.com/view/123/?utm_source=x&gh_jid=5&fbclid=y#apply"),
            "https://jobs.example.com/view/123?gh_jid=5"
        );
        assert_eq!(n("jobs.example.com/a"), "https://jobs.example.com/a");
        assert_eq!(
            n("https://example.com:443/x?utm_medium=a"),
            "https://example.com/x"
        );
        assert_eq!(n(" https://example.com/ "), "https://example.com/");
        assert_eq!(
            n("https://www.linkedin.com/jobs/view/42/?trk=abc&refId=1&currentJobId=42"),
            "https://www.linkedin.com/jobs/view/42?currentJobId=42"
        );
    }

    #[test]
    fn bad_urls_are_refused() {
        for bad in [
            "",
            "   ",
            "javascript:alert(1)",
            "ftp://example.com/x",
            "https://user:pw@example.com/",
            "not a url",
            "https://nodot/",
        ] {
            assert!(normalize_url(bad).is_err(), "{bad:?} accepted");
        }
        let long = format!("https://example.com/{}", "a".repeat(2100));
        assert!(normalize_url(&long).is_err());
    }

    #[test]
    fn deadlines_must_be_future() {
        let now = DateTime::parse_from_rfc3339("2026-01-10T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_deadline("", now), Ok(None));
        assert_eq!(
            parse_deadline("2026-01-11", now)
                .unwrap()
                .unwrap()
                .to_rfc3339(),
            "2026-01-11T23:59:59+00:00"
        );
        assert!(parse_deadline("2026-01-10T13:30", now).unwrap().is_some());
        assert!(parse_deadline("2026-01-09", now).is_err());
        assert!(parse_deadline("2026-01-10T11:00", now).is_err());
        assert!(parse_deadline("tomorrow", now).is_err());
    }
}
