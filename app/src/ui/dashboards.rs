//! Each role's dashboard: real navigation between sections, which fill up as features land.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_params_map};

use super::{
    admin_clients::{ClientsData, ClientsSection},
    admin_users::{UsersData, UsersSection},
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

#[component]
fn Empty(title: &'static str, text: &'static str) -> impl IntoView {
    view! {
        <section class="card empty" data-testid="empty-section">
            <h2>{title}</h2>
            <p class="muted">{text}</p>
        </section>
    }
}

#[component]
pub fn ClientDashboard() -> impl IntoView {
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
                "" => view! { <Empty title="Overview" text="Your delegated jobs and their progress will show here." /> }.into_any(),
                "jobs" => view! { <Empty title="Jobs" text="No jobs delegated yet." /> }.into_any(),
                "resumes" => view! { <Empty title="Resumes" text="No resumes uploaded yet." /> }.into_any(),
                "profile" => view! { <Empty title="Profile" text="Your resume profile will be edited here." /> }.into_any(),
                _ => view! { <super::layout::NotFound /> }.into_any(),
            }}
        </div>
    }
    .into_any()
}

#[component]
pub fn EmployeeDashboard() -> impl IntoView {
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
                "" => view! { <Empty title="Queue" text="No jobs assigned to you right now." /> }.into_any(),
                "history" => view! { <Empty title="History" text="Jobs you complete will be listed here." /> }.into_any(),
                "stats" => view! { <Empty title="My stats" text="Your numbers appear once you complete jobs." /> }.into_any(),
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
                "" => view! { <Empty title="Overview" text="Totals and alerts will show here." /> }.into_any(),
                "users" => view! { <UsersSection data={expect_context::<UsersData>()} me=user.clone() /> }.into_any(),
                "clients" => view! { <ClientsSection data={expect_context::<ClientsData>()} /> }.into_any(),
                "assignments" => view! { <Empty title="Assignments" text="No employees assigned yet." /> }.into_any(),
                "jobs" => view! { <Empty title="Jobs" text="No jobs yet." /> }.into_any(),
                "activity" => view! { <Empty title="Activity" text="The activity log browser arrives with the next release." /> }.into_any(),
                _ => view! { <super::layout::NotFound /> }.into_any(),
            }}
        </div>
    }
    .into_any()
}
