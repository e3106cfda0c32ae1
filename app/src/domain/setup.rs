//! First-run setup: the first super admin of a fresh instance. A stranger who reaches a fresh instance first must
//! not be able to claim it, so setup asks for a one-time token that only whoever runs the server can read: the
//! server prints it in its log at start and writes it to `DATA_DIR/setup-token` (as self-hosted tools do). It is
//! made once, kept in the database (every replica shows the same one), and deleted when setup is done.

use sea_orm::{
    sea_query::OnConflict, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, Set,
    Statement,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{
    accounts, audit,
    entities::{instance_settings as settings, users},
    infra::{
        limits::{hit, Limited, RateConfig, Whom},
        password,
    },
    now, RequestMeta,
};
use crate::api::{validate::NewAccount, AppError, Role};

const TOKEN_KEY: &str = "setup_token";

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

async fn stored_token<C: ConnectionTrait>(db: &C) -> Result<Option<String>, AppError> {
    Ok(settings::Entity::find_by_id(TOKEN_KEY.to_string())
        .one(db)
        .await?
        .map(|row| row.value))
}

/// The setup token while the instance still needs setup (made on first call; every replica gets the same one), or
/// `None` once a super admin exists.
pub async fn setup_token(db: &DatabaseConnection) -> Result<Option<String>, AppError> {
    if !accounts::needs_setup(db).await? {
        settings::Entity::delete_by_id(TOKEN_KEY.to_string())
            .exec(db)
            .await?;
        return Ok(None);
    }
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let fresh = hex::encode(bytes);
    settings::Entity::insert(settings::ActiveModel {
        key: Set(TOKEN_KEY.to_string()),
        value: Set(fresh),
    })
    .on_conflict(
        OnConflict::column(settings::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    stored_token(db).await
}

/// Serialises first-run setup: one process by a mutex, several replicas by a PostgreSQL advisory lock.
static SETUP_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
const SETUP_ADVISORY_KEY: i64 = 0x6a6f_6264_7365_7475; // "jobdsetu"

/// First run: create the first super admin. Refused once one exists.
pub async fn setup_super_admin(
    db: &DatabaseConnection,
    rates: &RateConfig,
    token: &str,
    account: NewAccount,
    meta: &RequestMeta,
) -> Result<users::Model, AppError> {
    hit(
        db,
        rates,
        Limited::Setup,
        Whom::Address(meta.ip.as_deref()),
        now(),
    )
    .await?;
    if !accounts::needs_setup(db).await? {
        return Err(AppError::forbidden(
            "This site is already set up. Sign in instead.",
        ));
    }
    let stored = stored_token(db).await?;
    let given = token.trim();
    // Compared as digests, so the time taken says nothing about how much of the token was right.
    if given.is_empty() || stored.is_none_or(|t| digest(&t) != digest(given)) {
        return Err(AppError::field(
            "setup_token",
            "Enter the setup token from the server's log (it is also in DATA_DIR/setup-token).",
        ));
    }
    let _guard = SETUP_LOCK.lock().await;
    let hash = password::hash(account.password.expose().to_string()).await?;
    let txn = super::begin_write(db).await?;
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [SETUP_ADVISORY_KEY.into()],
        ))
        .await?;
    }
    if !accounts::needs_setup(&txn).await? {
        return Err(AppError::forbidden(
            "This site is already set up. Sign in instead.",
        ));
    }
    accounts::ensure_email_free(&txn, &account.email).await?;
    let user = accounts::insert_account(&txn, Role::SuperAdmin, &account, hash, None).await?;
    audit::record(
        &txn,
        Some(user.id),
        "account.setup",
        "user",
        Some(user.id),
        json!({"role": "super_admin"}),
        meta,
    )
    .await?;
    // The token has done its work.
    settings::Entity::delete_by_id(TOKEN_KEY.to_string())
        .exec(&txn)
        .await?;
    crate::domain::commit(txn).await?;
    Ok(user)
}
