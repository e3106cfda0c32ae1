//! What the extension keeps in `chrome.storage.local`: the server's address, the tokens, the signed-in user, and
//! delegations waiting to be sent.

use app::api::{jobs::DelegateForm, rest::TokenResponse, CurrentUser};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use super::chrome::{from_js, prop, storage_get, storage_remove, storage_set, to_js};

pub const DEFAULT_SERVER: &str = "http://127.0.0.1:3000";

const SERVER: &str = "server_url";
const SESSION: &str = "session";
const OUTBOX: &str = "outbox";

/// The signed-in state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub user: CurrentUser,
}

impl From<TokenResponse> for Session {
    fn from(t: TokenResponse) -> Session {
        Session {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            user: t.user,
        }
    }
}

/// A delegation made while the server could not be reached, sent later, once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// Made here, so that the same delegation is never queued twice.
    pub id: String,
    pub form: DelegateForm,
    pub queued_at: String,
    /// Why the server refused it, if it did (it is then not sent again).
    #[serde(default)]
    pub error: Option<String>,
}

async fn get_key(key: &str) -> JsValue {
    match storage_get(JsValue::from_str(key)).await {
        Ok(all) => prop(&all, key),
        Err(_) => JsValue::UNDEFINED,
    }
}

async fn set_key(key: &str, value: JsValue) -> Result<(), String> {
    let obj = js_sys::Object::new();
    js_sys::Reflect::set(&obj, &JsValue::from_str(key), &value)
        .map_err(|e| super::chrome::message_of(&e))?;
    storage_set(obj.into())
        .await
        .map(|_| ())
        .map_err(|e| super::chrome::message_of(&e))
}

/// The server's origin, without a trailing slash.
pub async fn server() -> String {
    get_key(SERVER)
        .await
        .as_string()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_SERVER.to_string())
        .trim_end_matches('/')
        .to_string()
}

pub async fn set_server(url: &str) -> Result<(), String> {
    set_key(SERVER, JsValue::from_str(url.trim().trim_end_matches('/'))).await
}

pub async fn session() -> Option<Session> {
    from_js(&get_key(SESSION).await)
}

pub async fn set_session(s: &Session) -> Result<(), String> {
    set_key(SESSION, to_js(s)).await
}

pub async fn clear_session() {
    let _ = storage_remove(JsValue::from_str(SESSION)).await;
}

pub async fn outbox() -> Vec<Pending> {
    from_js(&get_key(OUTBOX).await).unwrap_or_default()
}

pub async fn set_outbox(items: &[Pending]) -> Result<(), String> {
    set_key(OUTBOX, to_js(&items)).await
}
