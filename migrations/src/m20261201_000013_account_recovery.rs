//! Accounts people look after themselves: password reset links (only a SHA-256 of each link's token is stored; a link
//! is single-use and expires), and where an API sign-in (the extension's) was made from, so that the settings page
//! can list it beside the dashboard sessions.

use sea_orm_migration::prelude::*;

use crate::schema::{drop_table, fk, string_null, ts, ts_null, uuid, uuid_pk};

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000013_account_recovery"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("password_resets")
                    .col(uuid_pk("id"))
                    .col(uuid("user_id"))
                    .col(
                        ColumnDef::new("token_hash")
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ts("created_at"))
                    .col(ts("expires_at"))
                    .col(ts_null("used_at"))
                    .foreign_key(&mut fk(
                        "password_resets",
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
                    .name("idx_password_resets_user")
                    .table("password_resets")
                    .col("user_id")
                    .take(),
            )
            .await?;
        // One column per statement: SQLite alters a table one change at a time.
        for col in [string_null("ip", 64), string_null("user_agent", 500)] {
            manager
                .alter_table(Table::alter().table("api_tokens").add_column(col).take())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in ["user_agent", "ip"] {
            manager
                .alter_table(Table::alter().table("api_tokens").drop_column(col).take())
                .await?;
        }
        manager.drop_table(drop_table("password_resets")).await?;
        Ok(())
    }
}
