//! The REST API v1 (`/api/v1`): request and response types shared by the server and the extension. The dashboard
//! uses server functions instead; both reach the same domain services.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AppError, CurrentUser, FieldError};

/// Where the REST API lives.
pub const API_PREFIX: &str = "/api/v1";

/// Seconds an access token is valid.
pub const ACCESS_TTL_SECS: u64 = 15 * 60;
/// Seconds a refresh token is valid (each refresh issues a new one).
pub const REFRESH_TTL_SECS: u64 = 30 * 24 * 3600;

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// What is signing in, for the user's list of sign-ins (e.g. "Chrome extension").
    #[serde(default)]
    pub client_name: String,
}

/// The answer of `POST /api/v1/auth/login` (HTTP 202) when the account uses two-step sign-in: the password was right;
/// send the code from the authenticator app (or a recovery code) with `challenge` to `POST /api/v1/auth/login/code`
/// within `expires_in` seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MfaChallenge {
    /// Always true: tells this answer from a [`TokenResponse`].
    pub mfa_required: bool,
    pub challenge: String,
    pub expires_in: u64,
    pub message: String,
}

/// `POST /api/v1/auth/login/code`: the second step of a sign-in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LoginCodeRequest {
    /// From the login's [`MfaChallenge`].
    pub challenge: String,
    /// Six digits from the authenticator app, or a recovery code.
    pub code: String,
    /// What is signing in, for the user's list of sign-ins.
    #[serde(default)]
    pub client_name: String,
}

/// `POST /api/v1/auth/refresh` and `POST /api/v1/auth/logout`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// A pair of tokens: send `access_token` as `Authorization: Bearer …`; when it expires, trade `refresh_token` for a
/// new pair (once: a refresh token used twice ends the whole sign-in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: u64,
    pub user: CurrentUser,
}

/// Every error of the REST API: a machine-readable `kind`, a sentence for people, and the fields at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiProblem {
    /// `validation`, `unauthenticated`, `invalid_credentials`, `forbidden`, `not_found`, `conflict`,
    /// `duplicate`, `too_many_requests`, `unsupported_media_type`, `bad_request`, `internal`, `unavailable`.
    pub kind: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// For `duplicate`: the job delegated earlier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_job_id: Option<Uuid>,
    /// For `too_many_requests` and `unavailable`: seconds to wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

impl ApiProblem {
    pub fn new(kind: &str, message: impl Into<String>) -> ApiProblem {
        ApiProblem {
            kind: kind.into(),
            message: message.into(),
            fields: Vec::new(),
            existing_job_id: None,
            retry_after_secs: None,
        }
    }
}

impl From<&AppError> for ApiProblem {
    fn from(e: &AppError) -> ApiProblem {
        let kind = match e {
            AppError::Validation { .. } => "validation",
            AppError::Unauthenticated => "unauthenticated",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::Forbidden { .. } => "forbidden",
            AppError::NotFound { .. } => "not_found",
            AppError::Conflict { .. } => "conflict",
            AppError::Duplicate { .. } => "duplicate",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::Internal => "internal",
            AppError::Unavailable { .. } => "unavailable",
            AppError::Transport { .. } => "bad_request",
        };
        let mut p = ApiProblem::new(kind, e.to_string());
        match e {
            AppError::Validation { fields, .. } => p.fields = fields.clone(),
            AppError::Duplicate {
                existing_job_id, ..
            } => p.existing_job_id = Some(*existing_job_id),
            AppError::TooManyRequests { retry_after_secs }
            | AppError::Unavailable { retry_after_secs } => {
                p.retry_after_secs = Some(*retry_after_secs)
            }
            _ => {}
        }
        p
    }
}

impl From<AppError> for ApiProblem {
    fn from(e: AppError) -> ApiProblem {
        ApiProblem::from(&e)
    }
}

impl From<ApiProblem> for AppError {
    /// Back to the shared error type (the extension shows errors as the dashboard does).
    fn from(p: ApiProblem) -> AppError {
        match p.kind.as_str() {
            "validation" => AppError::Validation {
                message: p.message,
                fields: p.fields,
            },
            "unauthenticated" => AppError::Unauthenticated,
            "invalid_credentials" => AppError::InvalidCredentials,
            "forbidden" => AppError::Forbidden { message: p.message },
            "not_found" => AppError::NotFound { message: p.message },
            "conflict" => AppError::Conflict { message: p.message },
            "duplicate" => match p.existing_job_id {
                Some(existing_job_id) => AppError::Duplicate {
                    message: p.message,
                    existing_job_id,
                },
                None => AppError::Conflict { message: p.message },
            },
            "too_many_requests" => AppError::TooManyRequests {
                retry_after_secs: p.retry_after_secs.unwrap_or(60),
            },
            "internal" => AppError::Internal,
            "unavailable" => AppError::Unavailable {
                retry_after_secs: p.retry_after_secs.unwrap_or(5),
            },
            _ => AppError::Transport { message: p.message },
        }
    }
}

/// `POST /api/v1/notifications/{id}/read` and friends answer with this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Done {
    pub ok: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_carry_fields_and_round_trip() {
        let e = AppError::field("job_url", "Enter the job's address.");
        let p = ApiProblem::from(&e);
        assert_eq!(p.kind, "validation");
        assert_eq!(p.fields[0].field, "job_url");
        assert_eq!(AppError::from(p), e);
        let id = Uuid::now_v7();
        let e = AppError::Duplicate {
            message: "Delegated before.".into(),
            existing_job_id: id,
        };
        let p = ApiProblem::from(&e);
        assert_eq!(p.existing_job_id, Some(id));
        assert_eq!(AppError::from(p), e);
        let p = ApiProblem::from(&AppError::Unauthenticated);
        assert_eq!(p.message, "Please sign in to continue.");
    }
}

/// `POST /api/v1/jobs/{id}/reassign`: the employee (assigned to the job's client) who takes the job over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReassignForm {
    pub employee_id: uuid::Uuid,
}

/// `POST /api/v1/clients/{id}/activation`: activate or deactivate a client, with their payment status and notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActivationForm {
    pub activate: bool,
    pub payment_status: super::PaymentStatus,
    /// At most 2,000 characters.
    #[serde(default)]
    pub subscription_notes: String,
}

/// `POST /api/v1/assignments` and `/api/v1/assignments/end`: which employee serves which client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AssignmentForm {
    pub client_id: uuid::Uuid,
    pub employee_id: uuid::Uuid,
}
