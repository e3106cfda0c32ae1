//! Integrations, for admins: API keys for other tools, and webhooks that tell other tools what happened.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyScope {
    /// `GET` only.
    Read,
    /// Everything its admin may do.
    ReadWrite,
}

impl KeyScope {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyScope::Read => "read",
            KeyScope::ReadWrite => "read_write",
        }
    }

    pub fn parse(s: &str) -> Option<KeyScope> {
        match s {
            "read" => Some(KeyScope::Read),
            "read_write" => Some(KeyScope::ReadWrite),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            KeyScope::Read => "Read only",
            KeyScope::ReadWrite => "Read and write",
        }
    }
}

/// An API key as listed (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    pub scope: KeyScope,
    /// The key's first characters, e.g. `jdk_3fQx`.
    pub prefix: String,
    pub created_by: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A key just made: the only time the key is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiKey {
    pub key: String,
    pub view: ApiKeyView,
}

/// The events a webhook can ask for, with what each means.
pub const WEBHOOK_EVENTS: [(&str, &str); 10] = [
    ("job.delegated", "A client delegated a job"),
    (
        "job.assigned",
        "A job was assigned or reassigned to an employee",
    ),
    ("job.started", "An employee started a job"),
    (
        "job.completed",
        "An employee submitted the application, with proof",
    ),
    ("job.failed", "An employee could not submit the application"),
    ("job.cancelled", "A client cancelled a job"),
    ("job.expired", "A job's deadline passed before it was done"),
    ("client.activated", "An admin activated a client"),
    ("question.asked", "An employee asked the client a question"),
    ("question.answered", "A client answered a question"),
];

/// A webhook endpoint as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookView {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub enabled: bool,
    pub allow_private: bool,
    pub consecutive_failures: i32,
    pub disabled_reason: Option<String>,
    pub created_at: String,
}

/// An endpoint just registered: the only time its signing secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewWebhook {
    /// `whsec_` and the base64 of the key (the Standard Webhooks form).
    pub secret: String,
    pub view: WebhookView,
}

/// One event sent (or being sent) to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub created_at: String,
    pub next_attempt_at: Option<String>,
    pub payload: String,
    pub tries: Vec<AttemptView>,
}

/// One try of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptView {
    pub at: String,
    pub status_code: Option<i32>,
    pub response: Option<String>,
    pub error: Option<String>,
    pub duration_ms: i32,
}
