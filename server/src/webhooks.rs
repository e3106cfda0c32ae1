//! Sending webhook deliveries, signed in the manner of Standard Webhooks: headers `webhook-id` (the event's id, the
//! same on every retry), `webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,` and the base64 of an
//! HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed with the base64-decoded part of the endpoint's `whsec_` secret).
//!
//! Unless the endpoint allows private targets, the host's addresses are checked before sending, and the client that
//! sends resolves names only to public addresses, so the address connected to is the one checked. No redirects are
//! followed; a 2xx answer within 10 seconds is a delivery, anything else a failed try.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use app::domain::integrations::{
    deliveries::{self, Due, Tried},
    targets::is_public,
};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The most of a receiver's answer kept with an attempt.
const RESPONSE_KEPT: usize = 1000;

/// HTTP clients for the receivers: one that connects only to public addresses, one for endpoints an admin allowed
/// private targets on.
pub struct Sender {
    public: reqwest::Client,
    any: reqwest::Client,
}

/// Resolves names to their addresses only when every one is public.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs = public_addresses(&host).await?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The addresses `host` resolves to, or why it may not be sent to.
async fn public_addresses(
    host: &str,
) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
        .await
        .map_err(|e| format!("{host} does not resolve: {e}"))?
        .collect();
    if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
        return Err(format!(
            "refused: {host} resolves to {}, a loopback or private address (allow private addresses on this \
             webhook if that is intended)",
            bad.ip()
        )
        .into());
    }
    if addrs.is_empty() {
        return Err(format!("{host} does not resolve").into());
    }
    Ok(addrs)
}

fn client(public_only: bool) -> Result<reqwest::Client, reqwest::Error> {
    let builder = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("JobDelegate-Webhooks/", env!("CARGO_PKG_VERSION")));
    if public_only {
        builder.dns_resolver(Arc::new(PublicOnly)).build()
    } else {
        builder.build()
    }
}

impl Sender {
    pub fn new() -> Result<Sender, crate::error::StartupError> {
        let fail =
            |e: reqwest::Error| crate::error::StartupError::Config(format!("webhook client: {e}"));
        Ok(Sender {
            public: client(true).map_err(fail)?,
            any: client(false).map_err(fail)?,
        })
    }

    /// Send one delivery and say how it went (never an error: a failure is a failed try).
    pub async fn send(&self, due: &Due) -> Tried {
        let started = std::time::Instant::now();
        let mut tried = match self.post(due).await {
            Ok(t) => t,
            Err(error) => Tried {
                error: Some(error),
                ..Tried::default()
            },
        };
        tried.duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        tried
    }

    async fn post(&self, due: &Due) -> Result<Tried, String> {
        let url = app::domain::integrations::targets::check_url(&due.url, due.allow_private)
            .map_err(|e| format!("refused: {e}"))?;
        // Literal addresses were checked with the URL; a name is checked on what it resolves to now.
        if let (false, Some(url::Host::Domain(name))) = (due.allow_private, url.host()) {
            public_addresses(name).await.map_err(|e| e.to_string())?;
        }
        let timestamp = chrono::Utc::now().timestamp();
        let id = due.event_id.to_string();
        let signature = sign(&due.secret, &id, timestamp, &due.body)
            .ok_or("the endpoint's secret is not a whsec_ secret")?;
        let http = if due.allow_private {
            &self.any
        } else {
            &self.public
        };
        let mut response = http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", format!("v1,{signature}"))
            .body(due.body.clone())
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let mut kept = Vec::new();
        while kept.len() < RESPONSE_KEPT {
            match response.chunk().await {
                Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                _ => break,
            }
        }
        kept.truncate(RESPONSE_KEPT);
        Ok(Tried {
            status: Some(status),
            response: Some(String::from_utf8_lossy(&kept).into_owned()),
            error: (!(200..300).contains(&status))
                .then(|| format!("the receiver answered HTTP {status}")),
            duration_ms: 0,
        })
    }
}

/// A reqwest failure in a few words, with its cause (the resolver's refusal, a refused connection, a timeout).
fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = if e.is_timeout() {
        "no answer within 10 seconds".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        "the request failed".to_string()
    };
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// The Standard Webhooks signature (base64) of a message, or `None` for a secret that is not `whsec_` and base64.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix("whsec_")?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(STANDARD.encode(mac.finalize().into_bytes()))
}

/// The worker's job: send delivery `delivery_id` if it is still due, record the try, and wake this process's normal
/// lane when the retry (already on the queue) comes due.
pub async fn deliver(
    db: &sea_orm::DatabaseConnection,
    tokens: &app::domain::infra::tokens::TokenKeys,
    sender: &Sender,
    policy: &deliveries::RetryPolicy,
    delivery_id: uuid::Uuid,
) -> Result<(), app::api::AppError> {
    let Some(due) = deliveries::due(db, tokens, delivery_id).await? else {
        return Ok(());
    };
    let tried = sender.send(&due).await;
    if tried.delivered() {
        tracing::info!(delivery = %delivery_id, "webhook delivered");
    } else {
        tracing::warn!(delivery = %delivery_id, error = tried.error.as_deref().unwrap_or(""), "webhook not delivered");
    }
    if let Some(pause) = deliveries::record(db, delivery_id, &tried, policy).await? {
        tokio::spawn(async move {
            tokio::time::sleep(pause).await;
            app::domain::infra::queue::wake_queue(app::domain::infra::queue::NORMAL);
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification.
    #[test]
    fn signs_as_standard_webhooks_does() {
        let sig = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(
            sig.as_deref(),
            Some("g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(sign("nope", "a", 1, "b"), None);
    }
}
