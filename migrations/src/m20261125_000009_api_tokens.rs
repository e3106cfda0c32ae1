//! Refresh tokens of the REST API (the extension's sign-in). Only a SHA-256 of each token is stored. Tokens come in
//! families (one per sign-in); each refresh uses up a token and issues the next of its family, and presenting a used
//! token again revokes the whole family.

use sea_orm_migration::prelude::*;

use crate::schema::{drop_table, fk, string, ts, ts_null, uuid, uuid_pk};

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000009_api_tokens"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("api_tokens")
                    .col(uuid_pk("id"))
                    .col(uuid("family_id"))
                    .col(uuid("user_id"))
                    .col(
                        ColumnDef::new("token_hash")
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(string("client_name", 200))
                    .col(ts("created_at"))
                    .col(ts("expires_at"))
                    .col(ts_null("used_at"))
                    .col(ts_null("revoked_at"))
                    .foreign_key(&mut fk(
                        "api_tokens",
                        "user_id",
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        for (name, col) in [
            ("idx_api_tokens_family", "family_id"),
            ("idx_api_tokens_user", "user_id"),
            ("idx_api_tokens_expires", "expires_at"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("api_tokens")
                        .col(col)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(drop_table("api_tokens")).await?;
        Ok(())
    }
}
