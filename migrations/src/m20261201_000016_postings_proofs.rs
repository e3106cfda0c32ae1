//! One identity per posting, and proof that can be trusted.
//!
//! - `job_delegations.posting_key`: the posting's identity (site and job id, e.g. `greenhouse:12345`, else `url:`
//!   and the normalized address), computed by the application; one live delegation per client and key. Rows written
//!   before this migration get their key when the server starts (the application computes it), until then the
//!   older index on the address still guards them.
//! - `job_completions`: what the proof screenshot shows (the captured tab's address and title, when it was captured,
//!   a SHA-256 of the image), whether its site differs from the job's (the employee confirmed it) and whether it is
//!   an applicant-tracking confirmation page.
//! - `proof_corrections`: a proof added after completion (the first one is never replaced), with its reason.

use sea_orm_migration::prelude::*;

use crate::schema::{
    boolean, drop_table, fk, string, string_null, text, ts, ts_null, uuid, uuid_null, uuid_pk,
};

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000016_postings_proofs"
    }
}

/// What a screenshot shows, for the completion's proof and for each correction.
fn capture_columns() -> [ColumnDef; 6] {
    [
        string_null("proof_sha256", 64),
        string_null("captured_url", 2048),
        string_null("captured_title", 500),
        ts_null("captured_at"),
        boolean("site_mismatch", false),
        boolean("confirmation_page", false),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("job_delegations")
                    .add_column(string_null("posting_key", 2100))
                    .take(),
            )
            .await?;
        // Partial and unique, as written on SQLite and PostgreSQL; NULL keys (rows not yet keyed) never collide.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_job_client_posting \
                 ON job_delegations (client_id, posting_key) WHERE status <> 'cancelled'",
            )
            .await?;
        // One column per statement: SQLite alters a table one change at a time.
        for col in capture_columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table("job_completions")
                        .add_column(col)
                        .take(),
                )
                .await?;
        }
        let mut table = Table::create();
        table
            .table("proof_corrections")
            .col(uuid_pk("id"))
            .col(uuid("job_delegation_id"))
            .col(uuid_null("added_by"))
            .col(string("proof_screenshot_path", 500))
            .col(ColumnDef::new("proof_size").big_integer().not_null().take());
        for mut col in capture_columns() {
            table.col(&mut col);
        }
        table
            .col(text("reason"))
            .col(ts("added_at"))
            .foreign_key(&mut fk(
                "proof_corrections",
                "job_delegation_id",
                "job_delegations",
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                "proof_corrections",
                "added_by",
                "employees",
                ForeignKeyAction::SetNull,
            ));
        manager.create_table(table.take()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_proof_corrections_job")
                    .table("proof_corrections")
                    .col("job_delegation_id")
                    .col("added_at")
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(drop_table("proof_corrections")).await?;
        for col in [
            "confirmation_page",
            "site_mismatch",
            "captured_at",
            "captured_title",
            "captured_url",
            "proof_sha256",
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("job_completions")
                        .drop_column(col)
                        .take(),
                )
                .await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX uq_job_client_posting")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("job_delegations")
                    .drop_column("posting_key")
                    .take(),
            )
            .await?;
        Ok(())
    }
}
