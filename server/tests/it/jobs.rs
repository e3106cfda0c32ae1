//! Issue 3: clients delegate jobs; distribution; lists, detail, cancel, reassign; and every refusal is logged.

use app::{
    api::{jobs::JobStatus, Role},
    domain::entities::job_delegations as jobs,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{both, helpers::*};

both!(
    a_delegated_job_goes_to_the_least_loaded_available_employee,
    jobs_wait_without_an_employee_and_are_assigned_when_one_arrives,
    bad_delegations_get_field_errors_and_write_nothing,
    the_same_posting_is_not_delegated_twice,
    only_activated_clients_delegate_and_refusals_are_logged,
    bulk_delegation_reports_each_line_and_refuses_51,
    clients_and_unassigned_employees_cannot_touch_anothers_jobs,
    lists_filter_search_sort_and_paginate,
    admins_reassign_within_the_clients_employees,
    a_deactivated_employees_jobs_go_to_someone_who_can_do_them,
    concurrent_delegations_lose_nothing_and_balance_loads,
);

fn form(url: &str) -> Value {
    json!({"job_url": url, "company_name": "Acme", "job_title": "Engineer"})
}

async fn job_row(app: &TestApp, id: &str) -> jobs::Model {
    jobs::Entity::find_by_id(Uuid::parse_str(id).unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn open_load(app: &TestApp, employee: Uuid) -> usize {
    jobs::Entity::find()
        .filter(jobs::Column::AssignedEmployeeId.eq(employee))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| JobStatus::ASSIGNED_OPEN.contains(&j.status))
        .count()
}

async fn a_delegated_job_goes_to_the_least_loaded_available_employee(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    let (_, e2) = app.employee("e2@example.com").await;
    app.assign(cid, e1).await;
    app.assign(cid, e2).await;
    let c = app.signed_in("jo@example.com").await;

    let mut seen = Vec::new();
    for i in 0..4 {
        let res = app
            .delegate(&c, form(&format!("https://jobs.example.com/{i}")))
            .await;
        assert_eq!(res.status(), 200);
        let job: Value = res.json().await.unwrap();
        assert_eq!(job["status"], "pending");
        seen.push(job["employee_id"].as_str().unwrap().to_string());
    }
    // Alternates: fewest open jobs first, then least recently assigned.
    assert_ne!(seen[0], seen[1]);
    assert_eq!(open_load(&app, e1).await, 2);
    assert_eq!(open_load(&app, e2).await, 2);

    // An unavailable employee gets nothing new.
    let admin = app.fixture_admin().await;
    app::domain::assignments::set_availability(
        &app.db,
        &app.events,
        &admin,
        e1,
        false,
        &Default::default(),
    )
    .await
    .unwrap();
    let job: Value = app
        .delegate(&c, form("https://jobs.example.com/5"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(job["employee_id"], e2.to_string());

    // The detail shows the timeline: delegated by the client, assigned by the system.
    let detail: Value = app
        .rpc(
            &c,
            "jobs/detail",
            &[("job_id", job["id"].as_str().unwrap())],
        )
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["Delegated", "Assigned"]);
    assert_eq!(detail["timeline"][1]["actor"], "System");
    assert_eq!(detail["job"]["employee_name"], "Test Employee");
}

async fn jobs_wait_without_an_employee_and_are_assigned_when_one_arrives(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let c = app.signed_in("jo@example.com").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let job: Value = app
            .delegate(&c, form(&format!("https://jobs.example.com/{i}")))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(job["status"], "unassigned");
        assert!(job["employee_id"].is_null());
        ids.push(job["id"].as_str().unwrap().to_string());
    }
    // Admins see them as unassigned.
    let a = app.signed_in("fixture-admin@example.com").await;
    let page: Value = app
        .rpc_json(&a, "jobs/list", json!({"query": {"unassigned": true}}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 3);

    // Assigning an employee hands them every waiting job at once.
    let (_, e1) = app.employee("e1@example.com").await;
    let res = app
        .rpc(
            &a,
            "admin/assign",
            &[
                ("client_id", &cid.to_string()),
                ("employee_id", &e1.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    for id in &ids {
        let j = job_row(&app, id).await;
        assert_eq!(j.status.as_str(), "pending");
        assert_eq!(j.assigned_employee_id, Some(e1));
    }

    // Unassigning returns the open jobs to the pool and hands them to the remaining employee.
    let (_, e2) = app.employee("e2@example.com").await;
    app.assign(cid, e2).await;
    let res = app
        .rpc(
            &a,
            "admin/unassign",
            &[
                ("client_id", &cid.to_string()),
                ("employee_id", &e1.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(open_load(&app, e1).await, 0);
    assert_eq!(open_load(&app, e2).await, 3);

    // Becoming available distributes what waits.
    let admin = app.fixture_admin().await;
    app::domain::assignments::set_availability(
        &app.db,
        &app.events,
        &admin,
        e2,
        false,
        &Default::default(),
    )
    .await
    .unwrap();
    let job: Value = app
        .delegate(&c, form("https://jobs.example.com/late"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(job["status"], "unassigned");
    let e = app.signed_in("e2@example.com").await;
    let res = app
        .rpc(
            &e,
            "employee/availability",
            &[("employee_id", &e2.to_string()), ("available", "true")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        job_row(&app, job["id"].as_str().unwrap())
            .await
            .assigned_employee_id,
        Some(e2)
    );
}

async fn bad_delegations_get_field_errors_and_write_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.activated_client("jo@example.com").await;
    let (other, _) = app.activated_client("other@example.com").await;
    let c = app.signed_in("jo@example.com").await;

    // Someone else's resume type.
    let oc = app.signed_in(&other.email).await;
    let up = reqwest::multipart::Form::new().text("name", "Theirs").part(
        "file",
        reqwest::multipart::Part::bytes(pdf(2000)).file_name("cv.pdf"),
    );
    let res = oc
        .post(format!("{}/files/resumes", app.base))
        .header("origin", &app.base)
        .multipart(up)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let theirs: Value = res.json().await.unwrap();

    let cases = [
        (json!({"job_url": "not a url"}), "job_url"),
        (json!({"job_url": "ftp://example.com/x"}), "job_url"),
        (
            json!({"job_url": "https://example.com/x", "deadline": "2020-01-01"}),
            "deadline",
        ),
        (
            json!({"job_url": "https://example.com/x", "deadline": "soon"}),
            "deadline",
        ),
        (
            json!({"job_url": "https://example.com/x", "priority": "asap"}),
            "priority",
        ),
        (
            json!({"job_url": "https://example.com/x", "company_name": "x".repeat(201)}),
            "company_name",
        ),
        (
            json!({"job_url": "https://example.com/x", "notes": "x".repeat(5001)}),
            "notes",
        ),
        (
            json!({"job_url": "https://example.com/x", "resume_type_id": "nope"}),
            "resume_type_id",
        ),
        (
            json!({"job_url": "https://example.com/x", "resume_type_id": theirs["id"]}),
            "resume_type_id",
        ),
    ];
    for (body, field) in cases {
        let res = app.delegate(&c, body.clone()).await;
        assert_eq!(res.status(), 422, "{body}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["kind"], "validation");
        assert!(
            err["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["field"] == field),
            "{body}: {err}"
        );
    }
    assert_eq!(app.count("job_delegations").await, 0);
    assert_eq!(
        app.denials("job.delegate").await,
        1,
        "using another client's resume is logged"
    );
    // A malformed body is a 400, not a 500.
    let res = app
        .rpc(&c, "jobs/delegate", &[("form[company_name]", "no url")])
        .await;
    assert_eq!(res.status(), 400);
}

async fn the_same_posting_is_not_delegated_twice(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.activated_client("jo@example.com").await;
    app.activated_client("sam@example.com").await;
    let c = app.signed_in("jo@example.com").await;
    let first: Value = app
        .delegate(&c, form("https://jobs.example.com/42?utm_source=news"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["job_url"], "https://jobs.example.com/42");
    let res = app
        .delegate(&c, form("https://JOBS.example.com/42/?fbclid=abc#top"))
        .await;
    assert_eq!(res.status(), 409);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["kind"], "duplicate");
    assert_eq!(err["existing_job_id"], first["id"]);
    assert!(err["message"]
        .as_str()
        .unwrap()
        .contains("already delegated"));
    assert_eq!(app.count("job_delegations").await, 1);

    // Another client may delegate the same posting.
    let s = app.signed_in("sam@example.com").await;
    assert_eq!(
        app.delegate(&s, form("https://jobs.example.com/42"))
            .await
            .status(),
        200
    );

    // After cancelling, the posting may be delegated again.
    let res = app
        .rpc(
            &c,
            "jobs/cancel",
            &[("job_id", first["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.delegate(&c, form("https://jobs.example.com/42"))
            .await
            .status(),
        200
    );
}

async fn only_activated_clients_delegate_and_refusals_are_logged(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Client, "new@example.com").await;
    app.employee("e1@example.com").await;
    app.fixture_admin().await;
    let anon = app.client();
    assert_eq!(
        app.delegate(&anon, form("https://x.example.com/1"))
            .await
            .status(),
        401
    );

    let c = app.signed_in("new@example.com").await;
    let res = app.delegate(&c, form("https://x.example.com/1")).await;
    assert_eq!(res.status(), 403);
    let err: Value = res.json().await.unwrap();
    assert!(err["message"]
        .as_str()
        .unwrap()
        .contains("awaiting activation"));

    let e = app.signed_in("e1@example.com").await;
    assert_eq!(
        app.delegate(&e, form("https://x.example.com/1"))
            .await
            .status(),
        403
    );
    let a = app.signed_in("fixture-admin@example.com").await;
    assert_eq!(
        app.delegate(&a, form("https://x.example.com/1"))
            .await
            .status(),
        403
    );
    let bulk = json!({"urls": "https://x.example.com/1"});
    assert_eq!(
        app.rpc_form(&e, "jobs/delegate_bulk", bulk).await.status(),
        403
    );

    assert_eq!(app.count("job_delegations").await, 0);
    assert_eq!(app.denials("job.delegate").await, 4);
}

async fn bulk_delegation_reports_each_line_and_refuses_51(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let c = app.signed_in("jo@example.com").await;
    app.delegate(&c, form("https://jobs.example.com/old")).await;

    let urls = "https://jobs.example.com/a\n\nnot a url\nhttps://jobs.example.com/old?utm_campaign=x\nhttps://jobs.example.com/b\nhttps://jobs.example.com/a\n";
    let res = app
        .rpc_form(
            &c,
            "jobs/delegate_bulk",
            json!({"urls": urls, "priority": "high"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let lines: Vec<Value> = res.json().await.unwrap();
    let results: Vec<(u64, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["line"].as_u64().unwrap(),
                l["outcome"]["result"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            (1, "created"),
            (3, "invalid"),
            (4, "duplicate"),
            (5, "created"),
            (6, "duplicate")
        ]
    );
    assert_eq!(lines[0]["outcome"]["status"], "pending");
    assert_eq!(app.count("job_delegations").await, 3);

    let many: String = (0..51)
        .map(|i| format!("https://jobs.example.com/n{i}\n"))
        .collect();
    let res = app
        .rpc_form(&c, "jobs/delegate_bulk", json!({"urls": many}))
        .await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["fields"][0]["field"], "urls");
    assert!(err["fields"][0]["message"].as_str().unwrap().contains("51"));
    let res = app
        .rpc_form(
            &c,
            "jobs/delegate_bulk",
            json!({"urls": "https://jobs.example.com/z", "deadline": "2001-01-01"}),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(app.count("job_delegations").await, 3);
}

async fn clients_and_unassigned_employees_cannot_touch_anothers_jobs(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    app.activated_client("eve@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.employee("stranger@example.com").await;
    app.assign(cid, e1).await;
    let c = app.signed_in("jo@example.com").await;
    let job: Value = app
        .delegate(&c, form("https://jobs.example.com/1"))
        .await
        .json()
        .await
        .unwrap();
    let id = job["id"].as_str().unwrap();

    let eve = app.signed_in("eve@example.com").await;
    assert_eq!(
        app.rpc(&eve, "jobs/detail", &[("job_id", id)])
            .await
            .status(),
        403
    );
    assert_eq!(
        app.rpc(&eve, "jobs/cancel", &[("job_id", id)])
            .await
            .status(),
        403
    );
    let res = app
        .rpc_json(&eve, "jobs/list", json!({"query": {"client_id": cid}}))
        .await;
    assert_eq!(res.status(), 403);
    let own: Value = app
        .rpc_json(&eve, "jobs/list", json!({"query": {}}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["total"], 0);
    assert_eq!(
        app.rpc(
            &eve,
            "jobs/reassign",
            &[("job_id", id), ("employee_id", &e1.to_string())]
        )
        .await
        .status(),
        403
    );

    let stranger = app.signed_in("stranger@example.com").await;
    assert_eq!(
        app.rpc(&stranger, "jobs/detail", &[("job_id", id)])
            .await
            .status(),
        403
    );
    let theirs: Value = app
        .rpc_json(&stranger, "jobs/list", json!({"query": {}}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["total"], 0);
    // The assigned employee may look.
    let e = app.signed_in("e1@example.com").await;
    assert_eq!(
        app.rpc(&e, "jobs/detail", &[("job_id", id)]).await.status(),
        200
    );

    assert_eq!(app.denials("job.view").await, 2);
    assert_eq!(app.denials("job.cancel").await, 1);
    assert_eq!(app.denials("job.list").await, 1);
    assert_eq!(app.denials("job.reassign").await, 1);
    assert_eq!(
        job_row(&app, id).await.status.as_str(),
        "pending",
        "nothing changed"
    );

    // Unknown ids are 404; finished jobs cannot be cancelled twice.
    let res = app
        .rpc(
            &c,
            "jobs/detail",
            &[("job_id", &Uuid::new_v4().to_string())],
        )
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        app.rpc(&c, "jobs/cancel", &[("job_id", id)]).await.status(),
        200
    );
    let res = app.rpc(&c, "jobs/cancel", &[("job_id", id)]).await;
    assert_eq!(res.status(), 409);
    let detail: Value = app
        .rpc(&c, "jobs/detail", &[("job_id", id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["job"]["status"], "cancelled");
    assert_eq!(
        detail["timeline"].as_array().unwrap().last().unwrap()["action"],
        "Cancelled"
    );
}

async fn lists_filter_search_sort_and_paginate(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.activated_client("jo@example.com").await;
    let c = app.signed_in("jo@example.com").await;
    for (i, (title, prio)) in [
        ("Rust developer", "low"),
        ("Data analyst", "urgent"),
        ("Rust lead", "high"),
    ]
    .iter()
    .enumerate()
    {
        let body = json!({"job_url": format!("https://jobs.example.com/{i}"), "job_title": title, "company_name": "Acme", "priority": prio});
        assert_eq!(app.delegate(&c, body).await.status(), 200);
    }
    let list = |q: Value| {
        let app = &app;
        let c = &c;
        async move {
            let v: Value = app
                .rpc_json(c, "jobs/list", json!({"query": q}))
                .await
                .json()
                .await
                .unwrap();
            v
        }
    };
    let titles = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["job_title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        titles(&list(json!({"search": "rust"})).await),
        ["Rust lead", "Rust developer"]
    );
    assert_eq!(
        titles(&list(json!({"sort": "priority"})).await),
        ["Data analyst", "Rust lead", "Rust developer"]
    );
    assert_eq!(
        titles(&list(json!({"sort": "oldest"})).await)[0],
        "Rust developer"
    );
    let p = list(json!({"per_page": 2, "page": 2})).await;
    assert_eq!(p["total"], 3);
    assert_eq!(p["items"].as_array().unwrap().len(), 1);
    assert_eq!(list(json!({"status": "unassigned"})).await["total"], 3);
    assert_eq!(list(json!({"status": "completed"})).await["total"], 0);
    assert_eq!(list(json!({"search": "100%_"})).await["total"], 0);
}

async fn admins_reassign_within_the_clients_employees(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    let (_, e2) = app.employee("e2@example.com").await;
    let (_, outsider) = app.employee("e3@example.com").await;
    app.assign(cid, e1).await;
    let c = app.signed_in("jo@example.com").await;
    let job: Value = app
        .delegate(&c, form("https://jobs.example.com/1"))
        .await
        .json()
        .await
        .unwrap();
    let id = job["id"].as_str().unwrap();
    assert_eq!(job["employee_id"], e1.to_string());
    app.assign(cid, e2).await;

    let a = app.signed_in("fixture-admin@example.com").await;
    let res = app
        .rpc(
            &a,
            "jobs/reassign",
            &[("job_id", id), ("employee_id", &outsider.to_string())],
        )
        .await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["fields"][0]["field"], "employee_id");
    let res = app
        .rpc(
            &a,
            "jobs/reassign",
            &[("job_id", id), ("employee_id", &e2.to_string())],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(job_row(&app, id).await.assigned_employee_id, Some(e2));
    let detail: Value = app
        .rpc(&a, "jobs/detail", &[("job_id", id)])
        .await
        .json()
        .await
        .unwrap();
    let last = detail["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["action"], "Reassigned");
    assert_eq!(last["actor"], "Test Admin");

    // Employees may not reassign either.
    let e = app.signed_in("e1@example.com").await;
    let res = app
        .rpc(
            &e,
            "jobs/reassign",
            &[("job_id", id), ("employee_id", &e1.to_string())],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.denials("job.reassign").await, 1);
}

/// 200 delegations at once by one client with three employees: none lost, none assigned twice, loads within 1.
async fn concurrent_delegations_lose_nothing_and_balance_loads(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let mut employees = Vec::new();
    for i in 0..3 {
        let (_, e) = app.employee(&format!("e{i}@example.com")).await;
        app.assign(cid, e).await;
        employees.push(e);
    }
    let c = app.signed_in("jo@example.com").await;
    let n = 200;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let c = c.clone();
        let url = format!("{}/rpc/jobs/delegate", app.base);
        let origin = app.base.clone();
        tasks.spawn(async move {
            c.post(url)
                .header("origin", origin)
                .form(&[("form[job_url]", format!("https://jobs.example.com/c/{i}"))])
                .send()
                .await
                .map(|r| r.status().as_u16())
        });
    }
    let mut ok = 0;
    while let Some(r) = tasks.join_next().await {
        assert_eq!(r.unwrap().unwrap(), 200);
        ok += 1;
    }
    assert_eq!(ok, n);
    let rows = jobs::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), n, "no job lost");
    assert!(rows
        .iter()
        .all(|j| j.status.as_str() == "pending" && j.assigned_employee_id.is_some()));
    let mut loads = Vec::new();
    for e in &employees {
        loads.push(open_load(&app, *e).await);
    }
    assert_eq!(
        loads.iter().sum::<usize>(),
        n,
        "each job assigned exactly once"
    );
    let (min, max) = (loads.iter().min().unwrap(), loads.iter().max().unwrap());
    assert!(max - min <= 1, "loads {loads:?}");
    // One assignment entry per job in the log.
    let assigned = app::domain::entities::activity_logs::Entity::find()
        .filter(app::domain::entities::activity_logs::Column::ActionType.eq("job.assign"))
        .all(&app.db)
        .await
        .unwrap()
        .len();
    assert_eq!(assigned, n);
}

async fn a_deactivated_employees_jobs_go_to_someone_who_can_do_them(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (u1, e1) = app.employee("e1@example.com").await;
    app.assign(cid, e1).await;
    let c = app.signed_in("jo@example.com").await;
    let mut ids = Vec::new();
    for i in 0..2 {
        let job: Value = app
            .delegate(&c, form(&format!("https://jobs.example.com/{i}")))
            .await
            .json()
            .await
            .unwrap();
        ids.push(job["id"].as_str().unwrap().to_string());
    }
    let (_, e2) = app.employee("e2@example.com").await;
    app.assign(cid, e2).await;
    let a = app.signed_in("fixture-admin@example.com").await;
    let res = app
        .rpc(
            &a,
            "admin/user_active",
            &[("user_id", &u1.id.to_string()), ("active", "false")],
        )
        .await;
    assert_eq!(res.status(), 200);
    for id in &ids {
        assert_eq!(
            job_row(&app, id).await.assigned_employee_id,
            Some(e2),
            "moved to the active employee"
        );
    }
    // Back again: new work can reach them.
    app.rpc(
        &a,
        "admin/user_active",
        &[("user_id", &e2_user(&app).await), ("active", "false")],
    )
    .await;
    for id in &ids {
        assert_eq!(
            job_row(&app, id).await.status.as_str(),
            "unassigned",
            "nobody left: they wait"
        );
    }
    let res = app
        .rpc(
            &a,
            "admin/user_active",
            &[("user_id", &u1.id.to_string()), ("active", "true")],
        )
        .await;
    assert_eq!(res.status(), 200);
    for id in &ids {
        assert_eq!(
            job_row(&app, id).await.assigned_employee_id,
            Some(e1),
            "handed out on reactivation"
        );
    }
}

async fn e2_user(app: &TestApp) -> String {
    use app::domain::entities::users;
    users::Entity::find()
        .filter(users::Column::Email.eq("e2@example.com"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}
