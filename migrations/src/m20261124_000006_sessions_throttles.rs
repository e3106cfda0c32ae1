//! HTTP sessions and login throttling.

use sea_orm_migration::prelude::*;

use crate::schema::{drop_table, fk, ts, ts_null, uuid_null};

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000006_sessions_throttles"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("sessions")
                    .col(ColumnDef::new("id").string_len(64).not_null().primary_key())
                    .col(uuid_null("user_id"))
                    // `blob` is `bytea` on PostgreSQL and `blob` on SQLite.
                    .col(ColumnDef::new("data").blob().not_null())
                    .col(ts("expires_at"))
                    .foreign_key(&mut fk(
                        "sessions",
                        "user_id",
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_user_id")
                    .table("sessions")
                    .col("user_id")
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_expires_at")
                    .table("sessions")
                    .col("expires_at")
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("login_throttles")
                    .col(
                        ColumnDef::new("key")
                            .string_len(300)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new("failures").integer().not_null())
                    .col(ts("window_started_at"))
                    .col(ts_null("locked_until"))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Dropping a table also drops its indexes.
        for table in ["login_throttles", "sessions"] {
            manager.drop_table(drop_table(table)).await?;
        }
        Ok(())
    }
}
