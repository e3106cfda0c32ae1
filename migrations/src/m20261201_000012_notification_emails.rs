//! Notification emails are grouped: each notification that is to be told by email waits with `email_pending` set
//! until its recipient's next email (one per recipient per batch window) takes it. The partial index holds only the
//! waiting ones, so finding a recipient's news, and the sweep for any left behind, stays cheap however many
//! notifications were ever sent.

use sea_orm_migration::prelude::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000012_notification_emails"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("notifications")
                    .add_column(
                        ColumnDef::new("email_pending")
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .take(),
            )
            .await?;
        // Valid as written on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_notifications_email_pending \
                 ON notifications (user_id, created_at) WHERE email_pending",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_notifications_email_pending")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("notifications")
                    .drop_column("email_pending")
                    .take(),
            )
            .await
    }
}
