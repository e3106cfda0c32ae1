//! The overview screens' charts, key numbers and tables, written out as markup and set as a container's
//! `inner_html`. They are drawn once from the figures and never change in place (a new period draws them again), so
//! they need none of the code a `view!` compiles into the browser's wasm for every element and attribute it holds:
//! written with `view!`, these were about 20 KB of compressed wasm in each overview's chunks. Every text that comes
//! from the data (names, emails, resume names) is escaped.

use std::fmt::Write;

use html_escape::encode_quoted_attribute as esc;

use super::components::when;
use crate::api::analytics::{
    AdminAnalytics, AlertLevel, ClientAnalytics, DayCount, EmployeeAnalytics, Figures,
};

/// A client's figures: key numbers, jobs per day, by status and by resume, and the export of these jobs.
pub fn client(a: &ClientAnalytics) -> String {
    let f = &a.figures;
    let by_resume: Vec<(String, u64)> = a
        .by_resume
        .iter()
        .map(|r| (r.name.clone(), r.count))
        .collect();
    format!(
        r#"<div class="tiles">{}</div>{}{}{}<p><a href="/files/exports/jobs.csv?{}" rel="external" download="jobs.csv" data-testid="export-jobs">Download these jobs (CSV)</a></p>"#,
        tiles(&[
            ("Delegated", f.delegated.to_string()),
            ("Submitted", f.submitted.to_string()),
            ("Completion rate", pct(f.completion_rate)),
            ("Average time to submit", hours(f.avg_hours_to_complete)),
        ]),
        figure(
            "chart-delegated",
            &day_chart("Jobs delegated per day", &f.delegated_per_day)
        ),
        figure("chart-status", &bars_chart("Jobs by status", &by_status(f))),
        figure("chart-resume", &bars_chart("Jobs by resume", &by_resume)),
        period_query(f),
    )
}

/// An employee's own figures: key numbers and jobs submitted per day.
pub fn employee(a: &EmployeeAnalytics) -> String {
    let f = &a.figures;
    format!(
        r#"<div class="tiles">{}</div>{}"#,
        tiles(&[
            ("Submitted", f.submitted.to_string()),
            ("Average time working", minutes(f.avg_minutes_working)),
            ("On time", pct(f.on_time_rate)),
            ("Open now", a.open_load.to_string()),
        ]),
        figure(
            "chart-completed",
            &day_chart("Jobs submitted per day", &f.completed_per_day)
        ),
    )
}

/// The agency's figures: the completion rate alert, key numbers, the backlog, jobs per day and by status, a table per
/// employee and per client, and the exports.
pub fn admin(a: &AdminAnalytics) -> String {
    let f = &a.figures;
    let alert = a
        .alert
        .as_ref()
        .map(|al| {
            let (class, level) = match al.level {
                AlertLevel::Critical => ("alert alert-error", "critical"),
                AlertLevel::Warning => ("alert alert-warning", "warning"),
            };
            format!(
                r#"<p class="{class}" role="alert" data-testid="rate-alert" data-level="{level}">{}</p>"#,
                esc(&al.message)
            )
        })
        .unwrap_or_default();
    let backlog = a
        .oldest_unassigned
        .map(|t| {
            format!(
                r#"<p class="muted" data-testid="backlog">The oldest waiting job was delegated {}.</p>"#,
                when(t)
            )
        })
        .unwrap_or_default();
    let employees: Vec<(&str, &str, Vec<String>)> = a
        .employees
        .iter()
        .map(|e| {
            let figures = vec![
                e.submitted.to_string(),
                e.not_submitted.to_string(),
                minutes(e.avg_minutes_working),
                pct(e.on_time_rate),
                e.open_load.to_string(),
            ];
            (e.name.as_str(), e.email.as_str(), figures)
        })
        .collect();
    let clients: Vec<(&str, &str, Vec<String>)> = a
        .clients
        .iter()
        .map(|c| {
            let figures = vec![
                c.delegated.to_string(),
                c.submitted.to_string(),
                pct(c.completion_rate),
                c.open.to_string(),
            ];
            (c.name.as_str(), c.email.as_str(), figures)
        })
        .collect();
    let q = period_query(f);
    format!(
        r#"{alert}<div class="tiles">{}</div>{backlog}{}{}{}<h3>Employees</h3><div class="table-scroll"><table class="data" data-testid="employee-table">{}</table></div><h3>Clients</h3><div class="table-scroll"><table class="data" data-testid="client-table">{}</table></div><p class="exports"><a href="/files/exports/jobs.csv?{q}" rel="external" download="jobs.csv" data-testid="export-jobs">Jobs (CSV)</a> · <a href="/files/exports/employees.csv?{q}" rel="external" download="employees.csv" data-testid="export-employees">Employees (CSV)</a> · <a href="/files/exports/clients.csv?{q}" rel="external" download="clients.csv" data-testid="export-clients">Clients (CSV)</a></p>"#,
        tiles(&[
            ("Delegated", f.delegated.to_string()),
            ("Submitted", f.submitted.to_string()),
            ("Completion rate", pct(f.completion_rate)),
            ("Average time to submit", hours(f.avg_hours_to_complete)),
            ("On time", pct(f.on_time_rate)),
            ("Waiting for an assistant", a.unassigned.to_string()),
        ]),
        figure(
            "chart-delegated",
            &day_chart("Jobs delegated per day", &f.delegated_per_day)
        ),
        figure(
            "chart-completed",
            &day_chart("Jobs submitted per day", &f.completed_per_day)
        ),
        figure("chart-status", &bars_chart("Jobs by status", &by_status(f))),
        people(
            "Employee",
            &[
                "Submitted",
                "Not submitted",
                "Average time",
                "On time",
                "Open now"
            ],
            &employees
        ),
        people(
            "Client",
            &["Delegated", "Submitted", "Completion", "Open"],
            &clients
        ),
    )
}

/// The period of these figures as an address's query (`from=…&amp;to=…`, escaped for an attribute).
fn period_query(f: &Figures) -> String {
    format!("from={}&amp;to={}", f.period.from, f.period.to)
}

fn figure(testid: &str, inside: &str) -> String {
    format!(r#"<figure class="chart" data-testid="{testid}">{inside}</figure>"#)
}

fn by_status(f: &Figures) -> Vec<(String, u64)> {
    f.by_status
        .iter()
        .map(|s| (s.status.label().to_string(), s.count))
        .collect()
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

pub fn minutes(m: Option<f64>) -> String {
    match m {
        Some(m) if m < 90.0 => format!("{m:.0} min"),
        Some(m) => format!("{:.1} h", m / 60.0),
        None => "—".into(),
    }
}

/// Counts per day as columns, with the numbers in a table underneath: the inside of the chart's `<figure>`.
pub fn day_chart(title: &str, days: &[DayCount]) -> String {
    let max = days.iter().map(|d| d.count).max().unwrap_or(0).max(1);
    let w = 600.0 / days.len().max(1) as f64;
    let total: u64 = days.iter().map(|d| d.count).sum();
    let first = days.first().map(|d| d.day.to_string()).unwrap_or_default();
    let last = days.last().map(|d| d.day.to_string()).unwrap_or_default();
    let title = esc(title);
    let mut bars = String::new();
    for (i, d) in days.iter().enumerate().filter(|(_, d)| d.count > 0) {
        let h = d.count as f64 / max as f64 * 190.0;
        let _ = write!(
            bars,
            r#"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{h:.2}" class="bar"><title>{}: {}</title></rect>"#,
            i as f64 * w + w * 0.1,
            200.0 - h,
            (w * 0.8).max(0.5),
            d.day,
            d.count
        );
    }
    let mut rows = String::new();
    for d in days {
        let _ = write!(
            rows,
            r#"<tr><td>{}</td><td class="num">{}</td></tr>"#,
            d.day, d.count
        );
    }
    format!(
        r#"<figcaption>{title} ({total} in all)</figcaption><div class="chart-frame"><span class="chart-max">{max}</span><svg viewBox="0 0 600 200" preserveAspectRatio="none" role="img" aria-label="{title}: {total} from {first} to {last}, at most {max} a day"><line x1="0" y1="200" x2="600" y2="200" class="axis"></line>{bars}</svg></div><div class="chart-axis"><span>{first}</span><span>{last}</span></div>{}"#,
        numbers("Day", &rows)
    )
}

/// Counts per category as horizontal bars (labels inside the drawing), with a table: the inside of a `<figure>`.
pub fn bars_chart(title: &str, items: &[(String, u64)]) -> String {
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    let height = items.len().max(1) * 26;
    let title = esc(title);
    let (mut bars, mut rows) = (String::new(), String::new());
    for (i, (label, count)) in items.iter().enumerate() {
        let y = i as f64 * 26.0;
        let w = *count as f64 / max as f64 * 150.0;
        let label = esc(label);
        let _ = write!(
            bars,
            r#"<g><text x="0" y="{:.1}" class="bar-label">{label}</text><rect x="140" y="{:.1}" width="{w:.2}" height="16" class="bar"></rect><text x="{:.1}" y="{:.1}" class="bar-value">{count}</text></g>"#,
            y + 17.0,
            y + 5.0,
            146.0 + w,
            y + 17.0
        );
        let _ = write!(
            rows,
            r#"<tr><td>{label}</td><td class="num">{count}</td></tr>"#
        );
    }
    format!(
        r#"<figcaption>{title}</figcaption><svg viewBox="0 0 320 {height}" role="img" aria-label="{title}" class="bars">{bars}</svg>{}"#,
        numbers("What", &rows)
    )
}

/// The numbers behind a chart, folded under it.
fn numbers(first: &str, rows: &str) -> String {
    format!(
        r#"<details><summary>Numbers</summary><table class="data"><thead><tr><th>{first}</th><th class="num">Jobs</th></tr></thead><tbody>{rows}</tbody></table></details>"#
    )
}

/// A few key numbers: the inside of `<div class="tiles">`.
pub fn tiles(items: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (label, value) in items {
        let (label, value) = (esc(label), esc(value));
        let _ = write!(
            out,
            r#"<div class="tile" data-testid="tile" data-label="{label}"><span class="tile-value">{value}</span><span class="tile-label">{label}</span></div>"#
        );
    }
    out
}

/// A table of people with their figures: `head` names the columns after the first, each row is the person's name,
/// email and figures. The inside of `<table class="data">`; each row carries `data-email`.
pub fn people(first: &str, head: &[&str], rows: &[(&str, &str, Vec<String>)]) -> String {
    let mut out = format!("<thead><tr><th>{}</th>", esc(first));
    for h in head {
        let _ = write!(out, r#"<th class="num">{}</th>"#, esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for (name, email, figures) in rows {
        let email = esc(email);
        let _ = write!(
            out,
            r#"<tr data-email="{email}"><td>{}<br/><span class="muted small">{email}</span></td>"#,
            esc(name)
        );
        for f in figures {
            let _ = write!(out, r#"<td class="num">{}</td>"#, esc(f));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(d: u32, count: u64) -> DayCount {
        DayCount {
            day: NaiveDate::from_ymd_opt(2026, 3, d).unwrap(),
            count,
        }
    }

    #[test]
    fn a_day_chart_draws_a_column_per_day_with_jobs_and_lists_every_day() {
        let html = day_chart("Jobs delegated per day", &[day(1, 0), day(2, 2), day(3, 4)]);
        assert_eq!(html.matches("<rect ").count(), 2, "{html}");
        assert!(html.contains("<title>2026-03-02: 2</title>"));
        // The tallest column is the full height; the table lists the empty day too.
        assert!(
            html.contains(r#"y="10.00" width="160.00" height="190.00""#),
            "{html}"
        );
        assert_eq!(html.matches("<tr><td>2026-03-").count(), 3);
        assert!(html.contains("Jobs delegated per day (6 in all)"));
        assert!(html.contains("from 2026-03-01 to 2026-03-03, at most 4 a day"));
    }

    #[test]
    fn text_from_the_data_is_escaped() {
        let html = bars_chart(
            "Jobs by resume",
            &[(r#"<script>alert("x")</script> & co"#.into(), 3)],
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co"));
        let html = people(
            "Employee",
            &["Open"],
            &[("<b>Ann</b>", "a\"@x.test", vec!["1".into()])],
        );
        assert!(html.contains(r#"data-email="a&quot;@x.test""#), "{html}");
        assert!(html.contains("&lt;b&gt;Ann&lt;/b&gt;"));
        assert!(!html.contains("<b>"));
        let html = tiles(&[("Open now", "<1>".into())]);
        assert!(html.contains(r#"data-label="Open now"><span class="tile-value">&lt;1&gt;</span>"#));
    }

    #[test]
    fn empty_figures_draw_empty_charts() {
        let html = day_chart("Jobs submitted per day", &[]);
        assert!(!html.contains("<rect "));
        assert!(html.contains("(0 in all)"));
        let html = bars_chart("Jobs by status", &[]);
        assert!(html.contains(r#"viewBox="0 0 320 26""#));
    }
}
