//! CSV exports: a client's own jobs; an admin's job, employee and client tables. Authorized by the domain like every other
//! read; cells that a spreadsheet would run as a formula are neutralized.

use super::{error::ApiResult, extract::SessionCaller};
use app::{api::analytics::Period, domain::analytics, rpc::AppState};
use axum::{
    body::Body,
    extract::{Query, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/files/exports/jobs.csv", get(jobs_csv))
        .route("/files/exports/employees.csv", get(employees_csv))
        .route("/files/exports/clients.csv", get(clients_csv))
}

#[derive(serde::Deserialize)]
struct PeriodQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// One CSV cell: quoted when needed; a leading `=`, `+`, `-`, `@`, tab or carriage return gets a `'` first so a
/// spreadsheet shows it instead of running it.
pub fn cell(raw: &str) -> String {
    let mut v = raw.to_string();
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        v.insert(0, '\'');
    }
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

fn line(cells: &[String]) -> String {
    let mut l = cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",");
    l.push_str("\r\n");
    l
}

fn csv(name: &str, period: &Period, body: impl Into<Body>) -> Response {
    let mut res = body.into().into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{name}-{}-to-{}.csv\"",
        period.from, period.to
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    res
}

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// The jobs export's columns.
const JOB_COLUMNS: [&str; 12] = [
    "id",
    "delegated_at",
    "client",
    "title",
    "company",
    "location",
    "job_url",
    "status",
    "priority",
    "deadline",
    "assistant",
    "resume",
];

fn job_line(j: app::api::jobs::JobSummary) -> String {
    line(&[
        j.id.to_string(),
        time(Some(j.delegated_at)),
        j.client_name,
        j.job_title,
        j.company_name,
        j.location,
        j.job_url,
        j.status.as_str().to_string(),
        j.priority.as_str().to_string(),
        time(j.deadline),
        j.employee_name.unwrap_or_default(),
        j.resume_type_name.unwrap_or_default(),
    ])
}

/// Where the jobs export's stream is.
enum Progress {
    Start,
    After(Option<analytics::ExportCursor>),
    Done,
}

/// `GET /files/exports/jobs.csv?from=&to=`: jobs delegated in the period, streamed a page at a time so a year of
/// everyone's jobs never sits in memory. Authorization happens before the first byte; a database failure midway
/// ends the download early (the client sees a broken transfer, not a short file that looks complete) and is logged.
async fn jobs_csv(
    State(state): State<AppState>,
    SessionCaller { actor, meta }: SessionCaller,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Response> {
    super::limits::spend(
        &state,
        app::domain::infra::limits::Limited::Export,
        actor.user_id,
    )
    .await?;
    let period = Period::parse(&q.from, &q.to, chrono::Utc::now().date_naive())?;
    let export = analytics::JobExport::authorize(&state.db, &actor, &period, &meta).await?;
    // The pages come from the read replica while it answers (the primary otherwise).
    let reads = state.reads.clone();
    let pages = futures_util::stream::unfold(Progress::Start, move |progress| {
        let (reads, export) = (reads.clone(), export.clone());
        async move {
            let after = match progress {
                Progress::Start => {
                    return Some((
                        Ok::<_, std::io::Error>(table(&JOB_COLUMNS, std::iter::empty())),
                        Progress::After(None),
                    ))
                }
                Progress::After(after) => after,
                Progress::Done => return None,
            };
            let export = &export;
            match reads
                .run(|db| async move { export.page(&db, after).await })
                .await
            {
                Ok((jobs, _)) if jobs.is_empty() => None,
                Ok((jobs, next)) => {
                    let full = jobs.len() as u64 == analytics::JobExport::PAGE;
                    let chunk: String = jobs.into_iter().map(job_line).collect();
                    Some((
                        Ok(chunk),
                        if full {
                            Progress::After(next)
                        } else {
                            Progress::Done
                        },
                    ))
                }
                Err(e) => {
                    tracing::error!(error = %e, "jobs export failed midway");
                    Some((Err(std::io::Error::other("export failed")), Progress::Done))
                }
            }
        }
    });
    Ok(csv("jobs", &period, Body::from_stream(pages)))
}

fn num(v: Option<f64>, digits: usize) -> String {
    v.map(|v| format!("{v:.digits$}")).unwrap_or_default()
}

/// A table as CSV: the header, then one line per row.
fn table(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut body = line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    for r in rows {
        body.push_str(&line(&r));
    }
    body
}

/// `GET /files/exports/employees.csv?from=&to=`: the admin's employee table.
async fn employees_csv(
    State(state): State<AppState>,
    SessionCaller { actor, meta }: SessionCaller,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Response> {
    super::limits::spend(
        &state,
        app::domain::infra::limits::Limited::Export,
        actor.user_id,
    )
    .await?;
    let period = Period::parse(&q.from, &q.to, chrono::Utc::now().date_naive())?;
    let (db, actor, period_ref, meta) = (&state.db, &actor, &period, &meta);
    let rows = state
        .reads
        .run(|reads| async move {
            analytics::export_employees(db, &reads, actor, period_ref, meta).await
        })
        .await?;
    let body = table(
        &[
            "employee",
            "email",
            "submitted",
            "not_submitted",
            "avg_minutes_working",
            "on_time_rate",
            "open_now",
        ],
        rows.into_iter().map(|r| {
            vec![
                r.name,
                r.email,
                r.submitted.to_string(),
                r.not_submitted.to_string(),
                num(r.avg_minutes_working, 1),
                num(r.on_time_rate, 3),
                r.open_load.to_string(),
            ]
        }),
    );
    Ok(csv("employees", &period, body))
}

/// `GET /files/exports/clients.csv?from=&to=`: the admin's client table.
async fn clients_csv(
    State(state): State<AppState>,
    SessionCaller { actor, meta }: SessionCaller,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Response> {
    super::limits::spend(
        &state,
        app::domain::infra::limits::Limited::Export,
        actor.user_id,
    )
    .await?;
    let period = Period::parse(&q.from, &q.to, chrono::Utc::now().date_naive())?;
    let (db, actor, period_ref, meta) = (&state.db, &actor, &period, &meta);
    let rows =
        state
            .reads
            .run(|reads| async move {
                analytics::export_clients(db, &reads, actor, period_ref, meta).await
            })
            .await?;
    let body = table(
        &[
            "client",
            "email",
            "delegated",
            "submitted",
            "completion_rate",
            "open_now",
        ],
        rows.into_iter().map(|r| {
            vec![
                r.name,
                r.email,
                r.delegated.to_string(),
                r.submitted.to_string(),
                num(r.completion_rate, 3),
                r.open.to_string(),
            ]
        }),
    );
    Ok(csv("clients", &period, body))
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_are_quoted_and_formulas_neutralized() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("-5"), "'-5");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
    }
}
