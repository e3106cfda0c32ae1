//! Issue 3, first slice: admins activate clients with payment status and notes; nobody else can.

use app::{
    api::Role,
    domain::entities::{activity_logs, clients},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{both, helpers::*};

both!(
    an_admin_activates_a_client_who_may_then_delegate,
    clients_and_employees_cannot_activate_anyone_and_attempts_are_logged,
    bad_activation_input_gets_clear_errors_and_changes_nothing,
    the_clients_screen_lists_clients_for_admins_only,
);

async fn client_id(app: &TestApp, user_id: uuid::Uuid) -> String {
    clients::Entity::find()
        .filter(clients::Column::UserId.eq(user_id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}

fn activation<'a>(
    client: &'a str,
    activate: &'a str,
    status: &'a str,
    notes: &'a str,
) -> [(&'a str, &'a str); 4] {
    [
        ("client_id", client),
        ("activate", activate),
        ("payment_status", status),
        ("subscription_notes", notes),
    ]
}

async fn an_admin_activates_a_client_who_may_then_delegate(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.user(Role::Admin, "admin@example.com").await;
    let jo = app.user(Role::Client, "jo@example.com").await;
    let cid = client_id(&app, jo.id).await;

    let a = app.client();
    app.login(&a, "admin@example.com", PASSWORD).await;
    let list: serde_json::Value = app
        .rpc(&a, "admin/clients", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["email"], "jo@example.com");
    assert_eq!(list[0]["is_activated"], false);

    let res = app
        .rpc(
            &a,
            "admin/client_activation",
            &activation(&cid, "true", "active", "Annual plan, paid by card"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let row: serde_json::Value = res.json().await.unwrap();
    assert_eq!(row["is_activated"], true);
    assert_eq!(row["payment_status"], "active");
    assert_eq!(row["activated_by"], "admin@example.com");
    assert!(row["activated_at"].is_string());
    assert_eq!(row["subscription_notes"], "Annual plan, paid by card");

    let c = app.client();
    app.login(&c, "jo@example.com", PASSWORD).await;
    assert_eq!(app.me(&c).await["client_activated"], true);
    assert!(!app
        .page(&c, "/client")
        .await
        .text()
        .await
        .unwrap()
        .contains("awaiting-activation"));

    let stored = clients::Entity::find()
        .filter(clients::Column::UserId.eq(jo.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.activated_by, Some(admin.id));
    let logged = activity_logs::Entity::find()
        .filter(activity_logs::Column::ActionType.eq("client.activate"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(logged.user_id, Some(admin.id));
    assert_eq!(logged.ip_address.as_deref(), Some("127.0.0.1"));

    // Deactivation stops delegation but keeps who activated them, and when.
    let res = app
        .rpc(
            &a,
            "admin/client_activation",
            &activation(&cid, "false", "past_due", "Card declined"),
        )
        .await;
    let row: serde_json::Value = res.json().await.unwrap();
    assert_eq!(row["is_activated"], false);
    assert_eq!(row["activated_by"], "admin@example.com");
    assert_eq!(app.me(&c).await["client_activated"], false);
}

async fn clients_and_employees_cannot_activate_anyone_and_attempts_are_logged(b: Backend) {
    let app = TestApp::spawn(b).await;
    let mallory = app.user(Role::Client, "mallory@example.com").await;
    let victim = app.user(Role::Client, "victim@example.com").await;
    app.user(Role::Employee, "emp@example.com").await;
    let (own, other) = (
        client_id(&app, mallory.id).await,
        client_id(&app, victim.id).await,
    );

    let m = app.client();
    app.login(&m, "mallory@example.com", PASSWORD).await;
    for target in [&own, &other] {
        let res = app
            .rpc(
                &m,
                "admin/client_activation",
                &activation(target, "true", "active", ""),
            )
            .await;
        assert_eq!(res.status(), 403);
    }
    // Nor may she deactivate the other client, or read the client list.
    assert_eq!(
        app.rpc(
            &m,
            "admin/client_activation",
            &activation(&other, "false", "cancelled", "")
        )
        .await
        .status(),
        403
    );
    assert_eq!(app.rpc(&m, "admin/clients", &[]).await.status(), 403);

    let e = app.client();
    app.login(&e, "emp@example.com", PASSWORD).await;
    assert_eq!(
        app.rpc(
            &e,
            "admin/client_activation",
            &activation(&other, "true", "active", "")
        )
        .await
        .status(),
        403
    );
    let stranger = app.client();
    assert_eq!(
        app.rpc(
            &stranger,
            "admin/client_activation",
            &activation(&other, "true", "active", "")
        )
        .await
        .status(),
        401
    );

    let all = clients::Entity::find().all(&app.db).await.unwrap();
    assert!(
        all.iter()
            .all(|c| !c.is_activated && c.payment_status.as_str() == "pending"),
        "nothing changed"
    );
    let denied = activity_logs::Entity::find()
        .filter(activity_logs::Column::ActionType.eq("authz.denied"))
        .filter(activity_logs::Column::UserId.eq(mallory.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(denied.len(), 4, "each refused attempt is logged");
}

async fn bad_activation_input_gets_clear_errors_and_changes_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Admin, "admin@example.com").await;
    let jo = app.user(Role::Client, "jo@example.com").await;
    let cid = client_id(&app, jo.id).await;
    let a = app.client();
    app.login(&a, "admin@example.com", PASSWORD).await;

    let long = "n".repeat(2001);
    let res = app
        .rpc(
            &a,
            "admin/client_activation",
            &activation(&cid, "true", "active", &long),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["fields"][0]["field"], "subscription_notes");

    let res = app
        .rpc(
            &a,
            "admin/client_activation",
            &activation(&cid, "true", "free_forever", ""),
        )
        .await;
    assert_eq!(
        res.status(),
        400,
        "an unknown payment status is refused, never a 500"
    );

    let nobody = uuid::Uuid::new_v4().to_string();
    let res = app
        .rpc(
            &a,
            "admin/client_activation",
            &activation(&nobody, "true", "active", ""),
        )
        .await;
    assert_eq!(res.status(), 404);

    let stored = clients::Entity::find()
        .filter(clients::Column::UserId.eq(jo.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.is_activated);
    assert_eq!(stored.payment_status.as_str(), "pending");
}

async fn the_clients_screen_lists_clients_for_admins_only(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Admin, "admin@example.com").await;
    app.user(Role::Client, "jo@example.com").await;
    let a = app.client();
    app.login(&a, "admin@example.com", PASSWORD).await;
    let html = app.page(&a, "/admin/clients").await.text().await.unwrap();
    assert!(html.contains("data-testid=\"clients-section\""));
    assert!(html.contains("jo@example.com") && html.contains("Awaiting activation"));
    assert!(html.contains(">Activate<"));

    // Other admin sections do not load (or log) the client list.
    app.page(&a, "/admin/users").await;
    let c = app.client();
    app.login(&c, "jo@example.com", PASSWORD).await;
    let res = app.page(&c, "/admin/clients").await;
    assert_eq!(location(&res).as_deref(), Some("/client"));
    assert!(!res.text().await.unwrap().contains("clients-section"));
    // The list was never requested on the client's behalf (no refused attempt logged).
    use app::domain::entities::activity_logs;
    let denied = activity_logs::Entity::find()
        .filter(activity_logs::Column::ActionType.eq("authz.denied"))
        .all(&app.db)
        .await
        .unwrap();
    assert!(denied.is_empty());
}
