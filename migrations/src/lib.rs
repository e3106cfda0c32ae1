//! Database schema migrations (see `SCHEMA.md` in this crate for the contract with the entities).
//!
//! Every migration runs unchanged on SQLite and PostgreSQL:
//!
//! ```no_run
//! # async fn run(db: &sea_orm_migration::sea_orm::DatabaseConnection) -> Result<(), sea_orm_migration::DbErr> {
//! use migrations::{Migrator, MigratorTrait};
//! Migrator::up(db, None).await?;
//! # Ok(())
//! # }
//! ```

use sea_orm_migration::{async_trait, MigrationTrait};

pub use sea_orm_migration::MigratorTrait;

mod m20261124_000001_accounts;
mod m20261124_000002_resumes;
mod m20261124_000003_assignments;
mod m20261124_000004_jobs;
mod m20261124_000005_activity_notifications;
mod m20261124_000006_sessions_throttles;
mod m20261124_000007_job_dedupe;
mod m20261125_000008_job_alerts;
mod m20261125_000009_api_tokens;
mod m20261125_000010_analytics_indexes;
mod m20261130_000011_rate_limits;
mod m20261201_000012_notification_emails;
mod m20261201_000013_account_recovery;
mod m20261201_000014_mfa;
mod m20261201_000015_push;
mod m20261201_000016_postings_proofs;
mod m20261201_000017_job_questions;
mod m20261201_000018_email_claims;
mod m20261201_000019_idempotency_keys;
mod m20261201_000020_integrations;
mod m20261202_000021_email_messages;
mod schema;

/// Applies the application's schema, one migration per table group.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_accounts::Migration),
            Box::new(m20261124_000002_resumes::Migration),
            Box::new(m20261124_000003_assignments::Migration),
            Box::new(m20261124_000004_jobs::Migration),
            Box::new(m20261124_000005_activity_notifications::Migration),
            Box::new(m20261124_000006_sessions_throttles::Migration),
            Box::new(m20261124_000007_job_dedupe::Migration),
            Box::new(m20261125_000008_job_alerts::Migration),
            Box::new(m20261125_000009_api_tokens::Migration),
            Box::new(m20261125_000010_analytics_indexes::Migration),
            Box::new(m20261130_000011_rate_limits::Migration),
            Box::new(m20261201_000012_notification_emails::Migration),
            Box::new(m20261201_000013_account_recovery::Migration),
            Box::new(m20261201_000014_mfa::Migration),
            Box::new(m20261201_000015_push::Migration),
            Box::new(m20261201_000016_postings_proofs::Migration),
            Box::new(m20261201_000017_job_questions::Migration),
            Box::new(m20261201_000018_email_claims::Migration),
            Box::new(m20261201_000019_idempotency_keys::Migration),
            Box::new(m20261201_000020_integrations::Migration),
            Box::new(m20261202_000021_email_messages::Migration),
        ]
    }
}
