//! Résumés: resume_profiles, resume_types.

use sea_orm_migration::prelude::*;

use crate::schema::{drop_table, fk, json, string, text, ts, uuid, uuid_pk, uuid_unique};

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000002_resumes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("resume_profiles")
                    .col(uuid_pk("id"))
                    .col(uuid_unique("client_id"))
                    .col(text("professional_summary"))
                    .col(json("experience"))
                    .col(json("education"))
                    .col(json("skills"))
                    .col(json("contact_info"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk(
                        "resume_profiles",
                        "client_id",
                        "clients",
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("resume_types")
                    .col(uuid_pk("id"))
                    .col(uuid("resume_profile_id"))
                    .col(string("name", 100))
                    .col(string("file_path", 500))
                    .col(string("file_name", 255))
                    .col(ColumnDef::new("file_size").big_integer().not_null())
                    .col(ts("uploaded_at"))
                    .foreign_key(&mut fk(
                        "resume_types",
                        "resume_profile_id",
                        "resume_profiles",
                        ForeignKeyAction::Cascade,
                    ))
                    // Table constraint `CONSTRAINT uq_resume_types_profile_name UNIQUE (...)`.
                    .index(
                        Index::create()
                            .name("uq_resume_types_profile_name")
                            .unique()
                            .col("resume_profile_id")
                            .col("name"),
                    )
                    .check(Check::named(
                        "ck_resume_types_file_size",
                        Expr::col("file_size").gte(0),
                    ))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["resume_types", "resume_profiles"] {
            manager.drop_table(drop_table(table)).await?;
        }
        Ok(())
    }
}
