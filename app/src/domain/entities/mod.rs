//! sea-orm entities, one per table of `migrations/SCHEMA.md`. Enum columns (status, priority, role, payment status,
//! outcome) are typed with the contract's enums, stored as their text (the migrations' CHECK constraints hold the same
//! lists). Reading a row whose text is none of them fails loudly: a database error, logged, and a 500 — never a
//! silent default.

pub mod activity_logs;
pub mod admins;
pub mod api_keys;
pub mod api_tokens;
pub mod client_employee_assignments;
pub mod clients;
pub mod email_tokens;
pub mod employees;
pub mod idempotency_keys;
pub mod instance_settings;
pub mod job_completions;
pub mod job_delegations;
pub mod job_questions;
pub mod login_throttles;
pub mod mfa_recovery_codes;
pub mod notification_preferences;
pub mod notifications;
pub mod password_resets;
pub mod proof_corrections;
pub mod push_subscriptions;
pub mod resume_profiles;
pub mod resume_types;
pub mod sessions;
pub mod user_profiles;
pub mod users;
pub mod webhook_attempts;
pub mod webhook_deliveries;
pub mod webhook_endpoints;

use crate::api::{jobs::JobStatus, jobs::Priority, work::Outcome, PaymentStatus, Role};

/// Store a contract enum as its text (`as_str`) and read it back with `parse`. What sea-orm's `DeriveValueType`
/// (`value_type = "String"`) generates, written here so that the contract (`api`) stays free of database types.
macro_rules! stored_as_text {
    ($($t:ident),+ $(,)?) => {$(
        impl From<$t> for sea_orm::Value {
            fn from(v: $t) -> Self {
                v.as_str().into()
            }
        }

        impl sea_orm::TryGetable for $t {
            fn try_get_by<I: sea_orm::ColIdx>(
                res: &sea_orm::QueryResult,
                idx: I,
            ) -> Result<Self, sea_orm::TryGetError> {
                let text = String::try_get_by(res, idx)?;
                $t::parse(&text).ok_or_else(|| {
                    sea_orm::TryGetError::DbErr(sea_orm::DbErr::Type(format!(
                        "{text:?} is not a {}",
                        stringify!($t)
                    )))
                })
            }
        }

        impl sea_orm::sea_query::ValueType for $t {
            fn try_from(v: sea_orm::Value) -> Result<Self, sea_orm::sea_query::ValueTypeErr> {
                let text = <String as sea_orm::sea_query::ValueType>::try_from(v)?;
                $t::parse(&text).ok_or(sea_orm::sea_query::ValueTypeErr)
            }

            fn type_name() -> String {
                stringify!($t).to_owned()
            }

            fn array_type() -> sea_orm::sea_query::ArrayType {
                sea_orm::sea_query::ArrayType::String
            }

            fn column_type() -> sea_orm::sea_query::ColumnType {
                sea_orm::sea_query::ColumnType::String(sea_orm::sea_query::StringLen::None)
            }
        }

        impl sea_orm::sea_query::Nullable for $t {
            fn null() -> sea_orm::Value {
                sea_orm::Value::String(None)
            }
        }

        impl sea_orm::IntoActiveValue<$t> for $t {
            fn into_active_value(self) -> sea_orm::ActiveValue<$t> {
                sea_orm::ActiveValue::Set(self)
            }
        }
    )+};
}

stored_as_text!(JobStatus, Priority, Role, PaymentStatus, Outcome);
