//! Login throttling per account and per IP, kept in the database so every replica sees the same counts.
//!
//! Failures are counted in a window; reaching the limit locks the key for a while. A lock always ends: the real
//! owner is never locked out for good, and a success clears the account's count.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    Set,
};

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

/// Count one login attempt against each `(key, max)` before its password is checked, in one transaction that holds
/// the keys' rows: a key locked now refuses the attempt (429, nothing counted); otherwise every key counts it, and a
/// key that reaches its `max` within the window is locked from now on. Counting before the (slow) password check
/// means parallel guesses cannot all run before the first one counts: past `max`, they are refused at once. A
/// successful login takes its count back ([`succeeded`]).
pub async fn attempt(
    db: &DatabaseConnection,
    keys: &[(String, i32)],
    cfg: &ThrottleConfig,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    crate::domain::retrying(|| async {
        let txn = crate::domain::begin_write(db).await?;
        let mut rows = Vec::new();
        for (key, _) in keys {
            lt::Entity::insert(lt::ActiveModel {
                key: Set(key.clone()),
                failures: Set(0),
                window_started_at: Set(now),
                locked_until: Set(None),
            })
            .on_conflict(
                sea_orm::sea_query::OnConflict::column(lt::Column::Key)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
            // PostgreSQL: hold the row until commit, so concurrent attempts count one after another. SQLite: the
            // write transaction already excludes every other writer.
            let mut find = lt::Entity::find_by_id(key.clone());
            if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
                find = find.lock_exclusive();
            }
            let row = find.one(&txn).await?.ok_or(AppError::Internal)?;
            rows.push(row);
        }
        let wait = rows
            .iter()
            .filter_map(|r| r.locked_until)
            .filter(|until| *until > now)
            .map(|until| (until - now).num_seconds().max(1))
            .max();
        if let Some(wait) = wait {
            return Err(AppError::TooManyRequests {
                retry_after_secs: wait as u64,
            });
        }
        for (row, (_, max)) in rows.into_iter().zip(keys) {
            let window_over = now - row.window_started_at > chrono_dur(cfg.window);
            let (failures, window_start) = if window_over || row.locked_until.is_some() {
                (1, now)
            } else {
                (row.failures + 1, row.window_started_at)
            };
            let mut am: lt::ActiveModel = row.into();
            am.failures = Set(failures);
            am.window_started_at = Set(window_start);
            // The attempt that reaches the limit still runs; the ones after it wait for the lock to end.
            am.locked_until = Set((failures >= *max).then(|| now + chrono_dur(cfg.lockout)));
            am.update(&txn).await?;
        }
        crate::domain::commit(txn).await?;
        Ok(())
    })
    .await
}

/// A login succeeded: forget the account's failures, and take this attempt back from the other keys (the address).
pub async fn succeeded(
    db: &DatabaseConnection,
    account: &str,
    others: &[String],
) -> Result<(), AppError> {
    clear(db, account).await?;
    for key in others {
        lt::Entity::update_many()
            .col_expr(
                lt::Column::Failures,
                sea_orm::ExprTrait::sub(sea_orm::sea_query::Expr::col(lt::Column::Failures), 1),
            )
            .filter(sea_orm::ColumnTrait::eq(&lt::Column::Key, key.as_str()))
            .filter(sea_orm::ColumnTrait::gt(&lt::Column::Failures, 0))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Forget the failures of `key` (after a successful login).
pub async fn clear<C: ConnectionTrait>(db: &C, key: &str) -> Result<(), AppError> {
    lt::Entity::delete_by_id(key.to_string()).exec(db).await?;
    Ok(())
}

/// Rate limits of the entries that cost work or need no account, counted in the database so that every replica
/// shares one count per key (in Redis instead when `shared` is set). Each is "at most N per window"; 0 turns a limit
/// off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateConfig {
    /// Where the counts are shared when Redis is configured (`REDIS_URL`); the database otherwise.
    pub shared: Option<super::shared_counts::SharedCounts>,
    /// Sign-ups per client address per hour.
    pub signups_per_hour: u32,
    /// First-run setup attempts per client address per hour.
    pub setups_per_hour: u32,
    /// Sign-in attempts (dashboard and API) per client address per minute, on top of the failure throttle.
    pub logins_per_minute: u32,
    /// API token refreshes per client address per minute.
    pub refreshes_per_minute: u32,
    /// Uploads (resumes and proofs) per account per hour.
    pub uploads_per_hour: u32,
    /// CSV exports per account per hour.
    pub exports_per_hour: u32,
    /// Resume downloads for filling application forms (the extension) per account per hour.
    pub downloads_per_hour: u32,
    /// Live-event streams opened per account per minute.
    pub streams_per_minute: u32,
    /// "Forgot password" requests and reset-link uses per client address per hour; also reset emails per address
    /// asked for per hour.
    pub resets_per_hour: u32,
    /// Password checks outside sign-in (changing the password) per account per hour.
    pub password_checks_per_hour: u32,
    /// Email confirmation links (sent again, or for a new address) per account per hour.
    pub email_links_per_hour: u32,
    /// Resumes a client may keep (an account not yet activated keeps one).
    pub resumes_per_client: u32,
    /// Bytes a client's resumes and the proofs of their jobs may take together.
    pub storage_bytes_per_client: u64,
}

impl Default for RateConfig {
    fn default() -> Self {
        Self {
            shared: None,
            signups_per_hour: 10,
            setups_per_hour: 10,
            logins_per_minute: 60,
            refreshes_per_minute: 60,
            uploads_per_hour: 120,
            exports_per_hour: 60,
            downloads_per_hour: 300,
            streams_per_minute: 120,
            resets_per_hour: 10,
            password_checks_per_hour: 20,
            email_links_per_hour: 5,
            resumes_per_client: 20,
            storage_bytes_per_client: 200_000_000,
        }
    }
}

/// What a limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    Signup,
    Setup,
    Login,
    Refresh,
    Upload,
    Export,
    Download,
    Stream,
    Reset,
    PasswordCheck,
    EmailLink,
}

impl Limited {
    fn name(self) -> &'static str {
        match self {
            Limited::Signup => "signup",
            Limited::Setup => "setup",
            Limited::Login => "login",
            Limited::Refresh => "refresh",
            Limited::Upload => "upload",
            Limited::Export => "export",
            Limited::Download => "download",
            Limited::Stream => "stream",
            Limited::Reset => "reset",
            Limited::PasswordCheck => "password",
            Limited::EmailLink => "email-link",
        }
    }

    /// The limit and its window under `cfg`.
    fn rate(self, cfg: &RateConfig) -> (u32, i64) {
        match self {
            Limited::Signup => (cfg.signups_per_hour, 3600),
            Limited::Setup => (cfg.setups_per_hour, 3600),
            Limited::Login => (cfg.logins_per_minute, 60),
            Limited::Refresh => (cfg.refreshes_per_minute, 60),
            Limited::Upload => (cfg.uploads_per_hour, 3600),
            Limited::Export => (cfg.exports_per_hour, 3600),
            Limited::Download => (cfg.downloads_per_hour, 3600),
            Limited::Stream => (cfg.streams_per_minute, 60),
            Limited::Reset => (cfg.resets_per_hour, 3600),
            Limited::PasswordCheck => (cfg.password_checks_per_hour, 3600),
            Limited::EmailLink => (cfg.email_links_per_hour, 3600),
        }
    }
}

/// Whom a limit counts: a client address, an account, or an email address (whether or not it has an account).
pub enum Whom<'a> {
    Address(Option<&'a str>),
    Account(uuid::Uuid),
    Email(&'a str),
}

/// Count one hit of `what` for `whom`; past the limit, refuse with 429 and the seconds until the window ends. One
/// statement (an upsert that returns the new count), so concurrent hits on any replica are all counted. A call
/// with no address (a command-line tool, a test calling the domain) is not limited.
pub async fn hit<C: ConnectionTrait>(
    db: &C,
    cfg: &RateConfig,
    what: Limited,
    whom: Whom<'_>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (max, window) = what.rate(cfg);
    let who = match whom {
        Whom::Address(Some(ip)) => format!("ip:{ip}"),
        Whom::Address(None) => return Ok(()),
        Whom::Account(id) => format!("user:{id}"),
        Whom::Email(email) => format!("email:{}", email.to_lowercase()),
    };
    if max == 0 {
        return Ok(());
    }
    let key = format!("{}:{who}", what.name());
    if let Some(shared) = &cfg.shared {
        // Redis not answering: counted in the database instead.
        if let Some(verdict) = hit_shared(shared, &key, max, window, now).await {
            return verdict;
        }
    }
    let start = window_start(now, window);
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "INSERT INTO rate_limits (key, window_start, window_secs, hits) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (key) DO UPDATE SET \
             hits = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.hits + 1 ELSE 1 END, \
             window_start = excluded.window_start, window_secs = excluded.window_secs RETURNING hits"
        }
        _ => {
            "INSERT INTO rate_limits (key, window_start, window_secs, hits) VALUES (?, ?, ?, 1) \
             ON CONFLICT (key) DO UPDATE SET \
             hits = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.hits + 1 ELSE 1 END, \
             window_start = excluded.window_start, window_secs = excluded.window_secs RETURNING hits"
        }
    };
    let row = db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [key.into(), start.into(), window.into()],
        ))
        .await?
        .ok_or(AppError::Internal)?;
    let hits: i32 = row.try_get("", "hits")?;
    verdict(i64::from(hits), max, window, now)
}

/// Where the fixed window of `window` seconds that holds `now` started (unix seconds).
fn window_start(now: DateTime<Utc>, window: i64) -> i64 {
    now.timestamp().div_euclid(window) * window
}

/// `hits` so far in the window of `now`, against at most `max`: past it, 429 with the seconds until the window ends.
fn verdict(hits: i64, max: u32, window: i64, now: DateTime<Utc>) -> Result<(), AppError> {
    if hits > i64::from(max) {
        return Err(AppError::TooManyRequests {
            retry_after_secs: (window_start(now, window) + window - now.timestamp()).max(1) as u64,
        });
    }
    Ok(())
}

/// Count one hit of `key` in Redis, at most `max` per fixed window of `window` seconds; `None` when Redis did not
/// answer (the caller counts elsewhere).
pub async fn hit_shared(
    shared: &super::shared_counts::SharedCounts,
    key: &str,
    max: u32,
    window: i64,
    now: DateTime<Utc>,
) -> Option<Result<(), AppError>> {
    let hits = shared.hit(key, window_start(now, window), window).await?;
    Some(verdict(hits, max, window, now))
}

/// Remove counters whose window ended before `now`. Returns how many.
pub async fn prune_rates<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<u64, AppError> {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "DELETE FROM rate_limits WHERE window_start + window_secs < $1"
        }
        _ => "DELETE FROM rate_limits WHERE window_start + window_secs < ?",
    };
    Ok(db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [now.timestamp().into()],
        ))
        .await?
        .rows_affected())
}
