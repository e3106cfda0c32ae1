//! The extension's browser side (wasm32 only): entry points called by the few lines of JavaScript Chrome needs.

// What every page's content script needs (both builds).
#[cfg_attr(not(feature = "full"), allow(dead_code))]
mod chrome;
mod content;
#[cfg_attr(not(feature = "full"), allow(dead_code))]
mod dom;
mod page_text;

// The popup, options page, background worker and form filling (the `full` build, `pkg/extension*`).
#[cfg(feature = "full")]
mod api;
#[cfg(feature = "full")]
mod background;
#[cfg(feature = "full")]
mod fill;
#[cfg(feature = "full")]
mod fill_controls;
#[cfg(feature = "full")]
mod fill_panel;
#[cfg(feature = "full")]
mod fill_popup;
#[cfg(feature = "full")]
mod options;
#[cfg(feature = "full")]
mod outbox;
#[cfg(feature = "full")]
mod popup;
#[cfg(feature = "full")]
mod signin;
#[cfg(feature = "full")]
mod store;
#[cfg(feature = "full")]
mod work;

use wasm_bindgen::prelude::*;

#[cfg(feature = "full")]
#[wasm_bindgen]
pub fn popup_main() {
    wasm_bindgen_futures::spawn_local(popup::main());
}

#[cfg(feature = "full")]
#[wasm_bindgen]
pub fn options_main() {
    wasm_bindgen_futures::spawn_local(options::main());
}

#[wasm_bindgen]
pub fn content_main() {
    // A bug shows in the page's console rather than as a silent stop.
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("JobDelegate: {info}").into());
    }));
    content::main();
}

#[cfg(feature = "full")]
#[wasm_bindgen]
pub async fn background_alarm(name: String) {
    background::alarm(name).await
}

/// Fill the form on this page (the popup's "Fill for <client>"): called by the content script's glue, which loads
/// this module only then. Answers the first round's report.
#[cfg(feature = "full")]
#[wasm_bindgen]
pub async fn fill_start(request: JsValue) -> JsValue {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("JobDelegate: {info}").into());
    }));
    let request = chrome::from_js::<fill::FillRequest>(&request).unwrap_or_default();
    chrome::to_js(&fill::start(request).await)
}

/// What the form filling on this page has done so far (null before it started).
#[cfg(feature = "full")]
#[wasm_bindgen]
pub fn fill_report() -> JsValue {
    chrome::to_js(&fill::report())
}
