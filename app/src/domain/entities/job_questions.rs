//! `job_questions` table: a question of an application form only the client can answer, and their answer.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_questions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub job_delegation_id: Uuid,
    /// The employee who asked (`None` once they are deleted).
    pub asked_by: Option<Uuid>,
    pub question: String,
    /// `None` until the client answers; set together with `answered_at`.
    pub answer: Option<String>,
    pub asked_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
