//! A notification's email is claimed before it is sent: the digest that claims a person's waiting notifications is
//! the only one to send them until its claim lapses, so two digests for one person (a backlog after an outage, two
//! workers) never put the same news in two emails.

use sea_orm_migration::prelude::*;

use crate::schema::ts_null;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000018_email_claims"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("notifications")
                    .add_column(ts_null("email_claimed_until"))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("notifications")
                    .drop_column("email_claimed_until")
                    .take(),
            )
            .await
    }
}
