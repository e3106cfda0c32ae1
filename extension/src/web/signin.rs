//! The popup's sign-in: email and password, then, for an account with two-step sign-in, the code from the
//! authenticator app (or a recovery code).

use wasm_bindgen_futures::spawn_local;
use web_sys::Element;

use super::{
    api,
    dom::{self, append, el, field, on_click},
    outbox, popup,
};

pub(super) fn login(app: &Element) {
    append(app, el("h1", "", "Sign in to JobDelegate"));
    field(app, "Email", "email", "email", "");
    field(app, "Password", "password", "password", "");
    let Some(button) = append(app, el("button", "primary", "Sign in")) else {
        return;
    };
    button.set_id("sign-in");
    let Some(status) = append(app, el("p", "status", "")) else {
        return;
    };
    status.set_id("status");
    if let Some(a) = append(app, el("a", "link", "Settings (server address)")) {
        let _ = a.set_attribute("href", "options.html");
        let _ = a.set_attribute("target", "_blank");
    }
    let form = app.clone();
    on_click(&button, move || {
        let status = status.clone();
        let form = form.clone();
        spawn_local(async move {
            status.set_text_content(Some("Signing in…"));
            match api::login(&dom::value("email"), &dom::value("password")).await {
                Ok(api::SignIn::Done) => {
                    let _ = outbox::flush().await;
                    popup::render().await;
                }
                Ok(api::SignIn::Code(challenge)) => ask_code(&form, challenge),
                Err(e) => status.set_text_content(Some(&e.message())),
            }
        });
    });
}

/// The second step of signing in: the code from the authenticator app, or a recovery code.
fn ask_code(app: &Element, challenge: String) {
    app.set_inner_html("");
    append(app, el("h1", "", "Two-step sign-in"));
    append(
        app,
        el(
            "p",
            "hint",
            "Enter the 6-digit code from your authenticator app, or a recovery code.",
        ),
    );
    field(app, "Code", "code", "text", "");
    let Some(button) = append(app, el("button", "primary", "Verify")) else {
        return;
    };
    button.set_id("verify-code");
    let Some(status) = append(app, el("p", "status", "")) else {
        return;
    };
    status.set_id("status");
    on_click(&button, move || {
        let status = status.clone();
        let challenge = challenge.clone();
        spawn_local(async move {
            status.set_text_content(Some("Checking…"));
            match api::login_code(&challenge, &dom::value("code")).await {
                Ok(_) => {
                    let _ = outbox::flush().await;
                    popup::render().await;
                }
                // The challenge ran out: back to email and password.
                Err(api::Failure::Api(app::api::AppError::Unauthenticated)) => {
                    popup::render().await
                }
                Err(e) => popup::show_failure(&status, &e),
            }
        });
    });
}
