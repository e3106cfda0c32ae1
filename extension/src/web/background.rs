//! The background service worker: delegations from the page's button, and sending what waited offline.

use app::api::jobs::DelegateForm;
use serde_json::json;
use wasm_bindgen::JsValue;

use super::{
    chrome::{from_js, prop, to_js},
    outbox::{self, Sent},
};
use crate::extract::JobInfo;

pub fn form_of(job: &JobInfo) -> DelegateForm {
    DelegateForm {
        job_url: job.url.clone(),
        company_name: job.company.clone(),
        job_title: job.title.clone(),
        location: job.location.clone(),
        ..Default::default()
    }
}

/// A message from a content script: `{type: "delegate", job}`.
pub async fn message(msg: JsValue) -> JsValue {
    if prop(&msg, "type").as_string().as_deref() != Some("delegate") {
        return JsValue::NULL;
    }
    let Some(job) = from_js::<JobInfo>(&prop(&msg, "job")) else {
        return to_js(&json!({"status": "error", "message": "No job found on this page"}));
    };
    if super::store::session().await.is_none() {
        return to_js(
            &json!({"status": "error", "message": "Sign in from the extension's popup first"}),
        );
    }
    let answer = match outbox::delegate_or_queue(form_of(&job)).await {
        Ok(Sent::Delegated(_)) => json!({"status": "sent", "message": "Delegated ✓"}),
        Ok(Sent::AlreadyThere) => json!({"status": "sent", "message": "Already delegated ✓"}),
        Ok(Sent::Queued) => {
            json!({"status": "queued", "message": "Saved: will be sent when online"})
        }
        Err(e) => json!({"status": "error", "message": e.message()}),
    };
    to_js(&answer)
}

/// An alarm: send what waited.
pub async fn alarm(_name: String) {
    let sent = outbox::flush().await;
    if sent > 0 {
        web_sys::console::log_1(&JsValue::from_str(&format!(
            "JobDelegate: sent {sent} queued delegation(s)"
        )));
    }
}
