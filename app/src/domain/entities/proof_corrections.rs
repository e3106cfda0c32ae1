//! `proof_corrections` table: a proof added after completion (the completion's own proof is never replaced).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proof_corrections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub job_delegation_id: Uuid,
    pub added_by: Option<Uuid>,
    pub proof_screenshot_path: String,
    pub proof_size: i64,
    pub proof_sha256: Option<String>,
    pub captured_url: Option<String>,
    pub captured_title: Option<String>,
    pub captured_at: Option<DateTimeUtc>,
    pub site_mismatch: bool,
    pub confirmation_page: bool,
    pub reason: String,
    pub added_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
