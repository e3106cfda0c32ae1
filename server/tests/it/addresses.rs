//! Email addresses: a new client confirms theirs with an emailed link (admins see whether they did), the link can be
//! sent again within a limit, and anyone can move their account to a new address once a link sent there is opened.

use app::api::Role;
use reqwest::Client;

use crate::{both, helpers::*};

both!(
    a_new_client_confirms_the_address_and_admins_see_it,
    sending_the_link_again_is_limited_per_account,
    people_move_to_a_new_address_with_a_link_sent_there,
);

async fn wait_for_links(app: &TestApp, subject: &str, to: &str, n: usize) -> Vec<String> {
    let mail = wait_for_all_outbox(&app.outbox, 10, |m| {
        link_tokens(m, subject, to, VERIFY_PATH).len() >= n
    })
    .await;
    link_tokens(&mail, subject, to, VERIFY_PATH)
}

const CONFIRM: &str = "Confirm your email address";
const VERIFY_PATH: &str = "/verify-email";
const CONFIRM_NEW: &str = "Confirm your new email address";

async fn signup(app: &TestApp, email: &str) -> Client {
    let c = app.client();
    let res = app
        .rpc(
            &c,
            "signup",
            &[
                ("email", email),
                ("password", PASSWORD),
                ("first_name", "Jo"),
                ("last_name", "Seeker"),
            ],
        )
        .await;
    assert!(res.status().is_success() || res.status().is_redirection());
    c
}

async fn a_new_client_confirms_the_address_and_admins_see_it(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Admin, "admin@example.com").await;
    let admin = app.signed_in("admin@example.com").await;
    assert_eq!(
        app.me(&admin).await["email_verified"],
        true,
        "an account an admin made is vouched for"
    );
    let jo = signup(&app, "jo@example.com").await;
    assert_eq!(app.me(&jo).await["email_verified"], false);
    let clients = json_of(app.rpc(&admin, "admin/clients", &[]).await).await;
    assert_eq!(clients[0]["email_verified"], false);
    // The client's dashboard says what is pending.
    let page = app.page(&jo, "/client").await.text().await.unwrap();
    assert!(
        page.contains("email-unconfirmed"),
        "the dashboard asks for the confirmation"
    );

    let tokens = wait_for_links(&app, CONFIRM, "jo@example.com", 1).await;
    assert_eq!(tokens.len(), 1);
    let token = &tokens[0];
    // Opening the link's page changes nothing by itself (mail scanners open links).
    let info = json_of(
        app.rpc(&app.client(), "email_link", &[("token", token)])
            .await,
    )
    .await;
    assert_eq!(
        info,
        serde_json::json!({"change": false, "email": "jo@example.com"})
    );
    assert_eq!(app.me(&jo).await["email_verified"], false);
    let res = app
        .rpc(&app.client(), "confirm_email", &[("token", token)])
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.me(&jo).await["email_verified"], true);
    let clients = json_of(app.rpc(&admin, "admin/clients", &[]).await).await;
    assert_eq!(clients[0]["email_verified"], true);
    let page = app.page(&jo, "/client").await.text().await.unwrap();
    assert!(!page.contains("email-unconfirmed"));

    // A used link is dead; nothing more to confirm.
    assert!(json_of(
        app.rpc(&app.client(), "email_link", &[("token", token)])
            .await
    )
    .await
    .is_null());
    let res = app
        .rpc(&app.client(), "confirm_email", &[("token", token)])
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(field_names(&json_of(res).await), ["token"]);
    assert_eq!(
        app.rpc(&jo, "account/resend_verification", &[])
            .await
            .status(),
        409
    );
    // A made-up link gets the same answer.
    let res = app
        .rpc(&app.client(), "confirm_email", &[("token", "jdr_made_up")])
        .await;
    assert_eq!(res.status(), 422);
}

async fn sending_the_link_again_is_limited_per_account(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.auth.rates.email_links_per_hour = 2).await;
    let jo = signup(&app, "jo@example.com").await;
    let max = signup(&app, "max@example.com").await;
    wait_for_links(&app, CONFIRM, "max@example.com", 1).await;
    for _ in 0..2 {
        let res = app.rpc(&jo, "account/resend_verification", &[]).await;
        assert_eq!(res.status(), 200);
        assert_eq!(json_of(res).await, "We sent a new link to jo@example.com.");
    }
    let res = app.rpc(&jo, "account/resend_verification", &[]).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().get("retry-after").is_some());
    // Jo's limit is Jo's: Max may still ask, and Max's link goes to Max only.
    assert_eq!(
        app.rpc(&max, "account/resend_verification", &[])
            .await
            .status(),
        200
    );
    assert_eq!(
        wait_for_links(&app, CONFIRM, "jo@example.com", 3)
            .await
            .len(),
        3
    );
    let max_links = wait_for_links(&app, CONFIRM, "max@example.com", 2).await;
    assert_eq!(max_links.len(), 2);
    // The newest link works; Jo's links confirm Jo, never Max.
    let jo_link = &link_tokens(
        &all_outbox_mail(&app.outbox),
        CONFIRM,
        "jo@example.com",
        VERIFY_PATH,
    )[0];
    assert_eq!(
        app.rpc(&max, "confirm_email", &[("token", jo_link)])
            .await
            .status(),
        200
    );
    assert_eq!(app.me(&jo).await["email_verified"], true);
    assert_eq!(app.me(&max).await["email_verified"], false);
    // Signed out: nothing to resend.
    assert_eq!(
        app.rpc(&app.client(), "account/resend_verification", &[])
            .await
            .status(),
        401
    );
}

async fn people_move_to_a_new_address_with_a_link_sent_there(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Client, "jo@example.com").await;
    app.user(Role::Client, "max@example.com").await;
    let jo = app.signed_in("jo@example.com").await;
    let max = app.signed_in("max@example.com").await;
    let ask = |c: &Client, email: &'static str, password: &'static str| {
        let app = &app;
        let c = c.clone();
        async move {
            app.rpc(
                &c,
                "account/email",
                &[("new_email", email), ("password", password)],
            )
            .await
        }
    };
    for (email, password, field) in [
        ("not an address", PASSWORD, "new_email"),
        ("jo@example.com", PASSWORD, "new_email"),
        ("Max@example.com", PASSWORD, "new_email"),
        ("jo.new@example.com", "wrong password", "password"),
        ("jo.new@example.com", "", "password"),
    ] {
        let res = ask(&jo, email, password).await;
        assert_eq!(res.status(), 422, "{email} / {password}");
        assert_eq!(
            field_names(&json_of(res).await),
            [field],
            "{email} / {password}"
        );
    }
    let res = ask(&jo, "jo.new@example.com", PASSWORD).await;
    assert_eq!(res.status(), 200);
    let tokens = wait_for_links(&app, CONFIRM_NEW, "jo.new@example.com", 1).await;
    let token = &tokens[0];
    // Until the link is opened, nothing changed.
    assert_eq!(app.me(&jo).await["email"], "jo@example.com");
    let info = json_of(
        app.rpc(&app.client(), "email_link", &[("token", token)])
            .await,
    )
    .await;
    assert_eq!(
        info,
        serde_json::json!({"change": true, "email": "jo.new@example.com"})
    );

    // Opened in Max's browser, it still moves Jo's account (the link is the proof), and Max's stays as it is.
    let res = app.rpc(&max, "confirm_email", &[("token", token)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        json_of(res).await,
        "Your account now uses jo.new@example.com."
    );
    assert_eq!(app.me(&max).await["email"], "max@example.com");
    let me = app.me(&jo).await;
    assert_eq!(me["email"], "jo.new@example.com");
    assert_eq!(me["email_verified"], true);
    // The old address is told.
    let mail = wait_for_outbox(&app.outbox, 10, |m| {
        with_subject(m, "Your email address was changed") >= 1
    })
    .await;
    assert!(mail
        .iter()
        .any(|m| m.contains("Subject: Your email address was changed")
            && m.contains("<jo@example.com>")));
    // Sign-in goes by the new address now; the link is used up.
    assert_eq!(
        app.login(&app.client(), "jo@example.com", PASSWORD)
            .await
            .status(),
        401
    );
    let status = app
        .login(&app.client(), "jo.new@example.com", PASSWORD)
        .await
        .status();
    assert!(status.is_success() || status.is_redirection());
    assert_eq!(
        app.rpc(&app.client(), "confirm_email", &[("token", token)])
            .await
            .status(),
        422
    );
    // Signed out: no change.
    assert_eq!(
        ask(&app.client(), "x@example.com", PASSWORD).await.status(),
        401
    );
}
