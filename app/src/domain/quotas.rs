//! Per-client storage quotas: how many resumes a client keeps, and how many bytes their resumes and the proofs of
//! their jobs (corrections included) take together. A client not yet activated keeps one resume. Checked inside the write's transaction,
//! under the client's lock, so concurrent uploads cannot overshoot together.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use super::{access, entities::clients, infra::limits::RateConfig};
use crate::api::AppError;

/// Resumes and bytes a client uses now (`except` leaves out a resume being replaced).
async fn used<C: ConnectionTrait>(
    db: &C,
    client_id: Uuid,
    except: Option<Uuid>,
) -> Result<(i64, i64), AppError> {
    let backend = db.get_database_backend();
    let (resumes, proofs) = match backend {
        DbBackend::Postgres => (
            "SELECT COUNT(*)::bigint AS n, CAST(COALESCE(SUM(t.file_size), 0) AS BIGINT) AS bytes \
             FROM resume_types t JOIN resume_profiles p ON p.id = t.resume_profile_id \
             WHERE p.client_id = $1 AND ($2::uuid IS NULL OR t.id <> $2::uuid)",
            "SELECT 0::bigint AS n, CAST(COALESCE(SUM(c.proof_size), 0) \
             + (SELECT COALESCE(SUM(r.proof_size), 0) FROM proof_corrections r \
                JOIN job_delegations k ON k.id = r.job_delegation_id WHERE k.client_id = $1) AS BIGINT) AS bytes \
             FROM job_completions c JOIN job_delegations j ON j.id = c.job_delegation_id \
             WHERE j.client_id = $1",
        ),
        _ => (
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(t.file_size), 0) AS BIGINT) AS bytes \
             FROM resume_types t JOIN resume_profiles p ON p.id = t.resume_profile_id \
             WHERE p.client_id = ?1 AND (?2 IS NULL OR t.id <> ?2)",
            "SELECT 0 AS n, CAST(COALESCE(SUM(c.proof_size), 0) \
             + (SELECT COALESCE(SUM(r.proof_size), 0) FROM proof_corrections r \
                JOIN job_delegations k ON k.id = r.job_delegation_id WHERE k.client_id = ?1) AS BIGINT) AS bytes \
             FROM job_completions c JOIN job_delegations j ON j.id = c.job_delegation_id \
             WHERE j.client_id = ?1",
        ),
    };
    let read = |sql: &'static str, values: Vec<sea_orm::Value>| async move {
        let row = db
            .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?
            .ok_or(AppError::Internal)?;
        let n: i64 = row.try_get("", "n")?;
        let bytes: i64 = row.try_get("", "bytes")?;
        Ok::<_, AppError>((n, bytes))
    };
    let (count, resume_bytes) = read(resumes, vec![client_id.into(), except.into()]).await?;
    let (_, proof_bytes) = read(proofs, vec![client_id.into()]).await?;
    Ok((count, resume_bytes + proof_bytes))
}

fn megabytes(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1_000_000.0)
}

/// Whether `client` may keep one more resume of `size` bytes (or replace `replacing` with one). Takes the client's
/// lock: call it inside the upload's transaction.
pub async fn check_resume<C: ConnectionTrait>(
    txn: &C,
    cfg: &RateConfig,
    client: &clients::Model,
    replacing: Option<Uuid>,
    size: i64,
) -> Result<(), AppError> {
    access::lock_client(txn, client.id).await?;
    let (count, bytes) = used(txn, client.id, replacing).await?;
    if !client.is_activated && count >= 1 {
        return Err(AppError::field(
            "file",
            "Until your account is activated you can keep one resume. Replace it, or wait for activation.",
        ));
    }
    if cfg.resumes_per_client > 0 && count >= i64::from(cfg.resumes_per_client) {
        return Err(AppError::field(
            "file",
            format!(
                "You can keep at most {} resumes. Delete or replace one first.",
                cfg.resumes_per_client
            ),
        ));
    }
    if cfg.storage_bytes_per_client > 0 && (bytes + size) as u64 > cfg.storage_bytes_per_client {
        return Err(AppError::field(
            "file",
            format!(
                "Your storage is full ({} of {}). Delete a resume you no longer need.",
                megabytes(bytes as u64),
                megabytes(cfg.storage_bytes_per_client)
            ),
        ));
    }
    Ok(())
}

/// Whether a proof of `size` bytes still fits in the storage of `client_id`. Takes the client's lock.
pub async fn check_proof<C: ConnectionTrait>(
    txn: &C,
    cfg: &RateConfig,
    client_id: Uuid,
    size: i64,
) -> Result<(), AppError> {
    if cfg.storage_bytes_per_client == 0 || size == 0 {
        return Ok(());
    }
    access::lock_client(txn, client_id).await?;
    let (_, bytes) = used(txn, client_id, None).await?;
    if (bytes + size) as u64 > cfg.storage_bytes_per_client {
        return Err(AppError::field(
            "screenshot",
            format!(
                "This client's storage is full ({} of {}): they need to delete a resume first.",
                megabytes(bytes as u64),
                megabytes(cfg.storage_bytes_per_client)
            ),
        ));
    }
    Ok(())
}
