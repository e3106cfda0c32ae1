//! Rate-limit counters shared by every replica: one row per key (what is limited and for whom), counting hits in
//! the current fixed window (unix seconds of its start). Rows of windows long past are pruned by the cleanup job.
//! And `instance_settings`: small facts about the installation (the first-run setup token while setup is due).
//! And `job_completions.proof_size`: the bytes of each proof, counted in its client's storage quota.

use sea_orm_migration::prelude::*;

use crate::schema::drop_table;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000011_rate_limits"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("rate_limits")
                    .col(
                        ColumnDef::new("key")
                            .string_len(300)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new("window_start").big_integer().not_null())
                    .col(ColumnDef::new("window_secs").big_integer().not_null())
                    .col(ColumnDef::new("hits").integer().not_null())
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("instance_settings")
                    .col(
                        ColumnDef::new("key")
                            .string_len(100)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new("value").text().not_null())
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("job_completions")
                    .add_column(ColumnDef::new("proof_size").big_integer().null())
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("job_completions")
                    .drop_column("proof_size")
                    .take(),
            )
            .await?;
        manager.drop_table(drop_table("instance_settings")).await?;
        manager.drop_table(drop_table("rate_limits")).await
    }
}
