//! The employee's screens, nested under `/employee`: the live queue, the history and their own figures.

mod proof;
mod questions;
pub mod work;

use leptos::prelude::*;

use crate::{
    api::{CurrentUser, Role},
    ui::{
        shared::{
            analytics::{employee_figures, EmployeeAnalyticsSection},
            layout::SectionNav,
            status::Dashboard,
        },
        use_auth,
    },
};

fn is_employee(role: Role) -> bool {
    role == Role::Employee
}

/// The frame of every employee screen (see [`Dashboard`]).
#[component]
fn Frame(title: &'static str, children: ChildrenFn) -> impl IntoView {
    view! { <Dashboard title allowed=is_employee head=head children /> }
}

fn head(user: CurrentUser) -> AnyView {
    view! {
        <div data-testid="employee-dashboard">
            <h1>{format!("Hello, {}", user.first_name)}</h1>
            <SectionNav role=Role::Employee />
        </div>
    }
    .into_any()
}

/// `/employee`: the queue, and the job being worked on.
#[component]
pub fn Queue() -> impl IntoView {
    let data = work::WorkData::new(work::Section::Queue, use_auth().user);
    let queue = work::queue_resource(data);
    view! {
        <Frame title="Queue">
            <work::QueueSection data queue />
        </Frame>
    }
}

/// `/employee/history`: jobs worked on before.
#[component]
pub fn History() -> impl IntoView {
    let data = work::WorkData::new(work::Section::History, use_auth().user);
    let history = work::history_resource(data);
    view! {
        <Frame title="History">
            <work::HistorySection data history />
        </Frame>
    }
}

/// `/employee/stats`: availability, counters and figures.
#[component]
pub fn Stats() -> impl IntoView {
    let user = use_auth().user;
    let data = work::WorkData::new(work::Section::Stats, user);
    let figures = employee_figures(user);
    view! {
        <Frame title="My stats">
            <work::StatsCard data />
            <EmployeeAnalyticsSection data=figures />
        </Frame>
    }
}
