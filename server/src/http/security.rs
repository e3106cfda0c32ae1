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

/// True when `Origin` is the public origin, or names the very host the request was sent to.
pub fn same_origin(headers: &HeaderMap, public_origin: &str) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if origin == public_origin {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (url::Url::parse(origin), host) {
        (Ok(o), Some(host)) if matches!(o.scheme(), "http" | "https") => {
            let authority = match (o.host_str(), o.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_string(),
                _ => return false,
            };
            authority.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
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
    let mut res = next.run(req).await;
    let h = res.headers_mut();
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
        assert!(same_origin(
            &headers(Some("http://127.0.0.1:3000"), "127.0.0.1:3000"),
            public
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
        assert!(!same_origin(
            &headers(Some("http://127.0.0.1:3001"), "127.0.0.1:3000"),
            public
        ));
    }
}
