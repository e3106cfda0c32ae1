//! Accounts: users, user_profiles, clients, employees, admins.

use sea_orm_migration::prelude::*;

use crate::schema::{
    boolean, check_in, drop_table, fk, json, string, string_default, string_null, text, text_null,
    ts, ts_null, uuid_null, uuid_pk, uuid_unique,
};

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000001_accounts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(uuid_pk("id"))
                    .col(string("email", 254))
                    .col(text("password_hash"))
                    .col(string("first_name", 100))
                    .col(string("last_name", 100))
                    .col(string("role", 20))
                    .col(boolean("is_active", true))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .check(check_in(
                        "ck_users_role",
                        "role",
                        &["super_admin", "admin", "client", "employee"],
                    ))
                    .take(),
            )
            .await?;
        // Expression index: case-insensitive uniqueness of e-mail addresses. The same SQL is valid
        // on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared("CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))")
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("user_profiles")
                    .col(uuid_pk("id"))
                    .col(uuid_unique("user_id"))
                    .col(text_null("bio"))
                    .col(string_null("phone", 40))
                    .col(string_null("location", 200))
                    .col(json("metadata"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk(
                        "user_profiles",
                        "user_id",
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("clients")
                    .col(uuid_pk("id"))
                    .col(uuid_unique("user_id"))
                    .col(boolean("is_activated", false))
                    .col(ts_null("activated_at"))
                    .col(uuid_null("activated_by"))
                    .col(string_default("payment_status", 20, "pending"))
                    .col(json("subscription_data"))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk(
                        "clients",
                        "user_id",
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "clients",
                        "activated_by",
                        "users",
                        ForeignKeyAction::SetNull,
                    ))
                    .check(check_in(
                        "ck_clients_payment_status",
                        "payment_status",
                        &["pending", "active", "past_due", "cancelled"],
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("employees")
                    .col(uuid_pk("id"))
                    .col(uuid_unique("user_id"))
                    .col(uuid_null("created_by"))
                    .col(json("performance_metrics"))
                    .col(boolean("is_available", true))
                    .col(ts_null("last_active"))
                    .col(ts_null("last_assigned_at"))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk(
                        "employees",
                        "user_id",
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "employees",
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
                    .table("admins")
                    .col(uuid_pk("id"))
                    .col(uuid_unique("user_id"))
                    .col(string("admin_level", 20))
                    .col(json("permissions"))
                    .col(uuid_null("created_by"))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk(
                        "admins",
                        "user_id",
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "admins",
                        "created_by",
                        "users",
                        ForeignKeyAction::SetNull,
                    ))
                    .check(check_in(
                        "ck_admins_admin_level",
                        "admin_level",
                        &["super_admin", "admin"],
                    ))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children first; dropping a table also drops its indexes (users_email_lower_key).
        for table in ["admins", "employees", "clients", "user_profiles", "users"] {
            manager.drop_table(drop_table(table)).await?;
        }
        Ok(())
    }
}
