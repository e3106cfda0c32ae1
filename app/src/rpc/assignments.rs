//! Server functions: assignments.

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{assignments::*, *};

/// Every employee with load and clients, and every client (admins).
#[server(prefix = "/rpc", endpoint = "admin/assignments", output = crate::rpc::codec::JsonOut)]
pub async fn get_assignments() -> Result<AssignmentOverview, AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::assignments::overview(&state.db, &actor, &meta).await
    })
    .await
}

/// Assign an employee to a client; the client's waiting jobs are distributed at once (admins).
#[server(prefix = "/rpc", endpoint = "admin/assign", output = crate::rpc::codec::JsonOut)]
pub async fn assign_employee(client_id: Uuid, employee_id: Uuid) -> Result<(), AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::assignments::assign(
            &state.db,
            &state.events,
            &actor,
            client_id,
            employee_id,
            &meta,
        )
        .await
    })
    .await
}

/// End an assignment; the employee's open jobs for that client go back to distribution (admins).
#[server(prefix = "/rpc", endpoint = "admin/unassign", output = crate::rpc::codec::JsonOut)]
pub async fn unassign_employee(client_id: Uuid, employee_id: Uuid) -> Result<(), AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::assignments::unassign(
            &state.db,
            &state.events,
            &actor,
            client_id,
            employee_id,
            &meta,
        )
        .await
    })
    .await
}

/// Mark an employee available (receives jobs; waiting ones are distributed) or not (admins, or the employee).
#[server(prefix = "/rpc", endpoint = "employee/availability", output = crate::rpc::codec::JsonOut)]
pub async fn set_availability(employee_id: Uuid, available: bool) -> Result<(), AppError> {
    super::run(async {
        let (state, actor, meta) = super::actor().await?;
        crate::domain::assignments::set_availability(
            &state.db,
            &state.events,
            &actor,
            employee_id,
            available,
            &meta,
        )
        .await
    })
    .await
}
