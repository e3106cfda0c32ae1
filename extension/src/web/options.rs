//! The options page: the server's address.

use super::{dom, store};

pub async fn main() {
    let Some(app) = dom::by_id("app") else { return };
    dom::clear(&app);
    dom::append(&app, dom::el("h1", "", "JobDelegate settings"));
    let server = store::server().await;
    dom::field(&app, "Server address", "server-url", "url", &server);
    dom::append(
        &app,
        dom::el(
            "p",
            "hint",
            "For example https://jobs.example.com (http://127.0.0.1:3000 when running it locally).",
        ),
    );
    let Some(save) = dom::append(&app, dom::el("button", "primary", "Save")) else {
        return;
    };
    save.set_id("save");
    let Some(status) = dom::append(&app, dom::el("p", "status", "")) else {
        return;
    };
    status.set_id("status");
    dom::on_click(&save, move || {
        let status = status.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let url = dom::value("server-url");
            let ok = url::parse_origin(&url);
            match ok {
                Some(origin) => {
                    let before = store::server().await;
                    match store::set_server(&origin).await {
                        Ok(()) => {
                            if before != origin {
                                // Tokens belong to the previous server.
                                store::clear_session().await;
                            }
                            status.set_text_content(Some("Saved."));
                        }
                        Err(e) => status.set_text_content(Some(&format!("Could not save: {e}"))),
                    }
                }
                None => status
                    .set_text_content(Some("Enter an address starting with http:// or https://.")),
            }
        });
    });
}

mod url {
    /// `scheme://host[:port]` of an http(s) address, or None.
    pub fn parse_origin(raw: &str) -> Option<String> {
        let u = web_sys::Url::new(raw.trim()).ok()?;
        matches!(u.protocol().as_str(), "http:" | "https:").then(|| u.origin())
    }
}
