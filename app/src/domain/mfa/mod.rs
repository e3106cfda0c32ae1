//! Two-step sign-in: a code from an authenticator app (TOTP, RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, one
//! step of clock drift either way), or one of ten single-use recovery codes.
//!
//! - The secret is made on the server, shown once as a QR code (SVG drawn here) and as text, and kept sealed
//!   (AES-256-GCM under a key derived from the session secret, bound to the user's id). It is on only once the
//!   person confirms it with a first code.
//! - A code is good once: the step it was accepted in is stored, and a code of that step or an earlier one is
//!   refused ("replayed").
//! - Recovery codes are random (50 bits each); only their SHA-256 is stored.
//! - At sign-in, codes count toward the account's login throttle like passwords do.
//! - Roles may be required to use it (`AuthConfig::mfa_required`); an admin may reset another user's within the
//!   permission matrix, which is logged.

mod signin;

pub use signin::login_code;
use signin::{refusal, use_factor};

use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    audit,
    entities::{mfa_recovery_codes as codes, users},
    infra::{
        limits::{self as throttle, Limited, RateConfig, Whom},
        queue::{self, Email, HighJob},
        session::AuthConfig,
        tokens::{hash, TokenKeys},
    },
    now,
    policy::may_manage_user,
    Actor, RequestMeta,
};
use crate::api::{
    account::{MfaEnrolment, MfaStatus, SecondFactor, RECOVERY_ALPHABET, RECOVERY_LEN},
    AppError,
};

/// The name authenticator apps show beside the account.
const ISSUER: &str = "JobDelegate";
pub const RECOVERY_CODES: usize = 10;
const SECRET_BYTES: usize = 20;

fn totp(secret: Vec<u8>, account: &str) -> Result<totp_rs::Totp, AppError> {
    totp_rs::Builder::new()
        .with_secret(secret)
        // A colon would end the label early in an otpauth:// address.
        .with_account_name(account.replace(':', "_"))
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| {
            tracing::error!(error = %e, "could not build a TOTP");
            AppError::Internal
        })
}

fn unix_now() -> u64 {
    now().timestamp().max(0) as u64
}

async fn user_of(db: &DatabaseConnection, id: Uuid) -> Result<users::Model, AppError> {
    users::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated)
}

fn already_on() -> AppError {
    AppError::conflict("Two-step sign-in is already on.")
}

fn not_on() -> AppError {
    AppError::conflict("Two-step sign-in is not on.")
}

/// Whether `actor`'s two-step sign-in is on, whether their role requires it, and how many recovery codes are left.
pub async fn status(
    db: &DatabaseConnection,
    cfg: &AuthConfig,
    actor: &Actor,
) -> Result<MfaStatus, AppError> {
    let user = user_of(db, actor.user_id).await?;
    let left = codes::Entity::find()
        .filter(codes::Column::UserId.eq(user.id))
        .filter(codes::Column::UsedAt.is_null())
        .count(db)
        .await?;
    Ok(MfaStatus {
        enabled: user.mfa_enabled_at.is_some(),
        required: cfg.mfa_required.contains(&user.role),
        recovery_codes_left: left,
    })
}

/// Start setting up: a new secret, kept (sealed) until confirmed; shown as a QR code and as text. Starting again
/// replaces a secret that was never confirmed.
pub async fn begin(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    actor: &Actor,
) -> Result<MfaEnrolment, AppError> {
    use rand::RngCore;
    let user = user_of(db, actor.user_id).await?;
    if user.mfa_enabled_at.is_some() {
        return Err(already_on());
    }
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let sealed = keys.seal(&secret, user.id.as_bytes())?;
    let set = users::Entity::update_many()
        .col_expr(users::Column::MfaSecret, Expr::value(sealed))
        .filter(users::Column::Id.eq(user.id))
        .filter(users::Column::MfaEnabledAt.is_null())
        .exec(db)
        .await?;
    if set.rows_affected == 0 {
        return Err(already_on());
    }
    let totp = totp(secret, &user.email)?;
    let otpauth_url = totp.to_url().map_err(|e| {
        tracing::error!(error = %e, "could not make the otpauth address");
        AppError::Internal
    })?;
    let qr = qrcode::QrCode::new(otpauth_url.as_bytes()).map_err(|e| {
        tracing::error!(error = %e, "could not draw the QR code");
        AppError::Internal
    })?;
    let svg = qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    // Drop the XML declaration: the SVG goes inside an HTML page.
    let qr_svg = svg
        .find("<svg")
        .map_or(svg.clone(), |i| svg[i..].to_string());
    Ok(MfaEnrolment {
        secret: totp.secret().to_base32(),
        otpauth_url,
        qr_svg,
    })
}

/// Ten new recovery codes for `user_id`, replacing any earlier ones; returns them (the only time they are shown).
async fn new_recovery_codes<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> Result<Vec<String>, AppError> {
    use rand::Rng;
    codes::Entity::delete_many()
        .filter(codes::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    let mut rng = rand::rngs::OsRng;
    let mut out = Vec::with_capacity(RECOVERY_CODES);
    let t = now();
    for _ in 0..RECOVERY_CODES {
        let code: String = (0..RECOVERY_LEN)
            .map(|_| RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())] as char)
            .collect();
        codes::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user_id),
            code_hash: Set(hash(&code)),
            created_at: Set(t),
            used_at: Set(None),
        }
        .insert(db)
        .await?;
        out.push(format!("{}-{}", &code[..5], &code[5..]));
    }
    Ok(out)
}

fn account_email(user: &users::Model, subject: &str, body: String) -> HighJob {
    HighJob::Email(Email {
        message_id: None,
        to: user.email.clone(),
        name: super::users::full_name(user),
        subject: subject.into(),
        body,
        link: Some("/settings".into()),
        items: Vec::new(),
    })
}

/// Turn it on with the first code from the app; returns the recovery codes.
pub async fn confirm(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    actor: &Actor,
    code: &str,
    meta: &RequestMeta,
) -> Result<Vec<String>, AppError> {
    let factor = SecondFactor::parse("code", code)?;
    let user = user_of(db, actor.user_id).await?;
    if user.mfa_enabled_at.is_some() {
        return Err(already_on());
    }
    let Some(sealed) = &user.mfa_secret else {
        return Err(AppError::conflict(
            "Start setting up two-step sign-in first.",
        ));
    };
    let SecondFactor::Totp(code) = factor else {
        return Err(AppError::field(
            "code",
            "Enter the 6-digit code your authenticator app shows now.",
        ));
    };
    let secret = keys.open(sealed, user.id.as_bytes()).ok_or_else(|| {
        AppError::conflict("This setup has expired. Start setting up two-step sign-in again.")
    })?;
    let Some(step) = totp(secret, &user.email)?.check(&code, unix_now()) else {
        return Err(AppError::field(
            "code",
            "That code is not right. Check that your phone's clock is set automatically, and enter the code it shows now.",
        ));
    };
    super::retrying(|| async {
        let txn = super::begin_write(db).await?;
        let t = now();
        let on = users::Entity::update_many()
            .col_expr(users::Column::MfaEnabledAt, Expr::value(t))
            .col_expr(users::Column::MfaLastStep, Expr::value(step as i64))
            .col_expr(users::Column::UpdatedAt, Expr::value(t))
            .filter(users::Column::Id.eq(user.id))
            .filter(users::Column::MfaEnabledAt.is_null())
            .filter(users::Column::MfaSecret.eq(sealed.as_str()))
            .exec(&txn)
            .await?;
        if on.rows_affected == 0 {
            return Err(already_on());
        }
        let list = new_recovery_codes(&txn, user.id).await?;
        queue::enqueue(
            &txn,
            queue::HIGH,
            &account_email(
                &user,
                "Two-step sign-in is on",
                "Two-step sign-in was turned on for your account: signing in now asks for a code from your \
                 authenticator app after your password. If this was not you, tell your administrator at once."
                    .into(),
            ),
        )
        .await?;
        audit::record(
            &txn,
            Some(user.id),
            "account.mfa_enable",
            "user",
            Some(user.id),
            json!({}),
            meta,
        )
        .await?;
        super::commit(txn).await?;
        Ok(list)
    })
    .await
}

/// Check and use up a second factor outside sign-in (to turn it off, or for new recovery codes). Each check counts
/// against the same per-account limit as a password check.
async fn check_outside_signin(
    db: &DatabaseConnection,
    rates: &RateConfig,
    keys: &TokenKeys,
    user: &users::Model,
    code: &str,
) -> Result<&'static str, AppError> {
    let factor = SecondFactor::parse("code", code)?;
    throttle::hit(
        db,
        rates,
        Limited::PasswordCheck,
        Whom::Account(user.id),
        now(),
    )
    .await?;
    let txn = super::begin_write(db).await?;
    match use_factor(&txn, keys, user, &factor).await? {
        Ok(kind) => {
            super::commit(txn).await?;
            Ok(kind)
        }
        Err(r) => Err(refusal("code", r)),
    }
}

/// Clear `user_id`'s two-step sign-in: the secret, the step, the recovery codes.
async fn clear<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<(), AppError> {
    users::Entity::update_many()
        .col_expr(
            users::Column::MfaSecret,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            users::Column::MfaEnabledAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(users::Column::MfaLastStep, Expr::value(Option::<i64>::None))
        .col_expr(users::Column::UpdatedAt, Expr::value(now()))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    codes::Entity::delete_many()
        .filter(codes::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Turn it off: the password and a code (or a recovery code). Not for a role that must use it.
pub async fn disable(
    db: &DatabaseConnection,
    cfg: &AuthConfig,
    keys: &TokenKeys,
    actor: &Actor,
    password: &str,
    code: &str,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let user = user_of(db, actor.user_id).await?;
    if user.mfa_enabled_at.is_none() {
        return Err(not_on());
    }
    if cfg.mfa_required.contains(&user.role) {
        return Err(AppError::forbidden(format!(
            "{} accounts must use two-step sign-in: it cannot be turned off.",
            user.role.label()
        )));
    }
    if password.is_empty() {
        return Err(AppError::field("password", "Enter your password."));
    }
    if !super::infra::password::matches_outside_signin(db, &cfg.rates, &user, password).await? {
        return Err(AppError::field("password", "That is not your password."));
    }
    check_outside_signin(db, &cfg.rates, keys, &user, code).await?;
    super::retrying(|| async {
        let txn = super::begin_write(db).await?;
        clear(&txn, user.id).await?;
        queue::enqueue(
            &txn,
            queue::HIGH,
            &account_email(
                &user,
                "Two-step sign-in is off",
                "Two-step sign-in was turned off for your account: signing in now asks only for your password. If \
                 this was not you, change your password and tell your administrator at once."
                    .into(),
            ),
        )
        .await?;
        audit::record(
            &txn,
            Some(user.id),
            "account.mfa_disable",
            "user",
            Some(user.id),
            json!({}),
            meta,
        )
        .await?;
        super::commit(txn).await?;
        Ok(())
    })
    .await
}

/// Ten new recovery codes (the old ones stop working), after a code.
pub async fn renew_recovery_codes(
    db: &DatabaseConnection,
    cfg: &AuthConfig,
    keys: &TokenKeys,
    actor: &Actor,
    code: &str,
    meta: &RequestMeta,
) -> Result<Vec<String>, AppError> {
    let user = user_of(db, actor.user_id).await?;
    if user.mfa_enabled_at.is_none() {
        return Err(not_on());
    }
    check_outside_signin(db, &cfg.rates, keys, &user, code).await?;
    super::retrying(|| async {
        let txn = super::begin_write(db).await?;
        let list = new_recovery_codes(&txn, user.id).await?;
        audit::record(
            &txn,
            Some(user.id),
            "account.mfa_recovery_codes",
            "user",
            Some(user.id),
            json!({}),
            meta,
        )
        .await?;
        super::commit(txn).await?;
        Ok(list)
    })
    .await
}

/// An admin resets another user's two-step sign-in (they lost their phone and their recovery codes): it is off, and
/// a role that requires it sets it up again at the next sign-in. Within the permission matrix: an admin cannot
/// reset an admin's or a super admin's. Logged, and the person is told by email.
pub async fn reset(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: Uuid,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let target = users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("No such user."))?;
    if !may_manage_user(actor.role, target.role) {
        return Err(audit::denied(
            db,
            actor,
            "user.mfa_reset",
            "user",
            Some(user_id),
            meta,
            "You do not have permission to reset this account's two-step sign-in.",
        )
        .await);
    }
    if target.id == actor.user_id {
        return Err(AppError::conflict(
            "Manage your own two-step sign-in from your settings.",
        ));
    }
    if target.mfa_enabled_at.is_none() && target.mfa_secret.is_none() {
        return Err(AppError::conflict(
            "This account does not use two-step sign-in.",
        ));
    }
    super::retrying(|| async {
        let txn = super::begin_write(db).await?;
        clear(&txn, target.id).await?;
        queue::enqueue(
            &txn,
            queue::HIGH,
            &account_email(
                &target,
                "Your two-step sign-in was reset",
                "An administrator reset the two-step sign-in of your account. Set it up again from your settings \
                 (you are asked to at your next sign-in if your role requires it). If you did not ask for this, \
                 tell your administrator at once."
                    .into(),
            ),
        )
        .await?;
        audit::record(
            &txn,
            Some(actor.user_id),
            "user.mfa_reset",
            "user",
            Some(target.id),
            json!({"role": target.role.as_str(), "email": target.email}),
            meta,
        )
        .await?;
        super::commit(txn).await?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B (SHA-1), last six digits.
    #[test]
    fn codes_match_the_rfc_test_vectors() {
        let t = totp(b"12345678901234567890".to_vec(), "a@example.com").unwrap();
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
        ] {
            assert_eq!(t.generate(time).to_string(), code, "at {time}");
            // One step of drift either way, and no more; the answer is the step the code belongs to.
            assert_eq!(t.check(code, time + 30), Some(time / 30));
            assert_eq!(t.check(code, time + 90), None);
        }
    }

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_owner() {
        let keys = TokenKeys::from_secret(&[7u8; 64]);
        let owner = Uuid::now_v7();
        let sealed = keys.seal(b"the secret", owner.as_bytes()).unwrap();
        assert!(!sealed.contains(&hex::encode(b"the secret")));
        assert_eq!(
            keys.open(&sealed, owner.as_bytes()).as_deref(),
            Some(&b"the secret"[..])
        );
        assert_eq!(keys.open(&sealed, Uuid::now_v7().as_bytes()), None);
        assert_eq!(
            TokenKeys::from_secret(&[8u8; 64]).open(&sealed, owner.as_bytes()),
            None
        );
        assert_ne!(sealed, keys.seal(b"the secret", owner.as_bytes()).unwrap());
    }

    #[test]
    fn typed_codes_are_read_as_people_type_them() {
        assert_eq!(
            SecondFactor::parse("code", " 123 456 ").unwrap(),
            SecondFactor::Totp("123456".into())
        );
        assert_eq!(
            SecondFactor::parse("code", "ABCDE-12345").unwrap(),
            SecondFactor::Recovery("abcde12345".into())
        );
        for bad in ["", "12345", "1234567", "abcde-1234u"] {
            assert!(SecondFactor::parse("code", bad).is_err(), "{bad:?}");
        }
    }
}
