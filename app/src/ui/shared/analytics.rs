//! Analytics screens: figures, charts drawn as SVG (rendered on the server, readable on a phone) with their numbers
//! as tables, a period picker, and CSV exports.

use crate::ui::shared::status::{for_role, ErrorAlert, Loading};
use leptos::prelude::*;
use leptos_router::{components::Form, hooks::use_query_map};

use super::components::when;
use crate::{
    api::{
        analytics::{
            AdminAnalytics, AlertLevel, ClientAnalytics, DayCount, EmployeeAnalytics, Figures,
        },
        AppError, CurrentUser, Role,
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

type Loaded<T> = Resource<Result<Option<T>, AppError>>;

/// Created by the dashboards outside any Suspense (see `admin_clients::ClientsData`).
#[derive(Clone, Copy)]
pub struct AnalyticsData {
    pub client: Loaded<ClientAnalytics>,
    pub employee: Loaded<EmployeeAnalytics>,
    pub admin: Loaded<AdminAnalytics>,
}

impl AnalyticsData {
    pub fn new(user: Resource<Result<Option<CurrentUser>, AppError>>) -> AnalyticsData {
        let period = period_from_url();
        let source = move || period.get();
        let client = Resource::new(source, move |(from, to)| async move {
            for_role(user, |r| r == Role::Client, get_client_analytics(from, to)).await
        });
        let employee = Resource::new(source, move |(from, to)| async move {
            for_role(
                user,
                |r| r == Role::Employee,
                get_employee_analytics(from, to),
            )
            .await
        });
        let admin = Resource::new(source, move |(from, to)| async move {
            for_role(user, Role::is_admin, get_admin_analytics(from, to)).await
        });
        AnalyticsData {
            client,
            employee,
            admin,
        }
    }
}

pub fn pct(r: Option<f64>) -> String {
    r.map(|r| format!("{:.0}%", r * 100.0))
        .unwrap_or_else(|| "—".into())
}

fn hours(h: Option<f64>) -> String {
    match h {
        Some(h) if h < 1.0 => format!("{:.0} min", h * 60.0),
        Some(h) if h < 48.0 => format!("{h:.1} h"),
        Some(h) => format!("{:.1} days", h / 24.0),
        None => "—".into(),
    }
}

fn minutes(m: Option<f64>) -> String {
    match m {
        Some(m) if m < 90.0 => format!("{m:.0} min"),
        Some(m) => format!("{:.1} h", m / 60.0),
        None => "—".into(),
    }
}

/// The period picker: two dates and quick ranges; a plain GET form, so it works before hydration too.
#[component]
fn PeriodPicker(figures: Figures, base: &'static str) -> impl IntoView {
    let from = figures.period.from.to_string();
    let to = figures.period.to.to_string();
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

/// A few key numbers.
#[component]
fn Tiles(items: Vec<(&'static str, String)>) -> impl IntoView {
    view! {
        <div class="tiles">
            {items.into_iter().map(|(label, value)| view! {
                <div class="tile" data-testid="tile" data-label=label>
                    <span class="tile-value">{value}</span>
                    <span class="tile-label">{label}</span>
                </div>
            }).collect_view()}
        </div>
    }
}

/// Counts per day as columns, with the numbers in a table underneath.
#[component]
fn DayChart(title: &'static str, days: Vec<DayCount>, testid: &'static str) -> impl IntoView {
    let max = days.iter().map(|d| d.count).max().unwrap_or(0).max(1);
    let n = days.len().max(1) as f64;
    let w = 600.0 / n;
    let total: u64 = days.iter().map(|d| d.count).sum();
    let first = days.first().map(|d| d.day.to_string()).unwrap_or_default();
    let last = days.last().map(|d| d.day.to_string()).unwrap_or_default();
    let bars = days
        .iter()
        .enumerate()
        .filter(|(_, d)| d.count > 0)
        .map(|(i, d)| {
            let h = d.count as f64 / max as f64 * 190.0;
            view! {
                <rect x=format!("{:.2}", i as f64 * w + w * 0.1) y=format!("{:.2}", 200.0 - h)
                      width=format!("{:.2}", (w * 0.8).max(0.5)) height=format!("{h:.2}") class="bar">
                    <title>{format!("{}: {}", d.day, d.count)}</title>
                </rect>
            }
        })
        .collect_view();
    let rows = days
        .iter()
        .map(|d| view! { <tr><td>{d.day.to_string()}</td><td class="num">{d.count}</td></tr> })
        .collect_view();
    view! {
        <figure class="chart" data-testid=testid>
            <figcaption>{format!("{title} ({total} in all)")}</figcaption>
            <div class="chart-frame">
                <span class="chart-max">{max}</span>
                <svg viewBox="0 0 600 200" preserveAspectRatio="none" role="img"
                     aria-label=format!("{title}: {total} from {first} to {last}, at most {max} a day")>
                    <line x1="0" y1="200" x2="600" y2="200" class="axis" />
                    {bars}
                </svg>
            </div>
            <div class="chart-axis"><span>{first}</span><span>{last}</span></div>
            <details>
                <summary>"Numbers"</summary>
                <table class="data"><thead><tr><th>"Day"</th><th class="num">"Jobs"</th></tr></thead><tbody>{rows}</tbody></table>
            </details>
        </figure>
    }
}

/// Counts per category as horizontal bars (labels inside the drawing), with a table.
#[component]
fn BarsChart(
    title: &'static str,
    items: Vec<(String, u64)>,
    testid: &'static str,
) -> impl IntoView {
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    let height = (items.len().max(1) * 26) as f64;
    let bars = items
        .iter()
        .enumerate()
        .map(|(i, (label, count))| {
            let y = i as f64 * 26.0;
            let w = *count as f64 / max as f64 * 150.0;
            view! {
                <g>
                    <text x="0" y=format!("{:.1}", y + 17.0) class="bar-label">{label.clone()}</text>
                    <rect x="140" y=format!("{:.1}", y + 5.0) width=format!("{w:.2}") height="16" class="bar" />
                    <text x=format!("{:.1}", 146.0 + w) y=format!("{:.1}", y + 17.0) class="bar-value">{*count}</text>
                </g>
            }
        })
        .collect_view();
    let rows = items
        .iter()
        .map(|(label, count)| view! { <tr><td>{label.clone()}</td><td class="num">{*count}</td></tr> })
        .collect_view();
    view! {
        <figure class="chart" data-testid=testid>
            <figcaption>{title}</figcaption>
            <svg viewBox=format!("0 0 320 {height}") role="img" aria-label=title class="bars">{bars}</svg>
            <details>
                <summary>"Numbers"</summary>
                <table class="data"><thead><tr><th>"What"</th><th class="num">"Jobs"</th></tr></thead><tbody>{rows}</tbody></table>
            </details>
        </figure>
    }
}

fn by_status(f: &Figures) -> Vec<(String, u64)> {
    f.by_status
        .iter()
        .map(|s| (s.status.label().to_string(), s.count))
        .collect()
}

#[component]
pub fn ClientAnalyticsSection(data: AnalyticsData) -> impl IntoView {
    view! {
        <section class="card" data-testid="client-analytics">
            <h2>"Your jobs in figures"</h2>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match data.client.await {
                        Ok(Some(a)) => {
                            let f = a.figures.clone();
                            let export = format!("/files/exports/jobs.csv?from={}&to={}", f.period.from, f.period.to);
                            view! {
                                <PeriodPicker figures=f.clone() base="/client" />
                                <Tiles items=vec![
                                    ("Delegated", f.delegated.to_string()),
                                    ("Submitted", f.submitted.to_string()),
                                    ("Completion rate", pct(f.completion_rate)),
                                    ("Average time to submit", hours(f.avg_hours_to_complete)),
                                ] />
                                <DayChart title="Jobs delegated per day" days=f.delegated_per_day.clone() testid="chart-delegated" />
                                <BarsChart title="Jobs by status" items=by_status(&f) testid="chart-status" />
                                <BarsChart title="Jobs by resume" items=a.by_resume.iter().map(|r| (r.name.clone(), r.count)).collect() testid="chart-resume" />
                                <p><a href=export rel="external" download="jobs.csv" data-testid="export-jobs">"Download these jobs (CSV)"</a></p>
                            }.into_any()
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
pub fn EmployeeAnalyticsSection(data: AnalyticsData) -> impl IntoView {
    view! {
        <section class="card" data-testid="employee-analytics">
            <h2>"Your work in figures"</h2>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match data.employee.await {
                        Ok(Some(a)) => {
                            let f = a.figures.clone();
                            view! {
                                <PeriodPicker figures=f.clone() base="/employee/stats" />
                                <Tiles items=vec![
                                    ("Submitted", f.submitted.to_string()),
                                    ("Average time working", minutes(f.avg_minutes_working)),
                                    ("On time", pct(f.on_time_rate)),
                                    ("Open now", a.open_load.to_string()),
                                ] />
                                <DayChart title="Jobs submitted per day" days=f.completed_per_day.clone() testid="chart-completed" />
                            }.into_any()
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
pub fn AdminAnalyticsSection(data: AnalyticsData) -> impl IntoView {
    view! {
        <section class="card" data-testid="admin-analytics">
            <h2>"Overview"</h2>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match data.admin.await {
                        Ok(Some(a)) => {
                            let f = a.figures.clone();
                            let q = format!("from={}&to={}", f.period.from, f.period.to);
                            view! {
                                {a.alert.clone().map(|al| view! {
                                    <p class=if al.level == AlertLevel::Critical { "alert alert-error" } else { "alert alert-warning" }
                                       role="alert" data-testid="rate-alert" data-level=if al.level == AlertLevel::Critical { "critical" } else { "warning" }>
                                        {al.message}
                                    </p>
                                })}
                                <PeriodPicker figures=f.clone() base="/admin" />
                                <Tiles items=vec![
                                    ("Delegated", f.delegated.to_string()),
                                    ("Submitted", f.submitted.to_string()),
                                    ("Completion rate", pct(f.completion_rate)),
                                    ("Average time to submit", hours(f.avg_hours_to_complete)),
                                    ("On time", pct(f.on_time_rate)),
                                    ("Waiting for an assistant", a.unassigned.to_string()),
                                ] />
                                {a.oldest_unassigned.map(|t| view! {
                                    <p class="muted" data-testid="backlog">{format!("The oldest waiting job was delegated {}.", when(t))}</p>
                                })}
                                <DayChart title="Jobs delegated per day" days=f.delegated_per_day.clone() testid="chart-delegated" />
                                <DayChart title="Jobs submitted per day" days=f.completed_per_day.clone() testid="chart-completed" />
                                <BarsChart title="Jobs by status" items=by_status(&f) testid="chart-status" />
                                <h3>"Employees"</h3>
                                <div class="table-scroll">
                                    <table class="data" data-testid="employee-table">
                                        <thead><tr><th>"Employee"</th><th class="num">"Submitted"</th><th class="num">"Not submitted"</th><th class="num">"Average time"</th><th class="num">"On time"</th><th class="num">"Open now"</th></tr></thead>
                                        <tbody>
                                            {a.employees.iter().map(|e| view! {
                                                <tr data-email=e.email.clone()>
                                                    <td>{e.name.clone()}<br/><span class="muted small">{e.email.clone()}</span></td>
                                                    <td class="num">{e.submitted}</td>
                                                    <td class="num">{e.not_submitted}</td>
                                                    <td class="num">{minutes(e.avg_minutes_working)}</td>
                                                    <td class="num">{pct(e.on_time_rate)}</td>
                                                    <td class="num">{e.open_load}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <h3>"Clients"</h3>
                                <div class="table-scroll">
                                    <table class="data" data-testid="client-table">
                                        <thead><tr><th>"Client"</th><th class="num">"Delegated"</th><th class="num">"Submitted"</th><th class="num">"Completion"</th><th class="num">"Open"</th></tr></thead>
                                        <tbody>
                                            {a.clients.iter().map(|c| view! {
                                                <tr data-email=c.email.clone()>
                                                    <td>{c.name.clone()}<br/><span class="muted small">{c.email.clone()}</span></td>
                                                    <td class="num">{c.delegated}</td>
                                                    <td class="num">{c.submitted}</td>
                                                    <td class="num">{pct(c.completion_rate)}</td>
                                                    <td class="num">{c.open}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <p class="exports">
                                    <a href=format!("/files/exports/jobs.csv?{q}") rel="external" download="jobs.csv" data-testid="export-jobs">"Jobs (CSV)"</a>
                                    " · "
                                    <a href=format!("/files/exports/employees.csv?{q}") rel="external" download="employees.csv" data-testid="export-employees">"Employees (CSV)"</a>
                                    " · "
                                    <a href=format!("/files/exports/clients.csv?{q}") rel="external" download="clients.csv" data-testid="export-clients">"Clients (CSV)"</a>
                                </p>
                            }.into_any()
                        }
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <ErrorAlert error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
