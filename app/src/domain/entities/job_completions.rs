//! `job_completions` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_completions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub job_delegation_id: Uuid,
    pub completed_by: Option<Uuid>,
    pub proof_screenshot_path: Option<String>,
    /// Bytes of the proof screenshot (counted in the client's storage quota).
    pub proof_size: Option<i64>,
    pub completion_notes: String,
    pub completion_status: crate::api::work::Outcome,
    pub failure_reason: Option<String>,
    pub completed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
