//! Admins assign employees to clients and mark them available; the screen shows each employee's clients and load.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AssignedClient {
    pub client_id: Uuid,
    pub name: String,
    pub email: String,
    pub assigned_at: chrono::DateTime<chrono::Utc>,
}

/// One employee with availability, open load and the clients assigned to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EmployeeLoad {
    pub employee_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    /// The account may sign in.
    pub user_active: bool,
    /// Receives new jobs.
    pub is_available: bool,
    /// Jobs assigned and not finished.
    pub open_jobs: u64,
    pub last_assigned_at: Option<chrono::DateTime<chrono::Utc>>,
    pub clients: Vec<AssignedClient>,
}

/// A client as the assignment screen offers them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClientOption {
    pub client_id: Uuid,
    pub name: String,
    pub email: String,
    pub is_activated: bool,
    /// Jobs waiting for an employee.
    pub unassigned_jobs: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AssignmentOverview {
    pub employees: Vec<EmployeeLoad>,
    pub clients: Vec<ClientOption>,
}
