//! The client's jobs: delegate one or many, the list (filters in the URL), a job's detail with timeline, cancel.

use crate::ui::shared::status::{for_role, neighbours, ErrorAlert, Loading, Pager};
use leptos::prelude::*;
use leptos_router::{components::Form, hooks::use_query_map};
use uuid::Uuid;

use super::resumes::ResumesData;
use crate::ui::shared::components::{field_error, form_error, urlencode, when, Field, FormAlert};
use crate::{
    api::{
        jobs::{
            BulkLine, BulkOutcome, JobDetail, JobQuery, JobSort, JobStatus, JobSummary, Priority,
        },
        AppError, CurrentUser, Page, Role,
    },
    rpc::{
        jobs::{get_job, list_jobs, CancelJob, DelegateBulk, DelegateJob},
        questions::AnswerQuestion,
    },
};

/// Created by its section, outside any Suspense (see `admin_clients::ClientsData`).
#[derive(Clone, Copy)]
pub struct ClientJobsData {
    pub list: Resource<Result<Option<Page<JobSummary>>, AppError>>,
    pub detail: Resource<Result<Option<JobDetail>, AppError>>,
    pub delegate: ServerAction<DelegateJob>,
    pub bulk: ServerAction<DelegateBulk>,
    pub cancel: ServerAction<CancelJob>,
    pub answer: ServerAction<AnswerQuestion>,
}

fn query_from_url() -> Memo<(JobQuery, Option<Uuid>)> {
    let q = use_query_map();
    Memo::new(move |_| {
        let q = q.read();
        let text = |k: &str| q.get(k).filter(|v| !v.trim().is_empty());
        (
            JobQuery {
                status: text("status").as_deref().and_then(JobStatus::parse),
                search: text("search"),
                sort: text("sort").as_deref().and_then(JobSort::parse),
                page: text("page").and_then(|v| v.parse().ok()),
                ..Default::default()
            },
            text("job").and_then(|v| Uuid::parse_str(&v).ok()),
        )
    })
}

impl ClientJobsData {
    pub fn new(user: Resource<Result<Option<CurrentUser>, AppError>>) -> ClientJobsData {
        let delegate = ServerAction::<DelegateJob>::new();
        let bulk = ServerAction::<DelegateBulk>::new();
        let cancel = ServerAction::<CancelJob>::new();
        let answer = ServerAction::<AnswerQuestion>::new();
        let query = query_from_url();
        let live = crate::ui::shared::live::use_live();
        let changes = move || {
            (
                live.get(),
                delegate.version().get(),
                bulk.version().get(),
                cancel.version().get(),
                answer.version().get(),
            )
        };
        let list = Resource::new(
            move || (query.get().0, changes()),
            move |(q, _)| async move { for_role(user, |r| r == Role::Client, list_jobs(q)).await },
        );
        let detail = Resource::new(
            move || (query.get().1, changes()),
            move |(id, _)| async move {
                let Some(id) = id else {
                    return Ok(None);
                };
                for_role(user, |r| r == Role::Client, get_job(id)).await
            },
        );
        ClientJobsData {
            list,
            detail,
            delegate,
            bulk,
            cancel,
            answer,
        }
    }
}

fn job_link(id: Uuid) -> String {
    format!("/client/jobs?job={id}")
}

#[component]
pub fn ClientJobsSection(data: ClientJobsData) -> impl IntoView {
    view! {
        <DelegateCard data />
        <JobDetailCard data />
        <JobList data />
    }
}

/// The resume choice shared by both forms. The whole select waits for the list (a Suspense boundary inside a
/// `<select>` would not survive the HTML parser, and hydration would fail).
#[component]
fn ResumeSelect(id: &'static str, #[prop(into)] error: Signal<Option<String>>) -> impl IntoView {
    let resumes = expect_context::<ResumesData>().list;
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=id>"Resume"</label>
            <Transition fallback=move || view! { <select id=id name="form[resume_type_id]"><option value="">"No specific resume"</option></select> }>
                {move || Suspend::new(async move {
                    let types = resumes.await.ok().flatten().map(|r| r.types).unwrap_or_default();
                    view! {
                        <select id=id name="form[resume_type_id]">
                            <option value="">"No specific resume"</option>
                            {types
                                .into_iter()
                                .map(|t| view! { <option value=t.id.to_string()>{t.name}</option> })
                                .collect_view()}
                        </select>
                    }
                })}
            </Transition>
            <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
        </div>
    }
}

#[component]
fn PrioritySelect(id: &'static str) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>"Priority"</label>
            <select id=id name="form[priority]">
                {Priority::ALL
                    .into_iter()
                    .map(|p| view! { <option value=p.as_str() selected=p == Priority::Normal>{p.label()}</option> })
                    .collect_view()}
            </select>
        </div>
    }
}

/// A submit button, enabled once the client's account is active (it waits for the signed-in user).
#[component]
fn SubmitIfActive(
    label: &'static str,
    class: &'static str,
    #[prop(optional)] testid: Option<&'static str>,
) -> impl IntoView {
    let user = crate::ui::use_auth().user;
    view! {
        <Suspense fallback=move || view! { <button type="submit" class=class disabled=true data-testid=testid>{label}</button> }>
            {move || Suspend::new(async move {
                let active = matches!(user.await, Ok(Some(u)) if u.client_activated == Some(true));
                view! { <button type="submit" class=class disabled=!active data-testid=testid>{label}</button> }
            })}
        </Suspense>
    }
}

#[component]
fn DelegateCard(data: ClientJobsData) -> impl IntoView {
    let user = crate::ui::use_auth().user;
    let ClientJobsData { delegate, bulk, .. } = data;
    let v = delegate.value();
    let err = move |f: &'static str| field_error(v, f);
    let bv = bulk.value();
    let berr = move |f: &'static str| field_error(bv, f);
    // A duplicate names the earlier job; other failures show as one message.
    let outcome = move || match v.get() {
        Some(Ok(job)) => Some(
            view! {
                <div class="alert alert-ok" role="status" data-testid="delegated">
                    {match job.employee_name.clone() {
                        Some(name) => format!("Delegated. Assigned to {name}."),
                        None => "Delegated. It waits for an available assistant.".to_string(),
                    }}
                    " "
                    <a href=job_link(job.id)>"Open the job"</a>
                </div>
            }
            .into_any(),
        ),
        Some(Err(AppError::Duplicate {
            message,
            existing_job_id,
        })) => Some(
            view! {
                <div class="alert alert-error" role="alert" data-testid="duplicate">
                    {message} " " <a href=job_link(existing_job_id)>"Open the earlier job"</a>
                </div>
            }
            .into_any(),
        ),
        _ => None,
    };
    let general = Signal::derive(move || match v.get() {
        Some(Err(AppError::Duplicate { .. })) | Some(Err(AppError::Validation { .. })) => None,
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    });
    view! {
        <section class="card" data-testid="delegate-card">
            <h2>"Delegate a job"</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let activated = matches!(user.await, Ok(Some(u)) if u.client_activated == Some(true));
                    (!activated).then(|| view! {
                        <p class="muted">"You can delegate as soon as an administrator activates your account."</p>
                    })
                })}
            </Suspense>
            <ActionForm action=delegate attr:class="form-grid" attr:data-testid="delegate-form" attr:novalidate=true>
                <Field label="Job posting address" name="form[job_url]" id="job-url" kind="url"
                    placeholder="https://…" error=err("job_url") />
                <Field label="Company" name="form[company_name]" id="job-company" error=err("company_name") />
                <Field label="Job title" name="form[job_title]" id="job-title" error=err("job_title") />
                <ResumeSelect id="job-resume" error=err("resume_type_id") />
                <PrioritySelect id="job-priority" />
                <Field label="Deadline (optional)" name="form[deadline]" id="job-deadline" kind="date"
                    error=err("deadline") />
                <div class="field field-wide" class:has-error=move || err("notes").get().is_some()>
                    <label for="job-notes">"Notes for your assistant"</label>
                    <textarea id="job-notes" name="form[notes]" rows="3" maxlength="5000"></textarea>
                    <p class="field-error" role="alert">{move || err("notes").get().unwrap_or_default()}</p>
                </div>
                <FormAlert error=general />
                {outcome}
                <SubmitIfActive label="Delegate" class="btn btn-primary" testid="delegate-submit" />
            </ActionForm>
            <details class="bulk" data-testid="bulk">
                <summary>"Delegate several at once (up to 50)"</summary>
                <ActionForm action=bulk attr:class="form-grid" attr:novalidate=true>
                    <div class="field field-wide" class:has-error=move || berr("urls").get().is_some()>
                        <label for="bulk-urls">"Job addresses, one per line"</label>
                        <textarea id="bulk-urls" name="form[urls]" rows="6"></textarea>
                        <p class="field-error" role="alert">{move || berr("urls").get().unwrap_or_default()}</p>
                    </div>
                    <ResumeSelect id="bulk-resume" error=berr("resume_type_id") />
                    <PrioritySelect id="bulk-priority" />
                    <Field label="Deadline (optional)" name="form[deadline]" id="bulk-deadline" kind="date"
                        error=berr("deadline") />
                    <Field label="Notes" name="form[notes]" id="bulk-notes" error=berr("notes") />
                    <FormAlert error=Signal::derive(move || match bv.get() {
                        Some(Err(AppError::Validation { .. })) => None,
                        other => form_error(Signal::derive(move || other.clone())).get(),
                    }) />
                    <SubmitIfActive label="Delegate all" class="btn" />
                </ActionForm>
                {move || bv.get().and_then(Result::ok).map(|lines| view! { <BulkResults lines /> })}
            </details>
        </section>
    }
}

#[component]
fn BulkResults(lines: Vec<BulkLine>) -> impl IntoView {
    let created = lines
        .iter()
        .filter(|l| matches!(l.outcome, BulkOutcome::Created { .. }))
        .count();
    view! {
        <p data-testid="bulk-summary">{format!("{created} of {} delegated.", lines.len())}</p>
        <ul class="bulk-results">
            {lines.into_iter().map(|l| {
                let (class, text, link) = match l.outcome {
                    BulkOutcome::Created { job_id, status } => ("ok", status.label().to_string(), Some(job_id)),
                    BulkOutcome::Duplicate { job_id, message } => ("warn", message, Some(job_id)),
                    BulkOutcome::Invalid { message } => ("bad", message, None),
                };
                view! {
                    <li class=format!("bulk-{class}")>
                        <span class="muted small">{format!("Line {}: ", l.line)}</span>
                        <span class="url">{l.url}</span>" — "{text}
                        {link.map(|id| view! { " " <a href=job_link(id)>"Open"</a> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The status as its client reads it ("Needs your answer").
fn status_badge(s: JobStatus) -> impl IntoView {
    view! { <span class=format!("badge status-{}", s.as_str()) data-testid="job-status">{s.client_label()}</span> }
}

#[component]
fn JobDetailCard(data: ClientJobsData) -> impl IntoView {
    let ClientJobsData {
        detail,
        cancel,
        answer,
        ..
    } = data;
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(Some(d)) => view! { <JobDetailView detail=d cancel=Some(cancel) answer /> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A job with its facts, its questions, how it ended and its timeline; `cancel` for its client while it is open,
/// `answer` for its client to answer the questions (the status then reads as the client reads it).
#[component]
pub fn JobDetailView(
    detail: JobDetail,
    cancel: Option<ServerAction<CancelJob>>,
    #[prop(default = "/client/jobs")] back: &'static str,
    #[prop(optional)] answer: Option<ServerAction<AnswerQuestion>>,
) -> impl IntoView {
    let job = detail.job.clone();
    let cancel = cancel.filter(|_| job.status.is_open());
    let status = match answer {
        Some(_) => status_badge(job.status).into_any(),
        None => view! { <span class=format!("badge status-{}", job.status.as_str()) data-testid="job-status">{job.status.label()}</span> }.into_any(),
    };
    view! {
        <section class="card" data-testid="job-detail">
            <p><a href=back>"← All jobs"</a></p>
            <h2>{job.heading()}</h2>
            <p class="job-url"><a href=job.job_url.clone() target="_blank" rel="noopener noreferrer">{job.job_url.clone()}</a></p>
            <dl class="facts">
                <dt>"Status"</dt><dd>{status}</dd>
                <dt>"Assistant"</dt><dd data-testid="job-employee">{job.employee_name.clone().unwrap_or_else(|| "Not assigned yet".into())}</dd>
                <dt>"Priority"</dt><dd>{job.priority.label()}</dd>
                <dt>"Resume"</dt><dd>{job.resume_type_name.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"Location"</dt><dd data-testid="job-location">{if job.location.is_empty() { "—".to_string() } else { job.location.clone() }}</dd>
                <dt>"Deadline"</dt><dd>{job.deadline.map(when).unwrap_or_else(|| "—".into())}</dd>
                <dt>"Delegated"</dt><dd>{when(job.delegated_at)}</dd>
            </dl>
            {(!detail.notes.is_empty()).then(|| view! { <p class="notes">{detail.notes.clone()}</p> })}
            <super::questions::JobQuestions job_id=job.id questions=detail.questions.clone() answer=answer.filter(|_| job.status.is_open()) />
            <crate::ui::employee::work::Completion detail=detail.clone() />
            <h3>"Timeline"</h3>
            <ol class="timeline" data-testid="timeline">
                {detail.timeline.into_iter().map(|t| view! {
                    <li>
                        <strong>{t.action}</strong>" "{t.detail}
                        <span class="muted small">{format!(" · {} · {}", t.actor, when(t.at))}</span>
                    </li>
                }).collect_view()}
            </ol>
            {cancel.map(|cancel| view! {
                <ActionForm action=cancel attr:class="inline-form">
                    <input type="hidden" name="job_id" value=job.id.to_string() />
                    <button type="submit" class="btn btn-danger" data-testid="cancel-job">"Cancel this job"</button>
                </ActionForm>
                <FormAlert error=form_error(cancel.value()) />
            })}
        </section>
    }
}

#[component]
fn JobList(data: ClientJobsData) -> impl IntoView {
    let list = data.list;
    let query = query_from_url();
    let page_link = move |page: u64| {
        let q = query.get().0;
        let mut parts = vec![format!("page={page}")];
        if let Some(s) = q.status {
            parts.push(format!("status={}", s.as_str()));
        }
        if let Some(s) = q.search {
            parts.push(format!("search={}", urlencode(&s)));
        }
        if let Some(s) = q.sort {
            parts.push(format!("sort={}", s.as_str()));
        }
        format!("/client/jobs?{}", parts.join("&"))
    };
    view! {
        <section class="card" data-testid="jobs-list">
            <h2>"Your jobs"</h2>
            <Form method="GET" action="/client/jobs" attr:class="filters">
                <div class="field">
                    <label for="jf-search">"Search"</label>
                    <input id="jf-search" name="search" type="search" placeholder="Title, company or address"
                        prop:value=move || query.get().0.search.unwrap_or_default() />
                </div>
                <div class="field">
                    <label for="jf-status">"Status"</label>
                    <select id="jf-status" name="status">
                        <option value="">"Any"</option>
                        {JobStatus::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=move || query.get().0.status == Some(s)>{s.client_label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="jf-sort">"Sort"</label>
                    <select id="jf-sort" name="sort">
                        {JobSort::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=move || query.get().0.sort.unwrap_or_default() == s>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="btn">"Apply"</button>
            </Form>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(Some(p)) if p.items.is_empty() => view! { <p class="muted" data-testid="no-jobs">"No jobs here yet."</p> }.into_any(),
                        Ok(Some(p)) => {
                            let pages = p.total.div_ceil(p.per_page).max(1);
                            let current = p.page;
                            let (prev, next) = neighbours(current, pages, page_link);
                            let summary = format!("{} job{} · page {current} of {pages}", p.total, if p.total == 1 { "" } else { "s" });
                            view! {
                                <ul class="job-list">
                                    {p.items.into_iter().map(|j| view! { <JobRow job=j /> }).collect_view()}
                                </ul>
                                <Pager prev next summary />
                            }
                            .into_any()
                        }
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn JobRow(job: JobSummary) -> impl IntoView {
    view! {
        <li class="job-row" data-testid="job-row">
            <div class="job-head">
                <a href=job_link(job.id) class="job-title">{job.heading()}</a>
                {status_badge(job.status)}
            </div>
            <p class="muted small">
                {format!(
                    "{} · {} priority · delegated {}",
                    job.employee_name.clone().unwrap_or_else(|| "Waiting for an assistant".into()),
                    job.priority.label(),
                    when(job.delegated_at),
                )}
            </p>
        </li>
    }
}
