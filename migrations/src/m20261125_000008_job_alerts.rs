//! Scheduled work remembers what it already told people: one deadline reminder per job, one "waiting too long"
//! alert per job. The deadline index serves the reminder and expiry sweeps.

use sea_orm_migration::prelude::*;

use crate::schema::ts_null;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000008_job_alerts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for col in ["deadline_reminded_at", "unassigned_alerted_at"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("job_delegations")
                        .add_column(ts_null(col))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_job_status_deadline ON job_delegations (status, deadline)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_job_status_deadline")
            .await?;
        for col in ["deadline_reminded_at", "unassigned_alerted_at"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("job_delegations")
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
