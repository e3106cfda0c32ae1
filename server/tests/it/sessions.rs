//! Session lifecycle: cookie flags, id rotation, logout, timeouts, restarts, deactivation.

use std::time::Duration;

use app::{
    api::Role,
    domain::{accounts, RequestMeta},
};
use reqwest::header;

use crate::{both, helpers::*};

both!(
    session_cookie_is_http_only_and_same_site_lax,
    https_origin_gives_a_secure_host_prefixed_cookie_and_hsts,
    login_issues_a_new_session_id_and_the_old_one_dies,
    logout_ends_the_session,
    sessions_survive_a_restart,
    idle_sessions_expire,
    sessions_end_after_the_absolute_timeout_however_active,
    deactivating_a_user_ends_their_sessions,
    an_active_session_is_written_at_most_once_a_minute,
);

async fn session_cookie_is_http_only_and_same_site_lax(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Client, "client@example.com").await;
    let res = app
        .login(&app.client(), "client@example.com", PASSWORD)
        .await;
    let cookie = set_cookie(&res).expect("a session cookie");
    assert!(cookie.starts_with("jd_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(cookie.contains("Path=/"));
    assert!(
        !cookie.contains("Secure"),
        "plain http origin: no Secure flag"
    );
    assert!(res
        .headers()
        .get(header::STRICT_TRANSPORT_SECURITY)
        .is_none());
}

async fn https_origin_gives_a_secure_host_prefixed_cookie_and_hsts(b: Backend) {
    let app = TestApp::spawn_with(b, |s| {
        s.auth.public_origin = "https://jobs.example.com".into()
    })
    .await;
    app.user(Role::Client, "client@example.com").await;
    // The request comes from the public origin, as through a TLS-terminating proxy.
    let res = app
        .client()
        .post(format!("{}/rpc/login", app.base))
        .header(header::ORIGIN, "https://jobs.example.com")
        .form(&[("email", "client@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = set_cookie(&res).unwrap();
    assert!(cookie.starts_with("__Host-jd_session="), "{cookie}");
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"));
    assert!(
        !cookie.contains("Domain="),
        "__Host- cookies carry no Domain"
    );
    let hsts = res
        .headers()
        .get(header::STRICT_TRANSPORT_SECURITY)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(hsts.contains("max-age="));
}

/// `me` for a raw `Cookie` header, as a replayed or stolen cookie would be presented.
async fn me_with_cookie(app: &TestApp, cookie: &str) -> serde_json::Value {
    app.client()
        .post(format!("{}/rpc/me", app.base))
        .header(header::ORIGIN, &app.base)
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

async fn login_issues_a_new_session_id_and_the_old_one_dies(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Client, "client@example.com").await;
    let c = app.client();
    let first =
        cookie_value(&set_cookie(&app.login(&c, "client@example.com", PASSWORD).await).unwrap());
    let second =
        cookie_value(&set_cookie(&app.login(&c, "client@example.com", PASSWORD).await).unwrap());
    assert_ne!(first, second, "the session id changes at login");

    // Replaying the first cookie gets nobody.
    let replay = me_with_cookie(&app, &first).await;
    assert_eq!(replay, serde_json::Value::Null);
    assert_eq!(app.me(&c).await["email"], "client@example.com");
}

async fn logout_ends_the_session(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Employee, "emp@example.com").await;
    let c = app.client();
    let cookie =
        cookie_value(&set_cookie(&app.login(&c, "emp@example.com", PASSWORD).await).unwrap());
    assert_eq!(app.count("sessions").await, 1);
    let res = app.rpc(&c, "logout", &[]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(location(&res).as_deref(), Some("/login"));
    assert_eq!(app.me(&c).await, serde_json::Value::Null);
    assert_eq!(
        app.count("sessions").await,
        0,
        "the record is deleted, not just the cookie"
    );
    let replay = me_with_cookie(&app, &cookie).await;
    assert_eq!(replay, serde_json::Value::Null);
}

async fn sessions_survive_a_restart(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Client, "client@example.com").await;
    let c = app.client();
    let cookie =
        cookie_value(&set_cookie(&app.login(&c, "client@example.com", PASSWORD).await).unwrap());
    let key = app.session_key.clone();
    let testdb = app.testdb.clone();
    drop(app);

    let restarted = TestApp::spawn_on(testdb, |s| s.session_key = key).await;
    let res = me_with_cookie(&restarted, &cookie).await;
    assert_eq!(res["email"], "client@example.com");
}

async fn idle_sessions_expire(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.auth.idle_timeout = Duration::from_secs(2)).await;
    app.user(Role::Client, "client@example.com").await;
    let c = app.client();
    app.login(&c, "client@example.com", PASSWORD).await;
    assert_eq!(app.me(&c).await["email"], "client@example.com");
    tokio::time::sleep(Duration::from_millis(3200)).await;
    assert_eq!(app.me(&c).await, serde_json::Value::Null);
}

async fn sessions_end_after_the_absolute_timeout_however_active(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.auth.absolute_timeout = Duration::from_secs(3)).await;
    app.user(Role::Client, "client@example.com").await;
    let c = app.client();
    app.login(&c, "client@example.com", PASSWORD).await;
    // Keep the session busy; it still ends.
    for _ in 0..2 {
        assert_eq!(app.me(&c).await["email"], "client@example.com");
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.me(&c).await, serde_json::Value::Null);
}

async fn deactivating_a_user_ends_their_sessions(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.user(Role::Admin, "admin@example.com").await;
    let client = app.user(Role::Client, "client@example.com").await;
    let (phone, laptop) = (app.client(), app.client());
    app.login(&phone, "client@example.com", PASSWORD).await;
    app.login(&laptop, "client@example.com", PASSWORD).await;

    accounts::set_active(
        &app.db,
        &app.events,
        &actor(&admin),
        client.id,
        false,
        &RequestMeta::default(),
    )
    .await
    .unwrap();
    assert_eq!(app.me(&phone).await, serde_json::Value::Null);
    assert_eq!(app.me(&laptop).await, serde_json::Value::Null);

    // The right password of a deactivated account gets exactly the answer of a wrong one (issue 13).
    let res = app.login(&phone, "client@example.com", PASSWORD).await;
    let wrong = app
        .login(&laptop, "client@example.com", "not the password")
        .await;
    assert_eq!(res.status(), 401);
    assert_eq!(wrong.status(), 401);
    assert_eq!(res.text().await.unwrap(), wrong.text().await.unwrap());

    accounts::set_active(
        &app.db,
        &app.events,
        &actor(&admin),
        client.id,
        true,
        &RequestMeta::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        app.login(&phone, "client@example.com", PASSWORD)
            .await
            .status(),
        200
    );
}

/// A stream of requests on one session writes its row at most once a minute: the row is left alone while its data
/// is the same and its idle deadline moved by less than a minute; once it lags by more, the next request moves it.
async fn an_active_session_is_written_at_most_once_a_minute(b: Backend) {
    use sea_orm::{ConnectionTrait, EntityTrait};
    let app = TestApp::spawn(b).await;
    app.user(Role::Client, "client@example.com").await;
    let c = app.client();
    app.login(&c, "client@example.com", PASSWORD).await;
    let row = || async {
        app::domain::entities::sessions::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
    };
    let written = row().await;
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(app.me(&c).await["email"], "client@example.com");
    }
    let after = row().await;
    assert_eq!(
        after.expires_at, written.expires_at,
        "five requests within a minute: the row was not rewritten"
    );
    assert_eq!(after.data, written.data);

    // The stored deadline now lags by two minutes: the next request writes it forward.
    app.db
        .execute_raw(app::domain::distribution::stmt(
            app.db.get_database_backend(),
            "UPDATE sessions SET expires_at = $1",
            vec![(written.expires_at - chrono::Duration::minutes(2)).into()],
        ))
        .await
        .unwrap();
    assert_eq!(app.me(&c).await["email"], "client@example.com");
    let moved = row().await;
    assert!(
        moved.expires_at > written.expires_at,
        "{} should be after {}",
        moved.expires_at,
        written.expires_at
    );
}
