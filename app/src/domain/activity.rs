//! Browsing the activity log (admins): filters by user, action, entity and date, computed by the database.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    sea_query::{Expr, ExprTrait, Func, LikeExpr, Query},
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::{
    audit,
    entities::{activity_logs as log, users},
    policy::{allows, Action, Resource},
    Actor, RequestMeta,
};
use crate::api::{
    activity::{ActivityEntry, ActivityQuery},
    AppError, FieldError, Page,
};

const PER_PAGE_DEFAULT: u64 = 50;
const PER_PAGE_MAX: u64 = 200;

fn day(field: &str, raw: &Option<String>, f: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let raw = raw.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            f.push(FieldError {
                field: field.into(),
                message: "Enter a date as YYYY-MM-DD.".into(),
            });
            None
        }
    }
}

pub async fn list(
    db: &DatabaseConnection,
    reads: &DatabaseConnection,
    actor: &Actor,
    q: &ActivityQuery,
    meta: &RequestMeta,
) -> Result<Page<ActivityEntry>, AppError> {
    // The log belongs to user management: admins (and super admins) read it.
    if !allows(actor.role, Resource::UserManagement, Action::View) {
        return Err(audit::denied(
            db,
            actor,
            "activity.list",
            "activity_log",
            None,
            meta,
            audit::NOT_PERMITTED,
        )
        .await);
    }
    // Past the check: the log may be read from the read replica.
    let db = reads;
    let mut f = Vec::new();
    let from = day("from", &q.from, &mut f);
    let to = day("to", &q.to, &mut f);
    for (name, v) in [
        ("user", &q.user),
        ("action", &q.action),
        ("entity_type", &q.entity_type),
    ] {
        if v.as_deref().is_some_and(|s| s.chars().count() > 200) {
            f.push(FieldError {
                field: name.into(),
                message: "Use at most 200 characters.".into(),
            });
        }
    }
    if let (Some(a), Some(b)) = (from, to) {
        if a > b {
            f.push(FieldError {
                field: "to".into(),
                message: "The end date is before the start date.".into(),
            });
        }
    }
    if !f.is_empty() {
        return Err(AppError::fields(f));
    }
    let mut select = log::Entity::find();
    if let Some(u) = q.user.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let mut sub = Query::select();
        sub.column(users::Column::Id).from(users::Entity).and_where(
            Expr::expr(Func::lower(Expr::col(users::Column::Email)))
                .like(LikeExpr::new(super::users::like_pattern(u)).escape('\\')),
        );
        select = select.filter(log::Column::UserId.in_subquery(sub.to_owned()));
    }
    if let Some(a) = q.action.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        select = select.filter(log::Column::ActionType.eq(a));
    }
    if let Some(e) = q
        .entity_type
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        select = select.filter(log::Column::EntityType.eq(e));
    }
    if let Some(id) = q.entity_id {
        select = select.filter(log::Column::EntityId.eq(id));
    }
    if let Some(d) = from.and_then(|d| d.and_hms_opt(0, 0, 0)) {
        select = select.filter(log::Column::CreatedAt.gte(d.and_utc()));
    }
    if let Some(d) = to
        .and_then(|d| d.succ_opt())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    {
        select = select.filter(log::Column::CreatedAt.lt(d.and_utc()));
    }
    let per_page = Ord::clamp(q.per_page.unwrap_or(PER_PAGE_DEFAULT), 1, PER_PAGE_MAX);
    let page = Ord::max(q.page.unwrap_or(1), 1);
    let paginator = select
        .order_by_desc(log::Column::CreatedAt)
        .order_by_desc(log::Column::Id)
        .paginate(db, per_page);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page - 1).await?;
    let ids: Vec<Uuid> = rows.iter().filter_map(|r| r.user_id).collect();
    let emails: HashMap<Uuid, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    let items = rows
        .into_iter()
        .map(|r| ActivityEntry {
            id: r.id,
            at: r.created_at,
            actor_email: r.user_id.and_then(|u| emails.get(&u).cloned()),
            action: r.action_type,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            data: r.action_data.to_string(),
            ip: r.ip_address,
            user_agent: r.user_agent,
        })
        .collect();
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}
