//! What people see and send on their own settings page: their devices (dashboard sessions and extension sign-ins),
//! a password change, and the "forgot password" link.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    validate::{parse_name, Password},
    AppError, FieldError,
};

/// Where someone is signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// A dashboard session (a browser's cookie).
    Browser,
    /// An API sign-in: the Chrome extension, or a script.
    Extension,
}

impl DeviceKind {
    pub fn label(self) -> &'static str {
        match self {
            DeviceKind::Browser => "Browser",
            DeviceKind::Extension => "Extension",
        }
    }
}

/// One place someone is signed in. The id names it for ending it; it is not the session's secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub id: String,
    pub kind: DeviceKind,
    pub created_at: DateTime<Utc>,
    /// For a browser, to the minute (a session's row is written at most once a minute); for an extension, its last
    /// token refresh.
    pub last_used_at: DateTime<Utc>,
    pub ip: Option<String>,
    /// The user agent made readable: "Chrome 131 on Windows 10", or the extension's name.
    pub agent: String,
    /// The session or sign-in this list was asked from.
    pub current: bool,
}

/// A password change, checked field by field.
#[derive(Debug, Clone)]
pub struct PasswordChange {
    pub current: String,
    pub new: Password,
}

impl PasswordChange {
    pub fn parse(current: &str, new: &str, confirm: &str) -> Result<PasswordChange, AppError> {
        let mut fields = Vec::new();
        if current.is_empty() {
            fields.push(FieldError {
                field: "current_password".into(),
                message: "Enter your current password.".into(),
            });
        }
        let new = match Password::parse(new) {
            Ok(p) => Some(p),
            Err(message) => {
                fields.push(FieldError {
                    field: "new_password".into(),
                    message,
                });
                None
            }
        };
        if new.is_some() && confirm != new.as_ref().map(Password::expose).unwrap_or_default() {
            fields.push(FieldError {
                field: "confirm_password".into(),
                message: "The two new passwords differ.".into(),
            });
        }
        match new {
            Some(new) if fields.is_empty() => Ok(PasswordChange {
                current: current.to_string(),
                new,
            }),
            _ => Err(AppError::fields(fields)),
        }
    }
}

/// A new password chosen from a reset link.
pub fn parse_new_password(new: &str, confirm: &str) -> Result<Password, AppError> {
    let p = Password::parse(new).map_err(|m| AppError::field("password", m))?;
    if confirm != p.expose() {
        return Err(AppError::field(
            "confirm_password",
            "The two passwords differ.",
        ));
    }
    Ok(p)
}

/// A person's first and last name, both checked.
pub fn parse_names(first: &str, last: &str) -> Result<(String, String), AppError> {
    let f = parse_name(first, "first name");
    let l = parse_name(last, "last name");
    match (f, l) {
        (Ok(f), Ok(l)) => Ok((f, l)),
        (f, l) => Err(AppError::fields(
            [("first_name", f.err()), ("last_name", l.err())]
                .into_iter()
                .filter_map(|(field, e)| {
                    e.map(|message| FieldError {
                        field: field.into(),
                        message,
                    })
                })
                .collect(),
        )),
    }
}

/// How long a reset link works.
pub const RESET_LINK_MINUTES: i64 = 30;

/// The answer to "forgot password", whether or not the address has an account.
pub const RESET_SENT: &str =
    "If an account uses this address, we have sent it a link to choose a new password. The link works for 30 minutes.";
