//! Request guards and response headers.

use reqwest::header;

use crate::{both, helpers::*};

both!(
    server_functions_accept_only_same_origin_posts,
    pages_carry_a_nonce_csp_and_security_headers,
    unknown_pages_are_404,
);

async fn server_functions_accept_only_same_origin_posts(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.client();
    let url = format!("{}/rpc/me", app.base);

    let get = c.get(&url).send().await.unwrap();
    assert_eq!(get.status(), 405);
    assert_eq!(get.headers().get(header::ALLOW).unwrap(), "POST");

    let no_origin = c.post(&url).send().await.unwrap();
    assert_eq!(no_origin.status(), 403);
    let foreign = c
        .post(&url)
        .header(header::ORIGIN, "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    let body: serde_json::Value = foreign.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("this site"));

    // A login from a foreign origin never reaches the credentials check.
    let res = c
        .post(format!("{}/rpc/login", app.base))
        .header(header::ORIGIN, "https://evil.example")
        .form(&[("email", "x@example.com"), ("password", "whatever1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.count("activity_logs").await, 0);

    let ok = c
        .post(&url)
        .header(header::ORIGIN, &app.base)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

async fn pages_carry_a_nonce_csp_and_security_headers(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.user(app::api::Role::SuperAdmin, "root@example.com")
        .await;
    let res = app.page(&app.client(), "/login").await;
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    let csp = h
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    for directive in [
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "'wasm-unsafe-eval'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe-inline"));
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_string();
    assert!(nonce.len() >= 16);
    assert_eq!(h.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
    assert!(h.get(header::REFERRER_POLICY).is_some());
    assert!(
        h.get(header::STRICT_TRANSPORT_SECURITY).is_none(),
        "no HSTS over plain http"
    );

    let html = res.text().await.unwrap();
    let scripts = html.matches("<script").count();
    let nonced = html.matches(&format!("nonce=\"{nonce}\"")).count();
    assert!(
        scripts > 0 && nonced >= scripts,
        "every inline script carries this response's nonce"
    );

    // A second response gets a different nonce.
    let other = app.page(&app.client(), "/login").await;
    let csp2 = other
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(!csp2.contains(&nonce));
}

async fn unknown_pages_are_404(b: Backend) {
    let app = TestApp::spawn(b).await;
    let res = app.page(&app.client(), "/no/such/page").await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("Page not found"));
}
