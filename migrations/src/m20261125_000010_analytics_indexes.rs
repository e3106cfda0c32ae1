//! Indexes for the analytics figures, so a dashboard over a long period reads index ranges instead of the whole job
//! table. Partial indexes, valid as written on SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000010_analytics_indexes"
    }
}

const INDEXES: &[(&str, &str)] = &[
    // Jobs delegated in a period: counts per day, per status and per client, from the index alone.
    (
        "idx_job_delegated_status_client",
        "ON job_delegations (delegated_at, status, client_id)",
    ),
    // The same for one employee's jobs ("My stats").
    (
        "idx_job_employee_delegated",
        "ON job_delegations (assigned_employee_id, delegated_at, status)",
    ),
    // Jobs that ended (submitted or could not submit) in a period, with everything the figures read: per day, per
    // employee and per client, times and deadlines, from the index alone.
    (
        "idx_job_ended",
        "ON job_delegations (status, completed_at, assigned_employee_id, client_id, delegated_at, started_at, \
         deadline) WHERE completed_at IS NOT NULL",
    ),
    // Jobs open now, per client, employee and status (the application writes the condition exactly like this).
    (
        "idx_job_open",
        "ON job_delegations (client_id, assigned_employee_id, status) \
         WHERE status IN ('unassigned', 'pending', 'in_progress')",
    ),
    // Jobs that expired in a period (their last update).
    (
        "idx_job_expired",
        "ON job_delegations (updated_at, client_id, assigned_employee_id) WHERE status = 'expired'",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, definition) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {name} {definition}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        Ok(())
    }
}
