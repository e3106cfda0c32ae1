//! REST for running the agency: clients and their activation, users and assignments (admins), and each role's
//! analytics. The same domain services as the admin screens, which check who may do what.

use app::{
    api::{
        analytics::{AdminAnalytics, ClientAnalytics, EmployeeAnalytics, Period},
        assignments::AssignmentOverview,
        rest::{ActivationForm, ApiProblem, AssignmentForm, Done},
        AppError, ClientSummary, Page, PaymentStatus, Role, UserQuery, UserSummary,
    },
    domain::{analytics, assignments, clients, users},
    rpc::AppState,
};
use axum::{
    extract::{Path, State},
    Json,
};

use super::{
    error::ApiResult,
    extract::{uuid_of, ApiJson, ApiQuery, Caller},
};

/// Every client with activation and payment state (admins).
#[utoipa::path(get, path = "/api/v1/clients", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = [ClientSummary]), (status = 403, body = ApiProblem)))]
pub async fn list_clients(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<ClientSummary>>> {
    Ok(Json(
        clients::list(&state.db, &caller.actor, &caller.meta).await?,
    ))
}

/// Activate or deactivate a client, with their payment status and notes (admins).
#[utoipa::path(post, path = "/api/v1/clients/{id}/activation", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id")),
    request_body = ActivationForm,
    responses((status = 200, body = ClientSummary), (status = 403, body = ApiProblem), (status = 404, body = ApiProblem)))]
pub async fn set_activation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<ActivationForm>,
) -> ApiResult<Json<ClientSummary>> {
    let id = uuid_of(&id, "client")?;
    Ok(Json(
        clients::set_activation(
            &state.db,
            &state.events,
            &caller.actor,
            id,
            clients::Activation {
                activate: form.activate,
                payment_status: form.payment_status,
                notes: &form.subscription_notes,
            },
            &caller.meta,
        )
        .await?,
    ))
}

/// Query of `GET /api/v1/users`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsersParams {
    /// Matches name or email.
    pub search: Option<String>,
    /// `super_admin`, `admin`, `client` or `employee`.
    pub role: Option<String>,
    /// `true` for active accounts, `false` for deactivated ones.
    pub active: Option<bool>,
    /// `pending`, `active`, `past_due` or `cancelled` (clients).
    pub payment_status: Option<String>,
    /// From 1.
    #[param(minimum = 1, maximum = 20000)]
    pub page: Option<u64>,
    /// 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

/// Accounts, a page at a time, filtered (admins: clients and employees; super admins: everyone).
#[utoipa::path(get, path = "/api/v1/users", tag = "admin", security(("bearer" = [])), params(UsersParams),
    responses((status = 200, body = Page<UserSummary>), (status = 403, body = ApiProblem), (status = 422, body = ApiProblem)))]
pub async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<UsersParams>,
) -> ApiResult<Json<Page<UserSummary>>> {
    let text = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let role = match text(p.role) {
        None => None,
        Some(r) => {
            Some(Role::parse(r.trim()).ok_or_else(|| AppError::field("role", "Unknown role."))?)
        }
    };
    let payment_status = match text(p.payment_status) {
        None => None,
        Some(s) => Some(
            PaymentStatus::parse(s.trim())
                .ok_or_else(|| AppError::field("payment_status", "Unknown payment status."))?,
        ),
    };
    if p.page
        .is_some_and(|n| !(1..=app::domain::jobs::PAGE_MAX).contains(&n))
    {
        return Err(AppError::field("page", "Use a page from 1 to 20000.").into());
    }
    if p.per_page.is_some_and(|n| !(1..=100).contains(&n)) {
        return Err(AppError::field("per_page", "Use a whole number from 1 to 100.").into());
    }
    let q = UserQuery {
        search: text(p.search),
        role,
        active: p.active,
        activated: None,
        payment_status,
        page: p.page,
        per_page: p.per_page,
    };
    Ok(Json(
        users::list(&state.db, &caller.actor, &q, &caller.meta).await?,
    ))
}

/// Every employee with their availability, load and clients, and every client (admins).
#[utoipa::path(get, path = "/api/v1/assignments", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = AssignmentOverview), (status = 403, body = ApiProblem)))]
pub async fn list_assignments(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<AssignmentOverview>> {
    Ok(Json(
        assignments::overview(&state.db, &caller.actor, &caller.meta).await?,
    ))
}

/// Assign an employee to a client (admins); their waiting jobs are shared out at once.
#[utoipa::path(post, path = "/api/v1/assignments", tag = "admin", security(("bearer" = [])),
    request_body = AssignmentForm,
    responses((status = 200, body = Done), (status = 403, body = ApiProblem), (status = 404, body = ApiProblem)))]
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(form): ApiJson<AssignmentForm>,
) -> ApiResult<Json<Done>> {
    assignments::assign(
        &state.db,
        &state.events,
        &caller.actor,
        form.client_id,
        form.employee_id,
        &caller.meta,
    )
    .await?;
    Ok(Json(Done { ok: true }))
}

/// End an assignment (admins); the employee's open jobs of that client go to the client's other employees.
#[utoipa::path(post, path = "/api/v1/assignments/end", tag = "admin", security(("bearer" = [])),
    request_body = AssignmentForm,
    responses((status = 200, body = Done), (status = 403, body = ApiProblem), (status = 404, body = ApiProblem)))]
pub async fn unassign(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(form): ApiJson<AssignmentForm>,
) -> ApiResult<Json<Done>> {
    assignments::unassign(
        &state.db,
        &state.events,
        &caller.actor,
        form.client_id,
        form.employee_id,
        &caller.meta,
    )
    .await?;
    Ok(Json(Done { ok: true }))
}

/// Query of the analytics: whole UTC days, both included (default the last 30 days, at most 366).
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// First day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    pub to: Option<String>,
}

fn period(p: &PeriodParams) -> Result<Period, AppError> {
    Period::parse(
        p.from.as_deref().unwrap_or(""),
        p.to.as_deref().unwrap_or(""),
        chrono::Utc::now().date_naive(),
    )
}

/// The signed-in client's own figures.
#[utoipa::path(get, path = "/api/v1/analytics/client", tag = "analytics", security(("bearer" = [])),
    params(PeriodParams),
    responses((status = 200, body = ClientAnalytics), (status = 403, body = ApiProblem), (status = 422, body = ApiProblem)))]
pub async fn client_analytics(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<PeriodParams>,
) -> ApiResult<Json<ClientAnalytics>> {
    let period = period(&p)?;
    let (db, actor, period, meta) = (&state.db, &caller.actor, &period, &caller.meta);
    Ok(Json(
        state
            .reads
            .run(
                |reads| async move { analytics::for_client(db, &reads, actor, period, meta).await },
            )
            .await?,
    ))
}

/// The signed-in employee's own figures.
#[utoipa::path(get, path = "/api/v1/analytics/employee", tag = "analytics", security(("bearer" = [])),
    params(PeriodParams),
    responses((status = 200, body = EmployeeAnalytics), (status = 403, body = ApiProblem), (status = 422, body = ApiProblem)))]
pub async fn employee_analytics(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<PeriodParams>,
) -> ApiResult<Json<EmployeeAnalytics>> {
    let period = period(&p)?;
    let (db, actor, period, meta) = (&state.db, &caller.actor, &period, &caller.meta);
    Ok(
        Json(
            state
                .reads
                .run(|reads| async move {
                    analytics::for_employee(db, &reads, actor, period, meta).await
                })
                .await?,
        ),
    )
}

/// The whole agency's figures, per employee and per client (admins).
#[utoipa::path(get, path = "/api/v1/analytics/admin", tag = "analytics", security(("bearer" = [])),
    params(PeriodParams),
    responses((status = 200, body = AdminAnalytics), (status = 403, body = ApiProblem), (status = 422, body = ApiProblem)))]
pub async fn admin_analytics(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<PeriodParams>,
) -> ApiResult<Json<AdminAnalytics>> {
    let period = period(&p)?;
    let (db, actor, period, meta) = (&state.db, &caller.actor, &period, &caller.meta);
    Ok(Json(
        state
            .reads
            .run(|reads| async move { analytics::for_admin(db, &reads, actor, period, meta).await })
            .await?,
    ))
}
