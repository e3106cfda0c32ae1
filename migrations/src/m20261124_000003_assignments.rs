//! Client ↔ employee assignments.

use sea_orm_migration::prelude::*;

use crate::schema::{boolean, drop_table, fk, ts, ts_null, uuid, uuid_null, uuid_pk};

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000003_assignments"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("client_employee_assignments")
                    .col(uuid_pk("id"))
                    .col(uuid("client_id"))
                    .col(uuid("employee_id"))
                    .col(uuid_null("assigned_by"))
                    .col(ts("assigned_at"))
                    .col(boolean("is_active", true))
                    .col(ts_null("unassigned_at"))
                    .foreign_key(&mut fk(
                        "client_employee_assignments",
                        "client_id",
                        "clients",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "client_employee_assignments",
                        "employee_id",
                        "employees",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "client_employee_assignments",
                        "assigned_by",
                        "users",
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        // Partial unique index: at most one *active* assignment per (client, employee). The same
        // SQL is valid on SQLite (booleans are 0/1 there) and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_active_assignment \
                 ON client_employee_assignments (client_id, employee_id) WHERE is_active",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_client_employee_assignments_employee_active")
                    .table("client_employee_assignments")
                    .col("employee_id")
                    .col("is_active")
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Dropping the table also drops uq_active_assignment and the employee index.
        manager
            .drop_table(drop_table("client_employee_assignments"))
            .await
    }
}
