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
    /// SHA-256 of the screenshot (hex), computed by the server from the bytes it stored.
    pub proof_sha256: Option<String>,
    /// The captured tab's address and title, and when it was captured (as the extension reported them).
    pub captured_url: Option<String>,
    pub captured_title: Option<String>,
    pub captured_at: Option<DateTimeUtc>,
    /// The captured page's site differs from the job's (the employee confirmed it was right).
    pub site_mismatch: bool,
    /// The captured page was recognized as an applicant-tracking confirmation page.
    pub confirmation_page: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
