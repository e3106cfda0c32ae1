//! Browser push through a push service this test runs on loopback, speaking the protocol: it checks each request's
//! VAPID signature (RFC 8292: an ES256 JWT for its own origin, signed by the key the browser subscribed with),
//! decrypts the message (RFC 8291, aes128gcm) with the subscription's private key as a browser would, and answers
//! 201, or 410 for a subscription it calls gone. Nothing is faked on the sending side.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use aes_gcm::{aead::Aead, Aes128Gcm, KeyInit, Nonce};
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::post,
    Router,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use p256::{
    ecdsa::{signature::Verifier, Signature, VerifyingKey},
    elliptic_curve::sec1::ToEncodedPoint,
    PublicKey, SecretKey,
};
use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::{both, helpers::*};

both!(
    notifications_are_pushed_encrypted_and_signed_and_gone_browsers_are_forgotten,
    subscriptions_are_checked_and_each_person_manages_only_their_own,
);

/// One browser's subscription keys, as the push service (standing in for the browser) keeps them.
#[derive(Clone)]
struct BrowserKeys {
    secret: SecretKey,
    auth: [u8; 16],
}

#[derive(Default)]
struct ServiceState {
    origin: String,
    browsers: HashMap<String, BrowserKeys>,
    gone: Vec<String>,
    received: Vec<(String, Value, String)>,
    refused: Vec<String>,
}

struct PushService {
    base: String,
    state: Arc<Mutex<ServiceState>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for PushService {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A subscription as `PushSubscription.toJSON()` gives it.
struct Subscription {
    endpoint: String,
    p256dh: String,
    auth: String,
}

impl PushService {
    async fn start() -> PushService {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(ServiceState {
            origin: base.clone(),
            ..Default::default()
        }));
        let app = Router::new()
            .route("/push/{id}", post(receive))
            .with_state(state.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        PushService {
            base,
            state,
            server,
        }
    }

    /// A new browser subscribing: its keys, kept here to decrypt what comes for it.
    fn subscribe(&self, id: &str) -> Subscription {
        use rand::RngCore;
        let secret = SecretKey::random(&mut rand::rngs::OsRng);
        let mut auth = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut auth);
        let public = secret.public_key().to_encoded_point(false);
        self.state
            .lock()
            .unwrap()
            .browsers
            .insert(id.into(), BrowserKeys { secret, auth });
        Subscription {
            endpoint: format!("{}/push/{id}", self.base),
            p256dh: URL_SAFE_NO_PAD.encode(public.as_bytes()),
            auth: URL_SAFE_NO_PAD.encode(auth),
        }
    }

    fn received(&self) -> Vec<(String, Value, String)> {
        self.state.lock().unwrap().received.clone()
    }

    async fn wait_for(&self, n: usize) -> Vec<(String, Value, String)> {
        for _ in 0..100 {
            if self.received().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let s = self.state.lock().unwrap();
        assert!(s.refused.is_empty(), "refused: {:?}", s.refused);
        s.received.clone()
    }
}

/// The push service's endpoint: check the VAPID signature, decrypt, keep the message.
async fn receive(
    State(state): State<Arc<Mutex<ServiceState>>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let mut s = state.lock().unwrap();
    if s.gone.contains(&id) {
        return StatusCode::GONE;
    }
    let Some(keys) = s.browsers.get(&id).cloned() else {
        return StatusCode::NOT_FOUND;
    };
    match check_and_decrypt(&s.origin, &headers, &body, &keys) {
        Ok((message, vapid_key)) => {
            s.received.push((id, message, vapid_key));
            StatusCode::CREATED
        }
        Err(why) => {
            s.refused.push(why);
            StatusCode::BAD_REQUEST
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or(format!("no {name} header"))
}

/// RFC 8292 then RFC 8291: who signed, and what the message says.
fn check_and_decrypt(
    origin: &str,
    headers: &HeaderMap,
    body: &[u8],
    keys: &BrowserKeys,
) -> Result<(Value, String), String> {
    // VAPID: `vapid t=<JWT>, k=<public key>`.
    let auth = header(headers, "authorization")?;
    let rest = auth
        .strip_prefix("vapid ")
        .ok_or("not a vapid authorization")?;
    let mut t = None;
    let mut k = None;
    for part in rest.split(',') {
        let (name, value) = part.trim().split_once('=').ok_or("malformed vapid")?;
        match name {
            "t" => t = Some(value.to_string()),
            "k" => k = Some(value.to_string()),
            _ => {}
        }
    }
    let (t, k) = (t.ok_or("no t")?, k.ok_or("no k")?);
    let key =
        VerifyingKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(&k).map_err(|e| e.to_string())?)
            .map_err(|e| format!("k: {e}"))?;
    let (signed, sig) = t.rsplit_once('.').ok_or("JWT")?;
    let sig = Signature::from_slice(&URL_SAFE_NO_PAD.decode(sig).map_err(|e| e.to_string())?)
        .map_err(|e| format!("signature: {e}"))?;
    key.verify(signed.as_bytes(), &sig)
        .map_err(|_| "the VAPID signature does not verify".to_string())?;
    let (head, claims) = signed.split_once('.').ok_or("JWT")?;
    let head: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(head).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    if head["alg"] != "ES256" {
        return Err(format!("alg {}", head["alg"]));
    }
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    if claims["aud"] != origin {
        return Err(format!("aud {} is not {origin}", claims["aud"]));
    }
    let now = chrono::Utc::now().timestamp();
    let exp = claims["exp"].as_i64().ok_or("no exp")?;
    if exp <= now || exp > now + 24 * 3600 {
        return Err(format!("exp {exp} is not within 24 hours"));
    }
    if !claims["sub"]
        .as_str()
        .is_some_and(|s| s.starts_with("mailto:") || s.starts_with("https://"))
    {
        return Err(format!("sub {}", claims["sub"]));
    }
    if header(headers, "content-encoding")? != "aes128gcm" {
        return Err("not aes128gcm".into());
    }
    header(headers, "ttl")?;

    // aes128gcm (RFC 8188) with the Web Push key derivation (RFC 8291).
    if body.len() < 21 {
        return Err("body too short".into());
    }
    let salt = &body[..16];
    let idlen = body[20] as usize;
    let as_public = PublicKey::from_sec1_bytes(&body[21..21 + idlen]).map_err(|e| e.to_string())?;
    let ciphertext = &body[21 + idlen..];
    let shared = p256::ecdh::diffie_hellman(keys.secret.to_nonzero_scalar(), as_public.as_affine());
    let ua_public = keys.secret.public_key().to_encoded_point(false);
    let mut info = b"WebPush: info\0".to_vec();
    info.extend_from_slice(ua_public.as_bytes());
    info.extend_from_slice(as_public.to_encoded_point(false).as_bytes());
    let mut ikm = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(Some(&keys.auth), shared.raw_secret_bytes())
        .expand(&info, &mut ikm)
        .map_err(|e| e.to_string())?;
    let prk = hkdf::Hkdf::<sha2::Sha256>::new(Some(salt), &ikm);
    let mut cek = [0u8; 16];
    let mut nonce = [0u8; 12];
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .map_err(|e| e.to_string())?;
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
        .map_err(|e| e.to_string())?;
    let mut plain = Aes128Gcm::new_from_slice(&cek)
        .map_err(|e| e.to_string())?
        .decrypt(Nonce::from_slice(&nonce), ciphertext)
        .map_err(|_| "the message does not decrypt".to_string())?;
    while plain.last() == Some(&0) {
        plain.pop();
    }
    if plain.pop() != Some(2) {
        return Err("no last-record delimiter".into());
    }
    let message = serde_json::from_slice(&plain).map_err(|e| e.to_string())?;
    Ok((message, k))
}

/// Tell `user` some account news, as a change does: in its own write transaction.
async fn tell(app: &TestApp, user: uuid::Uuid, title: &str, text: &str, link: Option<&str>) {
    let txn = app::domain::begin_write(&app.db).await.unwrap();
    app::domain::notifications::notify(
        &txn,
        user,
        "account_activated",
        title,
        text,
        link.map(str::to_string),
    )
    .await
    .unwrap();
    app::domain::commit(txn).await.unwrap();
}

async fn subscribe(app: &TestApp, c: &reqwest::Client, s: &Subscription) -> reqwest::Response {
    app.rpc(
        c,
        "push/subscribe",
        &[
            ("endpoint", &s.endpoint),
            ("p256dh", &s.p256dh),
            ("auth", &s.auth),
        ],
    )
    .await
}

async fn notifications_are_pushed_encrypted_and_signed_and_gone_browsers_are_forgotten(b: Backend) {
    let service = PushService::start().await;
    let app = TestApp::spawn(b).await;
    let jo = app.user(app::api::Role::Client, "jo@example.com").await;
    let c = app.signed_in("jo@example.com").await;
    let status = json_of(app.rpc(&c, "push/status", &[]).await).await;
    assert_eq!(status["devices"], 0);
    let server_key = status["public_key"].as_str().unwrap().to_string();
    assert_eq!(URL_SAFE_NO_PAD.decode(&server_key).unwrap().len(), 65);

    let laptop = service.subscribe("laptop");
    let phone = service.subscribe("phone");
    assert_eq!(json_of(subscribe(&app, &c, &laptop).await).await, 1);
    assert_eq!(json_of(subscribe(&app, &c, &phone).await).await, 2);
    // The phone's subscription has expired at its push service.
    service.state.lock().unwrap().gone.push("phone".into());

    tell(
        &app,
        jo.id,
        "Your account is active",
        "You can delegate jobs now.",
        Some("/client"),
    )
    .await;
    let got = service.wait_for(1).await;
    assert_eq!(got.len(), 1, "{got:?}");
    let (to, message, signer) = &got[0];
    assert_eq!(to, "laptop");
    assert_eq!(
        signer, &server_key,
        "signed with the key the browser subscribed with"
    );
    assert_eq!(message["title"], "Your account is active");
    assert_eq!(message["body"], "You can delegate jobs now.");
    assert_eq!(message["url"], "/client");
    // The gone browser is forgotten; the push is done.
    for _ in 0..50 {
        if app.count("push_subscriptions").await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.count("push_subscriptions").await, 1);
    assert_eq!(
        json_of(app.rpc(&c, "push/status", &[]).await).await["devices"],
        1
    );

    // Push off for account news: nothing more is pushed (still shown in the app).
    let res = app
        .rpc(
            &c,
            "account/save_notifications",
            &[
                ("prefs[account_in_app]", "on"),
                ("prefs[account_email]", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    tell(&app, jo.id, "Second", "Not pushed.", None).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(service.received().len(), 1);
    let pending = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM notifications WHERE push_pending".to_string(),
        ))
        .await
        .unwrap();
    let n: i64 = pending[0].try_get("", "n").unwrap();
    assert_eq!(n, 0, "nothing waits to be pushed");
}

async fn subscriptions_are_checked_and_each_person_manages_only_their_own(b: Backend) {
    let service = PushService::start().await;
    let app = TestApp::spawn(b).await;
    app.user(app::api::Role::Client, "jo@example.com").await;
    app.user(app::api::Role::Client, "max@example.com").await;
    let jo = app.signed_in("jo@example.com").await;
    let max = app.signed_in("max@example.com").await;
    let browser = service.subscribe("jo-laptop");

    // Addresses a server must not call, and keys of the wrong shape.
    for (endpoint, p256dh, auth, field) in [
        (
            "http://10.0.0.1/push/x",
            browser.p256dh.as_str(),
            browser.auth.as_str(),
            "endpoint",
        ),
        (
            "https://169.254.169.254/latest/meta-data",
            browser.p256dh.as_str(),
            browser.auth.as_str(),
            "endpoint",
        ),
        (
            "not an address",
            browser.p256dh.as_str(),
            browser.auth.as_str(),
            "endpoint",
        ),
        (
            browser.endpoint.as_str(),
            "AAAA",
            browser.auth.as_str(),
            "p256dh",
        ),
        (
            browser.endpoint.as_str(),
            browser.p256dh.as_str(),
            "AAAA",
            "auth",
        ),
    ] {
        let res = app
            .rpc(
                &jo,
                "push/subscribe",
                &[("endpoint", endpoint), ("p256dh", p256dh), ("auth", auth)],
            )
            .await;
        assert_eq!(res.status(), 422, "{endpoint}");
        assert_eq!(field_names(&json_of(res).await), [field], "{endpoint}");
    }
    // Signed out: nothing.
    assert_eq!(subscribe(&app, &app.client(), &browser).await.status(), 401);
    assert_eq!(
        app.rpc(&app.client(), "push/status", &[]).await.status(),
        401
    );

    assert_eq!(subscribe(&app, &jo, &browser).await.status(), 200);
    // Max cannot end Jo's subscription, and does not see it.
    let res = app
        .rpc(&max, "push/unsubscribe", &[("endpoint", &browser.endpoint)])
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        json_of(app.rpc(&max, "push/status", &[]).await).await["devices"],
        0
    );
    assert_eq!(
        json_of(app.rpc(&jo, "push/status", &[]).await).await["devices"],
        1
    );
    // Jo ends it.
    let res = app
        .rpc(&jo, "push/unsubscribe", &[("endpoint", &browser.endpoint)])
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(json_of(res).await, 0);
    assert_eq!(app.count("push_subscriptions").await, 0);
}
