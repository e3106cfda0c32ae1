//! Per-address flood limits of the REST API: counted in Redis when it is configured (one count for every replica),
//! else in this process's memory.

use std::{net::IpAddr, num::NonZeroU32, sync::Arc};

use app::{
    api::AppError,
    rpc::{meta_of, AppState},
};
use axum::{
    extract::{Request, State},
    http::Method,
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::ApiFail;

pub struct Limits {
    all: DefaultKeyedRateLimiter<IpAddr>,
    auth: DefaultKeyedRateLimiter<IpAddr>,
    per_minute: u32,
    auth_per_minute: u32,
    shared: Option<app::domain::infra::shared_counts::SharedCounts>,
}

/// Count one call of `ip` in Redis (fixed one-minute windows); `Some(verdict)` when Redis answered.
async fn shared_verdict(
    limits: &Limits,
    ip: IpAddr,
    is_auth: bool,
) -> Option<Result<(), AppError>> {
    let shared = limits.shared.as_ref()?;
    let now = chrono::Utc::now();
    let mut checks = vec![("api", limits.per_minute)];
    if is_auth {
        checks.push(("api-auth", limits.auth_per_minute));
    }
    for (name, max) in checks {
        // Redis not answering: counted in this process instead.
        let key = format!("{name}:{ip}");
        let verdict = app::domain::infra::limits::hit_shared(shared, &key, max.max(1), 60, now);
        if let Err(refused) = verdict.await? {
            return Some(Err(refused));
        }
    }
    Some(Ok(()))
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN))
}

pub async fn rate_limit(
    State((state, limits)): State<(AppState, Arc<Limits>)>,
    req: Request,
    next: Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let ip = meta_of(&parts, &state.auth.proxies)
        .ip
        .and_then(|ip| ip.parse::<IpAddr>().ok())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let is_auth = parts.uri.path().contains("/auth/") && parts.method == Method::POST;
    if let Some(verdict) = shared_verdict(&limits, ip, is_auth).await {
        return match verdict {
            Ok(()) => next.run(Request::from_parts(parts, body)).await,
            Err(e) => ApiFail::from(e).into_response(),
        };
    }
    let mut verdict = limits.all.check_key(&ip);
    if verdict.is_ok() && is_auth {
        verdict = limits.auth.check_key(&ip);
    }
    if let Err(not_until) = verdict {
        let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return ApiFail::from(AppError::TooManyRequests {
            retry_after_secs: secs.max(1),
        })
        .into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

impl Limits {
    /// Limits of `per_minute` calls per address, `auth_per_minute` of them sign-ins; shared through Redis when
    /// `shared` is set.
    pub fn new(
        per_minute: u32,
        auth_per_minute: u32,
        shared: Option<app::domain::infra::shared_counts::SharedCounts>,
    ) -> Limits {
        Limits {
            all: RateLimiter::keyed(quota(per_minute)),
            auth: RateLimiter::keyed(quota(auth_per_minute)),
            per_minute,
            auth_per_minute,
            shared,
        }
    }
}

/// Count one use of an expensive entry (an upload, an export, an event stream) by `user`, before any of its work
/// is done; past the account's limit, 429 with `Retry-After`. The counts live in the database, shared by every
/// replica.
pub async fn spend(
    state: &AppState,
    what: app::domain::infra::limits::Limited,
    user: uuid::Uuid,
) -> Result<(), AppError> {
    app::domain::infra::limits::hit(
        &state.db,
        &state.auth.rates,
        what,
        app::domain::infra::limits::Whom::Account(user),
        chrono::Utc::now(),
    )
    .await
}
