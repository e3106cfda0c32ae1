//! Accounts people look after themselves: password reset links and email confirmation links (only a SHA-256 of each
//! link's token is stored; a link is single-use and expires), whether a user's email address is confirmed, and where
//! an API sign-in (the extension's) was made from, so that the settings page can list it beside the dashboard
//! sessions. And what each person wants to be told, and where: notification preferences per kind of news (a row only
//! where someone changed the defaults), and whether a notification is shown in the app at all.

use sea_orm_migration::prelude::*;

use crate::schema::{
    boolean, check_in, drop_table, fk, string, string_null, ts, ts_null, uuid, uuid_pk,
};

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
        manager
            .create_table(
                Table::create()
                    .table("email_tokens")
                    .col(uuid_pk("id"))
                    .col(uuid("user_id"))
                    .col(string("purpose", 20))
                    .col(string("email", 254))
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
                        "email_tokens",
                        "user_id",
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .check(check_in(
                        "email_tokens_purpose_check",
                        "purpose",
                        &["verify", "change"],
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_email_tokens_user")
                    .table("email_tokens")
                    .col("user_id")
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("users")
                    .add_column(ts_null("email_verified_at"))
                    .take(),
            )
            .await?;
        // Accounts made before addresses were confirmed: staff accounts were made by an admin, who vouched for the
        // address; clients who signed up themselves are asked to confirm theirs.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE users SET email_verified_at = created_at WHERE role <> 'client'",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("notification_preferences")
                    .col(uuid("user_id"))
                    .col(string("kind", 20))
                    .col(boolean("in_app", true))
                    .col(boolean("email", true))
                    .col(ts("updated_at"))
                    .primary_key(Index::create().col("user_id").col("kind"))
                    .foreign_key(&mut fk(
                        "notification_preferences",
                        "user_id",
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .check(check_in(
                        "notification_preferences_kind_check",
                        "kind",
                        &["assignment", "status", "proof", "deadline", "account"],
                    ))
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("notifications")
                    .add_column(boolean("shown", true))
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
        manager
            .alter_table(
                Table::alter()
                    .table("users")
                    .drop_column("email_verified_at")
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("notifications")
                    .drop_column("shown")
                    .take(),
            )
            .await?;
        manager
            .drop_table(drop_table("notification_preferences"))
            .await?;
        manager.drop_table(drop_table("email_tokens")).await?;
        manager.drop_table(drop_table("password_resets")).await?;
        Ok(())
    }
}
