//! Analytics screens: figures, charts drawn as SVG (rendered on the server, readable on a phone) with their numbers
//! as tables, a period picker, and CSV exports.

use crate::ui::shared::status::{for_role, ErrorAlert, Loading, UserResource};
use leptos::prelude::*;
use leptos_router::{components::Form, hooks::use_query_map};

use super::charts;
use crate::{
    api::{
        analytics::{AdminAnalytics, ClientAnalytics, EmployeeAnalytics, Period},
        AppError, Role,
    },
    rpc::analytics::{get_admin_analytics, get_client_analytics, get_employee_analytics},
};

/// The period in the address (`?from=…&to=…`), as given.
fn period_from_url() -> Memo<(String, String)> {
    let q = use_query_map();
    Memo::new(move |_| {
        let q = q.read();
        (
            q.get("from").unwrap_or_default(),
            q.get("to").unwrap_or_default(),
        )
    })
}

/// A role's figures for the period in the address.
pub type Loaded<T> = Resource<Result<Option<T>, AppError>>;

// Created by the dashboards outside any Suspense (see `admin_clients::ClientsData`). One function per role: a role's
// screen creates only its own resource, so its chunk holds one answer type's decoder, not the three.

pub fn client_figures(user: UserResource) -> Loaded<ClientAnalytics> {
    let period = period_from_url();
    Resource::new(
        move || period.get(),
        move |(from, to)| async move {
            for_role(user, |r| r == Role::Client, get_client_analytics(from, to)).await
        },
    )
}

pub fn employee_figures(user: UserResource) -> Loaded<EmployeeAnalytics> {
    let period = period_from_url();
    Resource::new(
        move || period.get(),
        move |(from, to)| async move {
            for_role(
                user,
                |r| r == Role::Employee,
                get_employee_analytics(from, to),
            )
            .await
        },
    )
}

pub fn admin_figures(user: UserResource) -> Loaded<AdminAnalytics> {
    let period = period_from_url();
    Resource::new(
        move || period.get(),
        move |(from, to)| async move {
            for_role(user, Role::is_admin, get_admin_analytics(from, to)).await
        },
    )
}

/// The period picker: two dates and quick ranges; a plain GET form, so it works before hydration too.
#[component]
fn PeriodPicker(period: Period, base: &'static str) -> impl IntoView {
    let from = period.from.to_string();
    let to = period.to.to_string();
    let today = chrono::Utc::now().date_naive();
    let quick = [7i64, 30, 90, 365].map(|d| {
        let start = today - chrono::Duration::days(d - 1);
        (
            format!("{base}?from={start}&to={today}"),
            format!("{d} days"),
        )
    });
    view! {
        <Form method="GET" action=base attr:class="filters period" attr:data-testid="period">
            <label>"From" <input type="date" name="from" value=from /></label>
            <label>"To" <input type="date" name="to" value=to /></label>
            <button type="submit" class="btn">"Show"</button>
            <span class="quick">
                {quick.into_iter().map(|(href, label)| view! { <a href=href>{label}</a> }).collect_view()}
            </span>
        </Form>
    }
}

#[component]
pub fn ClientAnalyticsSection(data: Loaded<ClientAnalytics>) -> impl IntoView {
    view! {
        <section class="card" data-testid="client-analytics">
            <h2>"Your jobs in figures"</h2>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(Some(a)) => view! {
                            <PeriodPicker period=a.figures.period base="/client" />
                            <div class="figures" inner_html=charts::client(&a)></div>
                        }
                        .into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
pub fn EmployeeAnalyticsSection(data: Loaded<EmployeeAnalytics>) -> impl IntoView {
    view! {
        <section class="card" data-testid="employee-analytics">
            <h2>"Your work in figures"</h2>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(Some(a)) => view! {
                            <PeriodPicker period=a.figures.period base="/employee/stats" />
                            <div class="figures" inner_html=charts::employee(&a)></div>
                        }
                        .into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
pub fn AdminAnalyticsSection(data: Loaded<AdminAnalytics>) -> impl IntoView {
    view! {
        <section class="card" data-testid="admin-analytics">
            <h2>"Overview"</h2>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(Some(a)) => view! {
                            <PeriodPicker period=a.figures.period base="/admin" />
                            <div class="figures" inner_html=charts::admin(&a)></div>
                        }
                        .into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
