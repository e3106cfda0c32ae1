//! One live delegation per (client, normalized job URL): a cancelled one may be delegated again.

use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000007_job_dedupe"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A partial unique index, valid as written on SQLite and PostgreSQL. The application checks first to point
        // at the earlier job; this index settles races between concurrent requests.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_job_client_url \
                 ON job_delegations (client_id, job_url) WHERE status <> 'cancelled'",
            )
            .await?;
        // The distribution query orders unassigned jobs by age per client.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_job_status_delegated ON job_delegations (status, delegated_at)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX uq_job_client_url")
            .await?;
        db.execute_unprepared("DROP INDEX idx_job_status_delegated")
            .await?;
        Ok(())
    }
}
