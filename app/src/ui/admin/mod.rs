//! The admins' screens, nested under `/admin`: the overview (figures), users, clients, assignments, jobs, the
//! activity log, the failed background jobs, and integrations (API keys and webhooks).

pub mod activity;
pub mod assignments;
pub mod clients;
pub mod integrations;
pub mod jobs;
pub mod queue;
pub mod users;

use leptos::prelude::*;

use crate::{
    api::{CurrentUser, Role},
    ui::{
        shared::{
            analytics::{admin_figures, AdminAnalyticsSection},
            layout::SectionNav,
            status::{Dashboard, Loading},
        },
        use_auth,
    },
};

/// The frame of every admin screen (see [`Dashboard`]).
#[component]
fn Frame(title: &'static str, children: ChildrenFn) -> impl IntoView {
    view! { <Dashboard title allowed=Role::is_admin head=head children /> }
}

fn head(user: CurrentUser) -> AnyView {
    view! {
        <div data-testid="admin-dashboard">
            <h1>{format!("Hello, {}", user.first_name)}</h1>
            <SectionNav role=user.role />
        </div>
    }
    .into_any()
}

/// `/admin`: the agency in figures.
#[component]
pub fn Overview() -> impl IntoView {
    let data = admin_figures(use_auth().user);
    view! {
        <Frame title="Overview">
            <AdminAnalyticsSection data />
        </Frame>
    }
}

/// `/admin/users`: accounts, created and (de)activated here. The list needs to know who is looking (nobody turns
/// themselves off), so it waits for the signed-in user; its data does not.
#[component]
pub fn Users() -> impl IntoView {
    let auth = use_auth();
    let data = users::UsersData::new(auth.user);
    view! {
        <Frame title="Users">
            <Suspense fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(me)) if me.role.is_admin() => view! { <users::UsersSection data me /> }.into_any(),
                        _ => ().into_any(),
                    }
                })}
            </Suspense>
        </Frame>
    }
}

/// `/admin/clients`: activation, payment status and notes.
#[component]
pub fn Clients() -> impl IntoView {
    let data = clients::ClientsData::new(use_auth().user);
    view! {
        <Frame title="Clients">
            <clients::ClientsSection data />
        </Frame>
    }
}

/// `/admin/assignments`: who serves whom, and who is available.
#[component]
pub fn Assignments() -> impl IntoView {
    let data = assignments::AssignmentsData::new(use_auth().user);
    view! {
        <Frame title="Assignments">
            <assignments::AssignmentsSection data />
        </Frame>
    }
}

/// `/admin/jobs`: every job, filtered, with reassignment.
#[component]
pub fn Jobs() -> impl IntoView {
    let data = jobs::AdminJobsData::new(use_auth().user);
    view! {
        <Frame title="Jobs">
            <jobs::AdminJobsSection data />
        </Frame>
    }
}

/// `/admin/activity`: the activity log.
#[component]
pub fn Activity() -> impl IntoView {
    let data = activity::ActivityData::new(use_auth().user);
    view! {
        <Frame title="Activity">
            <activity::ActivitySection data />
        </Frame>
    }
}

/// `/admin/queue`: background jobs that failed for good, with retry.
#[component]
pub fn Queue() -> impl IntoView {
    let data = queue::QueueData::new(use_auth().user);
    view! {
        <Frame title="Queue">
            <queue::FailedJobsSection data />
        </Frame>
    }
}

/// `/admin/integrations`: API keys and webhooks for other tools.
#[component]
pub fn Integrations() -> impl IntoView {
    let data = integrations::IntegrationsData::new(use_auth().user);
    view! {
        <Frame title="Integrations">
            <integrations::KeysSection data />
            <integrations::WebhooksSection data />
        </Frame>
    }
}
