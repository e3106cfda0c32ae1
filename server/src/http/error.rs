//! The one error adapter of every route outside the server functions (REST `/api/v1`, file transfers, exports, the
//! event stream, the request guards): an [`AppError`] or a transport problem becomes `ApiProblem` JSON with its
//! status, and `WWW-Authenticate` / `Retry-After` where they apply.

use app::api::{rest::ApiProblem, AppError};
use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};

/// An error of the API: `ApiProblem` JSON with the error's status (and `WWW-Authenticate` / `Retry-After`).
pub struct ApiFail {
    pub status: StatusCode,
    pub problem: ApiProblem,
}

impl ApiFail {
    pub fn new(status: StatusCode, kind: &str, message: impl Into<String>) -> ApiFail {
        ApiFail {
            status,
            problem: ApiProblem::new(kind, message),
        }
    }
}

impl From<AppError> for ApiFail {
    fn from(e: AppError) -> Self {
        ApiFail {
            status: StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            problem: ApiProblem::from(&e),
        }
    }
}

impl IntoResponse for ApiFail {
    fn into_response(self) -> Response {
        let retry = self.problem.retry_after_secs;
        let mut res = (self.status, Json(self.problem)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"jobdelegate\""),
            );
        }
        if let Some(secs) = retry {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiFail>;

/// A serde error as a problem: a missing, mistyped or out-of-range field is named (its path, as `items[0].url`)
/// with what it should be; broken JSON is a 400.
/// `path` is where in the body the error is (`.` for the body itself).
pub(crate) fn json_error(path: &str, inner: &serde_json::Error) -> ApiFail {
    use serde_json::error::Category;
    match inner.classify() {
        Category::Data => {
            let full = inner.to_string();
            // serde appends where in the text it was ("at line 1 column 13"); the field's name says more.
            let text = full
                .rsplit_once(" at line ")
                .map_or(full.as_str(), |(t, _)| t);
            let within = |name: &str| {
                if path == "." {
                    name.to_string()
                } else {
                    format!("{path}.{name}")
                }
            };
            if let Some(f) = text
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split('`').next())
            {
                return AppError::field(&within(f), "This field is required.").into();
            }
            let message = match text
                .strip_prefix("invalid type: ")
                .or_else(|| text.strip_prefix("invalid value: "))
                .or_else(|| text.strip_prefix("invalid length "))
                .and_then(|rest| rest.split_once(", expected "))
            {
                Some((got, expected)) => format!("Expected {expected}, got {got}."),
                None => match text.strip_prefix("unknown variant ") {
                    Some(rest) => format!(
                        "Unknown value {}.",
                        rest.replacen(", expected", "; expected", 1)
                    ),
                    None => {
                        let mut m = text.to_string();
                        if let Some(first) = m.get(0..1) {
                            let upper = first.to_uppercase();
                            m.replace_range(0..1, &upper);
                        }
                        format!("{m}.")
                    }
                },
            };
            let field = if path == "." { "body" } else { path };
            AppError::field(field, message).into()
        }
        _ => ApiFail::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The request body is not valid JSON.",
        ),
    }
}

/// A bare 500 from below the handlers (the session layer failing to load or save a session) while the database is
/// unreachable is a 503 with `Retry-After`: the client should try again, not report a bug.
pub async fn unavailable_not_internal(
    axum::extract::State(state): axum::extract::State<app::rpc::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let probe = tokio::time::timeout(
        std::time::Duration::from_millis(500),
        sea_orm::ConnectionTrait::execute_unprepared(&state.db, "SELECT 1"),
    )
    .await;
    if matches!(probe, Ok(Ok(_))) {
        return res;
    }
    ApiFail::from(AppError::Unavailable {
        retry_after_secs: app::domain::RETRY_AFTER_SECS,
    })
    .into_response()
}
