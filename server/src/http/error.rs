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

/// A serde error as a problem: a missing or mistyped field is named; broken JSON is a 400.
pub(crate) fn json_error(e: &serde_json::Error) -> ApiFail {
    use serde_json::error::Category;
    match e.classify() {
        Category::Data => {
            let text = e.to_string();
            let field = text
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split('`').next())
                .map(str::to_string);
            match field {
                Some(f) => AppError::field(&f, "This field is required.").into(),
                None => ApiFail {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    problem: ApiProblem {
                        kind: "validation".into(),
                        message: format!(
                            "The request body does not have the expected shape: {text}."
                        ),
                        fields: Vec::new(),
                        existing_job_id: None,
                        retry_after_secs: None,
                    },
                },
            }
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
