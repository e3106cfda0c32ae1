//! The few Chrome extension APIs the extension uses, bound with wasm-bindgen (MV3 APIs return promises).

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = get, catch)]
    pub async fn storage_get(keys: JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = set, catch)]
    pub async fn storage_set(items: JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = remove, catch)]
    pub async fn storage_remove(keys: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "tabs"], js_name = query, catch)]
    pub async fn tabs_query(query: JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "tabs"], js_name = get, catch)]
    pub async fn tabs_get(id: i32) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "tabs"], js_name = sendMessage, catch)]
    pub async fn tabs_send_message(tab: i32, message: JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "tabs"], js_name = captureVisibleTab, catch)]
    pub async fn capture_visible_tab(window_id: i32, options: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = sendMessage, catch)]
    pub async fn runtime_send_message(message: JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = getURL)]
    pub fn runtime_get_url(path: &str) -> String;
    #[wasm_bindgen(js_namespace = ["chrome", "runtime", "onMessage"], js_name = addListener)]
    pub fn on_message(listener: &js_sys::Function);
}

/// A Rust value as a plain JS object (through JSON).
pub fn to_js<T: serde::Serialize>(v: &T) -> JsValue {
    serde_json::to_string(v)
        .ok()
        .and_then(|s| js_sys::JSON::parse(&s).ok())
        .unwrap_or(JsValue::NULL)
}

/// A JS value as a Rust value (through JSON).
pub fn from_js<T: serde::de::DeserializeOwned>(v: &JsValue) -> Option<T> {
    if v.is_undefined() || v.is_null() {
        return None;
    }
    let text: String = js_sys::JSON::stringify(v).ok()?.into();
    serde_json::from_str(&text).ok()
}

/// A property of a JS object.
pub fn prop(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A JS error's message.
pub fn message_of(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| prop(e, "message").as_string())
        .unwrap_or_else(|| "unknown error".into())
}
