//! How webhook deliveries are retried, and when an endpoint is given up on.

use std::time::Duration;

use clap::Args;

#[derive(Debug, Clone, Default, Args)]
pub struct WebhookConfig {
    /// Pauses before each retry of a webhook delivery, in seconds, comma-separated: a delivery is tried once, then
    /// once after each pause.
    #[arg(
        long,
        env = "WEBHOOK_RETRY_SECS",
        default_value = "30,120,600,3600,10800,43200",
        value_delimiter = ',',
        global = true
    )]
    pub webhook_retry_secs: Vec<u64>,

    /// Failed webhook tries in a row after which an endpoint is turned off (and the admins told).
    #[arg(
        long,
        env = "WEBHOOK_DISABLE_AFTER",
        default_value_t = 20,
        global = true
    )]
    pub webhook_disable_after: u32,
}

impl WebhookConfig {
    pub fn policy(&self) -> app::domain::integrations::deliveries::RetryPolicy {
        app::domain::integrations::deliveries::RetryPolicy {
            delays: self
                .webhook_retry_secs
                .iter()
                .map(|s| Duration::from_secs(*s))
                .collect(),
            disable_after: i32::try_from(self.webhook_disable_after.max(1)).unwrap_or(i32::MAX),
        }
    }
}
