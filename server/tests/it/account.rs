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
    people_choose_where_each_kind_of_news_reaches_them,
);

const NEW_PASSWORD: &str = "a whole new secret";

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

/// Choose a new password with a reset link's token, from `browser`.
async fn reset(
    app: &TestApp,
    browser: &Client,
    token: &str,
    password: &str,
    confirm: &str,
) -> reqwest::Response {
    app.rpc(
        browser,
        "reset_password",
        &[
            ("token", token),
            ("password", password),
            ("confirm_password", confirm),
        ],
    )
    .await
}

/// The reset links' tokens in the "Choose a new password" emails to `to`.
fn reset_tokens(mail: &[String], to: &str) -> Vec<String> {
    link_tokens(mail, "Choose a new password", to, "/reset-password")
}

async fn a_forgotten_password_is_reset_once_with_the_emailed_link(b: Backend) {
    // The link is read from what a real SMTP server received.
    let smtp = SmtpServer::start();
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let app = TestApp::spawn_with(b, move |s| {
        s.mailer = std::sync::Arc::new(
            server::mailer::Mailer::smtp(
                &url,
                "JobDelegate <no-reply@example.com>".parse().unwrap(),
                s.auth.public_origin.clone(),
            )
            .unwrap(),
        );
    })
    .await;
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
    let mail = smtp
        .wait_for(10, |m| !reset_tokens(m, "jo@example.com").is_empty())
        .await;
    let tokens = reset_tokens(&mail, "jo@example.com");
    assert_eq!(tokens.len(), 1, "one reset email");
    let token = tokens[0].clone();
    assert!(token.len() >= 32, "{token}");
    // Only its hash is stored, and the queue never held it.
    assert_eq!(app.count("password_resets").await, 1);
    let postgres = app.db.get_database_backend() == sea_orm::DbBackend::Postgres;
    let reads = if postgres {
        [
            "SELECT token_hash AS r FROM password_resets",
            "SELECT convert_from(job, 'UTF8') AS r FROM apalis.jobs",
        ]
    } else {
        [
            "SELECT token_hash AS r FROM password_resets",
            "SELECT CAST(job AS TEXT) AS r FROM Jobs",
        ]
    };
    let mut seen_reset_job = false;
    for sql in reads {
        let rows = app
            .db
            .query_all_raw(sea_orm::Statement::from_string(
                app.db.get_database_backend(),
                sql.to_string(),
            ))
            .await
            .unwrap();
        for r in rows {
            let row: String = r.try_get("", "r").unwrap();
            assert!(!row.contains(&token), "{sql}: holds the token");
            seen_reset_job |= row.contains("PasswordReset") && row.contains("jo@example.com");
        }
    }
    assert!(
        seen_reset_job,
        "the queue's job names the address, and was read"
    );

    let works = |t: String| {
        let app = &app;
        async move { json_of(app.rpc(&app.client(), "reset_link", &[("token", &t)]).await).await }
    };
    assert_eq!(works(token.clone()).await, true);
    assert_eq!(works("made-up".into()).await, false);

    // The new password is checked like any other.
    let browser = app.client();
    let res = reset(&app, &browser, &token, NEW_PASSWORD, "nope").await;
    assert_eq!(res.status(), 422);
    assert_eq!(field_names(&json_of(res).await), ["confirm_password"]);
    // A link acts on the account it was sent for, not on whoever is signed in where it is opened: Max's browser using
    // Jo's link changes Jo's password, never Max's.
    let res = reset(&app, &max, &token, NEW_PASSWORD, NEW_PASSWORD).await;
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
    let mail = smtp
        .wait_for(10, |m| with_subject(m, "Your password was changed") >= 1)
        .await;
    assert_eq!(with_subject(&mail, "Your password was changed"), 1);

    // A used link is dead.
    assert_eq!(works(token.clone()).await, false);
    let res = reset(
        &app,
        &app.client(),
        &token,
        "yet another one",
        "yet another one",
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
    let mail = smtp
        .wait_for(10, |m| reset_tokens(m, "jo@example.com").len() == 2)
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
    let res = reset(
        &app,
        &app.client(),
        &late,
        "yet another one",
        "yet another one",
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

async fn prefs_of(app: &TestApp, c: &Client) -> Value {
    let res = app.rpc(c, "account/notifications", &[]).await;
    assert_eq!(res.status(), 200);
    json_of(res).await
}

/// The employee's unread notifications in the bell.
async fn bell(app: &TestApp, c: &Client) -> Vec<String> {
    let n = json_of(app.rpc(c, "notifications", &[]).await).await;
    n["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect()
}

async fn people_choose_where_each_kind_of_news_reaches_them(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, cid) = app.activated_client("jo@example.com").await;
    let (_, eid) = app.employee("eve@example.com").await;
    app.assign(cid, eid).await;
    let jo = app.signed_in("jo@example.com").await;
    let eve = app.signed_in("eve@example.com").await;

    // Everything is on to begin with.
    let prefs = prefs_of(&app, &eve).await;
    assert_eq!(prefs.as_array().unwrap().len(), 6);
    assert!(prefs
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["in_app"] == true && p["email"] == true && p["push"] == true));

    let delegate = |n: u32| {
        let app = &app;
        let jo = jo.clone();
        async move {
            let url = format!("https://jobs.example.com/{n}");
            let res = app
                .delegate(&jo, json!({"job_url": url, "job_title": format!("Role {n}"), "company_name": "Acme"}))
                .await;
            assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        }
    };
    let emails_to_eve = || {
        outbox_mail(&app.outbox)
            .iter()
            .filter(|m| m.contains("<eve@example.com>"))
            .count()
    };

    // Assignments in the app only: the bell has it, no email comes.
    let res = app
        .rpc(
            &eve,
            "account/save_notifications",
            &[
                ("prefs[assignment_in_app]", "on"),
                ("prefs[status_in_app]", "on"),
                ("prefs[status_email]", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let saved = json_of(res).await;
    assert_eq!(
        saved[0],
        json!({"kind": "assignment", "in_app": true, "email": false, "push": false})
    );
    assert_eq!(
        saved[1],
        json!({"kind": "status", "in_app": true, "email": true, "push": false})
    );
    assert_eq!(
        saved[2],
        json!({"kind": "proof", "in_app": false, "email": false, "push": false})
    );
    assert_eq!(prefs_of(&app, &eve).await, saved, "kept");
    delegate(1).await;
    assert_eq!(bell(&app, &eve).await.len(), 1);
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert_eq!(emails_to_eve(), 0, "no email for assignments");

    // By email only: the bell stays as it was, an email comes.
    app.rpc(
        &eve,
        "account/save_notifications",
        &[("prefs[assignment_email]", "on")],
    )
    .await;
    delegate(2).await;
    let mail = wait_for_outbox(&app.outbox, 10, |m| {
        m.iter().any(|m| m.contains("<eve@example.com>"))
    })
    .await;
    assert!(mail
        .iter()
        .any(|m| m.contains("<eve@example.com>") && m.contains("Role 2")));
    assert_eq!(bell(&app, &eve).await.len(), 1, "not shown in the app");

    // Neither: nothing at all.
    let res = app.rpc(&eve, "account/save_notifications", &[]).await;
    assert_eq!(res.status(), 200, "nothing ticked is a choice too");
    delegate(3).await;
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert_eq!(bell(&app, &eve).await.len(), 1);
    assert_eq!(
        emails_to_eve(),
        1,
        "{:?}",
        outbox_mail(&app.outbox)
            .iter()
            .filter(|m| m.contains("<eve@example.com>"))
            .map(|m| m
                .lines()
                .find(|l| l.starts_with("Subject:"))
                .unwrap_or_default()
                .to_string())
            .collect::<Vec<_>>()
    );

    // Eve's choices are Eve's: Jo's are untouched, and signed out there are none to read or change.
    assert!(prefs_of(&app, &jo)
        .await
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["in_app"] == true && p["email"] == true && p["push"] == true));
    assert_eq!(
        app.rpc(&app.client(), "account/notifications", &[])
            .await
            .status(),
        401
    );
    assert_eq!(
        app.rpc(&app.client(), "account/save_notifications", &[])
            .await
            .status(),
        401
    );
}
