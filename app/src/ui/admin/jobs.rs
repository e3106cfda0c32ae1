//! The admin's job screen: every job, filtered in the URL, paginated, with reassignment of open jobs among the
//! employees assigned to the job's client.

use crate::ui::shared::status::{for_role, neighbours, ErrorAlert, Loading, Pager};
use leptos::prelude::*;
use leptos_router::{components::Form, hooks::use_query_map};
use uuid::Uuid;

use super::assignments::action_error;
use crate::ui::shared::components::{urlencode, when, FormAlert};
use crate::{
    api::{
        assignments::{AssignmentOverview, EmployeeLoad},
        jobs::{JobDetail, JobQuery, JobSort, JobStatus, JobSummary, Priority},
        AppError, CurrentUser, Page, Role,
    },
    rpc::{
        assignments::get_assignments,
        jobs::{get_job, list_jobs, ReassignJob},
    },
};

/// The filters (from the URL), the list, the assignment overview (for the client and employee choices) and the
/// reassign action. Created by its section, outside any Suspense (see `admin_clients::ClientsData`).
#[derive(Clone, Copy)]
pub struct AdminJobsData {
    pub query: Memo<JobQuery>,
    pub list: Resource<Result<Option<Page<JobSummary>>, AppError>>,
    pub overview: Resource<Result<Option<AssignmentOverview>, AppError>>,
    pub reassign: ServerAction<ReassignJob>,
    /// The job opened with `?job=`, with its timeline.
    pub detail: Resource<Result<Option<JobDetail>, AppError>>,
}

fn query_from_url() -> Memo<JobQuery> {
    let q = use_query_map();
    Memo::new(move |_| {
        let q = q.read();
        let text = |k: &str| {
            q.get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        JobQuery {
            status: text("status").as_deref().and_then(JobStatus::parse),
            search: text("search"),
            sort: text("sort").as_deref().and_then(JobSort::parse),
            client_id: text("client_id").and_then(|v| v.parse().ok()),
            employee_id: text("employee_id").and_then(|v| v.parse().ok()),
            unassigned: text("unassigned")
                .and_then(|v| v.parse().ok())
                .filter(|u| *u),
            page: text("page").and_then(|v| v.parse().ok()),
            per_page: None,
        }
    })
}

/// The list's address for these filters on `page`.
fn page_link(q: &JobQuery, page: u64) -> String {
    let mut parts = Vec::new();
    if let Some(s) = q.status {
        parts.push(format!("status={}", s.as_str()));
    }
    if let Some(s) = &q.search {
        parts.push(format!("search={}", urlencode(s)));
    }
    if let Some(c) = q.client_id {
        parts.push(format!("client_id={c}"));
    }
    if let Some(e) = q.employee_id {
        parts.push(format!("employee_id={e}"));
    }
    if q.unassigned == Some(true) {
        parts.push("unassigned=true".into());
    }
    if let Some(s) = q.sort {
        parts.push(format!("sort={}", s.as_str()));
    }
    parts.push(format!("page={page}"));
    format!("/admin/jobs?{}", parts.join("&"))
}

impl AdminJobsData {
    /// Loads only on the jobs section and only for an admin; the list reloads when the filters change and after a
    /// reassignment.
    pub fn new(user: Resource<Result<Option<CurrentUser>, AppError>>) -> AdminJobsData {
        let reassign = ServerAction::<ReassignJob>::new();
        let query = query_from_url();
        let list = Resource::new(
            move || (query.get(), reassign.version().get()),
            move |(query, _)| async move { for_role(user, Role::is_admin, list_jobs(query)).await },
        );
        let overview = Resource::new(
            || (),
            move |_| async move { for_role(user, Role::is_admin, get_assignments()).await },
        );
        let q = use_query_map();
        let job = Memo::new(move |_| q.read().get("job").and_then(|v| Uuid::parse_str(&v).ok()));
        let detail = Resource::new(
            move || (job.get(), reassign.version().get()),
            move |(job, _)| async move {
                let Some(id) = job else {
                    return Ok(None);
                };
                for_role(user, Role::is_admin, get_job(id)).await
            },
        );
        AdminJobsData {
            query,
            list,
            overview,
            reassign,
            detail,
        }
    }
}

#[component]
pub fn AdminJobsSection(data: AdminJobsData) -> impl IntoView {
    let AdminJobsData {
        query,
        list,
        overview,
        reassign,
        detail,
    } = data;
    // The job of the latest reassignment, so its error shows on its own row.
    let last_job = RwSignal::new(None::<Uuid>);
    Effect::new(move |_| {
        if let Some(id) = reassign.input().with(|i| i.as_ref().map(|i| i.job_id)) {
            last_job.set(Some(id));
        }
    });
    let reassign_error = action_error(reassign.value());
    let reassigned = move || {
        reassign.value().with(|v| match v {
            Some(Ok(job)) => Some(format!(
                "Reassigned “{}” to {}.",
                job.heading(),
                job.employee_name.clone().unwrap_or_else(|| "nobody".into())
            )),
            _ => None,
        })
    };
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(Some(d)) => view! { <crate::ui::client::jobs::JobDetailView detail=d cancel=None back="/admin/jobs" /> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                }
            })}
        </Transition>
        <section class="card" data-testid="admin-jobs-section">
            <h2>"Jobs"</h2>
            {move || reassigned().map(|m| view! { <p class="alert alert-ok" role="status" data-testid="reassign-ok">{m}</p> })}
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    let overview = overview.await;
                    let list = list.await;
                    let q = query.get_untracked();
                    let (ov, ov_error) = match overview {
                        Ok(ov) => (ov, None),
                        Err(e) => (None, Some(e.to_string())),
                    };
                    let list = match list {
                        Ok(None) => return ().into_any(),
                        other => other,
                    };
                    let search_error = list.as_ref().err().and_then(|e| e.field_message("search"));
                    let employees = ov.as_ref().map(|o| o.employees.clone()).unwrap_or_default();
                    view! {
                        <Filters q=q.clone() overview=ov search_error />
                        {ov_error.map(|e| view! { <p class="alert alert-error">{e}</p> })}
                        {match list {
                            Ok(Some(page)) => view! {
                                <JobList page q employees reassign last_job reassign_error />
                            }
                            .into_any(),
                            Ok(None) => ().into_any(),
                            Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                        }}
                    }
                    .into_any()
                })}
            </Transition>
        </section>
    }
}

/// The filter form; a GET to this page, so the filters live in the URL.
#[component]
fn Filters(
    q: JobQuery,
    overview: Option<AssignmentOverview>,
    search_error: Option<String>,
) -> impl IntoView {
    let (clients, employees) = overview
        .map(|o| (o.clients, o.employees))
        .unwrap_or_default();
    let has_search_error = search_error.is_some();
    view! {
        <Form method="GET" action="/admin/jobs" attr:class="filters" attr:data-testid="job-filters">
            <div class="field">
                <label for="jf-status">"Status"</label>
                <select id="jf-status" name="status">
                    <option value="">"Any"</option>
                    {JobStatus::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.as_str() selected=q.status == Some(s)>{s.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field" class:has-error=has_search_error>
                <label for="jf-search">"Search"</label>
                <input id="jf-search" name="search" type="search" maxlength="200" placeholder="Title, company or URL"
                    value=q.search.clone().unwrap_or_default() aria-describedby="jf-search-error" />
                <p class="field-error" id="jf-search-error" data-field="search" role="alert">{search_error}</p>
            </div>
            <div class="field">
                <label for="jf-client">"Client"</label>
                <select id="jf-client" name="client_id">
                    <option value="">"Any"</option>
                    {clients
                        .into_iter()
                        .map(|c| view! {
                            <option value=c.client_id.to_string() selected=q.client_id == Some(c.client_id)>
                                {format!("{} ({})", c.name, c.email)}
                            </option>
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="jf-employee">"Employee"</label>
                <select id="jf-employee" name="employee_id">
                    <option value="">"Any"</option>
                    {employees
                        .into_iter()
                        .map(|e| view! {
                            <option value=e.employee_id.to_string() selected=q.employee_id == Some(e.employee_id)>
                                {e.name}
                            </option>
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="jf-sort">"Sort"</label>
                <select id="jf-sort" name="sort">
                    {JobSort::ALL
                        .into_iter()
                        .map(|s| view! {
                            <option value=s.as_str() selected=q.sort.unwrap_or_default() == s>{s.label()}</option>
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="check-field">
                <input id="jf-unassigned" name="unassigned" type="checkbox" value="true"
                    checked=q.unassigned == Some(true) />
                <label for="jf-unassigned">"Unassigned only"</label>
            </div>
            <div class="filter-actions">
                <button type="submit" class="btn btn-ghost">"Filter"</button>
                <a href="/admin/jobs" class="reset-link">"Clear"</a>
            </div>
        </Form>
    }
}

#[component]
fn JobList(
    page: Page<JobSummary>,
    q: JobQuery,
    employees: Vec<EmployeeLoad>,
    reassign: ServerAction<ReassignJob>,
    last_job: RwSignal<Option<Uuid>>,
    reassign_error: Signal<Option<String>>,
) -> impl IntoView {
    if page.items.is_empty() {
        return view! { <p class="muted" data-testid="jobs-empty">"No jobs match these filters."</p> }
            .into_any();
    }
    let pages = page.total.div_ceil(page.per_page.max(1)).max(1);
    let current = page.page;
    let noun = if page.total == 1 { "job" } else { "jobs" };
    let (prev, next) = neighbours(current, pages, |n| page_link(&q, n));
    view! {
        <p class="muted small" data-testid="jobs-total">
            {format!("{} {noun} · page {current} of {pages}", page.total)}
        </p>
        <ul class="client-list">
            {page
                .items
                .into_iter()
                .map(|job| {
                    // Whom this job may go to: the employees serving its client, other than the current one.
                    let choices: Vec<(Uuid, String)> = employees
                        .iter()
                        .filter(|e| {
                            Some(e.employee_id) != job.employee_id
                                && e.clients.iter().any(|c| c.client_id == job.client_id)
                        })
                        .map(|e| {
                            let label = if !e.user_active {
                                format!("{} (deactivated)", e.name)
                            } else if !e.is_available {
                                format!("{} (unavailable)", e.name)
                            } else {
                                e.name.clone()
                            };
                            (e.employee_id, label)
                        })
                        .collect();
                    view! { <JobRow job choices reassign last_job reassign_error /> }
                })
                .collect_view()}
        </ul>
        <Pager prev next />
    }
    .into_any()
}

#[component]
fn JobRow(
    job: JobSummary,
    choices: Vec<(Uuid, String)>,
    reassign: ServerAction<ReassignJob>,
    last_job: RwSignal<Option<Uuid>>,
    reassign_error: Signal<Option<String>>,
) -> impl IntoView {
    let id = job.id;
    let heading = job.heading();
    let status = job.status;
    let open = status.is_open();
    let prio_class = match job.priority {
        Priority::Urgent | Priority::High => Some("prio-high"),
        Priority::Normal | Priority::Low => None,
    };
    let employee = job
        .employee_name
        .clone()
        .unwrap_or_else(|| "Unassigned".into());
    let select_id = format!("reassign-{id}");
    let error = Signal::derive(move || {
        if last_job.get() == Some(id) {
            reassign_error.get()
        } else {
            None
        }
    });
    let form = (open && !choices.is_empty()).then(|| {
        view! {
            <ActionForm action=reassign attr:class="client-form reassign-form">
                <input type="hidden" name="job_id" value=id.to_string() />
                <div class="field">
                    <label for=select_id.clone()>"Reassign to"</label>
                    <select id=select_id name="employee_id" required>
                        {choices
                            .into_iter()
                            .map(|(e, label)| view! { <option value=e.to_string()>{label}</option> })
                            .collect_view()}
                    </select>
                </div>
                <button type="submit" class="btn btn-ghost">"Reassign"</button>
            </ActionForm>
            <FormAlert error />
        }
    });
    view! {
        <li class="client-row" data-testid="admin-job-row" data-job-id=id.to_string() data-status=status.as_str()>
            <div class="client-head">
                <a class="job-link" href=job.job_url.clone() target="_blank" rel="noopener noreferrer">{heading}</a>
                <span class=format!("badge status-{}", status.as_str()) data-testid="job-status">{status.label()}</span>
            </div>
            <dl class="meta">
                <div><dt>"Client"</dt><dd data-testid="job-client">{job.client_name.clone()}</dd></div>
                <div><dt>"Employee"</dt><dd data-testid="job-employee">{employee}</dd></div>
                <div><dt>"Priority"</dt><dd class=prio_class data-testid="job-priority">{job.priority.label()}</dd></div>
                <div><dt>"Delegated"</dt><dd>{when(job.delegated_at)}</dd></div>
                {job.deadline.map(|d| view! { <div><dt>"Deadline"</dt><dd>{when(d)}</dd></div> })}
            </dl>
            <p class="small"><a href=format!("/admin/jobs?job={id}") data-testid="job-timeline-link">"Details and timeline"</a></p>
            {form}
        </li>
    }
}
