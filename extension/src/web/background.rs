//! The background service worker: sending what waited offline. (The page's button only opens the extension's own
//! window, from the glue in `static/background.js`: nothing is delegated without the user confirming there.)

use wasm_bindgen::JsValue;

use super::outbox;

/// An alarm: send what waited.
pub async fn alarm(_name: String) {
    let sent = outbox::flush().await;
    if sent > 0 {
        web_sys::console::log_1(&JsValue::from_str(&format!(
            "JobDelegate: sent {sent} queued delegation(s)"
        )));
    }
}
