//! Activity log and notifications.

use sea_orm_migration::prelude::*;

use crate::schema::{
    boolean, drop_table, fk, json, string, string_null, text, ts, ts_null, uuid, uuid_null, uuid_pk,
};

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000005_activity_notifications"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("activity_logs")
                    .col(uuid_pk("id"))
                    .col(uuid_null("user_id"))
                    .col(string("action_type", 64))
                    .col(string("entity_type", 64))
                    .col(uuid_null("entity_id"))
                    .col(json("action_data"))
                    .col(string_null("ip_address", 45))
                    .col(string_null("user_agent", 512))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk(
                        "activity_logs",
                        "user_id",
                        "users",
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_activity_logs_user_created")
                    .table("activity_logs")
                    .col("user_id")
                    .col(("created_at", IndexOrder::Desc))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_activity_logs_entity")
                    .table("activity_logs")
                    .col("entity_type")
                    .col("entity_id")
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_activity_logs_created_at")
                    .table("activity_logs")
                    .col("created_at")
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("notifications")
                    .col(uuid_pk("id"))
                    .col(uuid("user_id"))
                    .col(string("notification_type", 40))
                    .col(string("title", 200))
                    .col(text("message"))
                    .col(boolean("is_read", false))
                    .col(json("metadata"))
                    .col(ts("created_at"))
                    .col(ts_null("read_at"))
                    .foreign_key(&mut fk(
                        "notifications",
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
                    .name("idx_notifications_user_read_created")
                    .table("notifications")
                    .col("user_id")
                    .col("is_read")
                    .col(("created_at", IndexOrder::Desc))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Dropping a table also drops its indexes.
        for table in ["notifications", "activity_logs"] {
            manager.drop_table(drop_table(table)).await?;
        }
        Ok(())
    }
}
