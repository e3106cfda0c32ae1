//! The exports: the jobs of a period, a page at a time, and the admin's two tables.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::api::{
    analytics::{ClientRow, EmployeeRow, Period},
    AppError, Role,
};
use crate::domain::{access, audit, Actor, RequestMeta};

use super::*;

/// An authorized export of the jobs delegated in a period: a client's own, or (admins) everyone's. Read page by page
/// in delegation order, so an export of any size is streamed rather than held in memory.
#[derive(Debug, Clone)]
pub struct JobExport {
    period: Period,
    client: Option<Uuid>,
}

/// Where the next page of an export starts: after this delegation time and id.
pub type ExportCursor = (chrono::DateTime<chrono::Utc>, Uuid);

impl JobExport {
    /// How many jobs one page reads.
    pub const PAGE: u64 = 1000;

    /// Who may export what: a client their own jobs, admins everyone's; anyone else is refused (and logged).
    pub async fn authorize(
        db: &DatabaseConnection,
        actor: &Actor,
        period: &Period,
        meta: &RequestMeta,
    ) -> Result<Self, AppError> {
        let client = if actor.role == Role::Client {
            Some(
                access::require_client(db, actor, "analytics.export", "analytics", meta)
                    .await?
                    .id,
            )
        } else if matches!(actor.role, Role::Admin | Role::SuperAdmin) {
            None
        } else {
            return Err(audit::denied(
                db,
                actor,
                "analytics.export",
                "analytics",
                None,
                meta,
                audit::NOT_PERMITTED,
            )
            .await);
        };
        Ok(Self {
            period: *period,
            client,
        })
    }

    /// The next page (oldest first) after `after`, with where the one after it starts; an empty page is the end.
    pub async fn page(
        &self,
        db: &DatabaseConnection,
        after: Option<ExportCursor>,
    ) -> Result<(Vec<crate::api::jobs::JobSummary>, Option<ExportCursor>), AppError> {
        use crate::domain::entities::job_delegations as jobs;
        use sea_orm::{Condition, QueryOrder, QuerySelect};
        let mut q = jobs::Entity::find()
            .filter(jobs::Column::DelegatedAt.lt(self.period.end()))
            .order_by_asc(jobs::Column::DelegatedAt)
            .order_by_asc(jobs::Column::Id)
            .limit(Self::PAGE);
        q = match after {
            // A range on the delegation time (so the index is used), minus the ties already sent.
            Some((at, id)) => q.filter(jobs::Column::DelegatedAt.gte(at)).filter(
                Condition::all()
                    .add(jobs::Column::DelegatedAt.eq(at))
                    .add(jobs::Column::Id.lte(id))
                    .not(),
            ),
            None => q.filter(jobs::Column::DelegatedAt.gte(self.period.start())),
        };
        if let Some(client) = self.client {
            q = q.filter(jobs::Column::ClientId.eq(client));
        }
        let rows = q.all(db).await?;
        let next = rows.last().map(|j| (j.delegated_at, j.id));
        Ok((crate::domain::jobs::summaries(db, rows).await?, next))
    }
}

/// The employee table, for the CSV export (admins).
pub async fn export_employees(
    db: &DatabaseConnection,
    reads: &DatabaseConnection,
    actor: &Actor,
    period: &Period,
    meta: &RequestMeta,
) -> Result<Vec<EmployeeRow>, AppError> {
    Ok(for_admin(db, reads, actor, period, meta).await?.employees)
}

/// The client table, for the CSV export (admins).
pub async fn export_clients(
    db: &DatabaseConnection,
    reads: &DatabaseConnection,
    actor: &Actor,
    period: &Period,
    meta: &RequestMeta,
) -> Result<Vec<ClientRow>, AppError> {
    Ok(for_admin(db, reads, actor, period, meta).await?.clients)
}
