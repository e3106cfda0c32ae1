//! `job_delegations` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_delegations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub assigned_employee_id: Option<Uuid>,
    pub resume_type_id: Option<Uuid>,
    pub job_url: String,
    pub company_name: String,
    pub job_title: String,
    pub status: crate::api::jobs::JobStatus,
    pub priority: crate::api::jobs::Priority,
    pub deadline: Option<DateTimeUtc>,
    pub delegated_at: DateTimeUtc,
    pub assigned_at: Option<DateTimeUtc>,
    pub started_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub notes: String,
    pub metadata: Json,
    pub updated_at: DateTimeUtc,
    /// When the "deadline approaching" notice went out (once per job).
    pub deadline_reminded_at: Option<DateTimeUtc>,
    /// When admins were told the job waits for an assistant too long (once per job).
    pub unassigned_alerted_at: Option<DateTimeUtc>,
    /// The posting's identity (`domain::jobs::posting_key`): one live delegation per client and key. None only on
    /// rows written before it existed, until the server's start computes it.
    pub posting_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
