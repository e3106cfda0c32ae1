//! The email that took a notification is recorded before it is sent: a sender that dies between the send and the
//! mark leaves its message behind, and the next try sends that same message again (same Message-ID, same news)
//! instead of a new digest that tells part of the same news a second time.

use sea_orm_migration::prelude::*;

use crate::schema::uuid_null;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000021_email_messages"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("notifications")
                    .add_column(uuid_null("email_message"))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("notifications")
                    .drop_column("email_message")
                    .take(),
            )
            .await
    }
}
