//! One error type for everything the application reports to a user or a client.

use serde::{Deserialize, Serialize};

/// A message attached to one input of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Every failure the application reports. Messages are written for the person reading them; internal causes are
/// logged on the server and never sent.
///
/// On the wire it is always an [`ApiProblem`](super::rest::ApiProblem) (`kind`, `message`, `fields`, …): server
/// functions, the REST API and the file routes answer errors in that one shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(into = "super::rest::ApiProblem", from = "super::rest::ApiProblem")]
pub enum AppError {
    /// Input was rejected; `fields` names the inputs at fault.
    #[error("{message}")]
    Validation {
        message: String,
        fields: Vec<FieldError>,
    },
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// Wrong email or password; deliberately does not say which.
    #[error("Incorrect email or password.")]
    InvalidCredentials,
    #[error("{message}")]
    Forbidden { message: String },
    #[error("{message}")]
    NotFound { message: String },
    #[error("{message}")]
    Conflict { message: String },
    /// The same job posting was delegated before: the earlier job is named so the user can open it.
    #[error("{message}")]
    Duplicate {
        message: String,
        existing_job_id: uuid::Uuid,
    },
    #[error("Too many attempts. Try again in {}.", wait(*retry_after_secs))]
    TooManyRequests { retry_after_secs: u64 },
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    /// The database is down, overloaded or busy with a conflicting change: nothing was written; try again.
    #[error("The service is busy or briefly unavailable; nothing was changed. Please try again in a few seconds.")]
    Unavailable { retry_after_secs: u64 },
    /// The request never reached the application logic (network failure, malformed request).
    #[error("{message}")]
    Transport { message: String },
}

/// The real wait, as a person says it: seconds under a minute, else whole minutes rounded up (the same wait
/// `Retry-After` and `retry_after_secs` carry).
fn wait(secs: u64) -> String {
    let secs = secs.max(1);
    let (n, unit) = if secs < 60 {
        (secs, "second")
    } else {
        (secs.div_ceil(60), "minute")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

impl AppError {
    /// A validation error on one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::Validation {
            message: "Please correct the highlighted fields.".into(),
            fields: vec![FieldError {
                field: field.into(),
                message,
            }],
        }
    }

    /// A validation error on several fields.
    pub fn fields(fields: Vec<FieldError>) -> Self {
        AppError::Validation {
            message: "Please correct the highlighted fields.".into(),
            fields,
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden {
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        AppError::NotFound {
            message: message.into(),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        AppError::Conflict {
            message: message.into(),
        }
    }

    /// The HTTP status this error is sent with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Validation { .. } => 422,
            AppError::Unauthenticated | AppError::InvalidCredentials => 401,
            AppError::Forbidden { .. } => 403,
            AppError::NotFound { .. } => 404,
            AppError::Conflict { .. } | AppError::Duplicate { .. } => 409,
            AppError::TooManyRequests { .. } => 429,
            AppError::Internal => 500,
            AppError::Unavailable { .. } => 503,
            AppError::Transport { .. } => 400,
        }
    }

    /// The message for one field, if the error names it.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            AppError::Validation { fields, .. } => fields
                .iter()
                .find(|f| f.field == field)
                .map(|f| f.message.clone()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_message_names_the_real_wait() {
        let says = |secs| {
            AppError::TooManyRequests {
                retry_after_secs: secs,
            }
            .to_string()
        };
        assert_eq!(says(61), "Too many attempts. Try again in 2 minutes.");
        assert_eq!(says(60), "Too many attempts. Try again in 1 minute.");
        assert_eq!(says(12), "Too many attempts. Try again in 12 seconds.");
        assert_eq!(says(1), "Too many attempts. Try again in 1 second.");
        assert_eq!(says(900), "Too many attempts. Try again in 15 minutes.");
    }

    #[test]
    fn on_the_wire_an_error_is_a_problem_and_comes_back_whole() {
        let e = AppError::field("email", "Enter a valid email address.");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["kind"], "validation");
        assert_eq!(json["fields"][0]["field"], "email");
        assert_eq!(serde_json::from_value::<AppError>(json).unwrap(), e);
        let json = serde_json::to_value(AppError::Unauthenticated).unwrap();
        assert_eq!(json["message"], "Please sign in to continue.");
        let back: AppError = serde_json::from_value(json).unwrap();
        assert_eq!(back, AppError::Unauthenticated);
    }

    #[test]
    fn field_message_finds_the_named_field_only() {
        let e = AppError::field("email", "Enter a valid email address.");
        assert_eq!(
            e.field_message("email").as_deref(),
            Some("Enter a valid email address.")
        );
        assert_eq!(e.field_message("password"), None);
        assert_eq!(e.status(), 422);
    }
}
