//! `notifications` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub notification_type: String,
    pub title: String,
    pub message: String,
    pub is_read: bool,
    pub metadata: Json,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
    /// Still to be told by email (with the recipient's next batch).
    pub email_pending: bool,
    /// Listed in the app (the bell); false when the person wants this kind of news by email only.
    pub shown: bool,
    /// Waits to be pushed to the person's subscribed browsers.
    pub push_pending: bool,
    /// Claimed by the email being sent until then: no other email takes it meanwhile (migration 18).
    pub email_claimed_until: Option<DateTimeUtc>,
    /// The email that took it (its Message-ID), recorded before the send: after a crash mid-send the same message
    /// goes again, never a second one with the same news (migration 21).
    pub email_message: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
