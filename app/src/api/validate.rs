//! Validated values, parsed once at the edge. Shared by the browser (early feedback) and the server (the rule).

use crate::api::error::{AppError, FieldError};

pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;
pub const NAME_MAX: usize = 100;
pub const EMAIL_MAX: usize = 254;

/// An email address, trimmed and lower-cased (addresses are compared case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, String> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err("Enter your email address.".into());
        }
        if s.chars().count() > EMAIL_MAX {
            return Err(format!(
                "An email address has at most {EMAIL_MAX} characters."
            ));
        }
        let invalid = || "Enter a valid email address, like name@example.com.".to_string();
        let (local, domain) = s.split_once('@').ok_or_else(invalid)?;
        let domain_ok = !domain.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        if !domain_ok || !local_ok {
            return Err(invalid());
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A password that meets the length rule. Never logged, never displayed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

impl Password {
    pub fn parse(raw: &str) -> Result<Password, String> {
        let n = raw.chars().count();
        if n < PASSWORD_MIN {
            return Err(format!("Use at least {PASSWORD_MIN} characters."));
        }
        if n > PASSWORD_MAX {
            return Err(format!("Use at most {PASSWORD_MAX} characters."));
        }
        Ok(Password(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A person's first or last name: trimmed, 1 to 100 characters, no control characters.
pub fn parse_name(raw: &str, what: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(format!("Enter your {what}."));
    }
    if s.chars().count() > NAME_MAX {
        return Err(format!("Use at most {NAME_MAX} characters."));
    }
    if s.chars().any(char::is_control) {
        return Err("Use letters, spaces and punctuation only.".into());
    }
    Ok(s.to_string())
}

/// The fields of a new account, validated together so every bad field is reported at once.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: Email,
    pub password: Password,
    pub first_name: String,
    pub last_name: String,
}

impl NewAccount {
    pub fn parse(
        email: &str,
        password: &str,
        first_name: &str,
        last_name: &str,
    ) -> Result<NewAccount, AppError> {
        let mut errors = Vec::new();
        let mut push = |field: &str, r: Result<(), String>| {
            if let Err(message) = r {
                errors.push(FieldError {
                    field: field.into(),
                    message,
                });
            }
        };
        let e = Email::parse(email);
        push("email", e.as_ref().map(|_| ()).map_err(Clone::clone));
        let p = Password::parse(password);
        push("password", p.as_ref().map(|_| ()).map_err(Clone::clone));
        let f = parse_name(first_name, "first name");
        push("first_name", f.as_ref().map(|_| ()).map_err(Clone::clone));
        let l = parse_name(last_name, "last name");
        push("last_name", l.as_ref().map(|_| ()).map_err(Clone::clone));
        match (e, p, f, l) {
            (Ok(email), Ok(password), Ok(first_name), Ok(last_name)) => Ok(NewAccount {
                email,
                password,
                first_name,
                last_name,
            }),
            _ => Err(AppError::fields(errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Ann@Example.COM ").map(Email::into_inner),
            Ok("ann@example.com".into())
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann@@example.com",
            "a nn@example.com",
            "ann@.com",
            "ann..b@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn password_length_bounds_are_8_and_128_characters() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"x".repeat(128)).is_ok());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        // characters, not bytes
        assert!(Password::parse("éééééééé").is_ok());
    }

    #[test]
    fn new_account_reports_every_bad_field() {
        let err = NewAccount::parse("nope", "short", "", "Lovelace").unwrap_err();
        assert!(err.field_message("email").is_some());
        assert!(err.field_message("password").is_some());
        assert!(err.field_message("first_name").is_some());
        assert!(err.field_message("last_name").is_none());
    }

    #[test]
    fn password_debug_does_not_leak() {
        let p = Password::parse("supersecret").unwrap();
        assert_eq!(format!("{p:?}"), "Password(..)");
    }
}
