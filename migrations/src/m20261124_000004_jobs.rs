//! Job delegations and their completions.

use sea_orm_migration::prelude::*;

use crate::schema::{
    check_in, drop_table, fk, json, string, string_default, string_null, text, text_null, ts,
    ts_null, uuid, uuid_null, uuid_pk, uuid_unique,
};

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000004_jobs"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("job_delegations")
                    .col(uuid_pk("id"))
                    .col(uuid("client_id"))
                    .col(uuid_null("assigned_employee_id"))
                    .col(uuid_null("resume_type_id"))
                    .col(string("job_url", 2048))
                    .col(string("company_name", 200))
                    .col(string("job_title", 300))
                    .col(string_default("status", 20, "unassigned"))
                    .col(string_default("priority", 10, "normal"))
                    .col(ts_null("deadline"))
                    .col(ts("delegated_at"))
                    .col(ts_null("assigned_at"))
                    .col(ts_null("started_at"))
                    .col(ts_null("completed_at"))
                    .col(text("notes"))
                    .col(json("metadata"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk(
                        "job_delegations",
                        "client_id",
                        "clients",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "job_delegations",
                        "assigned_employee_id",
                        "employees",
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "job_delegations",
                        "resume_type_id",
                        "resume_types",
                        ForeignKeyAction::SetNull,
                    ))
                    .check(check_in(
                        "ck_job_delegations_status",
                        "status",
                        &[
                            "unassigned",
                            "pending",
                            "in_progress",
                            "completed",
                            "failed",
                            "cancelled",
                            "expired",
                        ],
                    ))
                    .check(check_in(
                        "ck_job_delegations_priority",
                        "priority",
                        &["low", "normal", "high", "urgent"],
                    ))
                    .check(Check::named(
                        "ck_job_delegations_deadline",
                        Expr::col("deadline")
                            .is_null()
                            .or(Expr::col("deadline").gt(Expr::col("delegated_at"))),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_job_delegations_client_status")
                    .table("job_delegations")
                    .col("client_id")
                    .col("status")
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_job_delegations_employee_status")
                    .table("job_delegations")
                    .col("assigned_employee_id")
                    .col("status")
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_job_delegations_client_status_delegated")
                    .table("job_delegations")
                    .col("client_id")
                    .col("status")
                    .col(("delegated_at", IndexOrder::Desc))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("job_completions")
                    .col(uuid_pk("id"))
                    .col(uuid_unique("job_delegation_id"))
                    .col(uuid_null("completed_by"))
                    .col(string_null("proof_screenshot_path", 500))
                    .col(text("completion_notes"))
                    .col(string("completion_status", 20))
                    .col(text_null("failure_reason"))
                    .col(ts("completed_at"))
                    .foreign_key(&mut fk(
                        "job_completions",
                        "job_delegation_id",
                        "job_delegations",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "job_completions",
                        "completed_by",
                        "employees",
                        ForeignKeyAction::SetNull,
                    ))
                    .check(check_in(
                        "ck_job_completions_status",
                        "completion_status",
                        &["submitted", "failed"],
                    ))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Dropping a table also drops its indexes.
        for table in ["job_completions", "job_delegations"] {
            manager.drop_table(drop_table(table)).await?;
        }
        Ok(())
    }
}
