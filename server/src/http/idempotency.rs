//! `Idempotency-Key` on every signed-in POST of the REST API (the rules are `app::domain::infra::idempotency`): the
//! first request with a key does the work and its answer is kept; a retry with the same key and request gets that
//! answer again (`Idempotent-Replayed: true`); the same key with another request is a 422; a retry while the first
//! is still being handled waits for its answer (up to 10 s, then 409 with `Retry-After`).

use std::time::Duration;

use app::{
    api::{rest::ApiProblem, AppError},
    domain::infra::idempotency::{self, Begin},
    rpc::AppState,
};
use axum::{
    body::{to_bytes, Body},
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::error::ApiFail;

pub const HEADER: &str = "idempotency-key";
/// The largest answer kept with a key (every JSON answer of the API is far smaller).
const ANSWER_MAX: usize = 1024 * 1024;
/// How long a retry waits for the first request's answer.
const WAIT: Duration = Duration::from_secs(10);

fn key_problem(message: &str) -> Response {
    ApiFail::from(AppError::field("Idempotency-Key", message)).into_response()
}

/// Whose keys these are: the user of a valid access token, or an API key (a request without either is answered 401
/// by its handler, and keeps no key).
fn principal(state: &AppState, req: &Request) -> Option<String> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))?
        .1
        .trim()
        .to_string();
    if token.starts_with(app::domain::integrations::keys::KEY_PREFIX) {
        // An API key (checked by the handler): its keys are its own.
        let hash = app::domain::infra::tokens::hash(&token);
        return Some(format!("key:{}", &hash[..32]));
    }
    let claims = state.tokens.verify(&token).ok()?;
    Some(format!("user:{}", claims.sub))
}

pub async fn idempotent(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(raw) = req.headers().get(HEADER) else {
        return next.run(req).await;
    };
    let key = match raw.to_str() {
        Ok(k) if (1..=255).contains(&k.trim().len()) => k.trim().to_string(),
        _ => {
            return key_problem(
                "Use 1 to 255 visible ASCII characters, e.g. a UUID made for this request.",
            )
        }
    };
    let Some(principal) = principal(&state, &req) else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, super::files::COMPLETE_BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return ApiFail::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The request body is too large.",
            )
            .into_response()
        }
    };
    let hash = idempotency::request_hash(parts.method.as_str(), parts.uri.path(), &bytes);
    let started = tokio::time::Instant::now();
    loop {
        let now = chrono::Utc::now();
        let begun = idempotency::begin(&state.db, &principal, &key, &hash, now).await;
        match begun {
            Err(e) => return ApiFail::from(e).into_response(),
            Ok(Begin::Fresh) => break,
            Ok(Begin::Replay { status, body }) => return replay(status, body),
            Ok(Begin::Mismatch) => return key_problem(
                "This key was already used with another request: use a new key for a new request.",
            ),
            Ok(Begin::InProgress) if started.elapsed() < WAIT => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(Begin::InProgress) => {
                let mut p = ApiProblem::new(
                    "conflict",
                    "A request with this Idempotency-Key is still being handled. Try again in a few seconds.",
                );
                p.retry_after_secs = Some(2);
                return ApiFail {
                    status: StatusCode::CONFLICT,
                    problem: p,
                }
                .into_response();
            }
        }
    }
    let res = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = res.status();
    // Kept: every answer of the work done or refused for good. Not kept: failures on our side, a rate limit and a
    // sign-in that had ended: nothing was done, and a retry must do it.
    let keep = !(status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::UNAUTHORIZED);
    if !keep {
        if let Err(e) = idempotency::forget(&state.db, &principal, &key).await {
            tracing::warn!(error = %e, "could not let go of an idempotency key");
        }
        return res;
    }
    let (res_parts, res_body) = res.into_parts();
    let answer = match to_bytes(res_body, ANSWER_MAX).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "an answer too large to keep with its idempotency key");
            let _ = idempotency::forget(&state.db, &principal, &key).await;
            return ApiFail::from(AppError::Internal).into_response();
        }
    };
    let text = String::from_utf8_lossy(&answer).into_owned();
    let kept = idempotency::finish(
        &state.db,
        &principal,
        &key,
        status.as_u16(),
        text,
        chrono::Utc::now(),
    )
    .await;
    if let Err(e) = kept {
        // The work is done and its answer goes out; a retry would find the key without an answer and wait, then
        // take it over once abandoned. Logged: rare, and worth knowing.
        tracing::warn!(error = %e, "could not keep the answer of an idempotent request");
    }
    Response::from_parts(res_parts, Body::from(answer))
}

fn replay(status: u16, body: String) -> Response {
    let mut res = (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    res
}
