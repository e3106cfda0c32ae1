//! Sending Web Push messages (RFC 8030): each message is encrypted for the browser's keys (RFC 8291, `aes128gcm`,
//! by `web-push-native`) and signed for its push service with the server's VAPID key (RFC 8292: an ES256 JWT naming
//! the push service's origin, an expiry and who runs this server).
//!
//! The VAPID key is `VAPID_PRIVATE_KEY` (base64url of the 32-byte P-256 scalar) or, by default, generated once
//! into `DATA_DIR/vapid.key`. Replicas must share it: a browser subscribed with one public key only accepts pushes
//! signed by its private key.

use std::time::Duration;

use app::domain::push::PushTarget;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::{elliptic_curve::sec1::ToEncodedPoint, pkcs8::EncodePrivateKey, PublicKey, SecretKey};
use serde::Serialize;
use web_push_native::{Auth, WebPushBuilder};

use crate::error::StartupError;

/// How a push went for one subscription.
#[derive(Debug, PartialEq, Eq)]
pub enum Sent {
    /// The push service took it.
    Delivered,
    /// The subscription is gone (404 or 410): forget it.
    Gone,
    /// Refused for good (another 4xx): retrying would not help.
    Refused(u16),
}

/// The server's VAPID identity and an HTTP client for the push services.
pub struct Pusher {
    key: EncodingKey,
    public_key: String,
    subject: String,
    http: reqwest::Client,
}

#[derive(Serialize)]
struct VapidClaims<'a> {
    aud: &'a str,
    exp: i64,
    sub: &'a str,
}

impl Pusher {
    /// From the configuration: the VAPID key (`key`, or read from or generated into `DATA_DIR/vapid.key`) and
    /// the subject (`VAPID_SUBJECT`, else the site's origin).
    pub fn load(
        key: Option<&str>,
        subject: Option<&str>,
        data_dir: &std::path::Path,
        origin: &str,
    ) -> Result<Pusher, StartupError> {
        let secret = match key {
            Some(k) => decode_key(k, "VAPID_PRIVATE_KEY")?,
            None => {
                let path = data_dir.join("vapid.key");
                match std::fs::read_to_string(&path) {
                    Ok(k) => decode_key(&k, &path.display().to_string())?,
                    Err(_) => {
                        std::fs::create_dir_all(data_dir)?;
                        let key = SecretKey::random(&mut rand::rngs::OsRng);
                        write_private(&path, &URL_SAFE_NO_PAD.encode(key.to_bytes()))?;
                        tracing::info!(path = %path.display(), "generated a new VAPID key for browser push");
                        key
                    }
                }
            }
        };
        let subject = subject
            .filter(|s| !s.trim().is_empty())
            .unwrap_or(origin)
            .to_string();
        Pusher::new(secret, subject)
    }

    pub fn new(secret: SecretKey, subject: String) -> Result<Pusher, StartupError> {
        let der = secret
            .to_pkcs8_der()
            .map_err(|e| StartupError::Config(format!("VAPID key: {e}")))?;
        let public = secret.public_key().to_encoded_point(false);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| StartupError::Config(format!("push client: {e}")))?;
        Ok(Pusher {
            key: EncodingKey::from_ec_der(der.as_bytes()),
            public_key: URL_SAFE_NO_PAD.encode(public.as_bytes()),
            subject,
            http,
        })
    }

    /// The public key browsers subscribe with (`applicationServerKey`), base64url.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// Send `message` to one subscription. An error is worth retrying (the push service or the network failed).
    pub async fn send(&self, target: &PushTarget, message: &[u8]) -> Result<Sent, String> {
        let endpoint: http::Uri = target
            .endpoint
            .parse()
            .map_err(|e| format!("subscription address: {e}"))?;
        let key = URL_SAFE_NO_PAD
            .decode(&target.p256dh)
            .ok()
            .and_then(|k| PublicKey::from_sec1_bytes(&k).ok())
            .ok_or("subscription key")?;
        let auth = URL_SAFE_NO_PAD
            .decode(&target.auth)
            .ok()
            .filter(|a| a.len() == 16)
            .ok_or("subscription secret")?;
        let request = WebPushBuilder::new(endpoint.clone(), key, Auth::clone_from_slice(&auth))
            .with_valid_duration(Duration::from_secs(24 * 3600))
            .build(message.to_vec())
            .map_err(|e| format!("encrypting: {e}"))?;
        let audience = match (endpoint.scheme_str(), endpoint.authority()) {
            (Some(scheme), Some(authority)) => format!("{scheme}://{authority}"),
            _ => return Err("subscription address has no origin".into()),
        };
        let claims = VapidClaims {
            aud: &audience,
            exp: chrono::Utc::now().timestamp() + 12 * 3600,
            sub: &self.subject,
        };
        let jwt = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &self.key)
            .map_err(|e| format!("signing: {e}"))?;
        let (parts, body) = request.into_parts();
        let mut headers = parts.headers;
        // reqwest sets the length of the body it sends.
        headers.remove(http::header::CONTENT_LENGTH);
        let res = self
            .http
            .post(target.endpoint.as_str())
            .headers(headers)
            .header(
                http::header::AUTHORIZATION,
                format!("vapid t={jwt}, k={}", self.public_key),
            )
            .header("Urgency", "normal")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("push service: {e}"))?;
        let status = res.status().as_u16();
        Ok(match status {
            200..=299 => Sent::Delivered,
            404 | 410 => Sent::Gone,
            429 | 500..=599 => return Err(format!("push service answered {status}")),
            _ => Sent::Refused(status),
        })
    }
}

fn decode_key(text: &str, what: &str) -> Result<SecretKey, StartupError> {
    URL_SAFE_NO_PAD
        .decode(text.trim().trim_end_matches('='))
        .ok()
        .and_then(|b| SecretKey::from_slice(&b).ok())
        .ok_or_else(|| {
            StartupError::Config(format!(
                "{what} is not a P-256 private key (base64url, 32 bytes)"
            ))
        })
}

/// Write a secret file readable by its owner only; never over an existing one.
#[cfg(unix)]
pub(crate) fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
pub(crate) fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}
