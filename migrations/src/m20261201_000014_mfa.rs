//! A second factor at sign-in: each user's TOTP secret (RFC 6238), sealed with a key derived from the session secret
//! (never stored in clear), when it was turned on, and the last time step a code was accepted in (a code is good
//! once); and ten single-use recovery codes per user, of which only a SHA-256 is stored.

use sea_orm_migration::prelude::*;

use crate::schema::{drop_table, fk, string_null, ts, ts_null, uuid, uuid_pk};

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000014_mfa"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        for col in [
            string_null("mfa_secret", 200),
            ts_null("mfa_enabled_at"),
            ColumnDef::new("mfa_last_step").big_integer().null().take(),
        ] {
            manager
                .alter_table(Table::alter().table("users").add_column(col).take())
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("mfa_recovery_codes")
                    .col(uuid_pk("id"))
                    .col(uuid("user_id"))
                    .col(
                        ColumnDef::new("code_hash")
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ts("created_at"))
                    .col(ts_null("used_at"))
                    .foreign_key(&mut fk(
                        "mfa_recovery_codes",
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
                    .name("idx_mfa_recovery_codes_user")
                    .table("mfa_recovery_codes")
                    .col("user_id")
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(drop_table("mfa_recovery_codes")).await?;
        for col in ["mfa_last_step", "mfa_enabled_at", "mfa_secret"] {
            manager
                .alter_table(Table::alter().table("users").drop_column(col).take())
                .await?;
        }
        Ok(())
    }
}
