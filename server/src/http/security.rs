//! Request guards and response headers that apply to every route.

use app::rpc::AppState;
use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::error::ApiFail;

const RPC_PATH_PREFIX: &str = "/rpc/";

/// Server functions change state, so they are POST only and must come from the site's own pages: a request whose
/// `Origin` is missing or foreign is refused (CSRF). The session cookie's SameSite=Lax is the second line.
/// Layered over the whole router because leptos_axum registers each server function's route itself.
pub async fn rpc_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with(RPC_PATH_PREFIX) {
        return next.run(req).await;
    }
    if req.method() != Method::POST {
        let mut res = error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Server functions accept POST requests only.",
        );
        res.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return res;
    }
    if !same_origin(req.headers(), &state.auth.public_origin) {
        return error(
            StatusCode::FORBIDDEN,
            "This request did not come from this site's own pages.",
        );
    }
    next.run(req).await
}

/// True when `Origin` is the site's public origin. Only that: a request's `Host` header says nothing about where
/// the page that sent it came from (a DNS-rebinding page sends its own host), so a matching host is not enough.
pub fn same_origin(headers: &HeaderMap, public_origin: &str) -> bool {
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|origin| {
            origin
                .trim_end_matches('/')
                .eq_ignore_ascii_case(public_origin.trim_end_matches('/'))
        })
}

fn error(status: StatusCode, message: &str) -> Response {
    ApiFail::new(status, "forbidden", message).into_response()
}

/// Headers on every response. HTML pages set their own CSP with a per-response nonce; everything else gets one that
/// allows nothing.
pub async fn security_headers(
    State(state): State<AppState>,
    req: Request<Body>,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // Pages, server functions, the API, files and the event stream may carry someone's data: no cache (the browser's,
    // a proxy's) keeps them. Only the static assets under /pkg may be cached.
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let private = ["/rpc", "/api/", "/files/", "/events"]
        .iter()
        .any(|p| path.starts_with(p));
    if html || private {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        ));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if state.auth.https() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
        }
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        h
    }

    #[test]
    fn origin_must_be_ours() {
        let public = "https://jobs.example.com";
        assert!(same_origin(
            &headers(Some(public), "jobs.example.com"),
            public
        ));
        // The host the request was sent to does not make an origin ours (issue 13).
        assert!(!same_origin(
            &headers(Some("http://127.0.0.1:3000"), "127.0.0.1:3000"),
            public
        ));
        assert!(!same_origin(
            &headers(Some("http://rebound.example:3000"), "rebound.example:3000"),
            "http://127.0.0.1:3000"
        ));
        assert!(!same_origin(
            &headers(Some("https://evil.example"), "jobs.example.com"),
            public
        ));
        assert!(!same_origin(
            &headers(Some("null"), "jobs.example.com"),
            public
        ));
        assert!(!same_origin(&headers(None, "jobs.example.com"), public));
    }
}
