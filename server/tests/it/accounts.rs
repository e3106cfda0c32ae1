//! Account rules in the domain: who may manage whom, and the audit trail. Includes the attempt of one client on
//! another client's account.

use app::{
    api::{validate::NewAccount, AppError, Role},
    domain::{accounts, entities::activity_logs, RequestMeta},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{both, helpers::*};

both!(
    a_client_cannot_deactivate_another_client_and_the_attempt_is_logged,
    admins_manage_clients_and_employees_but_not_admins,
    only_super_admins_create_admins,
    actions_land_in_the_activity_log_with_ip_and_user_agent,
);

async fn a_client_cannot_deactivate_another_client_and_the_attempt_is_logged(b: Backend) {
    let app = TestApp::spawn(b).await;
    let mallory = app.user(Role::Client, "mallory@example.com").await;
    let victim = app.user(Role::Client, "victim@example.com").await;
    let err = accounts::set_active(
        &app.db,
        &app.events,
        &actor(&mallory),
        victim.id,
        false,
        &RequestMeta::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Forbidden { .. }), "{err:?}");
    let c = app.client();
    assert_eq!(
        app.login(&c, "victim@example.com", PASSWORD).await.status(),
        200,
        "victim still active"
    );
    let denied = activity_logs::Entity::find()
        .filter(activity_logs::Column::ActionType.eq("authz.denied"))
        .filter(activity_logs::Column::UserId.eq(mallory.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].entity_id, Some(victim.id));

    // Nor can a client see the other: `me` only ever answers for the session's own user.
    let mc = app.client();
    app.login(&mc, "mallory@example.com", PASSWORD).await;
    assert_eq!(app.me(&mc).await["email"], "mallory@example.com");
}

async fn admins_manage_clients_and_employees_but_not_admins(b: Backend) {
    let app = TestApp::spawn(b).await;
    let root = app.user(Role::SuperAdmin, "root@example.com").await;
    let admin = app.user(Role::Admin, "admin@example.com").await;
    let other_admin = app.user(Role::Admin, "admin2@example.com").await;
    let emp = app.user(Role::Employee, "emp@example.com").await;
    let meta = RequestMeta::default();

    assert!(
        accounts::set_active(&app.db, &app.events, &actor(&admin), emp.id, false, &meta)
            .await
            .is_ok()
    );
    let err = accounts::set_active(
        &app.db,
        &app.events,
        &actor(&admin),
        other_admin.id,
        false,
        &meta,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Forbidden { .. }));
    let err = accounts::set_active(&app.db, &app.events, &actor(&admin), root.id, false, &meta)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden { .. }));
    // A super admin may, but not on themselves.
    assert!(accounts::set_active(
        &app.db,
        &app.events,
        &actor(&root),
        other_admin.id,
        false,
        &meta
    )
    .await
    .is_ok());
    let err = accounts::set_active(&app.db, &app.events, &actor(&root), root.id, false, &meta)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict { .. }));
    // An employee manages no one.
    let err = accounts::set_active(&app.db, &app.events, &actor(&emp), admin.id, false, &meta)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden { .. }));
}

async fn only_super_admins_create_admins(b: Backend) {
    let app = TestApp::spawn(b).await;
    let root = app.user(Role::SuperAdmin, "root@example.com").await;
    let admin = app.user(Role::Admin, "admin@example.com").await;
    let client = app.user(Role::Client, "client@example.com").await;
    let meta = RequestMeta::default();
    let new = |email: &str| NewAccount::parse(email, PASSWORD, "New", "Person").unwrap();

    let err = accounts::create_user(
        &app.db,
        Some(&actor(&admin)),
        Role::Admin,
        new("a2@example.com"),
        &meta,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Forbidden { .. }));
    let err = accounts::create_user(
        &app.db,
        Some(&actor(&client)),
        Role::Employee,
        new("e1@example.com"),
        &meta,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Forbidden { .. }));
    let emp = accounts::create_user(
        &app.db,
        Some(&actor(&admin)),
        Role::Employee,
        new("e2@example.com"),
        &meta,
    )
    .await
    .unwrap();
    assert_eq!(emp.role.as_str(), "employee");
    let a = accounts::create_user(
        &app.db,
        Some(&actor(&root)),
        Role::Admin,
        new("a3@example.com"),
        &meta,
    )
    .await
    .unwrap();
    assert_eq!(a.role.as_str(), "admin");
    // Duplicate emails are refused case-insensitively with a field message.
    let err = accounts::create_user(
        &app.db,
        Some(&actor(&root)),
        Role::Admin,
        new("A3@EXAMPLE.com"),
        &meta,
    )
    .await
    .unwrap_err();
    assert!(err.field_message("email").is_some());
    assert_eq!(app.count("employees").await, 1);
    assert_eq!(app.count("admins").await, 3);
}

async fn actions_land_in_the_activity_log_with_ip_and_user_agent(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.client();
    app.user(Role::SuperAdmin, "root@example.com").await;
    let res = c
        .post(format!("{}/rpc/signup", app.base))
        .header("origin", &app.base)
        .header("user-agent", "TestBrowser/1.0")
        .form(&[
            ("email", "jo@example.com"),
            ("password", PASSWORD),
            ("first_name", "Jo"),
            ("last_name", "S"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.login(&c, "jo@example.com", "wrong password").await;
    let logs = activity_logs::Entity::find().all(&app.db).await.unwrap();
    let signup = logs
        .iter()
        .find(|l| l.action_type == "account.signup")
        .expect("signup logged");
    assert_eq!(signup.ip_address.as_deref(), Some("127.0.0.1"));
    assert_eq!(signup.user_agent.as_deref(), Some("TestBrowser/1.0"));
    assert_eq!(signup.entity_type, "user");
    assert!(logs
        .iter()
        .any(|l| l.action_type == "auth.login_failed" && l.user_id == signup.user_id));
}
