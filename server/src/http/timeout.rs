//! How long a request may take before it is answered 408: 30 s, except uploads, which get time for their size at a
//! slow but honest pace (a phone on a poor connection), so a 10 MB resume is not cut off half way.

use std::time::Duration;

use axum::{
    extract::Request,
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::error::ApiFail;

/// Every request but an upload.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The slowest upload pace still waited for: 32 KiB/s (256 kbit/s).
const SLOWEST_UPLOAD_BYTES_PER_SEC: u64 = 32 * 1024;

/// The largest upload (a 10 MB resume or screenshot, with its form around it).
const LARGEST_UPLOAD: u64 = 11 * 1024 * 1024;

fn is_upload(method: &Method, path: &str) -> bool {
    method == Method::POST
        && (path == "/files/resumes"
            || (path.ends_with("/complete")
                && (path.starts_with("/files/jobs/") || path.starts_with("/api/v1/jobs/"))))
}

/// The time `method path` with this `Content-Length` may take: 30 s, plus for an upload the time its body takes at
/// the slowest pace waited for (a body of unknown or oversized length counts as the largest upload).
pub fn time_for(method: &Method, path: &str, headers: &HeaderMap) -> Duration {
    if !is_upload(method, path) {
        return REQUEST_TIMEOUT;
    }
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(LARGEST_UPLOAD)
        .min(LARGEST_UPLOAD);
    REQUEST_TIMEOUT + Duration::from_secs(length.div_ceil(SLOWEST_UPLOAD_BYTES_PER_SEC))
}

/// Middleware: answer 408 when a request takes longer than [`time_for`] it. (Its work, if it started, still runs to
/// its end: `detach` sits inside this.)
pub async fn limit(req: Request, next: Next) -> Response {
    let allowed = time_for(req.method(), req.uri().path(), req.headers());
    match tokio::time::timeout(allowed, next.run(req)).await {
        Ok(res) => res,
        Err(_) => ApiFail::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "The request took too long. Please try again.",
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn length(n: u64) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_LENGTH, n.to_string().parse().unwrap());
        h
    }

    #[test]
    fn uploads_get_time_for_their_size_and_nothing_else_does() {
        let none = HeaderMap::new();
        assert_eq!(
            time_for(&Method::GET, "/client/jobs", &none),
            REQUEST_TIMEOUT
        );
        assert_eq!(
            time_for(&Method::POST, "/api/v1/jobs", &length(10_000_000)),
            REQUEST_TIMEOUT,
            "not an upload"
        );
        // A 10 MB resume at 32 KiB/s takes 306 s: it is given 30 s more than that.
        let ten_mb = time_for(&Method::POST, "/files/resumes", &length(10_000_000));
        assert_eq!(ten_mb, Duration::from_secs(30 + 306));
        assert!(
            time_for(&Method::POST, "/api/v1/jobs/abc/complete", &length(200_000))
                < Duration::from_secs(40)
        );
        // Unknown or absurd lengths count as the largest upload, no more.
        let largest = time_for(&Method::POST, "/files/jobs/abc/complete", &none);
        assert_eq!(
            largest,
            time_for(&Method::POST, "/files/jobs/abc/complete", &length(u64::MAX))
        );
        assert!(largest < Duration::from_secs(400));
    }
}
