//! Each role's dashboard: real navigation between sections, which fill up as features land.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_params_map};

use super::{
    admin_activity::{ActivityData, ActivitySection},
    admin_assignments::{AssignmentsData, AssignmentsSection},
    admin_clients::{ClientsData, ClientsSection},
    admin_jobs::{AdminJobsData, AdminJobsSection},
    admin_queue::{FailedJobsSection, QueueData},
    admin_users::{UsersData, UsersSection},
    analytics::{
        AdminAnalyticsSection, AnalyticsData, ClientAnalyticsSection, EmployeeAnalyticsSection,
    },
    client_jobs::{ClientJobsData, ClientJobsSection},
    client_profile::{ProfileData, ProfileSection},
    client_resumes::{ResumesData, ResumesSection},
    employee_work::{HistorySection, QueueSection, StatsCard, WorkData},
    layout::SectionNav,
    use_auth,
};
use crate::api::{CurrentUser, Role};

/// Render `page` for a signed-in user whose role passes `allowed`; others go to login or their own dashboard.
#[component]
fn Guarded(allowed: fn(Role) -> bool, page: fn(CurrentUser, String) -> AnyView) -> impl IntoView {
    let auth = use_auth();
    let params = use_params_map();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let section = params.read().get("section").unwrap_or_default();
                match auth.user.await {
                    Ok(Some(user)) if allowed(user.role) => page(user, section),
                    Ok(Some(user)) => view! { <Redirect path=user.role.home() /> }.into_any(),
                    _ => view! { <Redirect path="/login" /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn section_title(role: Role, section: &str) -> &'static str {
    let path = if section.is_empty() {
        role.home().to_string()
    } else {
        format!("{}/{section}", role.home())
    };
    super::layout::sections(role)
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, l)| *l)
        .unwrap_or("Not found")
}

/// A signal that is true while the dashboard shows `section`.
fn on(section: &'static str) -> Signal<bool> {
    let params = use_params_map();
    Signal::derive(move || params.read().get("section").unwrap_or_default() == section)
}

#[component]
pub fn ClientDashboard() -> impl IntoView {
    let auth = use_auth();
    // The resumes feed the jobs screen's resume choice too.
    let on_jobs = on("jobs");
    let on_resumes = on("resumes");
    provide_context(ClientJobsData::new(on_jobs, auth.user));
    provide_context(ResumesData::new(
        Signal::derive(move || on_resumes.get() || on_jobs.get()),
        auth.user,
    ));
    provide_context(ProfileData::new(on("profile"), auth.user));
    provide_context(AnalyticsData::new(on(""), auth.user));
    view! { <Guarded allowed=|r| r == Role::Client page=client_page /> }
}

fn client_page(user: CurrentUser, section: String) -> AnyView {
    let title = section_title(Role::Client, &section);
    let activated = user.client_activated.unwrap_or(false);
    view! {
        <Title text=title />
        <div class="dashboard" data-testid="client-dashboard">
            <h1>{format!("Hello, {}", user.first_name)}</h1>
            <SectionNav role=Role::Client />
            {(!activated).then(|| view! {
                <section class="card notice" data-testid="awaiting-activation">
                    <h2>"Your account is awaiting activation"</h2>
                    <p>
                        "Thanks for signing up. An administrator reviews new accounts and activates them; "
                        "you can delegate job applications as soon as yours is active."
                    </p>
                </section>
            })}
            {match section.as_str() {
                "" => view! { <ClientAnalyticsSection data={expect_context::<AnalyticsData>()} /> }.into_any(),
                "jobs" => view! { <ClientJobsSection data={expect_context::<ClientJobsData>()} activated /> }.into_any(),
                "resumes" => view! { <ResumesSection data={expect_context::<ResumesData>()} /> }.into_any(),
                "profile" => view! { <ProfileSection data={expect_context::<ProfileData>()} /> }.into_any(),
                _ => view! { <super::layout::NotFound /> }.into_any(),
            }}
        </div>
    }
    .into_any()
}

#[component]
pub fn EmployeeDashboard() -> impl IntoView {
    let auth = use_auth();
    let params = use_params_map();
    let section = Signal::derive(move || params.read().get("section").unwrap_or_default());
    provide_context(WorkData::new(section, auth.user));
    provide_context(AnalyticsData::new(on("stats"), auth.user));
    view! { <Guarded allowed=|r| r == Role::Employee page=employee_page /> }
}

fn employee_page(user: CurrentUser, section: String) -> AnyView {
    let title = section_title(Role::Employee, &section);
    view! {
        <Title text=title />
        <div class="dashboard" data-testid="employee-dashboard">
            <h1>{format!("Hello, {}", user.first_name)}</h1>
            <SectionNav role=Role::Employee />
            {match section.as_str() {
                "" => view! { <QueueSection data={expect_context::<WorkData>()} /> }.into_any(),
                "history" => view! { <HistorySection data={expect_context::<WorkData>()} /> }.into_any(),
                "stats" => view! {
                    <StatsCard data={expect_context::<WorkData>()} />
                    <EmployeeAnalyticsSection data={expect_context::<AnalyticsData>()} />
                }.into_any(),
                _ => view! { <super::layout::NotFound /> }.into_any(),
            }}
        </div>
    }
    .into_any()
}

#[component]
pub fn AdminDashboard() -> impl IntoView {
    let auth = use_auth();
    let params = use_params_map();
    let on_clients =
        Signal::derive(move || params.read().get("section").as_deref() == Some("clients"));
    provide_context(ClientsData::new(on_clients, auth.user));
    let on_users = Signal::derive(move || params.read().get("section").as_deref() == Some("users"));
    provide_context(UsersData::new(on_users, auth.user));
    provide_context(AssignmentsData::new(on("assignments"), auth.user));
    provide_context(AdminJobsData::new(on("jobs"), auth.user));
    provide_context(ActivityData::new(on("activity"), auth.user));
    provide_context(QueueData::new(on("queue"), auth.user));
    provide_context(AnalyticsData::new(on(""), auth.user));
    view! { <Guarded allowed=Role::is_admin page=admin_page /> }
}

fn admin_page(user: CurrentUser, section: String) -> AnyView {
    let title = section_title(user.role, &section);
    view! {
        <Title text=title />
        <div class="dashboard" data-testid="admin-dashboard">
            <h1>{format!("Hello, {}", user.first_name)}</h1>
            <SectionNav role=user.role />
            {match section.as_str() {
                "" => view! { <AdminAnalyticsSection data={expect_context::<AnalyticsData>()} /> }.into_any(),
                "users" => view! { <UsersSection data={expect_context::<UsersData>()} me=user.clone() /> }.into_any(),
                "clients" => view! { <ClientsSection data={expect_context::<ClientsData>()} /> }.into_any(),
                "assignments" => view! { <AssignmentsSection data={expect_context::<AssignmentsData>()} /> }.into_any(),
                "jobs" => view! { <AdminJobsSection data={expect_context::<AdminJobsData>()} /> }.into_any(),
                "activity" => view! { <ActivitySection data={expect_context::<ActivityData>()} /> }.into_any(),
                "queue" => view! { <FailedJobsSection data={expect_context::<QueueData>()} /> }.into_any(),
                _ => view! { <super::layout::NotFound /> }.into_any(),
            }}
        </div>
    }
    .into_any()
}
