//! Two-step sign-in (TOTP, RFC 6238): setting it up, signing in with a code or a recovery code, replayed codes, the
//! login throttle, the REST API's second step, roles that must use it, turning it off, and an admin's reset. Codes
//! are computed here as an authenticator app does (`totp_at`), not with the server's library.

use app::api::Role;
use reqwest::Client;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{json, Value};

use crate::{both, helpers::*};

both!(
    mfa_is_set_up_with_a_first_code_and_asked_for_at_every_sign_in,
    a_code_is_good_once_and_wrong_codes_count_toward_the_login_throttle,
    the_rest_api_signs_in_with_a_challenge_and_a_code,
    roles_that_must_use_mfa_can_do_nothing_else_until_it_is_set_up,
    turning_mfa_off_needs_the_password_and_a_code,
    an_admin_resets_mfa_within_the_permission_matrix,
);

/// Set up two-step sign-in for the signed-in `c`: answers the secret, the recovery codes and the step used.
async fn enrol(app: &TestApp, c: &Client) -> (String, Vec<String>, u64) {
    let res = app.rpc(c, "mfa/begin", &[]).await;
    assert_eq!(res.status(), 200);
    let enrolment = json_of(res).await;
    let secret = enrolment["secret"].as_str().unwrap().to_string();
    let mut last = 0;
    let code = next_code(&secret, &mut last).await;
    let res = app.rpc(c, "mfa/confirm", &[("code", &code)]).await;
    assert_eq!(res.status(), 200);
    let codes: Vec<String> = serde_json::from_value(json_of(res).await).unwrap();
    (secret, codes, last)
}

/// Sign in with the password, then `code`: the second step's response.
async fn sign_in_with_code(
    app: &TestApp,
    c: &Client,
    email: &str,
    code: &str,
) -> reqwest::Response {
    let res = app.login(c, email, PASSWORD).await;
    assert_eq!(res.status(), 200);
    assert_eq!(location(&res).as_deref(), Some("/login/code"), "{email}");
    app.rpc(c, "login_code", &[("code", code)]).await
}

async fn field_message(res: reqwest::Response, field: &str) -> String {
    let body = json_of(res).await;
    body["fields"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["field"] == field))
        .map(|f| f["message"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no message for {field}: {body}"))
}

async fn mfa_is_set_up_with_a_first_code_and_asked_for_at_every_sign_in(b: Backend) {
    let app = TestApp::spawn(b).await;
    let jo = app.user(Role::Client, "jo@example.com").await;
    app.user(Role::Client, "max@example.com").await;
    let c = app.signed_in("jo@example.com").await;
    let status = json_of(app.rpc(&c, "mfa/status", &[]).await).await;
    assert_eq!(status["enabled"], false);

    // The secret, its otpauth address and a QR code drawn on the server.
    let res = app.rpc(&c, "mfa/begin", &[]).await;
    assert_eq!(res.status(), 200);
    let enrolment = json_of(res).await;
    let secret = enrolment["secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let url = enrolment["otpauth_url"].as_str().unwrap();
    assert!(
        url.starts_with("otpauth://totp/JobDelegate:jo%40example.com?"),
        "{url}"
    );
    assert!(url.contains(&format!("secret={secret}")), "{url}");
    let svg = enrolment["qr_svg"].as_str().unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("</svg>"), "{svg}");
    // Stored sealed, never in clear.
    let row = app::domain::entities::users::Entity::find_by_id(jo.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let sealed = row.mfa_secret.unwrap();
    assert!(sealed.starts_with("v1:") && !sealed.contains(&secret));
    assert!(row.mfa_enabled_at.is_none(), "not on before a first code");
    // Until confirmed, signing in asks for no code.
    let res = app.login(&app.client(), "jo@example.com", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/client"));

    // A wrong code, a malformed one, then the app's code.
    let res = app.rpc(&c, "mfa/confirm", &[("code", "000000")]).await;
    assert_eq!(res.status(), 422);
    assert!(field_message(res, "code").await.contains("not right"));
    let res = app.rpc(&c, "mfa/confirm", &[("code", "12ab")]).await;
    assert_eq!(res.status(), 422);
    let mut last = 0;
    let code = next_code(&secret, &mut last).await;
    let res = app.rpc(&c, "mfa/confirm", &[("code", &code)]).await;
    assert_eq!(res.status(), 200);
    let codes: Vec<String> = serde_json::from_value(json_of(res).await).unwrap();
    assert_eq!(codes.len(), 10);
    let mut unique = codes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 10);
    // Only hashes of the recovery codes are kept.
    let stored = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT code_hash FROM mfa_recovery_codes".to_string(),
        ))
        .await
        .unwrap();
    assert_eq!(stored.len(), 10);
    for r in &stored {
        let h: String = r.try_get("", "code_hash").unwrap();
        assert!(!codes.iter().any(|c| h.contains(&c.replace('-', ""))));
    }
    let status = json_of(app.rpc(&c, "mfa/status", &[]).await).await;
    assert_eq!(status["enabled"], true);
    assert_eq!(status["recovery_codes_left"], 10);
    assert_eq!(app.me(&c).await["mfa_enabled"], true);
    let res = app.rpc(&c, "mfa/begin", &[]).await;
    assert_eq!(res.status(), 409, "already on");
    let mail = wait_for_outbox(&app.outbox, 10, |m| {
        with_subject(m, "Two-step sign-in is on") >= 1
    })
    .await;
    assert_eq!(with_subject(&mail, "Two-step sign-in is on"), 1);

    // Signing in: the password alone signs nobody in.
    let other = app.client();
    let res = app.login(&other, "jo@example.com", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/login/code"));
    assert!(
        app.me(&other).await.is_null(),
        "not signed in before the code"
    );
    let res = app.rpc(&other, "account/devices", &[]).await;
    assert_eq!(res.status(), 401);
    let res = app.rpc(&other, "login_code", &[("code", "123456")]).await;
    assert_eq!(res.status(), 422);
    let code = next_code(&secret, &mut last).await;
    let res = app.rpc(&other, "login_code", &[("code", &code)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(location(&res).as_deref(), Some("/client"));
    assert_eq!(app.me(&other).await["email"], "jo@example.com");

    // A recovery code works once, typed any way.
    let recovery = codes[3].to_uppercase().replace('-', " ");
    let res = sign_in_with_code(&app, &app.client(), "jo@example.com", &recovery).await;
    assert_eq!(res.status(), 200);
    let res = sign_in_with_code(&app, &app.client(), "jo@example.com", &codes[3]).await;
    assert_eq!(res.status(), 422, "a used recovery code");
    let status = json_of(app.rpc(&c, "mfa/status", &[]).await).await;
    assert_eq!(status["recovery_codes_left"], 9);

    // A code with no password before it, in a browser that never gave one.
    let fresh = app.client();
    let code = next_code(&secret, &mut last).await;
    let res = app.rpc(&fresh, "login_code", &[("code", &code)]).await;
    assert_eq!(res.status(), 422);
    assert!(field_message(res, "code").await.contains("timed out"));
    assert!(app.me(&fresh).await.is_null());

    // Another client: Jo's codes do not sign Max in, and Max cannot touch Jo's setup.
    let max = app.client();
    let res = app.login(&max, "max@example.com", PASSWORD).await;
    assert_eq!(
        location(&res).as_deref(),
        Some("/client"),
        "Max has no second step"
    );
    let res = sign_in_with_code(&app, &app.client(), "jo@example.com", &codes[5]).await;
    assert_eq!(res.status(), 200, "Jo's codes are Jo's");
    let res = app
        .rpc(&max, "users/reset_mfa", &[("user_id", &jo.id.to_string())])
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .rpc(
            &max,
            "mfa/disable",
            &[("password", PASSWORD), ("code", &codes[6])],
        )
        .await;
    assert_eq!(res.status(), 409, "Max's own is not on; Jo's stays on");
    assert_eq!(
        json_of(app.rpc(&c, "mfa/status", &[]).await).await["enabled"],
        true
    );
}

async fn a_code_is_good_once_and_wrong_codes_count_toward_the_login_throttle(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Employee, "sam@example.com").await;
    let c = app.signed_in("sam@example.com").await;
    let (secret, codes, mut last) = enrol(&app, &c).await;

    // The code that turned it on cannot sign in: it was used in that step.
    let used = totp_at(&secret, last * 30);
    let res = sign_in_with_code(&app, &app.client(), "sam@example.com", &used).await;
    assert_eq!(res.status(), 422);
    assert!(field_message(res, "code").await.contains("already used"));
    // Nor can a code once it signed someone in.
    let code = next_code(&secret, &mut last).await;
    let res = sign_in_with_code(&app, &app.client(), "sam@example.com", &code).await;
    assert_eq!(res.status(), 200);
    let res = sign_in_with_code(&app, &app.client(), "sam@example.com", &code).await;
    assert_eq!(res.status(), 422, "replayed");

    // Wrong codes are failed attempts of the account, and a right password does not forgive them: until a code is
    // right, the password step counts too. Since the last success: the replay above (its password and its code).
    let browser = app.client();
    let res = app.login(&browser, "sam@example.com", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/login/code"));
    let res = app.rpc(&browser, "login_code", &[("code", "000000")]).await;
    assert_eq!(res.status(), 422);
    // The fifth attempt in the window is still answered, and locks the account.
    let res = app.login(&browser, "sam@example.com", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/login/code"));
    let res = app
        .rpc(&browser, "login_code", &[("code", &codes[0])])
        .await;
    assert_eq!(
        res.status(),
        429,
        "locked, even with a right code: {}",
        res.text().await.unwrap()
    );
    let res = app.login(&app.client(), "sam@example.com", PASSWORD).await;
    assert_eq!(res.status(), 429, "the password step is locked too");
    // The recovery code was not used up by the refused attempt.
    let left = json_of(app.rpc(&c, "mfa/status", &[]).await).await;
    assert_eq!(left["recovery_codes_left"], 10);
}

async fn the_rest_api_signs_in_with_a_challenge_and_a_code(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Client, "jo@example.com").await;
    let c = app.signed_in("jo@example.com").await;
    let (secret, codes, mut last) = enrol(&app, &c).await;
    let http = Client::new();
    let login = || async {
        http.post(format!("{}/api/v1/auth/login", app.base))
            .json(&json!({"email": "jo@example.com", "password": PASSWORD, "client_name": "Chrome extension"}))
            .send()
            .await
            .unwrap()
    };
    let second = |challenge: String, code: String| {
        let http = http.clone();
        let base = app.base.clone();
        async move {
            http.post(format!("{base}/api/v1/auth/login/code"))
                .json(&json!({"challenge": challenge, "code": code, "client_name": "Chrome extension"}))
                .send()
                .await
                .unwrap()
        }
    };

    // The password alone: 202 with a challenge, no tokens.
    let res = login().await;
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["mfa_required"], true);
    assert!(body.get("access_token").is_none());
    let challenge = body["challenge"].as_str().unwrap().to_string();

    let res = second(challenge.clone(), "000000".into()).await;
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["fields"][0]["field"], "code");
    let res = second("not a challenge".into(), codes[0].clone()).await;
    assert_eq!(res.status(), 401);
    // An access token is not a challenge.
    let code = next_code(&secret, &mut last).await;
    let res = second(challenge.clone(), code.clone()).await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let res = second(access.clone(), codes[1].clone()).await;
    assert_eq!(res.status(), 401);
    // The tokens work; the code cannot be used again.
    let me: Value = http
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "jo@example.com");
    assert_eq!(me["mfa_enabled"], true);
    let res = second(challenge.clone(), code).await;
    assert_eq!(res.status(), 422, "replayed");
    // A recovery code works as a second step too.
    let body: Value = login().await.json().await.unwrap();
    let res = second(body["challenge"].as_str().unwrap().into(), codes[2].clone()).await;
    assert_eq!(res.status(), 200);
}

async fn roles_that_must_use_mfa_can_do_nothing_else_until_it_is_set_up(b: Backend) {
    let app = TestApp::spawn_with(b, |s| {
        s.auth.mfa_required = vec![Role::SuperAdmin, Role::Admin];
    })
    .await;
    app.user(Role::Admin, "ada@example.com").await;
    app.user(Role::Employee, "sam@example.com").await;
    let c = app.client();
    let res = app.login(&c, "ada@example.com", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/setup-mfa"));
    let me = app.me(&c).await;
    assert_eq!(me["mfa_setup_required"], true);
    // Nothing else works: server functions, pages' data, files, live events, the REST API.
    let res = app.rpc_json(&c, "admin/users", json!({"query": {}})).await;
    assert_eq!(res.status(), 403);
    assert!(json_of(res).await["message"]
        .as_str()
        .unwrap()
        .contains("two-step"));
    let res = c.get(format!("{}/events", app.base)).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let res = Client::new()
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // The admin pages send them to the setup.
    let page = app.page(&c, "/admin/users").await;
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("data-testid=\"users-total\""),
        "no admin data before the setup"
    );

    // An employee's role does not require it.
    let e = app.client();
    let res = app.login(&e, "sam@example.com", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/employee"));
    assert_eq!(app.me(&e).await["mfa_setup_required"], false);

    // Set up: now everything works, and it cannot be turned off.
    let (_secret, codes, _) = enrol(&app, &c).await;
    assert_eq!(app.me(&c).await["mfa_setup_required"], false);
    let res = app.rpc_json(&c, "admin/users", json!({"query": {}})).await;
    assert_eq!(res.status(), 200);
    let res = app
        .rpc(
            &c,
            "mfa/disable",
            &[("password", PASSWORD), ("code", &codes[0])],
        )
        .await;
    assert_eq!(res.status(), 403);
    let status = json_of(app.rpc(&c, "mfa/status", &[]).await).await;
    assert_eq!(status["required"], true);
    assert_eq!(status["enabled"], true);
}

async fn turning_mfa_off_needs_the_password_and_a_code(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::Client, "jo@example.com").await;
    let c = app.signed_in("jo@example.com").await;
    let (secret, codes, mut last) = enrol(&app, &c).await;

    // New recovery codes need a code; the old ones stop working.
    let res = app
        .rpc(&c, "mfa/recovery_codes", &[("code", "000000")])
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .rpc(&c, "mfa/recovery_codes", &[("code", &codes[0])])
        .await;
    assert_eq!(res.status(), 200);
    let fresh: Vec<String> = serde_json::from_value(json_of(res).await).unwrap();
    assert_eq!(fresh.len(), 10);
    let res = sign_in_with_code(&app, &app.client(), "jo@example.com", &codes[1]).await;
    assert_eq!(res.status(), 422, "an old recovery code");

    let res = app
        .rpc(
            &c,
            "mfa/disable",
            &[("password", "not my password"), ("code", &fresh[0])],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(field_names(&json_of(res).await), ["password"]);
    let res = app
        .rpc(
            &c,
            "mfa/disable",
            &[("password", PASSWORD), ("code", "000000")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(field_names(&json_of(res).await), ["code"]);
    let code = next_code(&secret, &mut last).await;
    let res = app
        .rpc(
            &c,
            "mfa/disable",
            &[("password", PASSWORD), ("code", &code)],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        json_of(app.rpc(&c, "mfa/status", &[]).await).await["enabled"],
        false
    );
    assert_eq!(app.count("mfa_recovery_codes").await, 0);
    let res = app.login(&app.client(), "jo@example.com", PASSWORD).await;
    assert_eq!(
        location(&res).as_deref(),
        Some("/client"),
        "no second step any more"
    );
    let mail = wait_for_outbox(&app.outbox, 10, |m| {
        with_subject(m, "Two-step sign-in is off") >= 1
    })
    .await;
    assert_eq!(with_subject(&mail, "Two-step sign-in is off"), 1);
}

async fn an_admin_resets_mfa_within_the_permission_matrix(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(Role::SuperAdmin, "root@example.com").await;
    let ada = app.user(Role::Admin, "ada@example.com").await;
    let bob = app.user(Role::Admin, "bob@example.com").await;
    let sam = app.user(Role::Employee, "sam@example.com").await;
    app.user(Role::Client, "jo@example.com").await;
    let root = app.signed_in("root@example.com").await;
    let ada_c = app.signed_in("ada@example.com").await;
    let bob_c = app.signed_in("bob@example.com").await;
    let sam_c = app.signed_in("sam@example.com").await;
    let jo_c = app.signed_in("jo@example.com").await;
    enrol(&app, &ada_c).await;
    enrol(&app, &bob_c).await;
    enrol(&app, &sam_c).await;
    let reset = |c: &Client, id: uuid::Uuid| {
        let c = c.clone();
        let app = &app;
        async move {
            app.rpc(&c, "users/reset_mfa", &[("user_id", &id.to_string())])
                .await
                .status()
                .as_u16()
        }
    };

    // The admin list shows who uses it.
    let list = json_of(
        app.rpc_json(&ada_c, "admin/users", json!({"query": {}}))
            .await,
    )
    .await;
    let row = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "sam@example.com")
        .unwrap()
        .clone();
    assert_eq!(row["mfa_enabled"], true);

    // A client and an employee may not; an admin may not reset another admin's, nor their own here.
    assert_eq!(reset(&jo_c, sam.id).await, 403);
    assert_eq!(reset(&sam_c, ada.id).await, 403);
    assert_eq!(reset(&ada_c, bob.id).await, 403);
    assert_eq!(
        app.denials("user.mfa_reset").await,
        3,
        "each refusal is logged"
    );
    assert_eq!(
        reset(&ada_c, ada.id).await,
        403,
        "an admin's own account is an admin's"
    );
    assert_eq!(
        reset(&root, app.user(Role::Client, "nomfa@example.com").await.id).await,
        409
    );

    // An admin resets an employee's; a super admin an admin's. Logged, and the person is told.
    assert_eq!(reset(&ada_c, sam.id).await, 200);
    assert_eq!(
        json_of(app.rpc(&sam_c, "mfa/status", &[]).await).await["enabled"],
        false
    );
    let res = app.login(&app.client(), "sam@example.com", PASSWORD).await;
    assert_eq!(location(&res).as_deref(), Some("/employee"));
    assert_eq!(reset(&root, bob.id).await, 200);
    assert_eq!(
        json_of(app.rpc(&bob_c, "mfa/status", &[]).await).await["enabled"],
        false
    );
    assert_eq!(
        json_of(app.rpc(&ada_c, "mfa/status", &[]).await).await["enabled"],
        true
    );
    let logged = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM activity_logs WHERE action_type = 'user.mfa_reset'"
                .to_string(),
        ))
        .await
        .unwrap();
    let n: i64 = logged[0].try_get("", "n").unwrap();
    assert_eq!(n, 2);
    let mail = wait_for_outbox(&app.outbox, 10, |m| {
        with_subject(m, "Your two-step sign-in was reset") >= 2
    })
    .await;
    assert_eq!(with_subject(&mail, "Your two-step sign-in was reset"), 2);
}
