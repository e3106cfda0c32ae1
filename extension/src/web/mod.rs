//! The extension's browser side (wasm32 only): entry points called by the few lines of JavaScript Chrome needs.

mod api;
mod background;
mod chrome;
mod content;
mod dom;
mod fill;
mod fill_controls;
mod fill_panel;
mod fill_popup;
mod options;
mod outbox;
mod page_text;
mod popup;
mod signin;
mod store;
mod work;

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn popup_main() {
    wasm_bindgen_futures::spawn_local(popup::main());
}

#[wasm_bindgen]
pub fn options_main() {
    wasm_bindgen_futures::spawn_local(options::main());
}

#[wasm_bindgen]
pub fn content_main() {
    content::main();
}

#[wasm_bindgen]
pub async fn background_alarm(name: String) {
    background::alarm(name).await
}
