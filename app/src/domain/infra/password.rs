//! Password hashing with argon2id (m = 19456 KiB, t = 2, p = 1), always off the async runtime, and never more at
//! once than the machine has cores: each hash takes 19 MiB and a core, so a flood of sign-ups or logins queues
//! for a short while and is then told to come back (503 with `Retry-After`) instead of taking the memory.

use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};

use tokio::sync::Semaphore;

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};

use crate::api::AppError;

fn hasher() -> Result<Argon2<'static>, AppError> {
    let params = Params::new(19_456, 2, 1, None).map_err(|e| {
        tracing::error!(error = %e, "argon2 parameters rejected");
        AppError::Internal
    })?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_blocking(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::Internal
        })
}

fn verify_blocking(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        tracing::error!("stored password hash is not a valid PHC string");
        return false;
    };
    match hasher() {
        Ok(h) => h.verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// How long a caller waits for a free hashing slot before it is told to try again.
pub const HASH_WAIT: Duration = Duration::from_secs(2);

/// Seconds such a caller is told to wait.
pub const HASH_RETRY_AFTER_SECS: u64 = 2;

/// One slot per core (at least two).
pub fn hashing_slots() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .max(2)
}

fn slots() -> &'static Arc<Semaphore> {
    static SLOTS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    SLOTS.get_or_init(|| Arc::new(Semaphore::new(hashing_slots())))
}

/// A job for the hashing threads.
type HashJob = Box<dyn FnOnce() + Send>;

/// The threads that hash: as many as there are slots, started once and kept. Not tokio's blocking pool: that one
/// runs each job on whichever of its (many) threads is free, and every thread that ever hashed keeps its own 19 MiB
/// in its malloc arena, so memory grew with the number of threads (557 MB after a 300 sign-up flood) instead of
/// with the number of hashes at once.
fn hashers() -> &'static std::sync::Mutex<std::sync::mpsc::Sender<HashJob>> {
    static HASHERS: OnceLock<std::sync::Mutex<std::sync::mpsc::Sender<HashJob>>> = OnceLock::new();
    HASHERS.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<HashJob>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        for i in 0..hashing_slots() {
            let rx = rx.clone();
            let _ = std::thread::Builder::new()
                .name(format!("password-hash-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
        }
        std::sync::Mutex::new(tx)
    })
}

/// Run `work` on the hashing threads once one of `slots` is free, waiting at most `wait`.
async fn bounded<T: Send + 'static>(
    slots: &Arc<Semaphore>,
    wait: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let permit = match tokio::time::timeout(wait, slots.clone().acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        _ => {
            tracing::warn!("every password-hashing slot is busy; asking the caller to come back");
            return Err(AppError::Unavailable {
                retry_after_secs: HASH_RETRY_AFTER_SECS,
            });
        }
    };
    let (done, result) = tokio::sync::oneshot::channel();
    let job: HashJob = Box::new(move || {
        let _slot = permit;
        let _ = done.send(work());
    });
    hashers()
        .lock()
        .map_err(|_| AppError::Internal)?
        .send(job)
        .map_err(|_| AppError::Internal)?;
    result.await.map_err(|_| AppError::Internal)
}

/// Hash a new password.
pub async fn hash(password: String) -> Result<String, AppError> {
    bounded(slots(), HASH_WAIT, move || hash_blocking(&password)).await?
}

/// Check a password against a stored hash. With `None` (no such account) a dummy hash is checked instead, so an
/// unknown email costs as much time as a wrong password and the two can't be told apart.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    let known = stored.is_some();
    let phc = match stored {
        Some(h) => h,
        None => dummy_hash()?,
    };
    let ok = bounded(slots(), HASH_WAIT, move || verify_blocking(&password, &phc)).await?;
    Ok(known && ok)
}

fn dummy_hash() -> Result<String, AppError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h.clone());
    }
    let h = hash_blocking("not the password of any account")?;
    Ok(DUMMY.get_or_init(|| h).clone())
}

/// Whether `input` is `user`'s password, asked for outside sign-in (to change the password or the address). Each check
/// costs a password hash, so it counts against a per-account limit.
pub async fn matches_outside_signin(
    db: &sea_orm::DatabaseConnection,
    rates: &super::limits::RateConfig,
    user: &crate::domain::entities::users::Model,
    input: &str,
) -> Result<bool, AppError> {
    use super::limits::{hit, Limited, Whom};
    hit(
        db,
        rates,
        Limited::PasswordCheck,
        Whom::Account(user.id),
        crate::domain::now(),
    )
    .await?;
    Ok(input.chars().count() <= crate::api::validate::PASSWORD_MAX
        && verify(input.to_string(), Some(user.password_hash.clone())).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With every slot taken, a caller waits the given while and is then told to come back later; a slot that
    /// frees up in time serves it.
    #[tokio::test]
    async fn hashing_waits_briefly_for_a_slot_then_says_come_back() {
        let slots = Arc::new(Semaphore::new(1));
        let held = slots.clone().acquire_owned().await.unwrap();
        let refused = bounded(&slots, Duration::from_millis(50), || 1).await;
        assert!(matches!(
            refused,
            Err(AppError::Unavailable {
                retry_after_secs: HASH_RETRY_AFTER_SECS
            })
        ));
        let waiting = tokio::spawn({
            let slots = slots.clone();
            async move { bounded(&slots, Duration::from_secs(5), || 2).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(held);
        assert_eq!(waiting.await.unwrap().unwrap(), 2);
        // The hashing thread hands its slot back just after it answers.
        for _ in 0..200 {
            if slots.available_permits() == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(slots.available_permits(), 1, "the slot is given back");
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let h = hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse".into(), Some(h.clone()))
            .await
            .unwrap());
        assert!(!verify("wrong horse".into(), Some(h)).await.unwrap());
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify() {
        assert!(!verify("not the password of any account".into(), None)
            .await
            .unwrap());
    }
}
