//! sea-orm entities, one per table of `migrations/SCHEMA.md`. Enum columns are plain strings here; the domain
//! converts them to the `api` enums at its edge.

pub mod activity_logs;
pub mod admins;
pub mod api_tokens;
pub mod client_employee_assignments;
pub mod clients;
pub mod employees;
pub mod job_completions;
pub mod job_delegations;
pub mod login_throttles;
pub mod notifications;
pub mod resume_profiles;
pub mod resume_types;
pub mod sessions;
pub mod user_profiles;
pub mod users;
