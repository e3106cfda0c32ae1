//! Login throttling per account and per IP, kept in the database so every replica sees the same counts.
//!
//! Failures are counted in a window; reaching the limit locks the key for a while. A lock always ends: the real
//! owner is never locked out for good, and a success clears the account's count.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};

use crate::api::AppError;
use crate::domain::entities::login_throttles as lt;

#[derive(Debug, Clone)]
pub struct ThrottleConfig {
    pub account_max_failures: i32,
    pub ip_max_failures: i32,
    pub window: Duration,
    pub lockout: Duration,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            account_max_failures: 5,
            ip_max_failures: 50,
            window: Duration::from_secs(15 * 60),
            lockout: Duration::from_secs(15 * 60),
        }
    }
}

pub fn account_key(email: &str) -> String {
    format!("account:{}", email.to_lowercase())
}

pub fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

fn chrono_dur(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::minutes(15))
}

/// Refuse with 429 if any key is locked now.
pub async fn check<C: ConnectionTrait>(
    db: &C,
    keys: &[String],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut wait: i64 = 0;
    for key in keys {
        if let Some(row) = lt::Entity::find_by_id(key.clone()).one(db).await? {
            if let Some(until) = row.locked_until {
                if until > now {
                    wait = wait.max((until - now).num_seconds());
                }
            }
        }
    }
    if wait > 0 {
        Err(AppError::TooManyRequests {
            retry_after_secs: wait as u64,
        })
    } else {
        Ok(())
    }
}

/// Count one failure against `key`; lock it when the count reaches `max` within the window.
pub async fn record_failure(
    db: &DatabaseConnection,
    key: &str,
    max: i32,
    cfg: &ThrottleConfig,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = crate::domain::begin_write(db).await?;
    let existing = lt::Entity::find_by_id(key.to_string()).one(&txn).await?;
    match existing {
        None => {
            let locked = max <= 1;
            lt::ActiveModel {
                key: Set(key.to_string()),
                failures: Set(if locked { 0 } else { 1 }),
                window_started_at: Set(now),
                locked_until: Set(locked.then(|| now + chrono_dur(cfg.lockout))),
            }
            .insert(&txn)
            .await?;
        }
        Some(row) => {
            let window_over = now - row.window_started_at > chrono_dur(cfg.window);
            let (failures, window_start) = if window_over {
                (1, now)
            } else {
                (row.failures + 1, row.window_started_at)
            };
            let mut am: lt::ActiveModel = row.into();
            if failures >= max {
                // Lock, and start afresh once the lock ends.
                am.failures = Set(0);
                am.window_started_at = Set(now);
                am.locked_until = Set(Some(now + chrono_dur(cfg.lockout)));
            } else {
                am.failures = Set(failures);
                am.window_started_at = Set(window_start);
            }
            am.update(&txn).await?;
        }
    }
    crate::domain::commit(txn).await?;
    Ok(())
}

/// Forget the failures of `key` (after a successful login).
pub async fn clear<C: ConnectionTrait>(db: &C, key: &str) -> Result<(), AppError> {
    lt::Entity::delete_by_id(key.to_string()).exec(db).await?;
    Ok(())
}
