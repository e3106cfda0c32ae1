//! Issue 6: the figures, computed by the database, against hand-computed ones on a small seeded set.

use app::domain::distribution::stmt;
use chrono::{DateTime, NaiveDateTime, Utc};
use sea_orm::{ConnectionTrait, Value};
use serde_json::{json, Value as Json};
use uuid::Uuid;

use crate::{both, helpers::*, work::delegated};

both!(
    figures_match_hand_computed_ones_for_each_role,
    nobody_sees_figures_that_are_not_theirs,
    csv_exports_hold_the_right_rows_for_each_role,
    the_overview_screens_draw_the_charts_on_the_server,
    a_large_export_streams_every_job_once_in_order,
);

fn t(s: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
        .unwrap()
        .and_utc()
}

/// Rewrite a job's state and times (the seeded history).
#[allow(clippy::too_many_arguments)]
async fn set(
    app: &TestApp,
    id: &str,
    status: &str,
    employee: Option<Uuid>,
    delegated: &str,
    started: Option<&str>,
    completed: Option<&str>,
    deadline: Option<&str>,
    updated: &str,
) {
    let opt = |v: Option<&str>| Value::from(v.map(t));
    app.db
        .execute_raw(stmt(
            app.db.get_database_backend(),
            "UPDATE job_delegations SET status = $1, assigned_employee_id = $2, delegated_at = $3, \
             started_at = $4, completed_at = $5, deadline = $6, updated_at = $7 WHERE id = $8",
            vec![
                status.into(),
                employee.into(),
                t(delegated).into(),
                opt(started),
                opt(completed),
                opt(deadline),
                t(updated).into(),
                Uuid::parse_str(id).unwrap().into(),
            ],
        ))
        .await
        .unwrap();
}

fn close(a: &Json, b: f64) -> bool {
    a.as_f64().is_some_and(|x| (x - b).abs() < 1e-6)
}

const FROM: &str = "2026-03-01";
const TO: &str = "2026-03-10";

async fn seed(app: &TestApp) -> (Uuid, Uuid) {
    let (_, a) = app.activated_client("jo@example.com").await;
    app.activated_client("ann@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    let (_, e2) = app.employee("e2@example.com").await;
    app.assign(a, e1).await;
    app.assign(a, e2).await;
    let jo = app.signed_in("jo@example.com").await;
    let ann = app.signed_in("ann@example.com").await;
    let mut ids = Vec::new();
    for n in 1..=7 {
        ids.push(
            delegated(
                app,
                &jo,
                json!({"job_url": format!("https://jobs.example.com/{n}")}),
            )
            .await,
        );
    }
    let j8 = delegated(app, &ann, json!({"job_url": "https://jobs.example.com/8"})).await;
    // Jo's jobs, hand-made history:
    // j1 submitted on time: 3 h after delegation, 120 min of work.
    set(
        app,
        &ids[0],
        "completed",
        Some(e1),
        "2026-03-01 10:00",
        Some("2026-03-01 11:00"),
        Some("2026-03-01 13:00"),
        Some("2026-03-02 00:00"),
        "2026-03-01 13:00",
    )
    .await;
    // j2 submitted late: 25 h, 60 min.
    set(
        app,
        &ids[1],
        "completed",
        Some(e1),
        "2026-03-02 09:00",
        Some("2026-03-03 09:00"),
        Some("2026-03-03 10:00"),
        Some("2026-03-03 09:30"),
        "2026-03-03 10:00",
    )
    .await;
    // j3 could not be submitted.
    set(
        app,
        &ids[2],
        "failed",
        Some(e2),
        "2026-03-02 12:00",
        Some("2026-03-02 13:00"),
        Some("2026-03-02 14:00"),
        None,
        "2026-03-02 14:00",
    )
    .await;
    // j4 expired.
    set(
        app,
        &ids[3],
        "expired",
        Some(e2),
        "2026-03-05 08:00",
        None,
        None,
        Some("2026-03-06 00:00"),
        "2026-03-06 00:05",
    )
    .await;
    // j5 cancelled by the client.
    set(
        app,
        &ids[4],
        "cancelled",
        None,
        "2026-03-05 09:00",
        None,
        None,
        None,
        "2026-03-05 10:00",
    )
    .await;
    // j6 still open with e1.
    set(
        app,
        &ids[5],
        "pending",
        Some(e1),
        "2026-03-09 10:00",
        None,
        None,
        None,
        "2026-03-09 10:00",
    )
    .await;
    // j7 delegated before the period, submitted in it: 24 h, 720 min, no deadline.
    set(
        app,
        &ids[6],
        "completed",
        Some(e1),
        "2026-02-28 08:00",
        Some("2026-02-28 20:00"),
        Some("2026-03-01 08:00"),
        None,
        "2026-03-01 08:00",
    )
    .await;
    // Ann's job waits for an assistant (she has none).
    set(
        app,
        &j8,
        "unassigned",
        None,
        "2026-03-04 10:00",
        None,
        None,
        None,
        "2026-03-04 10:00",
    )
    .await;
    // Jo sent j1 and j2 with her resume.
    let res = crate::resumes::upload(app, &jo, "Engineer CV", pdf(2_000), None).await;
    let resume: Json = res.json().await.unwrap();
    let resume = Uuid::parse_str(resume["id"].as_str().unwrap()).unwrap();
    for id in &ids[..2] {
        app.db
            .execute_raw(stmt(
                app.db.get_database_backend(),
                "UPDATE job_delegations SET resume_type_id = $1 WHERE id = $2",
                vec![resume.into(), Uuid::parse_str(id).unwrap().into()],
            ))
            .await
            .unwrap();
    }
    (e1, e2)
}

async fn rpc(app: &TestApp, c: &reqwest::Client, name: &str) -> reqwest::Response {
    app.rpc(c, name, &[("from", FROM), ("to", TO)]).await
}

async fn figures_match_hand_computed_ones_for_each_role(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (e1, e2) = seed(&app).await;

    // The client's own figures.
    let jo = app.signed_in("jo@example.com").await;
    let res = rpc(&app, &jo, "analytics/client").await;
    assert_eq!(res.status(), 200);
    let c: Json = res.json().await.unwrap();
    let f = &c["figures"];
    assert_eq!(f["delegated"], 6);
    let status = |f: &Json, s: &str| {
        f["by_status"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["status"] == s)
            .unwrap()["count"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(
        [
            "completed",
            "failed",
            "expired",
            "cancelled",
            "pending",
            "in_progress",
            "unassigned"
        ]
        .map(|s| status(f, s)),
        [2, 1, 1, 1, 1, 0, 0]
    );
    assert_eq!(f["submitted"], 3);
    assert_eq!(f["not_submitted"], 1);
    assert_eq!(f["expired"], 1);
    assert!(close(&f["completion_rate"], 3.0 / 5.0), "{f}");
    assert!(close(&f["avg_hours_to_complete"], 52.0 / 3.0), "{f}");
    assert!(close(&f["avg_minutes_working"], 300.0), "{f}");
    assert!(close(&f["on_time_rate"], 0.5), "{f}");
    let per_day: Vec<(String, u64)> = f["delegated_per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["day"].as_str().unwrap().to_string(),
                d["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(per_day.len(), 10);
    assert_eq!(per_day[0], ("2026-03-01".into(), 1));
    assert_eq!(per_day[1], ("2026-03-02".into(), 2));
    assert_eq!(per_day[4], ("2026-03-05".into(), 2));
    assert_eq!(per_day[8], ("2026-03-09".into(), 1));
    assert_eq!(per_day.iter().map(|d| d.1).sum::<u64>(), 6);
    let done: Vec<u64> = f["completed_per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["count"].as_u64().unwrap())
        .collect();
    assert_eq!(done, [2, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        c["by_resume"],
        json!([{"name": "No resume", "count": 4}, {"name": "Engineer CV", "count": 2}])
    );

    // Each employee's.
    let e = app.signed_in("e1@example.com").await;
    let m: Json = rpc(&app, &e, "analytics/employee")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(m["open_load"], 1);
    assert_eq!(m["figures"]["delegated"], 3);
    assert_eq!(m["figures"]["submitted"], 3);
    assert!(close(&m["figures"]["completion_rate"], 1.0));
    assert!(close(&m["figures"]["avg_minutes_working"], 300.0));
    assert!(close(&m["figures"]["on_time_rate"], 0.5));
    let e = app.signed_in("e2@example.com").await;
    let m: Json = rpc(&app, &e, "analytics/employee")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(m["open_load"], 0);
    assert_eq!(m["figures"]["not_submitted"], 1);
    assert_eq!(m["figures"]["expired"], 1);
    assert!(close(&m["figures"]["completion_rate"], 0.0));
    assert_eq!(m["figures"]["avg_minutes_working"], Json::Null);
    assert_eq!(m["figures"]["on_time_rate"], Json::Null);

    // The admin's: totals, a line per employee and per client, the backlog and the alert (60% < 70%).
    let a = app.signed_in("fixture-admin@example.com").await;
    let res = rpc(&app, &a, "analytics/admin").await;
    assert_eq!(res.status(), 200);
    let d: Json = res.json().await.unwrap();
    assert_eq!(d["figures"]["delegated"], 7);
    assert!(close(&d["figures"]["completion_rate"], 0.6));
    assert_eq!(d["alert"]["level"], "critical");
    assert_eq!(d["unassigned"], 1);
    assert_eq!(
        DateTime::parse_from_rfc3339(d["oldest_unassigned"].as_str().unwrap()).unwrap(),
        t("2026-03-04 10:00")
    );
    let row = |list: &str, key: &str, id: String| {
        d[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r[key] == id)
            .unwrap()
            .clone()
    };
    let r1 = row("employees", "employee_id", e1.to_string());
    assert_eq!(
        (
            r1["submitted"].as_u64(),
            r1["not_submitted"].as_u64(),
            r1["open_load"].as_u64()
        ),
        (Some(3), Some(0), Some(1))
    );
    assert!(close(&r1["avg_minutes_working"], 300.0));
    assert!(close(&r1["on_time_rate"], 0.5));
    assert_eq!(r1["email"], "e1@example.com");
    let r2 = row("employees", "employee_id", e2.to_string());
    assert_eq!(
        (
            r2["submitted"].as_u64(),
            r2["not_submitted"].as_u64(),
            r2["open_load"].as_u64()
        ),
        (Some(0), Some(1), Some(0))
    );
    let clients = d["clients"].as_array().unwrap();
    let jo_row = clients
        .iter()
        .find(|r| r["email"] == "jo@example.com")
        .unwrap();
    assert_eq!(
        (
            jo_row["delegated"].as_u64(),
            jo_row["submitted"].as_u64(),
            jo_row["open"].as_u64()
        ),
        (Some(6), Some(3), Some(1))
    );
    assert!(close(&jo_row["completion_rate"], 0.6));
    let ann_row = clients
        .iter()
        .find(|r| r["email"] == "ann@example.com")
        .unwrap();
    assert_eq!(
        (ann_row["delegated"].as_u64(), ann_row["open"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(ann_row["completion_rate"], Json::Null);

    // A period with nothing in it: zeros and no rates, no alert.
    let empty: Json = app
        .rpc(
            &a,
            "analytics/admin",
            &[("from", "2025-01-01"), ("to", "2025-01-07")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(empty["figures"]["delegated"], 0);
    assert_eq!(empty["figures"]["completion_rate"], Json::Null);
    assert_eq!(empty["alert"], Json::Null);
    // A bad period is a field error.
    let res = app
        .rpc(
            &a,
            "analytics/admin",
            &[("from", "2026-03-10"), ("to", "2026-03-01")],
        )
        .await;
    assert_eq!(res.status(), 422);
}

async fn nobody_sees_figures_that_are_not_theirs(b: Backend) {
    let app = TestApp::spawn(b).await;
    seed(&app).await;
    // Ann's figures are hers alone: Jo's jobs do not show.
    let ann = app.signed_in("ann@example.com").await;
    let c: Json = rpc(&app, &ann, "analytics/client")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["figures"]["delegated"], 1);
    assert_eq!(c["figures"]["submitted"], 0);
    // A client cannot read the admin's or an employee's figures; an employee not a client's; all logged.
    assert_eq!(rpc(&app, &ann, "analytics/admin").await.status(), 403);
    assert_eq!(rpc(&app, &ann, "analytics/employee").await.status(), 403);
    let e = app.signed_in("e1@example.com").await;
    assert_eq!(rpc(&app, &e, "analytics/client").await.status(), 403);
    assert_eq!(rpc(&app, &e, "analytics/admin").await.status(), 403);
    assert_eq!(app.denials("analytics.admin").await, 2);
    assert!(app.denials("analytics.view").await >= 2);
    assert_eq!(
        rpc(&app, &app.client(), "analytics/client").await.status(),
        401
    );
}

async fn csv(app: &TestApp, c: &reqwest::Client, what: &str) -> reqwest::Response {
    c.get(format!(
        "{}/files/exports/{what}.csv?from={FROM}&to={TO}",
        app.base
    ))
    .send()
    .await
    .unwrap()
}

async fn csv_exports_hold_the_right_rows_for_each_role(b: Backend) {
    let app = TestApp::spawn(b).await;
    seed(&app).await;
    // A title a spreadsheet would run as a formula.
    app.db
        .execute_unprepared(
            "UPDATE job_delegations SET job_title = '=2+3' WHERE job_url = 'https://jobs.example.com/8'",
        )
        .await
        .unwrap();

    // The client: their six jobs of the period, oldest first, nobody else's.
    let jo = app.signed_in("jo@example.com").await;
    let res = csv(&app, &jo, "jobs").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("jobs-2026-03-01-to-2026-03-10.csv"));
    let text = res.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("id,delegated_at,client,title"));
    assert_eq!(lines.len(), 7, "{text}");
    assert!(lines[1].contains("https://jobs.example.com/1") && lines[1].contains(",completed,"));
    assert!(!text.contains("jobs.example.com/8") && !text.contains("jobs.example.com/7"));

    // The admin: everyone's jobs of the period, the formula neutralized; and the employee table.
    let a = app.signed_in("fixture-admin@example.com").await;
    let text = csv(&app, &a, "jobs").await.text().await.unwrap();
    assert_eq!(text.lines().count(), 8);
    assert!(text.contains(",'=2+3,"), "{text}");
    let text = csv(&app, &a, "employees").await.text().await.unwrap();
    let e1 = text.lines().find(|l| l.contains("e1@example.com")).unwrap();
    assert!(e1.ends_with(",3,0,300.0,0.500,1"), "{e1}");
    let e2 = text.lines().find(|l| l.contains("e2@example.com")).unwrap();
    assert!(e2.ends_with(",0,1,,,0"), "{e2}");
    // The client table: delegated, submitted, completion rate, open now.
    let text = csv(&app, &a, "clients").await.text().await.unwrap();
    assert!(text.starts_with("client,email,delegated,submitted,completion_rate,open_now\r\n"));
    let jo_line = text.lines().find(|l| l.contains("jo@example.com")).unwrap();
    assert!(jo_line.ends_with(",6,3,0.600,1"), "{jo_line}");
    let ann_line = text
        .lines()
        .find(|l| l.contains("ann@example.com"))
        .unwrap();
    assert!(ann_line.ends_with(",1,0,,1"), "{ann_line}");

    // Others: an employee gets no job export, a client no employee table, nobody anonymous anything.
    let e = app.signed_in("e1@example.com").await;
    assert_eq!(csv(&app, &e, "jobs").await.status(), 403);
    assert_eq!(csv(&app, &jo, "employees").await.status(), 403);
    assert_eq!(csv(&app, &jo, "clients").await.status(), 403);
    assert_eq!(csv(&app, &e, "clients").await.status(), 403);
    assert_eq!(csv(&app, &app.client(), "jobs").await.status(), 401);
    assert!(app.denials("analytics.export").await >= 1);
    assert!(app.denials("analytics.admin").await >= 1);
}

async fn the_overview_screens_draw_the_charts_on_the_server(b: Backend) {
    let app = TestApp::spawn(b).await;
    seed(&app).await;
    let a = app.signed_in("fixture-admin@example.com").await;
    let html = app
        .page(&a, &format!("/admin?from={FROM}&to={TO}"))
        .await
        .text()
        .await
        .unwrap();
    // The alert, the charts as SVG with their numbers as tables, the employee table.
    assert!(html.contains("data-testid=\"rate-alert\""), "{html}");
    assert!(html.contains("Completion rate 60% is below 70%"));
    assert!(html.contains("<svg"));
    assert!(html.contains("<title>2026-03-02: 2</title>"));
    assert!(html.contains("data-testid=\"employee-table\""));
    let jo = app.signed_in("jo@example.com").await;
    let html = app
        .page(&jo, &format!("/client?from={FROM}&to={TO}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-testid=\"chart-delegated\""));
    assert!(html.contains("Jobs delegated per day (6 in all)"), "{html}");
    assert!(html.contains("/files/exports/jobs.csv?from=2026-03-01&amp;to=2026-03-10"));
}

/// Insert `n` waiting jobs for a client in one statement, delegated at three instants in turn (so pages of the export
/// end in the middle of runs of equal times).
async fn bulk_jobs(app: &TestApp, client: Uuid, n: u32, at: [&str; 3]) {
    let backend = app.db.get_database_backend();
    let id = if backend == sea_orm::DbBackend::Postgres {
        "gen_random_uuid()"
    } else {
        "randomblob(16)"
    };
    let sql = format!(
        "WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < {n}) \
         INSERT INTO job_delegations (id, client_id, job_url, company_name, job_title, status, priority, \
           delegated_at, notes, metadata, updated_at) \
         SELECT {id}, $1, 'https://bulk.example/' || x, 'Bulk Co', 'Role ' || x, 'unassigned', 'normal', \
           CASE x % 3 WHEN 0 THEN $2 WHEN 1 THEN $3 ELSE $4 END, '', '{{}}', $2 FROM seq"
    );
    app.db
        .execute_raw(stmt(
            backend,
            &sql,
            vec![
                client.into(),
                t(at[0]).into(),
                t(at[1]).into(),
                t(at[2]).into(),
            ],
        ))
        .await
        .unwrap();
}

/// The (id, delegated_at) of each row of a jobs export, checked: `expected` rows, no id twice, oldest first.
fn export_rows(text: &str, expected: usize) -> Vec<(&str, &str)> {
    let rows: Vec<(&str, &str)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let mut cells = l.split(',');
            (cells.next().unwrap(), cells.next().unwrap())
        })
        .collect();
    assert_eq!(rows.len(), expected, "every job, once");
    let ids: std::collections::HashSet<&str> = rows.iter().map(|r| r.0).collect();
    assert_eq!(ids.len(), expected, "no job twice");
    assert!(rows.windows(2).all(|w| w[0].1 <= w[1].1), "oldest first");
    rows
}

async fn a_large_export_streams_every_job_once_in_order(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, jo) = app.activated_client("jo@example.com").await;
    let (_, ann) = app.activated_client("ann@example.com").await;
    // 2,345 jobs: more than two pages of 1,000, pages ending inside runs of equal delegation times.
    bulk_jobs(
        &app,
        jo,
        2345,
        ["2026-04-01 11:00", "2026-04-01 09:00", "2026-04-01 10:00"],
    )
    .await;
    bulk_jobs(
        &app,
        ann,
        10,
        ["2026-04-01 09:30", "2026-04-01 09:30", "2026-04-01 12:00"],
    )
    .await;
    let get = |c: reqwest::Client| {
        let url = format!(
            "{}/files/exports/jobs.csv?from=2026-04-01&to=2026-04-01",
            app.base
        );
        async move {
            let res = c.get(url).send().await.unwrap();
            assert_eq!(res.status(), 200);
            res.text().await.unwrap()
        }
    };
    // The client: their own 2,345, nobody else's.
    let text = get(app.signed_in("jo@example.com").await).await;
    let rows = export_rows(&text, 2345);
    assert_eq!(rows[0].1, "2026-04-01T09:00:00Z");
    assert_eq!(rows[2344].1, "2026-04-01T11:00:00Z");
    // Everyone's, for an admin: 2,355, Ann's 09:30 jobs between Jo's 09:00 and 10:00 ones.
    let text = get(app.signed_in("fixture-admin@example.com").await).await;
    let rows = export_rows(&text, 2355);
    assert_eq!(
        rows.iter()
            .filter(|r| r.1 == "2026-04-01T09:30:00Z")
            .count(),
        7
    );
    assert_eq!(rows[781].1, "2026-04-01T09:00:00Z");
    assert_eq!(rows[782].1, "2026-04-01T09:30:00Z");
    // Ann never sees Jo's jobs.
    let text = get(app.signed_in("ann@example.com").await).await;
    export_rows(&text, 10);
    assert!(!text.contains("Role 2000"));
}
