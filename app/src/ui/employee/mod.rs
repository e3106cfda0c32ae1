//! The employee's screens, nested under `/employee`: the live queue, the history and their own figures.

pub mod work;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Outlet;

use crate::{
    api::{CurrentUser, Role},
    ui::{
        shared::{
            analytics::{AnalyticsData, EmployeeAnalyticsSection},
            layout::SectionNav,
            status::{RoleGate, RoleOnly},
        },
        use_auth,
    },
};

fn is_employee(role: Role) -> bool {
    role == Role::Employee
}

/// `/employee/…`: the head of the dashboard, then the section.
#[component]
pub fn Layout() -> impl IntoView {
    view! {
        <div class="dashboard">
            <RoleGate allowed=is_employee head=head />
            <Outlet />
        </div>
    }
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
    view! {
        <Title text="Queue" />
        <RoleOnly allowed=is_employee>
            <work::QueueSection data />
        </RoleOnly>
    }
}

/// `/employee/history`: jobs worked on before.
#[component]
pub fn History() -> impl IntoView {
    let data = work::WorkData::new(work::Section::History, use_auth().user);
    view! {
        <Title text="History" />
        <RoleOnly allowed=is_employee>
            <work::HistorySection data />
        </RoleOnly>
    }
}

/// `/employee/stats`: availability, counters and figures.
#[component]
pub fn Stats() -> impl IntoView {
    let user = use_auth().user;
    let data = work::WorkData::new(work::Section::Stats, user);
    let figures = AnalyticsData::new(user);
    view! {
        <Title text="My stats" />
        <RoleOnly allowed=is_employee>
            <work::StatsCard data />
            <EmployeeAnalyticsSection data=figures />
        </RoleOnly>
    }
}
