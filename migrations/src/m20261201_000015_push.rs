//! Browser push (Web Push, RFC 8030 with VAPID and message encryption): each device's subscription (its push
//! service's address and the keys its messages are encrypted for), whether each kind of news goes by push, and
//! whether a notification still waits to be pushed.

use sea_orm_migration::prelude::*;

use crate::schema::{boolean, drop_table, fk, string, string_null, ts, ts_null, uuid, uuid_pk};

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000015_push"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("push_subscriptions")
                    .col(uuid_pk("id"))
                    .col(uuid("user_id"))
                    .col(
                        ColumnDef::new("endpoint")
                            .string_len(1000)
                            .not_null()
                            .unique_key(),
                    )
                    .col(string("p256dh", 100))
                    .col(string("auth", 50))
                    .col(string_null("user_agent", 500))
                    .col(ts("created_at"))
                    .col(ts_null("last_used_at"))
                    .foreign_key(&mut fk(
                        "push_subscriptions",
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
                    .name("idx_push_subscriptions_user")
                    .table("push_subscriptions")
                    .col("user_id")
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("notification_preferences")
                    .add_column(boolean("push", true))
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("notifications")
                    .add_column(boolean("push_pending", false))
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("notifications")
                    .drop_column("push_pending")
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("notification_preferences")
                    .drop_column("push")
                    .take(),
            )
            .await?;
        manager.drop_table(drop_table("push_subscriptions")).await?;
        Ok(())
    }
}
