//! Browser push: what the settings page shows (the server's key, how many browsers receive pushes) and what a
//! browser's subscription must be to be kept.

use serde::{Deserialize, Serialize};

use super::{AppError, FieldError};

/// Browser push on the settings page: the key a browser subscribes with, and how many of the person's browsers
/// receive pushes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushStatus {
    /// The server's VAPID public key (base64url, uncompressed P-256 point): `applicationServerKey`.
    pub public_key: String,
    pub devices: u64,
}

/// A browser's push subscription, as `PushSubscription.toJSON()` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSubscriptionInput {
    pub endpoint: String,
    /// The browser's P-256 public key (65 bytes), base64url.
    pub p256dh: String,
    /// The browser's authentication secret (16 bytes), base64url.
    pub auth: String,
}

/// Bytes of base64url (padded or not), or `None`.
pub fn base64url(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .ok()
}

impl PushSubscriptionInput {
    /// Check the fields: an https address (http only to a loopback host when `loopback` is allowed, for a push
    /// service run beside the server), never one on a private network; keys of the right sizes.
    pub fn parse(
        endpoint: &str,
        p256dh: &str,
        auth: &str,
        loopback: bool,
    ) -> Result<PushSubscriptionInput, AppError> {
        let mut fields = Vec::new();
        let mut bad = |field: &str, message: &str| {
            fields.push(FieldError {
                field: field.into(),
                message: message.into(),
            })
        };
        let endpoint = endpoint.trim();
        if endpoint.len() > 1000 || !push_endpoint_ok(endpoint, loopback) {
            bad(
                "endpoint",
                "This is not a push service's address (https, on the internet).",
            );
        }
        if base64url(p256dh.trim()).is_none_or(|k| k.len() != 65 || k[0] != 4) {
            bad("p256dh", "This is not a P-256 public key.");
        }
        if base64url(auth.trim()).is_none_or(|k| k.len() != 16) {
            bad("auth", "This is not a 16-byte secret.");
        }
        if !fields.is_empty() {
            return Err(AppError::fields(fields));
        }
        Ok(PushSubscriptionInput {
            endpoint: endpoint.to_string(),
            p256dh: p256dh.trim().trim_end_matches('=').to_string(),
            auth: auth.trim().trim_end_matches('=').to_string(),
        })
    }
}

/// Whether the server may send to `endpoint`: https to a public host; never to a private, link-local or
/// loopback address (unless `loopback`, then http or https to 127.0.0.1, ::1 or localhost only).
fn push_endpoint_ok(endpoint: &str, loopback: bool) -> bool {
    let (scheme, rest) = match endpoint.split_once("://") {
        Some(p) => p,
        None => return false,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') || authority.is_empty() {
        return false;
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    }
    .to_ascii_lowercase();
    let is_loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if is_loopback {
        return loopback && matches!(scheme, "http" | "https");
    }
    if scheme != "https" || !host.contains('.') {
        return false;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => {
            !(ip.is_private()
                || ip.is_link_local()
                || ip.is_unspecified()
                || ip.is_broadcast()
                || ip.octets()[0] == 100 && (ip.octets()[1] & 0xc0) == 64)
        }
        Ok(std::net::IpAddr::V6(ip)) => {
            !(ip.is_unspecified()
                || (ip.segments()[0] & 0xfe00) == 0xfc00
                || (ip.segments()[0] & 0xffc0) == 0xfe80)
        }
        Err(_) => !host.ends_with(".local") && !host.ends_with(".internal"),
    }
}

#[cfg(test)]
mod push_tests {
    use super::*;

    #[test]
    fn only_public_https_push_services_are_accepted() {
        for ok in [
            "https://fcm.googleapis.com/fcm/send/abc",
            "https://updates.push.services.mozilla.com/wpush/v2/x",
            "https://web.push.apple.com/QK",
        ] {
            assert!(push_endpoint_ok(ok, false), "{ok}");
        }
        for bad in [
            "http://fcm.googleapis.com/x",
            "https://127.0.0.1/x",
            "https://localhost:8443/x",
            "https://10.0.0.5/x",
            "https://192.168.1.1/x",
            "https://169.254.169.254/latest",
            "https://[::1]/x",
            "https://[fd00::1]/x",
            "https://user@evil.example.com/x",
            "https://printer.local/x",
            "ftp://example.com/x",
            "https://intranet/x",
        ] {
            assert!(!push_endpoint_ok(bad, false), "{bad}");
        }
        assert!(push_endpoint_ok("http://127.0.0.1:4000/push/1", true));
        assert!(!push_endpoint_ok("http://10.0.0.1/push/1", true));
    }

    #[test]
    fn keys_are_read_as_base64url() {
        assert_eq!(base64url("AQID").unwrap(), vec![1, 2, 3]);
        assert_eq!(base64url("_-8").unwrap(), vec![0xff, 0xef]);
        assert!(base64url("a+b").is_none());
    }
}
