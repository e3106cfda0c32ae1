//! The wasm entry: hydrates the server-rendered page, nothing else.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Asynchronously: a role's screens are a lazily loaded chunk (see `app::ui::routes`), fetched before the page
    // they render is hydrated.
    leptos::mount::hydrate_lazy(app::App);
}
