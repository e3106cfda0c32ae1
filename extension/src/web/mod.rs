//! The extension's browser side (wasm32 only): entry points called by the few lines of JavaScript Chrome needs.

// What every page's content script needs (both builds).
#[cfg_attr(not(feature = "full"), allow(dead_code))]
mod chrome;
mod content;
#[cfg_attr(not(feature = "full"), allow(dead_code))]
mod dom;
mod page_text;

/// Items of the `full` build only (`pkg/extension*`).
macro_rules! full_only {
    ($($item:item)*) => { $(#[cfg(feature = "full")] $item)* };
}

// The popup, options page, background worker and form filling.
full_only! {
    mod api;
    mod background;
    mod fill;
    mod fill_controls;
    mod fill_panel;
    mod fill_popup;
    mod options;
    mod outbox;
    mod popup;
    mod signin;
    mod store;
    mod work;
}

use wasm_bindgen::prelude::*;

/// A bug shows in the page's console rather than as a silent stop.
fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("JobDelegate: {info}").into());
    }));
}

#[wasm_bindgen]
pub fn content_main() {
    log_panics();
    content::main();
}

full_only! {
    #[wasm_bindgen]
    pub fn popup_main() {
        wasm_bindgen_futures::spawn_local(popup::main());
    }

    #[wasm_bindgen]
    pub fn options_main() {
        wasm_bindgen_futures::spawn_local(options::main());
    }

    #[wasm_bindgen]
    pub async fn background_alarm(name: String) {
        background::alarm(name).await
    }

    /// Fill the form on this page (the popup's "Fill for <client>"): called by the content script's glue, which loads
    /// this module only then. Answers the first round's report.
    #[wasm_bindgen]
    pub async fn fill_start(request: JsValue) -> JsValue {
        log_panics();
        let request = chrome::from_js::<fill::FillRequest>(&request).unwrap_or_default();
        chrome::to_js(&fill::start(request).await)
    }

    /// What the form filling on this page has done so far (null before it started).
    #[wasm_bindgen]
    pub fn fill_report() -> JsValue {
        chrome::to_js(&fill::report())
    }
}
