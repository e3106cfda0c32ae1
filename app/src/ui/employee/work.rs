//! The employee's dashboard: availability and counters, the queue (filter by client), a job with everything needed
//! to apply (posting, the client's profile and resume, notes), start, complete with a screenshot, hand back.

use crate::ui::shared::status::{ErrorAlert, Loading};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

pub use super::proof::Completion;
use super::proof::CorrectForm;
use crate::ui::shared::{
    charts::minutes,
    components::{form_error, when, FormAlert, PostForm, Upload},
};
use crate::{
    api::{
        jobs::{JobDetail, JobQuery, JobSummary},
        resumes::{resume_download_path, Resumes},
        work::{complete_path, EmployeeStats},
        AppError, CurrentUser, Page, Role,
    },
    rpc::{
        assignments::SetAvailability,
        jobs::list_jobs,
        questions::AskClient,
        work::{job_panel, my_stats, queue_view, ReturnJob, StartJob},
    },
};

/// Created by its section, outside any Suspense (see `admin_clients::ClientsData`). Only what every employee
/// screen shares: each list is a resource of its own screen ([`queue_resource`], [`history_resource`]), and the job
/// panel's actions live in the panel's chunk, so a screen's chunk holds only its own code.
#[derive(Clone, Copy)]
pub struct WorkData {
    pub stats: Resource<Result<Option<EmployeeStats>, AppError>>,
    /// The job chosen in the URL with its client's resumes, as JSON text that the job panel's chunk decodes
    /// ([`job_panel`]).
    pub detail: Resource<Result<Option<String>, AppError>>,
    pub availability: ServerAction<SetAvailability>,
    /// Bumped after each change made from the job panel (started, handed back, asked, completed).
    pub completed: RwSignal<u32>,
    user: Resource<Result<Option<CurrentUser>, AppError>>,
}

/// Which of the employee's screens the data is for: each loads only what it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Queue,
    History,
    Stats,
}

impl WorkData {
    pub fn new(
        section: Section,
        user: Resource<Result<Option<CurrentUser>, AppError>>,
    ) -> WorkData {
        let availability = ServerAction::<SetAvailability>::new();
        let completed = RwSignal::new(0u32);
        let q = use_query_map();
        let job = Memo::new(move |_| q.read().get("job").and_then(|v| Uuid::parse_str(&v).ok()));
        let changes = changes(availability, completed);
        let stats = Resource::new(
            move || (section, changes()),
            move |(s, _)| async move {
                if !matches!(s, Section::Queue | Section::Stats) || !signed_in_employee(user).await
                {
                    return Ok(None);
                }
                my_stats().await.map(Some)
            },
        );
        let detail = Resource::new(
            move || (section, job.get(), changes()),
            move |(s, job, _)| async move {
                let (true, Some(id)) = (matches!(s, Section::Queue | Section::History), job) else {
                    return Ok(None);
                };
                if !signed_in_employee(user).await {
                    return Ok(None);
                }
                job_panel(id).await.map(Some)
            },
        );
        WorkData {
            stats,
            detail,
            availability,
            completed,
            user,
        }
    }
}

/// What makes the lists load again: news from the server, the availability switched, a change from the panel.
fn changes(
    availability: ServerAction<SetAvailability>,
    completed: RwSignal<u32>,
) -> impl Fn() -> (u32, usize, u32) + Copy + Send + Sync + 'static {
    let live = crate::ui::shared::live::use_live();
    move || (live.get(), availability.version().get(), completed.get())
}

/// Whether the signed-in user is an employee (the lists load nothing otherwise).
async fn signed_in_employee(user: Resource<Result<Option<CurrentUser>, AppError>>) -> bool {
    matches!(user.await, Ok(Some(u)) if u.role == Role::Employee)
}

/// The queue screen's list: its markup, made on the server ([`queue_view`]), optionally one client's.
pub fn queue_resource(data: WorkData) -> Resource<Result<Option<String>, AppError>> {
    let q = use_query_map();
    let client = Memo::new(move |_| {
        q.read()
            .get("client")
            .and_then(|v| Uuid::parse_str(&v).ok())
    });
    let (changes, user) = (changes(data.availability, data.completed), data.user);
    Resource::new(
        move || (client.get(), changes()),
        move |(client, _)| async move {
            if !signed_in_employee(user).await {
                return Ok(None);
            }
            queue_view(client).await.map(Some)
        },
    )
}

/// The history screen's list: the employee's jobs, newest first.
pub fn history_resource(data: WorkData) -> Resource<Result<Option<Page<JobSummary>>, AppError>> {
    let (changes, user) = (changes(data.availability, data.completed), data.user);
    Resource::new(changes, move |_| async move {
        if !signed_in_employee(user).await {
            return Ok(None);
        }
        list_jobs(JobQuery {
            per_page: Some(50),
            ..Default::default()
        })
        .await
        .map(Some)
    })
}

/// Availability and the employee's counters.
#[component]
pub fn StatsCard(data: WorkData) -> impl IntoView {
    let WorkData {
        stats,
        availability,
        ..
    } = data;
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match stats.await {
                    Ok(Some(s)) => {
                        let (employee_id, available) = (s.employee_id, !s.is_available);
                        view! {
                            <section class="card stats-card" data-testid="stats">
                                <div class="stat-row">
                                    <div class="stat"><span class="stat-num" data-testid="open-count">{s.open_jobs}</span><span class="muted small">"open"</span></div>
                                    <div class="stat"><span class="stat-num" data-testid="today-count">{s.completed_today}</span><span class="muted small">"done today"</span></div>
                                    <div class="stat"><span class="stat-num">{s.completed_this_week}</span><span class="muted small">"this week"</span></div>
                                    <div class="stat"><span class="stat-num">{minutes(s.average_minutes)}</span><span class="muted small">"average"</span></div>
                                </div>
                                <PostForm action=availability read=move |_: &_| SetAvailability { employee_id, available } attr:class="inline-form">
                                    <input type="hidden" name="employee_id" value=employee_id.to_string() />
                                    <input type="hidden" name="available" value=available.to_string() />
                                    <span class="badge" class:badge-ok=s.is_available data-testid="my-availability">
                                        {if s.is_available { "Available" } else { "Unavailable" }}
                                    </span>
                                    " "
                                    <button type="submit" class="btn">{if s.is_available { "Pause new jobs" } else { "I'm available" }}</button>
                                </PostForm>
                                <FormAlert error=form_error(availability.value()) />
                            </section>
                        }
                        .into_any()
                    }
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The queue: the counters, the job opened, and the list as the server drew it ([`queue_resource`]).
#[component]
pub fn QueueSection(
    data: WorkData,
    queue: Resource<Result<Option<String>, AppError>>,
) -> impl IntoView {
    view! {
        <StatsCard data />
        <JobPanel data base="/employee" />
        <section class="card" data-testid="queue">
            <h2>"Your queue"</h2>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match queue.await {
                        Ok(Some(markup)) => view! { <div inner_html=markup></div> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The job chosen in the URL (`?job=`), with what the employee needs and can do.
#[component]
fn JobPanel(data: WorkData, base: &'static str) -> impl IntoView {
    let detail = data.detail;
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(Some(text)) => {
                        let view = work_job(Panel { text, data, base }).await;
                        #[cfg(feature = "ssr")]
                        crate::ui::preload::chunks("work_job");
                        view
                    }
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// What the job panel shows and acts with, passed to its chunk as one value.
pub struct Panel {
    /// `(JobDetail, Resumes)` as JSON, decoded here rather than in the queue's chunk.
    text: String,
    data: WorkData,
    base: &'static str,
}

/// The job panel in a chunk of its own: the queue and the history are usable before it arrives, and it is fetched
/// when a job is opened. A page opened on a job (`?job=`) loads it before hydrating ([`preload_panel`]).
#[leptos::lazy]
fn work_job(panel: Panel) -> AnyView {
    let Panel { text, data, base } = panel;
    match serde_json::from_str::<(JobDetail, Resumes)>(&text) {
        Ok((detail, resumes)) => view! { <WorkJob detail resumes data base /> }.into_any(),
        Err(_) => view! { <ErrorAlert error=AppError::Internal /> }.into_any(),
    }
}

/// Loads the job panel's chunk if the page was opened on a job, so that the page hydrates with the panel the server
/// drew (a lazy view inside a `Suspense` hydrates only if its code is already there).
pub async fn preload_panel() {
    #[cfg(feature = "hydrate")]
    {
        let search = window().location().search().unwrap_or_default();
        if search
            .trim_start_matches('?')
            .split('&')
            .any(|pair| pair.starts_with("job=") && pair.len() > 4)
        {
            __preload_work_job().await;
        }
    }
}

#[component]
fn WorkJob(
    detail: JobDetail,
    resumes: Resumes,
    data: WorkData,
    base: &'static str,
) -> impl IntoView {
    let completed = data.completed;
    // The panel's own actions (in its chunk, not the queue's): a success makes the lists and the panel load again.
    let (start, give_back, ask) = (
        ServerAction::<StartJob>::new(),
        ServerAction::<ReturnJob>::new(),
        ServerAction::<AskClient>::new(),
    );
    Effect::new(move |_| {
        let done = [
            matches!(start.value().get(), Some(Ok(_))),
            matches!(give_back.value().get(), Some(Ok(_))),
            matches!(ask.value().get(), Some(Ok(_))),
        ];
        if done.contains(&true) {
            completed.update(|n| *n += 1);
        }
    });
    let job = detail.job.clone();
    let resume = job.resume_type_id.map(|id| {
        (
            id,
            job.resume_type_name
                .clone()
                .unwrap_or_else(|| "Resume".into()),
        )
    });
    let p = resumes.profile;
    view! {
        <section class="card" data-testid="work-job">
            <p><a href=base>"← Back to the list"</a></p>
            <h2>{job.heading()}</h2>
            <p class="job-url"><a href=job.job_url.clone() target="_blank" rel="noopener noreferrer" data-testid="posting-link">{format!("Open the posting: {}", job.job_url)}</a></p>
            <dl class="facts">
                <dt>"Client"</dt><dd>{job.client_name.clone()}</dd>
                <dt>"Status"</dt><dd><span class=format!("badge status-{}", job.status.as_str()) data-testid="job-status">{job.status.label()}</span></dd>
                <dt>"Priority"</dt><dd>{job.priority.label()}</dd>
                <dt>"Deadline"</dt><dd>{job.deadline.map(when).unwrap_or_else(|| "—".into())}</dd>
                <dt>"Location"</dt><dd data-testid="job-location">{if job.location.is_empty() { "—".to_string() } else { job.location.clone() }}</dd>
                <dt>"Resume"</dt>
                <dd>{match resume {
                    Some((id, name)) => view! { <a href=resume_download_path(id) rel="external" data-testid="resume-link">{format!("Download “{name}”")}</a> }.into_any(),
                    None => view! { <span>"The client chose none"</span> }.into_any(),
                }}</dd>
            </dl>
            {(!detail.notes.is_empty()).then(|| view! { <h3>"Client's notes"</h3><p class="notes">{detail.notes.clone()}</p> })}
            <details class="profile" open=true>
                <summary>"Client's resume profile"</summary>
                <div data-testid="client-profile">
                    {(!p.summary.is_empty()).then(|| view! { <p>{p.summary.clone()}</p> })}
                    {(!p.experience.is_empty()).then(|| view! {
                        <h4>"Experience"</h4>
                        <ul>{p.experience.iter().map(|e| view! { <li>{format!("{} — {}{}", e.title, e.company, match (e.start.is_empty(), e.end.is_empty()) {
                            (true, true) => String::new(),
                            (false, true) => format!(" ({}–present)", e.start),
                            _ => format!(" ({}–{})", e.start, e.end),
                        })}</li> }).collect_view()}</ul>
                    })}
                    {(!p.education.is_empty()).then(|| view! {
                        <h4>"Education"</h4>
                        <ul>{p.education.iter().map(|e| view! { <li>{format!("{} {} {}", e.school, e.degree, e.field)}</li> }).collect_view()}</ul>
                    })}
                    {(!p.skills.is_empty()).then(|| view! { <p><strong>"Skills: "</strong>{p.skills.join(", ")}</p> })}
                    <p class="muted small">{[p.contact.email.clone(), p.contact.phone.clone(), p.contact.location.clone(), p.contact.linkedin.clone(), p.contact.website.clone(), p.contact.github.clone(), p.contact.portfolio.clone()]
                        .into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ")}</p>
                    <p class="small" data-testid="profile-answers">{[
                        ("Goes by", p.answers.preferred_name.clone()),
                        ("Authorized to work", p.answers.authorized_to_work.clone()),
                        ("Needs sponsorship", p.answers.needs_sponsorship.clone()),
                        ("Heard via", p.answers.how_heard.clone()),
                    ].into_iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(" · ")}</p>
                </div>
            </details>
            <crate::ui::client::questions::JobQuestions job_id=job.id questions=detail.questions.clone() answer=None />
            {match job.status {
                crate::api::jobs::JobStatus::Pending => view! {
                    <div class="row-actions">
                        <ActionForm action=start attr:class="inline-form">
                            <input type="hidden" name="job_id" value=job.id.to_string() />
                            <button type="submit" class="btn btn-primary" data-testid="start-job">"Start"</button>
                        </ActionForm>
                        <GiveBack id=job.id action=give_back />
                    </div>
                    <FormAlert error=form_error(start.value()) />
                }.into_any(),
                crate::api::jobs::JobStatus::InProgress => view! {
                    <super::questions::AskForm id=job.id ask />
                    <CompleteForm id=job.id completed />
                    <div class="row-actions"><GiveBack id=job.id action=give_back /></div>
                }.into_any(),
                crate::api::jobs::JobStatus::Completed => view! {
                    <Completion detail=detail.clone() />
                    <CorrectForm id=job.id completed />
                }.into_any(),
                _ => view! { <Completion detail=detail.clone() /> }.into_any(),
            }}
            <FormAlert error=form_error(give_back.value()) />
        </section>
    }
}

#[component]
fn GiveBack(id: Uuid, action: ServerAction<ReturnJob>) -> impl IntoView {
    view! {
        <ActionForm action attr:class="inline-form">
            <input type="hidden" name="job_id" value=id.to_string() />
            <button type="submit" class="btn btn-ghost" data-testid="return-job">"Hand back to the pool"</button>
        </ActionForm>
    }
}

/// Outcome, notes, reason and the screenshot, sent with upload progress.
#[component]
fn CompleteForm(id: Uuid, completed: RwSignal<u32>) -> impl IntoView {
    let upload = Upload::new();
    let (progress, message) = (upload.progress, upload.message);
    let field = move |f: &'static str| upload.field(f);
    let on_submit = upload.on_submit(complete_path(id), completed);
    view! {
        <form class="form-grid complete-form" method="post" enctype="multipart/form-data" action=complete_path(id)
            on:submit=on_submit data-testid="complete-form" novalidate>
            <fieldset class="field field-wide outcome">
                <legend>"Outcome"</legend>
                <label><input type="radio" name="outcome" value="submitted" checked=true />" Submitted"</label>
                <label><input type="radio" name="outcome" value="failed" />" Could not submit"</label>
                <p class="field-error" role="alert">{move || field("outcome").get().unwrap_or_default()}</p>
            </fieldset>
            <div class="field" class:has-error=move || field("screenshot").get().is_some()>
                <label for="c-shot">"Screenshot (PNG or JPEG)"</label>
                <input id="c-shot" name="screenshot" type="file" accept="image/png,image/jpeg" />
                <p class="field-error" role="alert">{move || field("screenshot").get().unwrap_or_default()}</p>
            </div>
            <div class="field" class:has-error=move || field("failure_reason").get().is_some()>
                <label for="c-reason">"Reason, if it could not be submitted"</label>
                <input id="c-reason" name="failure_reason" type="text" maxlength="2000" />
                <p class="field-error" role="alert">{move || field("failure_reason").get().unwrap_or_default()}</p>
            </div>
            <div class="field field-wide">
                <label for="c-notes">"Notes for the client"</label>
                <textarea id="c-notes" name="notes" rows="2" maxlength="5000"></textarea>
            </div>
            {move || progress.get().map(|p| view! { <progress max="100" value=format!("{:.0}", p * 100.0)></progress> })}
            <FormAlert error=message />
            <button type="submit" class="btn btn-primary" data-testid="complete-job">"Mark as completed"</button>
        </form>
    }
}

#[component]
pub fn HistorySection(
    data: WorkData,
    history: Resource<Result<Option<Page<JobSummary>>, AppError>>,
) -> impl IntoView {
    view! {
        <JobPanel data base="/employee/history" />
        <section class="card" data-testid="history">
            <h2>"Your jobs"</h2>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match history.await {
                        Ok(Some(p)) if p.items.is_empty() => view! { <p class="muted">"Jobs you work on will be listed here."</p> }.into_any(),
                        Ok(Some(p)) => view! {
                            <ul class="job-list">
                                {p.items.into_iter().map(|j| view! {
                                    <li class="job-row">
                                        <div class="job-head">
                                            <a class="job-title" href=format!("/employee/history?job={}", j.id)>{j.heading()}</a>
                                            <span class=format!("badge status-{}", j.status.as_str())>{j.status.label()}</span>
                                        </div>
                                        <p class="muted small">{format!("{} · delegated {}", j.client_name, when(j.delegated_at))}</p>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
