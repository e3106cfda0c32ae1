//! Issue 3, users: the admin's list (search, filters, pagination), creating staff, deactivating and reactivating.

use app::api::Role;
use serde_json::json;

use crate::{both, helpers::*};

both!(
    admins_search_filter_and_page_through_users,
    admins_create_employees_and_only_super_admins_create_admins,
    deactivation_from_the_admin_api_ends_sessions_and_is_refused_to_clients,
    the_users_screen_renders_filtered_pages_for_admins,
);

async fn list(app: &TestApp, c: &reqwest::Client, query: serde_json::Value) -> serde_json::Value {
    let res = app
        .rpc_json(c, "admin/users", json!({ "query": query }))
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn emails(page: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

async fn admins_search_filter_and_page_through_users(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.user(Role::Admin, "admin@example.com").await;
    for i in 0..7 {
        app.user(Role::Client, &format!("client{i}@example.com"))
            .await;
    }
    app.user(Role::Employee, "Emp.Ada@example.com").await;
    let a = app.client();
    app.login(&a, "admin@example.com", PASSWORD).await;

    let all = list(&app, &a, json!({})).await;
    assert_eq!(all["total"], 9);
    let page1 = list(&app, &a, json!({"per_page": 4, "page": 1})).await;
    let page3 = list(&app, &a, json!({"per_page": 4, "page": 3})).await;
    assert_eq!(page1["items"].as_array().unwrap().len(), 4);
    assert_eq!(page3["items"].as_array().unwrap().len(), 1);
    assert_eq!(page3["total"], 9);

    // Search is case-insensitive over email and names; % is taken literally.
    assert_eq!(
        emails(&list(&app, &a, json!({"search": "EMP.ADA"})).await),
        vec!["emp.ada@example.com"]
    );
    assert_eq!(list(&app, &a, json!({"search": "%"})).await["total"], 0);
    assert_eq!(
        list(&app, &a, json!({"role": "employee"})).await["total"],
        1
    );

    // Client filters: activation and payment status.
    let some_client = list(&app, &a, json!({"search": "client3@"})).await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let client_row = app::domain::entities::clients::Entity::find()
        .filter(
            app::domain::entities::clients::Column::UserId
                .eq(uuid::Uuid::parse_str(&some_client).unwrap()),
        )
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    app::domain::clients::set_activation(
        &app.db,
        &app.events,
        &actor(&admin),
        client_row.id,
        app::domain::clients::Activation {
            activate: true,
            payment_status: app::api::PaymentStatus::Active,
            notes: "",
        },
        &Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        emails(&list(&app, &a, json!({"activated": true})).await),
        vec!["client3@example.com"]
    );
    assert_eq!(
        list(&app, &a, json!({"activated": false})).await["total"],
        6
    );
    assert_eq!(
        list(&app, &a, json!({"payment_status": "active"})).await["total"],
        1
    );
    assert_eq!(list(&app, &a, json!({"active": false})).await["total"], 0);

    // Bad input: a clear error, never a 500.
    let res = app
        .rpc_json(
            &a,
            "admin/users",
            json!({"query": {"search": "x".repeat(201)}}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .rpc_json(&a, "admin/users", json!({"query": {"role": "wizard"}}))
        .await;
    assert_eq!(res.status(), 400);
}

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

async fn admins_create_employees_and_only_super_admins_create_admins(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::SuperAdmin, "root@example.com").await;
    app.user(Role::Admin, "admin@example.com").await;
    let form = |role: &'static str, email: &'static str| {
        [
            ("role", role),
            ("email", email),
            ("password", PASSWORD),
            ("first_name", "New"),
            ("last_name", "Person"),
        ]
    };
    let a = app.client();
    app.login(&a, "admin@example.com", PASSWORD).await;
    let res = app
        .rpc(
            &a,
            "admin/create_user",
            &form("employee", "emp@example.com"),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["role"],
        "employee"
    );
    assert_eq!(
        app.rpc(&a, "admin/create_user", &form("admin", "a2@example.com"))
            .await
            .status(),
        403
    );
    assert_eq!(
        app.rpc(&a, "admin/create_user", &form("client", "c@example.com"))
            .await
            .status(),
        422
    );
    let res = app
        .rpc(
            &a,
            "admin/create_user",
            &form("employee", "EMP@example.com"),
        )
        .await;
    assert_eq!(res.status(), 422, "duplicate email");

    let r = app.client();
    app.login(&r, "root@example.com", PASSWORD).await;
    assert_eq!(
        app.rpc(&r, "admin/create_user", &form("admin", "a2@example.com"))
            .await
            .status(),
        200
    );

    // The new employee can sign in and lands on their dashboard.
    let e = app.client();
    assert_eq!(
        location(&app.login(&e, "emp@example.com", PASSWORD).await).as_deref(),
        Some("/employee")
    );
}

async fn deactivation_from_the_admin_api_ends_sessions_and_is_refused_to_clients(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Admin, "admin@example.com").await;
    let victim = app.user(Role::Client, "victim@example.com").await;
    app.user(Role::Client, "mallory@example.com").await;
    let v = app.client();
    app.login(&v, "victim@example.com", PASSWORD).await;

    // Another client can neither list users nor deactivate the victim.
    let m = app.client();
    app.login(&m, "mallory@example.com", PASSWORD).await;
    assert_eq!(
        app.rpc_json(&m, "admin/users", json!({"query": {}}))
            .await
            .status(),
        403
    );
    let id = victim.id.to_string();
    assert_eq!(
        app.rpc(
            &m,
            "admin/user_active",
            &[("user_id", id.as_str()), ("active", "false")]
        )
        .await
        .status(),
        403
    );
    assert_eq!(app.me(&v).await["email"], "victim@example.com");

    let a = app.client();
    app.login(&a, "admin@example.com", PASSWORD).await;
    assert_eq!(
        app.rpc(
            &a,
            "admin/user_active",
            &[("user_id", id.as_str()), ("active", "false")]
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.me(&v).await,
        serde_json::Value::Null,
        "the victim's session ended"
    );
    // Refused like a wrong password (issue 13: nothing tells that the password was right).
    assert_eq!(
        app.login(&v, "victim@example.com", PASSWORD).await.status(),
        401
    );
    assert_eq!(
        app.rpc(
            &a,
            "admin/user_active",
            &[("user_id", id.as_str()), ("active", "true")]
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.login(&v, "victim@example.com", PASSWORD).await.status(),
        200
    );
    let nobody = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        app.rpc(
            &a,
            "admin/user_active",
            &[("user_id", nobody.as_str()), ("active", "false")]
        )
        .await
        .status(),
        404
    );
}

async fn the_users_screen_renders_filtered_pages_for_admins(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Admin, "admin@example.com").await;
    app.user(Role::Client, "jo@example.com").await;
    app.user(Role::Employee, "emp@example.com").await;
    let a = app.client();
    app.login(&a, "admin@example.com", PASSWORD).await;
    let html = app
        .page(&a, "/admin/users?role=employee")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-testid=\"users-section\""));
    assert!(
        html.contains("1 users · page 1 of 1"),
        "filtered by role from the URL"
    );
    assert!(
        html.contains("data-email=\"emp@example.com\"")
            && !html.contains("data-email=\"jo@example.com\"")
    );
    // An admin may not create admins: the option is not offered.
    let create_roles = html
        .split("id=\"f-new-role\"")
        .nth(1)
        .unwrap()
        .split("</select>")
        .next()
        .unwrap();
    assert!(
        create_roles.contains("value=\"employee\"") && !create_roles.contains("value=\"admin\"")
    );
    let html = app
        .page(&a, "/admin/users?search=JO")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-email=\"jo@example.com\""));
}
