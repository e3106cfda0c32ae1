//! Integrations: API keys that admins make for other tools (only a SHA-256 of each key is kept), and webhooks: the
//! endpoints admins register (their signing secret sealed), one delivery per event and endpoint, and every attempt
//! of it with the receiver's answer.

use sea_orm_migration::prelude::*;

use crate::schema::{
    boolean, check_in, drop_table, fk, json, string, string_default, text, text_null, ts, ts_null,
    uuid, uuid_null, uuid_pk,
};

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000020_integrations"
    }
}

fn count(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().default(0).take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("api_keys")
                    .col(uuid_pk("id"))
                    .col(string("name", 100))
                    .col(string("scope", 20))
                    .col(
                        ColumnDef::new("key_hash")
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    // The key's first characters, shown in lists to tell keys apart.
                    .col(string("prefix", 16))
                    .col(uuid("created_by"))
                    .col(ts("created_at"))
                    .col(ts_null("last_used_at"))
                    .col(ts_null("revoked_at"))
                    .check(check_in(
                        "chk_api_keys_scope",
                        "scope",
                        &["read", "read_write"],
                    ))
                    .foreign_key(&mut fk(
                        "api_keys",
                        "created_by",
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_endpoints")
                    .col(uuid_pk("id"))
                    .col(string("url", 2000))
                    .col(string_default("description", 200, ""))
                    // The event types it wants, e.g. `["job.completed"]`.
                    .col(json("events"))
                    .col(text("secret_sealed"))
                    .col(boolean("enabled", true))
                    .col(boolean("allow_private", false))
                    .col(count("consecutive_failures"))
                    .col(text_null("disabled_reason"))
                    .col(uuid_null("created_by"))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk(
                        "webhook_endpoints",
                        "created_by",
                        "users",
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_deliveries")
                    .col(uuid_pk("id"))
                    .col(uuid("endpoint_id"))
                    // The `webhook-id` header: the same for every endpoint told of one event, and on every retry.
                    .col(uuid("event_id"))
                    .col(string("event_type", 40))
                    // The exact body sent (and signed), every attempt the same.
                    .col(text("payload"))
                    .col(string("status", 20))
                    .col(count("attempts"))
                    .col(ColumnDef::new("last_status").integer().null())
                    .col(text_null("last_error"))
                    .col(ts("created_at"))
                    .col(ts_null("next_attempt_at"))
                    .col(ts_null("delivered_at"))
                    .check(check_in(
                        "chk_webhook_deliveries_status",
                        "status",
                        &["pending", "delivered", "failed"],
                    ))
                    .foreign_key(&mut fk(
                        "webhook_deliveries",
                        "endpoint_id",
                        "webhook_endpoints",
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_attempts")
                    .col(uuid_pk("id"))
                    .col(uuid("delivery_id"))
                    .col(ts("attempted_at"))
                    .col(ColumnDef::new("status_code").integer().null())
                    // The start of the receiver's answer, or why there was none.
                    .col(text_null("response"))
                    .col(text_null("error"))
                    .col(count("duration_ms"))
                    .foreign_key(&mut fk(
                        "webhook_attempts",
                        "delivery_id",
                        "webhook_deliveries",
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        for (name, table, cols) in [
            ("idx_api_keys_created_by", "api_keys", &["created_by"][..]),
            (
                "idx_webhook_deliveries_endpoint",
                "webhook_deliveries",
                &["endpoint_id", "created_at"][..],
            ),
            (
                "idx_webhook_attempts_delivery",
                "webhook_attempts",
                &["delivery_id", "attempted_at"][..],
            ),
        ] {
            let mut index = Index::create().name(name).table(table).take();
            for c in cols {
                index.col(*c);
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "webhook_attempts",
            "webhook_deliveries",
            "webhook_endpoints",
            "api_keys",
        ] {
            manager.drop_table(drop_table(table)).await?;
        }
        Ok(())
    }
}
