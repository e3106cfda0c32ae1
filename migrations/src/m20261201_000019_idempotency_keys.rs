//! `Idempotency-Key` on the REST API's writes: the first request with a key (per caller) is recorded with a hash of
//! what it asked, and its answer once it has one; a retry with the same key and request gets that answer again
//! instead of doing the work twice. Keys are kept 24 hours (pruned by the cleanup job).

use sea_orm_migration::prelude::*;

use crate::schema::{drop_table, string, text_null, ts, ts_null};

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000019_idempotency_keys"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("idempotency_keys")
                    // Whose key: `user:<id>` (keys of different callers never meet).
                    .col(string("principal", 60))
                    .col(string("key", 255))
                    // SHA-256 (hex) of the method, the path and the body.
                    .col(string("request_hash", 64))
                    .col(ColumnDef::new("status_code").integer().null())
                    .col(text_null("response_body"))
                    .col(ts("created_at"))
                    .col(ts_null("completed_at"))
                    .primary_key(Index::create().col("principal").col("key"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_idempotency_keys_created")
                    .table("idempotency_keys")
                    .col("created_at")
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(drop_table("idempotency_keys")).await
    }
}
