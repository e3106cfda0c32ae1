//! Admins assign employees to clients and mark them available; the screen shows each employee's clients and load.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AppError;

type Time = chrono::DateTime<chrono::Utc>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignedClient {
    pub client_id: Uuid,
    pub name: String,
    pub email: String,
    pub assigned_at: Time,
}

/// One employee with availability, open load and the clients assigned to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    pub last_assigned_at: Option<Time>,
    pub clients: Vec<AssignedClient>,
}

/// A client as the assignment screen offers them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientOption {
    pub client_id: Uuid,
    pub name: String,
    pub email: String,
    pub is_activated: bool,
    /// Jobs waiting for an employee.
    pub unassigned_jobs: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentOverview {
    pub employees: Vec<EmployeeLoad>,
    pub clients: Vec<ClientOption>,
}

/// Every employee with load and clients, and every client (admins).
#[server(prefix = "/rpc", endpoint = "admin/assignments")]
pub async fn get_assignments() -> Result<AssignmentOverview, AppError> {
    super::auth::ssr::run(async {
        let (state, actor, meta) = super::auth::ssr_actor().await?;
        crate::domain::assignments::overview(&state.db, &actor, &meta).await
    })
    .await
}

/// Assign an employee to a client; the client's waiting jobs are distributed at once (admins).
#[server(prefix = "/rpc", endpoint = "admin/assign")]
pub async fn assign_employee(client_id: Uuid, employee_id: Uuid) -> Result<(), AppError> {
    super::auth::ssr::run(async {
        let (state, actor, meta) = super::auth::ssr_actor().await?;
        crate::domain::assignments::assign(&state.db, &actor, client_id, employee_id, &meta)
            .await?;
        super::auth::ssr::touch_client(&state, client_id, vec![]).await;
        Ok(())
    })
    .await
}

/// End an assignment; the employee's open jobs for that client go back to distribution (admins).
#[server(prefix = "/rpc", endpoint = "admin/unassign")]
pub async fn unassign_employee(client_id: Uuid, employee_id: Uuid) -> Result<(), AppError> {
    super::auth::ssr::run(async {
        let (state, actor, meta) = super::auth::ssr_actor().await?;
        crate::domain::assignments::unassign(&state.db, &actor, client_id, employee_id, &meta)
            .await?;
        let gone = crate::domain::events::employee_users(&state.db, vec![employee_id])
            .await
            .unwrap_or_default();
        super::auth::ssr::touch_client(&state, client_id, gone).await;
        Ok(())
    })
    .await
}

/// Mark an employee available (receives jobs; waiting ones are distributed) or not (admins, or the employee).
#[server(prefix = "/rpc", endpoint = "employee/availability")]
pub async fn set_availability(employee_id: Uuid, available: bool) -> Result<(), AppError> {
    super::auth::ssr::run(async {
        let (state, actor, meta) = super::auth::ssr_actor().await?;
        crate::domain::assignments::set_availability(
            &state.db,
            &actor,
            employee_id,
            available,
            &meta,
        )
        .await?;
        // Waiting jobs may have moved to this employee: refresh them and every client they serve.
        let me = crate::domain::events::employee_users(&state.db, vec![employee_id])
            .await
            .unwrap_or_default();
        for c in crate::domain::access::clients_served(&state.db, employee_id)
            .await
            .unwrap_or_default()
        {
            super::auth::ssr::touch_client(&state, c, me.clone()).await;
        }
        state.events.publish(me);
        Ok(())
    })
    .await
}
