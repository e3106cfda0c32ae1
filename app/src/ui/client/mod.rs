//! The client's screens, nested under `/client`: the overview (figures), jobs, resumes and profile. The layout holds
//! the greeting, the section tabs and the activation notice; each section creates its own data.

pub mod jobs;
pub mod profile;
pub mod questions;
pub mod resumes;

use leptos::prelude::*;

use crate::{
    api::{CurrentUser, Role},
    ui::{
        shared::{
            analytics::{client_figures, ClientAnalyticsSection},
            layout::SectionNav,
            status::Dashboard,
        },
        use_auth,
    },
};

fn is_client(role: Role) -> bool {
    role == Role::Client
}

/// The frame of every client screen (see [`Dashboard`]).
#[component]
fn Frame(title: &'static str, children: ChildrenFn) -> impl IntoView {
    view! { <Dashboard title allowed=is_client head=head children /> }
}

fn head(user: CurrentUser) -> AnyView {
    let activated = user.client_activated.unwrap_or(false);
    view! {
        <div data-testid="client-dashboard">
            <h1>{format!("Hello, {}", user.first_name)}</h1>
            <SectionNav role=Role::Client />
            {(!user.email_verified).then(|| view! {
                <section class="card notice" data-testid="email-unconfirmed">
                    <h2>"Please confirm your email address"</h2>
                    <p>
                        {format!("We sent a link to {}. Open it so that we can reach you about your applications. ", user.email)}
                        <a href="/settings">"Send it again"</a>
                    </p>
                </section>
            })}
            {(!activated).then(|| view! {
                <section class="card notice" data-testid="awaiting-activation">
                    <h2>"Your account is awaiting activation"</h2>
                    <p>
                        "Thanks for signing up. An administrator reviews new accounts and activates them; "
                        "you can delegate job applications as soon as yours is active."
                    </p>
                </section>
            })}
        </div>
    }
    .into_any()
}

/// `/client`: the client's figures.
#[component]
pub fn Overview() -> impl IntoView {
    let data = client_figures(use_auth().user);
    view! {
        <Frame title="Overview">
            <ClientAnalyticsSection data />
        </Frame>
    }
}

/// `/client/jobs`: delegate, and follow the jobs delegated.
#[component]
pub fn Jobs() -> impl IntoView {
    let user = use_auth().user;
    // The delegation forms offer the client's resumes.
    provide_context(resumes::ResumesData::new(user));
    let data = jobs::ClientJobsData::new(user);
    view! {
        <Frame title="Jobs">
            <jobs::ClientJobsSection data />
        </Frame>
    }
}

/// `/client/resumes`: resume PDFs by kind.
#[component]
pub fn Resumes() -> impl IntoView {
    let data = resumes::ResumesData::new(use_auth().user);
    view! {
        <Frame title="Resumes">
            <resumes::ResumesSection data />
        </Frame>
    }
}

/// `/client/profile`: the structured resume profile.
#[component]
pub fn Profile() -> impl IntoView {
    let data = profile::ProfileData::new(use_auth().user);
    view! {
        <Frame title="Profile">
            <profile::ProfileSection data />
        </Frame>
    }
}
