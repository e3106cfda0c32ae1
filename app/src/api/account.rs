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

/// What an email confirmation link is for, shown before it is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkInfo {
    /// `true` for a new address, `false` for confirming the account's own.
    pub change: bool,
    pub email: String,
}

/// The kinds of news a person chooses channels for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A job was assigned to you (assistants).
    Assignment,
    /// A job could not be submitted, expired, or waits too long for an assistant.
    Status,
    /// An application was submitted, with its proof screenshot.
    Proof,
    /// A job's deadline is near.
    Deadline,
    /// A job needs the client's answer to a question (clients), or the client answered (assistants).
    Question,
    /// Your account: activation and the like.
    Account,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 6] = [
        NotificationKind::Assignment,
        NotificationKind::Status,
        NotificationKind::Proof,
        NotificationKind::Deadline,
        NotificationKind::Question,
        NotificationKind::Account,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Assignment => "assignment",
            NotificationKind::Status => "status",
            NotificationKind::Proof => "proof",
            NotificationKind::Deadline => "deadline",
            NotificationKind::Question => "question",
            NotificationKind::Account => "account",
        }
    }

    pub fn parse(s: &str) -> Option<NotificationKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            NotificationKind::Assignment => "New assignment",
            NotificationKind::Status => "Status change",
            NotificationKind::Proof => "Proof ready",
            NotificationKind::Deadline => "Deadline reminder",
            NotificationKind::Question => "Questions about a job",
            NotificationKind::Account => "Account",
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            NotificationKind::Assignment => "A job was given to you to apply for.",
            NotificationKind::Status => {
                "A job could not be submitted, expired, or waits too long for an assistant."
            }
            NotificationKind::Proof => "An application was submitted, with its screenshot.",
            NotificationKind::Deadline => "A job's deadline is a day away.",
            NotificationKind::Question => {
                "An application form asks something only the client can answer, or the client answered."
            }
            NotificationKind::Account => "Your account was activated, and similar news.",
        }
    }

    /// The kind of a notification, from its type.
    pub fn of_type(notification_type: &str) -> NotificationKind {
        match notification_type {
            "job_assigned" => NotificationKind::Assignment,
            "job_completed" => NotificationKind::Proof,
            "deadline_approaching" => NotificationKind::Deadline,
            "job_question" | "job_answered" => NotificationKind::Question,
            "job_failed" | "job_expired" | "job_unassigned_too_long" => NotificationKind::Status,
            _ => NotificationKind::Account,
        }
    }
}

/// Where a person wants one kind of news.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPref {
    pub kind: NotificationKind,
    pub in_app: bool,
    pub email: bool,
    /// To the person's browsers that turned on push.
    #[serde(default)]
    pub push: bool,
}

/// The preferences form as the page posts it: a checkbox per kind and channel (`on` when ticked, absent when not).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationChoices {
    #[serde(default)]
    pub assignment_in_app: Option<String>,
    #[serde(default)]
    pub assignment_email: Option<String>,
    #[serde(default)]
    pub assignment_push: Option<String>,
    #[serde(default)]
    pub status_in_app: Option<String>,
    #[serde(default)]
    pub status_email: Option<String>,
    #[serde(default)]
    pub status_push: Option<String>,
    #[serde(default)]
    pub proof_in_app: Option<String>,
    #[serde(default)]
    pub proof_email: Option<String>,
    #[serde(default)]
    pub proof_push: Option<String>,
    #[serde(default)]
    pub deadline_in_app: Option<String>,
    #[serde(default)]
    pub deadline_email: Option<String>,
    #[serde(default)]
    pub deadline_push: Option<String>,
    #[serde(default)]
    pub question_in_app: Option<String>,
    #[serde(default)]
    pub question_email: Option<String>,
    #[serde(default)]
    pub question_push: Option<String>,
    #[serde(default)]
    pub account_in_app: Option<String>,
    #[serde(default)]
    pub account_email: Option<String>,
    #[serde(default)]
    pub account_push: Option<String>,
}

impl NotificationChoices {
    /// Every kind with its three channels.
    pub fn prefs(&self) -> Vec<NotificationPref> {
        let on = |v: &Option<String>| v.is_some();
        use NotificationKind::*;
        vec![
            NotificationPref {
                kind: Assignment,
                in_app: on(&self.assignment_in_app),
                email: on(&self.assignment_email),
                push: on(&self.assignment_push),
            },
            NotificationPref {
                kind: Status,
                in_app: on(&self.status_in_app),
                email: on(&self.status_email),
                push: on(&self.status_push),
            },
            NotificationPref {
                kind: Proof,
                in_app: on(&self.proof_in_app),
                email: on(&self.proof_email),
                push: on(&self.proof_push),
            },
            NotificationPref {
                kind: Deadline,
                in_app: on(&self.deadline_in_app),
                email: on(&self.deadline_email),
                push: on(&self.deadline_push),
            },
            NotificationPref {
                kind: Question,
                in_app: on(&self.question_in_app),
                email: on(&self.question_email),
                push: on(&self.question_push),
            },
            NotificationPref {
                kind: Account,
                in_app: on(&self.account_in_app),
                email: on(&self.account_email),
                push: on(&self.account_push),
            },
        ]
    }
}

/// Whether someone's two-step sign-in is on, and what is left of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaStatus {
    pub enabled: bool,
    /// Their role must use it: it cannot be turned off (an admin can reset it).
    pub required: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: u64,
}

/// Setting up two-step sign-in: scan the QR code (or type the secret) into an authenticator app, then confirm with
/// its first code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaEnrolment {
    /// The secret in base32, as authenticator apps take it when typed in.
    pub secret: String,
    /// The `otpauth://totp/…` address the QR code holds.
    pub otpauth_url: String,
    /// The QR code, an SVG drawn on the server.
    pub qr_svg: String,
}

/// What someone typed as their second factor, normalised: a six-digit code from the app, or a recovery code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactor {
    Totp(String),
    Recovery(String),
}

/// Letters and digits of a recovery code (Crockford's base32: no i, l, o, u).
pub const RECOVERY_ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
pub const RECOVERY_LEN: usize = 10;

impl SecondFactor {
    /// Read a code as typed (spaces and dashes ignored), or say what is wrong with it, on the field `field`.
    pub fn parse(field: &str, input: &str) -> Result<SecondFactor, AppError> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_lowercase();
        if s.is_empty() {
            return Err(AppError::field(
                field,
                "Enter the 6-digit code from your authenticator app, or a recovery code.",
            ));
        }
        if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(SecondFactor::Totp(s));
        }
        if s.len() == RECOVERY_LEN && s.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)) {
            return Ok(SecondFactor::Recovery(s));
        }
        Err(AppError::field(
            field,
            "A code is 6 digits from your authenticator app, or a 10-character recovery code.",
        ))
    }
}
