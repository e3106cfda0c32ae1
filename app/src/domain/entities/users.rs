//! `users` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub first_name: String,
    pub last_name: String,
    pub role: crate::api::Role,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When the person confirmed that the address is theirs (staff accounts: when an admin made them).
    pub email_verified_at: Option<DateTimeUtc>,
    /// The TOTP secret, sealed (see `infra::tokens::TokenKeys::seal`); set while enrolling and once on.
    pub mfa_secret: Option<String>,
    /// When two-step sign-in was turned on (confirmed with a first code); `None`: off.
    pub mfa_enabled_at: Option<DateTimeUtc>,
    /// The last 30-second step a code was accepted in: a code is good once.
    pub mfa_last_step: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
