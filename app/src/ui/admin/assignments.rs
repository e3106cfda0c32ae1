//! The admin's assignment screen: assign employees to clients, mark them (un)available, see each one's load and
//! the clients whose jobs are waiting for someone.

use crate::ui::shared::status::{for_role, ErrorAlert, Loading};
use leptos::prelude::*;

use crate::ui::shared::components::{day, when, FormAlert};
use crate::{
    api::{
        assignments::{AssignmentOverview, ClientOption, EmployeeLoad},
        AppError, CurrentUser, Role,
    },
    rpc::assignments::{get_assignments, AssignEmployee, SetAvailability, UnassignEmployee},
};

/// The overview and the three actions that change it. Created by its section, outside any Suspense (see
/// `admin_clients::ClientsData`).
#[derive(Clone, Copy)]
pub struct AssignmentsData {
    pub overview: Resource<Result<Option<AssignmentOverview>, AppError>>,
    pub assign: ServerAction<AssignEmployee>,
    pub unassign: ServerAction<UnassignEmployee>,
    pub availability: ServerAction<SetAvailability>,
}

impl AssignmentsData {
    /// Loads only on the assignments section and only for an admin; reloads after any of the three actions.
    pub fn new(user: Resource<Result<Option<CurrentUser>, AppError>>) -> AssignmentsData {
        let assign = ServerAction::<AssignEmployee>::new();
        let unassign = ServerAction::<UnassignEmployee>::new();
        let availability = ServerAction::<SetAvailability>::new();
        let overview = Resource::new(
            move || {
                (
                    assign.version().get(),
                    unassign.version().get(),
                    availability.version().get(),
                )
            },
            move |(_, _, _)| async move { for_role(user, Role::is_admin, get_assignments()).await },
        );
        AssignmentsData {
            overview,
            assign,
            unassign,
            availability,
        }
    }
}

/// What went wrong, spelled out: a validation error gives its field messages rather than the generic
/// "correct the highlighted fields" (these forms have no free-text fields to highlight).
pub(super) fn error_text(e: &AppError) -> String {
    match e {
        AppError::Validation { fields, .. } if !fields.is_empty() => fields
            .iter()
            .map(|f| f.message.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        e => e.to_string(),
    }
}

/// The message of a failed action (see [`error_text`]), as a signal.
pub(super) fn action_error<S, T>(value: S) -> Signal<Option<String>>
where
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    T: 'static,
{
    Signal::derive(move || {
        value.with(|v| v.as_ref().and_then(|r| r.as_ref().err()).map(error_text))
    })
}

/// "1 open job", "3 open jobs".
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[component]
pub fn AssignmentsSection(data: AssignmentsData) -> impl IntoView {
    let AssignmentsData {
        overview,
        assign,
        unassign,
        availability,
    } = data;
    let assign_error = action_error(assign.value());
    let assigned = move || assign.value().with(|v| matches!(v, Some(Ok(()))));
    // The outcome of whichever per-employee action finished last.
    let card_error = RwSignal::new(None::<String>);
    for outcome in [
        action_error(unassign.value()),
        action_error(availability.value()),
    ] {
        Effect::new(move |_| card_error.set(outcome.get()));
    }
    view! {
        <section class="card" data-testid="assignments-section">
            <h2>"Assignments"</h2>
            <p class="muted">
                "Assign employees to clients. An available employee receives the client's new jobs; "
                "jobs wait until an assigned employee is available."
            </p>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(Some(ov)) => {
                            let AssignmentOverview { employees, clients } = ov;
                            view! {
                                <AssignForm clients=clients.clone() employees=employees.clone() assign error=assign_error />
                                {move || assigned().then(|| view! {
                                    <p class="alert alert-ok" role="status" data-testid="assign-ok">"Employee assigned."</p>
                                })}
                                <Waiting clients employees=employees.clone() />
                                <h3 class="subhead">"Employees"</h3>
                                <FormAlert error=card_error />
                                {if employees.is_empty() {
                                    view! {
                                        <p class="muted" data-testid="no-employees">
                                            "No employees yet. Create employee accounts on the Users screen."
                                        </p>
                                    }
                                    .into_any()
                                } else {
                                    view! {
                                        <ul class="client-list">
                                            {employees
                                                .into_iter()
                                                .map(|e| view! { <EmployeeCard employee=e unassign availability /> })
                                                .collect_view()}
                                        </ul>
                                    }
                                    .into_any()
                                }}
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
fn AssignForm(
    clients: Vec<ClientOption>,
    employees: Vec<EmployeeLoad>,
    assign: ServerAction<AssignEmployee>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <ActionForm action=assign attr:class="client-form assign-form" attr:data-testid="assign-form">
            <div class="field">
                <label for="assign-client">"Client"</label>
                <select id="assign-client" name="client_id" required>
                    <option value="">"Choose a client…"</option>
                    {clients
                        .into_iter()
                        .map(|c| {
                            let suffix = if c.is_activated { "" } else { " — not activated" };
                            view! {
                                <option value=c.client_id.to_string()>
                                    {format!("{} ({}){suffix}", c.name, c.email)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="assign-employee">"Employee"</label>
                <select id="assign-employee" name="employee_id" required>
                    <option value="">"Choose an employee…"</option>
                    {employees
                        .into_iter()
                        .map(|e| {
                            let suffix = if !e.user_active {
                                " — deactivated"
                            } else if !e.is_available {
                                " — unavailable"
                            } else {
                                ""
                            };
                            view! {
                                <option value=e.employee_id.to_string()>
                                    {format!("{} ({}){suffix}", e.name, e.email)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <button type="submit" class="btn btn-primary">"Assign"</button>
        </ActionForm>
        <FormAlert error />
    }
}

/// Clients with jobs waiting for an employee, and why they wait.
#[component]
fn Waiting(clients: Vec<ClientOption>, employees: Vec<EmployeeLoad>) -> impl IntoView {
    let waiting: Vec<_> = clients
        .into_iter()
        .filter(|c| c.unassigned_jobs > 0)
        .map(|c| {
            let serving: Vec<&EmployeeLoad> = employees
                .iter()
                .filter(|e| e.clients.iter().any(|a| a.client_id == c.client_id))
                .collect();
            let why = if serving.is_empty() {
                "No employee assigned"
            } else if !serving.iter().any(|e| e.is_available && e.user_active) {
                "No assigned employee is available"
            } else {
                "Being handed out"
            };
            (c, why)
        })
        .collect();
    view! {
        <h3 class="subhead">"Waiting jobs"</h3>
        {if waiting.is_empty() {
            view! { <p class="muted" data-testid="no-waiting">"No jobs are waiting for an employee."</p> }.into_any()
        } else {
            view! {
                <ul class="waiting-list">
                    {waiting
                        .into_iter()
                        .map(|(c, why)| {
                            let email = c.email.clone();
                            view! {
                            <li class="waiting-row" data-testid="waiting-client" data-email=email>
                                <div class="client-head">
                                    <strong>{c.name}</strong>
                                    <span class="muted">{c.email}</span>
                                    <span class="badge" data-testid="waiting-count">
                                        {count(c.unassigned_jobs, "waiting job", "waiting jobs")}
                                    </span>
                                </div>
                                <p class="muted small">{why}</p>
                            </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any()
        }}
    }
}

#[component]
fn EmployeeCard(
    employee: EmployeeLoad,
    unassign: ServerAction<UnassignEmployee>,
    availability: ServerAction<SetAvailability>,
) -> impl IntoView {
    let id = employee.employee_id.to_string();
    let available = employee.is_available;
    let last = employee.last_assigned_at.map_or_else(
        || "No job assigned yet".to_string(),
        |at| format!("Last job assigned {}", when(at)),
    );
    let clients = employee.clients;
    let jobs_link = format!("/admin/jobs?employee_id={id}");
    let email = employee.email.clone();
    let toggle_id = id.clone();
    view! {
        <li class="client-row" data-testid="employee-card" data-email=email>
            <div class="client-head">
                <strong>{employee.name}</strong>
                <span class="muted">{employee.email}</span>
                <span class="badge" class:badge-ok=available data-testid="availability">
                    {if available { "Available" } else { "Unavailable" }}
                </span>
                {(!employee.user_active).then(|| view! {
                    <span class="badge badge-bad" data-testid="account-deactivated">"Account deactivated"</span>
                })}
            </div>
            <p class="small">
                <a href=jobs_link data-testid="open-jobs">{count(employee.open_jobs, "open job", "open jobs")}</a>
                <span class="muted" data-testid="last-assigned">{format!(" · {last}")}</span>
            </p>
            <ActionForm action=availability attr:class="inline-form">
                <input type="hidden" name="employee_id" value=toggle_id />
                <input type="hidden" name="available" value=(!available).to_string() />
                <button type="submit" class="btn btn-ghost" data-testid="toggle-availability">
                    {if available { "Mark unavailable" } else { "Mark available" }}
                </button>
            </ActionForm>
            {if clients.is_empty() {
                view! { <p class="muted small">"No clients assigned."</p> }.into_any()
            } else {
                view! {
                    <ul class="assigned-list" aria-label="Assigned clients">
                        {clients
                            .into_iter()
                            .map(|c| {
                                let email = c.email.clone();
                                let id = id.clone();
                                view! {
                                <li class="assigned-row" data-testid="assigned-client" data-email=email>
                                    <div class="assigned-who">
                                        <span>{c.name}</span>
                                        <span class="muted small">
                                            {format!("{} · since {}", c.email, day(c.assigned_at))}
                                        </span>
                                    </div>
                                    <ActionForm action=unassign attr:class="inline-form">
                                        <input type="hidden" name="client_id" value=c.client_id.to_string() />
                                        <input type="hidden" name="employee_id" value=id />
                                        <button type="submit" class="btn btn-ghost">"Unassign"</button>
                                    </ActionForm>
                                </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </li>
    }
}
