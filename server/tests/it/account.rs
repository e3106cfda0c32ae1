//! A person's own account: name, password change, signed-in devices, and "forgot password" with the emailed link.

use std::time::Duration;

use app::api::Role;
use reqwest::Client;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

use crate::{both, helpers::*};

both!(
    people_rename_themselves,
    a_password_change_checks_the_current_one_and_signs_out_everywhere_else,
    devices_are_listed_and_signed_out_one_at_a_time_or_all_but_this_one,
    a_forgotten_password_is_reset_once_with_the_emailed_link,
    asking_for_a_reset_link_says_nothing_about_the_address_and_is_limited,
);

const NEW_PASSWORD: &str = "a whole new secret";

async fn json_of(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

fn field_names(body: &Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// An extension-style sign-in: the token pair.
async fn api_signin(app: &TestApp, email: &str, password: &str) -> Value {
    let res = Client::new()
        .post(format!("{}/api/v1/auth/login", app.base))
        .header("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36")
        .json(&json!({"email": email, "password": password, "client_name": "JobDelegate extension"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Whether a sign-in with these credentials succeeds.
async fn signs_in(app: &TestApp, email: &str, password: &str) -> bool {
    let status = app.login(&app.client(), email, password).await.status();
    status.is_success() || status.is_redirection()
}

async fn refresh(app: &TestApp, refresh_token: &str) -> u16 {
    Client::new()
        .post(format!("{}/api/v1/auth/refresh", app.base))
        .json(&json!({"refresh_token": refresh_token}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn devices(app: &TestApp, c: &Client) -> Vec<Value> {
    let res = app.rpc(c, "account/devices", &[]).await;
    assert_eq!(res.status(), 200);
    json_of(res).await.as_array().unwrap().clone()
}

async fn people_rename_themselves(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Client, "jo@example.com").await;
    let jo = app.signed_in("jo@example.com").await;
    let res = app
        .rpc(
            &jo,
            "account/name",
            &[("first_name", " "), ("last_name", "")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        field_names(&json_of(res).await),
        ["first_name", "last_name"]
    );
    let res = app
        .rpc(
            &jo,
            "account/name",
            &[("first_name", "Joanna"), ("last_name", "Smith")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.me(&jo).await["first_name"], "Joanna");
    // Signed out: nobody to rename.
    let res = app
        .rpc(
            &app.client(),
            "account/name",
            &[("first_name", "X"), ("last_name", "Y")],
        )
        .await;
    assert_eq!(res.status(), 401);
}

async fn a_password_change_checks_the_current_one_and_signs_out_everywhere_else(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Client, "jo@example.com").await;
    app.user(Role::Client, "max@example.com").await;
    let here = app.signed_in("jo@example.com").await;
    let elsewhere = app.signed_in("jo@example.com").await;
    let max = app.signed_in("max@example.com").await;
    let extension = api_signin(&app, "jo@example.com", PASSWORD).await;

    // Every field is checked, and the current password must be right.
    let res = app
        .rpc(
            &here,
            "account/password",
            &[
                ("current_password", ""),
                ("new_password", "short"),
                ("confirm_password", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        field_names(&json_of(res).await),
        ["current_password", "new_password"]
    );
    let change = |current: &'static str, confirm: &'static str| {
        [
            ("current_password", current),
            ("new_password", NEW_PASSWORD),
            ("confirm_password", confirm),
        ]
    };
    let res = app
        .rpc(
            &here,
            "account/password",
            &change(PASSWORD, "something else"),
        )
        .await;
    assert_eq!(field_names(&json_of(res).await), ["confirm_password"]);
    let res = app
        .rpc(
            &here,
            "account/password",
            &change("not my password", NEW_PASSWORD),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(field_names(&json_of(res).await), ["current_password"]);
    assert!(app.me(&elsewhere).await.is_object(), "nothing changed yet");

    let res = app
        .rpc(&here, "account/password", &change(PASSWORD, NEW_PASSWORD))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(json_of(res).await, 2, "the other browser and the extension");
    assert_eq!(
        app.me(&here).await["email"],
        "jo@example.com",
        "this session goes on"
    );
    assert!(
        app.me(&elsewhere).await.is_null(),
        "the other browser is signed out"
    );
    assert_eq!(
        refresh(&app, extension["refresh_token"].as_str().unwrap()).await,
        401,
        "the extension's sign-in ended"
    );
    // Another client is untouched.
    assert_eq!(app.me(&max).await["email"], "max@example.com");
    // The old password is gone, the new one works; the person is told.
    assert_eq!(
        app.login(&app.client(), "jo@example.com", PASSWORD)
            .await
            .status(),
        401
    );
    assert!(signs_in(&app, "jo@example.com", NEW_PASSWORD).await);
    let mail = wait_for_outbox(&app.outbox, 10, |m| {
        with_subject(m, "Your password was changed") >= 1
    })
    .await;
    assert_eq!(with_subject(&mail, "Your password was changed"), 1);
    assert!(mail
        .iter()
        .any(|m| m.contains("Your password was changed") && m.contains("jo@example.com")));
}

async fn devices_are_listed_and_signed_out_one_at_a_time_or_all_but_this_one(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Client, "jo@example.com").await;
    app.user(Role::Client, "max@example.com").await;
    let here = app.signed_in("jo@example.com").await;
    let phone = app.signed_in("jo@example.com").await;
    let laptop = app.signed_in("jo@example.com").await;
    let extension = api_signin(&app, "jo@example.com", PASSWORD).await;
    let max = app.signed_in("max@example.com").await;

    let list = devices(&app, &here).await;
    assert_eq!(list.len(), 4, "{list:?}");
    assert_eq!(list[0]["current"], true, "the device in use comes first");
    assert_eq!(list.iter().filter(|d| d["current"] == true).count(), 1);
    assert_eq!(list.iter().filter(|d| d["kind"] == "browser").count(), 3);
    let ext = list
        .iter()
        .find(|d| d["kind"] == "extension")
        .unwrap()
        .clone();
    assert_eq!(ext["agent"], "JobDelegate extension (Chrome 130 on Linux)");
    assert_eq!(ext["ip"], "127.0.0.1");
    // A device's id is not its session's secret.
    let cookie_values: Vec<String> = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT id FROM sessions".to_string(),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "id").unwrap())
        .collect();
    for d in &list {
        assert!(!cookie_values
            .iter()
            .any(|s| d["id"].as_str().unwrap().contains(s.as_str())));
    }

    // Another client can neither see nor end Jo's devices.
    assert_eq!(devices(&app, &max).await.len(), 1);
    let res = app
        .rpc(
            &max,
            "account/end_device",
            &[("id", ext["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(res.status(), 404);
    let browser = list
        .iter()
        .find(|d| d["kind"] == "browser" && d["current"] == false)
        .unwrap();
    let res = app
        .rpc(
            &max,
            "account/end_device",
            &[("id", browser["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(devices(&app, &here).await.len(), 4, "nothing ended");

    // Jo ends the extension's sign-in: its next refresh fails.
    let res = app
        .rpc(
            &here,
            "account/end_device",
            &[("id", ext["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        refresh(&app, extension["refresh_token"].as_str().unwrap()).await,
        401
    );
    assert_eq!(devices(&app, &here).await.len(), 3);
    // Ending it again: already gone.
    let res = app
        .rpc(
            &here,
            "account/end_device",
            &[("id", ext["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(res.status(), 404);

    // One browser, by its id: exactly one of the two others is signed out.
    let res = app
        .rpc(
            &here,
            "account/end_device",
            &[("id", browser["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(res.status(), 200);
    let still = [
        app.me(&phone).await.is_object(),
        app.me(&laptop).await.is_object(),
    ];
    assert_eq!(still.iter().filter(|s| **s).count(), 1, "{still:?}");

    // All but this one.
    let res = app.rpc(&here, "account/end_other_devices", &[]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(json_of(res).await, 1);
    assert!(app.me(&phone).await.is_null() && app.me(&laptop).await.is_null());
    assert!(app.me(&here).await.is_object());
    assert_eq!(devices(&app, &here).await.len(), 1);
    assert!(
        app.me(&max).await.is_object(),
        "another client's session is untouched"
    );
    // Signed out, nothing to list.
    assert_eq!(
        app.rpc(&app.client(), "account/devices", &[])
            .await
            .status(),
        401
    );
}

/// The reset links' tokens in the "Choose a new password" emails to `to`.
fn reset_tokens(mail: &[String], to: &str) -> Vec<String> {
    mail.iter()
        .filter(|m| m.contains("Subject: Choose a new password") && m.contains(to))
        .filter_map(|m| {
            let text = m
                .replace("=\r\n", "")
                .replace("=\n", "")
                .replace("=3D", "=");
            let at = text.find("/reset-password?token=")? + "/reset-password?token=".len();
            Some(
                text[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect::<String>(),
            )
        })
        .collect()
}

async fn a_forgotten_password_is_reset_once_with_the_emailed_link(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Client, "jo@example.com").await;
    app.user(Role::Client, "max@example.com").await;
    let signed_in = app.signed_in("jo@example.com").await;
    let extension = api_signin(&app, "jo@example.com", PASSWORD).await;
    let max = app.signed_in("max@example.com").await;

    let res = app
        .rpc(
            &app.client(),
            "forgot_password",
            &[("email", "Jo@Example.com")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let mail = wait_for_outbox(&app.outbox, 10, |m| {
        !reset_tokens(m, "jo@example.com").is_empty()
    })
    .await;
    let tokens = reset_tokens(&mail, "jo@example.com");
    assert_eq!(tokens.len(), 1, "one reset email");
    let token = tokens[0].clone();
    assert!(token.len() >= 32, "{token}");
    // Only its hash is stored, and the queue never held it.
    assert_eq!(app.count("password_resets").await, 1);
    for table in ["password_resets", "apalis.jobs"] {
        let sql = match app.db.get_database_backend() {
            sea_orm::DbBackend::Postgres => format!("SELECT CAST(t AS text) AS r FROM {table} t"),
            _ => continue,
        };
        let rows = app
            .db
            .query_all_raw(sea_orm::Statement::from_string(
                app.db.get_database_backend(),
                sql,
            ))
            .await
            .unwrap();
        for r in rows {
            let row: String = r.try_get("", "r").unwrap();
            assert!(!row.contains(&token), "{table} holds the token");
        }
    }

    let works = |t: String| {
        let app = &app;
        async move { json_of(app.rpc(&app.client(), "reset_link", &[("token", &t)]).await).await }
    };
    assert_eq!(works(token.clone()).await, true);
    assert_eq!(works("made-up".into()).await, false);

    // The new password is checked like any other.
    let browser = app.client();
    let res = app
        .rpc(
            &browser,
            "reset_password",
            &[
                ("token", &token),
                ("password", NEW_PASSWORD),
                ("confirm_password", "nope"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(field_names(&json_of(res).await), ["confirm_password"]);
    // A link acts on the account it was sent for, not on whoever is signed in where it is opened: Max's browser using
    // Jo's link changes Jo's password, never Max's.
    let res = app
        .rpc(
            &max,
            "reset_password",
            &[
                ("token", &token),
                ("password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert!(
        res.status().is_redirection() || res.status() == 200,
        "{}",
        res.status()
    );
    assert!(
        app.me(&max).await.is_null(),
        "using a link signs this browser out"
    );
    assert!(
        signs_in(&app, "max@example.com", PASSWORD).await,
        "Max's password is unchanged"
    );
    // It was Jo's password that changed; Jo is signed out everywhere.
    assert!(app.me(&signed_in).await.is_null());
    assert_eq!(
        refresh(&app, extension["refresh_token"].as_str().unwrap()).await,
        401
    );
    assert_eq!(
        app.login(&app.client(), "jo@example.com", PASSWORD)
            .await
            .status(),
        401
    );
    assert!(signs_in(&app, "jo@example.com", NEW_PASSWORD).await);
    let mail = wait_for_outbox(&app.outbox, 10, |m| {
        with_subject(m, "Your password was changed") >= 1
    })
    .await;
    assert_eq!(with_subject(&mail, "Your password was changed"), 1);

    // A used link is dead.
    assert_eq!(works(token.clone()).await, false);
    let res = app
        .rpc(
            &app.client(),
            "reset_password",
            &[
                ("token", &token),
                ("password", "yet another one"),
                ("confirm_password", "yet another one"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(field_names(&json_of(res).await), ["token"]);

    // So is an expired one.
    app.rpc(
        &app.client(),
        "forgot_password",
        &[("email", "jo@example.com")],
    )
    .await;
    let mail = wait_for_outbox(&app.outbox, 10, |m| {
        reset_tokens(m, "jo@example.com").len() == 2
    })
    .await;
    let late = reset_tokens(&mail, "jo@example.com")
        .into_iter()
        .find(|t| *t != token)
        .expect("a second link");
    assert_ne!(late, token);
    let backend = app.db.get_database_backend();
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "UPDATE password_resets SET expires_at = $1::timestamptz WHERE used_at IS NULL"
        }
        _ => "UPDATE password_resets SET expires_at = ? WHERE used_at IS NULL",
    };
    app.db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [past.into()],
        ))
        .await
        .unwrap();
    assert_eq!(works(late.clone()).await, false);
    let res = app
        .rpc(
            &app.client(),
            "reset_password",
            &[
                ("token", &late),
                ("password", "yet another one"),
                ("confirm_password", "yet another one"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(signs_in(&app, "jo@example.com", NEW_PASSWORD).await);
}

async fn asking_for_a_reset_link_says_nothing_about_the_address_and_is_limited(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.auth.rates.resets_per_hour = 3).await;
    app.user(Role::Client, "jo@example.com").await;
    let ask = |email: &'static str| {
        let app = &app;
        async move {
            let res = app
                .rpc(&app.client(), "forgot_password", &[("email", email)])
                .await;
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let known = ask("jo@example.com").await;
    let unknown = ask("nobody@example.com").await;
    assert_eq!(known.0, 200);
    assert_eq!(known, unknown, "the same answer either way");
    let res = app
        .rpc(
            &app.client(),
            "forgot_password",
            &[("email", "not an address")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(field_names(&json_of(res).await), ["email"]);
    // Only the account's address gets mail.
    let mail = wait_for_outbox(&app.outbox, 10, |m| {
        !reset_tokens(m, "jo@example.com").is_empty()
    })
    .await;
    assert!(!mail.is_empty());
    // Give the unknown address's job time to run (it sends nothing).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mail = outbox_mail(&app.outbox);
    assert_eq!(
        mail.iter()
            .filter(|m| m.contains("Choose a new password"))
            .count(),
        1,
        "{mail:?}"
    );
    assert!(!mail.iter().any(|m| m.contains("nobody@example.com")));
    // Three per address per hour (the test's limit): the fourth is refused with a time to wait.
    ask("jo@example.com").await;
    let res = app
        .rpc(
            &app.client(),
            "forgot_password",
            &[("email", "jo@example.com")],
        )
        .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().get("retry-after").is_some());
}
