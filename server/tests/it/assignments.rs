//! Issue 3: admins assign employees to clients and see loads; the activity log records it all and can be browsed.

use app::api::Role;
use serde_json::{json, Value};

use crate::{both, helpers::*};

both!(
    admins_see_employees_with_clients_and_load,
    only_admins_assign_and_employees_only_toggle_themselves,
    the_activity_log_is_browsable_by_user_action_entity_and_date,
);

async fn admins_see_employees_with_clients_and_load(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, jo) = app.activated_client("jo@example.com").await;
    let (_, sam) = app.activated_client("sam@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.employee("e2@example.com").await;
    let a = app.signed_in("fixture-admin@example.com").await;
    for c in [jo, sam] {
        let res = app
            .rpc(
                &a,
                "admin/assign",
                &[
                    ("client_id", &c.to_string()),
                    ("employee_id", &e1.to_string()),
                ],
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    // Twice is a clear conflict, not a second row.
    let res = app
        .rpc(
            &a,
            "admin/assign",
            &[
                ("client_id", &jo.to_string()),
                ("employee_id", &e1.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 409);
    let c = app.signed_in("jo@example.com").await;
    for i in 0..3 {
        app.delegate(
            &c,
            json!({"job_url": format!("https://jobs.example.com/{i}")}),
        )
        .await;
    }
    let o: Value = app
        .rpc(&a, "admin/assignments", &[])
        .await
        .json()
        .await
        .unwrap();
    let emp = o["employees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["email"] == "e1@example.com")
        .unwrap()
        .clone();
    assert_eq!(emp["open_jobs"], 3);
    assert_eq!(emp["is_available"], true);
    let clients: Vec<&str> = emp["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["email"].as_str().unwrap())
        .collect();
    assert_eq!(clients, ["jo@example.com", "sam@example.com"]);
    let other = o["employees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["email"] == "e2@example.com")
        .unwrap()
        .clone();
    assert_eq!(other["open_jobs"], 0);
    assert_eq!(o["clients"].as_array().unwrap().len(), 2);

    // Unknown ids are field errors; unassigning someone not assigned is a conflict.
    let res = app
        .rpc(
            &a,
            "admin/assign",
            &[
                ("client_id", &uuid::Uuid::new_v4().to_string()),
                ("employee_id", &e1.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let (_, e3) = app.employee("e3@example.com").await;
    let res = app
        .rpc(
            &a,
            "admin/unassign",
            &[
                ("client_id", &jo.to_string()),
                ("employee_id", &e3.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 409);
}

async fn only_admins_assign_and_employees_only_toggle_themselves(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, jo) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    let (_, e2) = app.employee("e2@example.com").await;
    let pair = [
        ("client_id", jo.to_string()),
        ("employee_id", e1.to_string()),
    ];
    let pair: Vec<(&str, &str)> = pair.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let c = app.signed_in("jo@example.com").await;
    let e = app.signed_in("e1@example.com").await;
    for who in [&c, &e] {
        assert_eq!(app.rpc(who, "admin/assign", &pair).await.status(), 403);
        assert_eq!(app.rpc(who, "admin/unassign", &pair).await.status(), 403);
        assert_eq!(app.rpc(who, "admin/assignments", &[]).await.status(), 403);
    }
    assert_eq!(
        app.rpc(&app.client(), "admin/assign", &pair).await.status(),
        401
    );
    assert_eq!(app.count("client_employee_assignments").await, 0);
    assert_eq!(app.denials("assignment.create").await, 2);
    assert_eq!(app.denials("assignment.end").await, 2);
    assert_eq!(app.denials("assignment.list").await, 2);

    // An employee sets their own availability, not a colleague's; a client neither.
    let own = app
        .rpc(
            &e,
            "employee/availability",
            &[("employee_id", &e1.to_string()), ("available", "false")],
        )
        .await;
    assert_eq!(own.status(), 200);
    let theirs = app
        .rpc(
            &e,
            "employee/availability",
            &[("employee_id", &e2.to_string()), ("available", "false")],
        )
        .await;
    assert_eq!(theirs.status(), 403);
    let client = app
        .rpc(
            &c,
            "employee/availability",
            &[("employee_id", &e2.to_string()), ("available", "false")],
        )
        .await;
    assert_eq!(client.status(), 403);
    assert_eq!(app.denials("employee.availability").await, 2);
    let a = app.signed_in("fixture-admin@example.com").await;
    let o: Value = app
        .rpc(&a, "admin/assignments", &[])
        .await
        .json()
        .await
        .unwrap();
    let avail: Vec<(String, bool)> = o["employees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["email"].as_str().unwrap().to_string(),
                e["is_available"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(avail.contains(&("e1@example.com".into(), false)));
    assert!(avail.contains(&("e2@example.com".into(), true)));
    let _ = Role::Admin;
}

async fn the_activity_log_is_browsable_by_user_action_entity_and_date(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, jo) = app.activated_client("jo@example.com").await;
    let (_, e1) = app.employee("e1@example.com").await;
    app.assign(jo, e1).await;
    let c = app.signed_in("jo@example.com").await;
    let job: Value = app
        .delegate(&c, json!({"job_url": "https://jobs.example.com/1"}))
        .await
        .json()
        .await
        .unwrap();
    let eve = app.activated_client("eve@example.com").await;
    let _ = eve;
    let ev = app.signed_in("eve@example.com").await;
    app.rpc(
        &ev,
        "jobs/detail",
        &[("job_id", job["id"].as_str().unwrap())],
    )
    .await;

    let a = app.signed_in("fixture-admin@example.com").await;
    let list = |q: Value| {
        let (app, a) = (&app, &a);
        async move {
            let r = app.rpc_json(a, "admin/activity", json!({"query": q})).await;
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (s, all) = list(json!({})).await;
    assert_eq!(s, 200);
    assert!(all["total"].as_u64().unwrap() >= 6);
    let (_, by_user) = list(json!({"user": "JO@example"})).await;
    let actions: Vec<&str> = by_user["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["job.delegate", "auth.login", "account.signup"]);
    assert!(by_user["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actor_email"] == "jo@example.com"));
    let entry = &by_user["items"][0];
    assert_eq!(entry["actor_email"], "jo@example.com");
    assert_eq!(entry["ip"], "127.0.0.1");
    assert!(entry["data"]
        .as_str()
        .unwrap()
        .contains("jobs.example.com/1"));
    let (_, denied) = list(json!({"action": "authz.denied"})).await;
    assert_eq!(denied["total"], 1);
    assert_eq!(denied["items"][0]["actor_email"], "eve@example.com");
    let (_, by_entity) = list(json!({"entity_type": "job", "entity_id": job["id"]})).await;
    let kinds: Vec<&str> = by_entity["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["authz.denied", "job.assign", "job.delegate"]);
    let today = chrono::Utc::now().date_naive();
    let (_, dated) = list(json!({"from": today.to_string(), "to": today.to_string()})).await;
    assert_eq!(dated["total"], all["total"]);
    let (_, none) = list(json!({"to": today.pred_opt().unwrap().to_string()})).await;
    assert_eq!(none["total"], 0);
    let (s, err) = list(json!({"from": "yesterday"})).await;
    assert_eq!(s, 422);
    assert_eq!(err["fields"][0]["field"], "from");

    // Clients and employees may not read the log; the attempt itself is logged.
    assert_eq!(
        app.rpc_json(&c, "admin/activity", json!({"query": {}}))
            .await
            .status(),
        403
    );
    assert_eq!(app.denials("activity.list").await, 1);
}
