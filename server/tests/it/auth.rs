//! First-run setup, sign-up, login and the role dashboards.

use app::api::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{both, helpers::*};

both!(
    setup_creates_the_first_super_admin_once,
    signup_creates_a_client_awaiting_activation,
    bad_signup_input_gets_field_errors_and_writes_nothing,
    each_role_lands_on_its_own_dashboard,
    dashboards_refuse_other_roles_and_strangers,
    unknown_email_and_wrong_password_get_the_same_answer,
    repeated_failures_are_throttled_then_released,
    failures_from_one_ip_are_throttled_across_accounts,
);

async fn setup_creates_the_first_super_admin_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.client();

    // Fresh site: the landing page sends people to setup, which shows its form.
    let res = app.page(&c, "/").await;
    assert_eq!(location(&res).as_deref(), Some("/setup"));
    let html = app.page(&c, "/setup").await.text().await.unwrap();
    assert!(
        html.contains("data-testid=\"setup-form\""),
        "setup form missing"
    );

    // A stranger who reached the fresh site first, without the token the server printed (or with a guess), claims
    // nothing (issue 13).
    let token = app::domain::setup::setup_token(&app.db)
        .await
        .unwrap()
        .expect("a fresh site has a setup token");
    assert_eq!(token.len(), 32);
    for guess in ["", "0123456789abcdef0123456789abcdef"] {
        let res = app
            .rpc(
                &app.client(),
                "setup",
                &[
                    ("setup_token", guess),
                    ("email", "evil@example.com"),
                    ("password", PASSWORD),
                    ("first_name", "E"),
                    ("last_name", "Vil"),
                ],
            )
            .await;
        assert_eq!(res.status(), 422);
        let p: serde_json::Value = res.json().await.unwrap();
        assert_eq!(p["fields"][0]["field"], "setup_token");
    }
    assert_eq!(app.count("users").await, 0);
    // Every replica shows the same token.
    assert_eq!(
        app::domain::setup::setup_token(&app.db).await.unwrap(),
        Some(token.clone())
    );

    let res = app
        .rpc(
            &c,
            "setup",
            &[
                ("setup_token", &token),
                ("email", "Root@Example.com"),
                ("password", PASSWORD),
                ("first_name", "Rita"),
                ("last_name", "Root"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(location(&res).as_deref(), Some("/admin"));
    let me = app.me(&c).await;
    assert_eq!(me["role"], "super_admin");
    assert_eq!(me["email"], "root@example.com");

    // Afterwards the page is gone and the function refuses, for anyone.
    let stranger = app.client();
    let res = app.page(&stranger, "/setup").await;
    assert_eq!(location(&res).as_deref(), Some("/login"));
    let res = app
        .rpc(
            &stranger,
            "setup",
            &[
                ("setup_token", &token),
                ("email", "evil@example.com"),
                ("password", PASSWORD),
                ("first_name", "E"),
                ("last_name", "Vil"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.count("users").await, 1);
    assert_eq!(
        app::domain::setup::setup_token(&app.db).await.unwrap(),
        None
    );
}

async fn signup_creates_a_client_awaiting_activation(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::SuperAdmin, "root@example.com").await;
    let c = app.client();
    let res = app
        .rpc(
            &c,
            "signup",
            &[
                ("email", "jo@example.com"),
                ("password", PASSWORD),
                ("first_name", "Jo"),
                ("last_name", "Seeker"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(location(&res).as_deref(), Some("/client"));
    let me = app.me(&c).await;
    assert_eq!(me["role"], "client");
    assert_eq!(me["client_activated"], false);

    let html = app.page(&c, "/client").await.text().await.unwrap();
    assert!(
        html.contains("awaiting-activation"),
        "the dashboard says the account awaits activation"
    );
    assert!(
        html.contains("Jo Seeker"),
        "the header shows who is signed in"
    );

    // The client row and their (empty) resume profile exist, not yet activated.
    use app::domain::entities::{clients, resume_profiles, users};
    let user = users::Entity::find()
        .filter(users::Column::Email.eq("jo@example.com"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let client = clients::Entity::find()
        .filter(clients::Column::UserId.eq(user.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(!client.is_activated);
    assert_eq!(client.payment_status.as_str(), "pending");
    let profile = resume_profiles::Entity::find()
        .filter(resume_profiles::Column::ClientId.eq(client.id))
        .one(&app.db)
        .await
        .unwrap();
    assert!(profile.is_some());
}

async fn bad_signup_input_gets_field_errors_and_writes_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Client, "taken@example.com").await;
    let users_before = app.count("users").await;
    let c = app.client();
    let long = "x".repeat(129);
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        ("not-an-email", PASSWORD, "Jo", "S", "email"),
        ("jo@example.com", "1234567", "Jo", "S", "password"),
        ("jo@example.com", &long, "Jo", "S", "password"),
        ("jo@example.com", PASSWORD, "", "S", "first_name"),
        ("TAKEN@example.com", PASSWORD, "Jo", "S", "email"),
    ];
    for (email, password, first, last, field) in cases {
        let res = app
            .rpc(
                &c,
                "signup",
                &[
                    ("email", email),
                    ("password", password),
                    ("first_name", first),
                    ("last_name", last),
                ],
            )
            .await;
        assert_eq!(res.status(), 422, "{field} case");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["kind"], "validation");
        let fields = body["fields"].as_array().unwrap();
        assert!(
            fields
                .iter()
                .any(|f| f["field"] == *field && !f["message"].as_str().unwrap().is_empty()),
            "expected a message for {field}, got {body}"
        );
    }
    assert_eq!(
        app.count("users").await,
        users_before,
        "nothing half-written"
    );
    assert_eq!(app.count("clients").await, 1);
    assert_eq!(app.count("user_profiles").await, 1);
    assert_eq!(app.me(&c).await, serde_json::Value::Null);

    // A request missing its arguments is a client error, never a 500.
    let res = app.rpc(&c, "signup", &[("email", "x@example.com")]).await;
    assert_eq!(res.status(), 400);
}

async fn each_role_lands_on_its_own_dashboard(b: Backend) {
    let app = TestApp::spawn(b).await;
    for (role, email, home, testid) in [
        (
            Role::SuperAdmin,
            "root@example.com",
            "/admin",
            "admin-dashboard",
        ),
        (
            Role::Admin,
            "admin@example.com",
            "/admin",
            "admin-dashboard",
        ),
        (
            Role::Employee,
            "emp@example.com",
            "/employee",
            "employee-dashboard",
        ),
        (
            Role::Client,
            "client@example.com",
            "/client",
            "client-dashboard",
        ),
    ] {
        app.user(role, email).await;
        let c = app.client();
        let res = app.login(&c, email, PASSWORD).await;
        assert_eq!(res.status(), 200, "{email}");
        assert_eq!(location(&res).as_deref(), Some(home), "{email}");
        let page = app.page(&c, home).await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains(testid), "{email} sees {testid}");
        assert!(
            html.contains("data-testid=\"logout\""),
            "a logout button is shown"
        );
        assert!(html.contains(role.label()), "the role is shown");
        // the landing page forwards to the same place
        assert_eq!(location(&app.page(&c, "/").await).as_deref(), Some(home));
    }
}

async fn dashboards_refuse_other_roles_and_strangers(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::SuperAdmin, "root@example.com").await;
    app.user(Role::Client, "client@example.com").await;
    let stranger = app.client();
    for path in ["/admin", "/admin/users", "/client", "/employee"] {
        assert_eq!(
            location(&app.page(&stranger, path).await).as_deref(),
            Some("/login"),
            "{path}"
        );
    }
    let c = app.client();
    app.login(&c, "client@example.com", PASSWORD).await;
    for path in ["/admin", "/admin/users", "/employee"] {
        let res = app.page(&c, path).await;
        assert_eq!(location(&res).as_deref(), Some("/client"), "{path}");
        assert!(!res.text().await.unwrap().contains("admin-dashboard"));
    }
}

async fn unknown_email_and_wrong_password_get_the_same_answer(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Client, "client@example.com").await;
    let c = app.client();
    let wrong = app
        .login(&c, "client@example.com", "not the password")
        .await;
    let (s1, b1) = (wrong.status(), wrong.text().await.unwrap());
    let unknown = app
        .login(&c, "nobody@example.com", "not the password")
        .await;
    let (s2, b2) = (unknown.status(), unknown.text().await.unwrap());
    assert_eq!(s1, 401);
    assert_eq!((s1, &b1), (s2, &b2));
    let body: serde_json::Value = serde_json::from_str(&b1).unwrap();
    assert_eq!(body["kind"], "invalid_credentials", "{b1}");
    assert_eq!(app.me(&c).await, serde_json::Value::Null);
}

async fn repeated_failures_are_throttled_then_released(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Client, "client@example.com").await;
    let c = app.client();
    for _ in 0..5 {
        assert_eq!(
            app.login(&c, "client@example.com", "wrong password")
                .await
                .status(),
            401
        );
    }
    // Locked: even the right password waits, and the answer says for how long.
    let res = app.login(&c, "client@example.com", PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().get("retry-after").is_some());
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["kind"], "too_many_requests");
    let retry = body["retry_after_secs"].as_u64().unwrap();
    assert!(
        retry > 14 * 60 && retry <= 15 * 60,
        "about 15 minutes, got {retry}s"
    );

    // The same lock applies to an unknown email's failures, so locks reveal nothing either.
    for _ in 0..5 {
        app.login(&c, "nobody@example.com", "wrong password").await;
    }
    assert_eq!(
        app.login(&c, "nobody@example.com", "wrong password")
            .await
            .status(),
        429
    );

    // Once the lock has run out, the owner gets in.
    use app::domain::entities::login_throttles as lt;
    use sea_orm::{ActiveModelTrait, Set};
    let row = lt::Entity::find_by_id("account:client@example.com".to_string())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut am: lt::ActiveModel = row.into();
    am.locked_until = Set(Some(chrono::Utc::now() - chrono::Duration::seconds(1)));
    am.update(&app.db).await.unwrap();
    let res = app.login(&c, "client@example.com", PASSWORD).await;
    assert_eq!(res.status(), 200);
    assert!(
        lt::Entity::find_by_id("account:client@example.com".to_string())
            .one(&app.db)
            .await
            .unwrap()
            .is_none()
    );
}

async fn failures_from_one_ip_are_throttled_across_accounts(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.auth.throttle.ip_max_failures = 3).await;
    app.user(Role::Client, "client@example.com").await;
    let c = app.client();
    // Spraying one wrong password over many accounts trips the per-IP limit, though no account reaches its own.
    for email in ["a@example.com", "b@example.com", "c@example.com"] {
        assert_eq!(app.login(&c, email, "wrong password").await.status(), 401);
    }
    let res = app.login(&c, "client@example.com", PASSWORD).await;
    assert_eq!(res.status(), 429);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["kind"], "too_many_requests");
}
