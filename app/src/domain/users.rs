//! The admin's user list: search, filters and pagination, computed by the database.

use sea_orm::{
    sea_query::{Expr, ExprTrait, Func, LikeExpr, Query},
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use super::{
    audit,
    entities::{clients, users},
    policy::{allows, Action, Resource},
    Actor, RequestMeta,
};
use crate::api::{AppError, Page, UserQuery, UserSummary};

pub const PER_PAGE_DEFAULT: u64 = 25;
pub const PER_PAGE_MAX: u64 = 100;

/// A case-insensitive "contains" pattern for LIKE with `\\` as escape: `%` and `_` typed by the user are matched
/// literally.
pub(crate) fn like_pattern(q: &str) -> String {
    let escaped = q
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    q: &UserQuery,
    meta: &RequestMeta,
) -> Result<Page<UserSummary>, AppError> {
    if !allows(actor.role, Resource::UserManagement, Action::View) {
        return Err(audit::denied(
            db,
            actor,
            "user.list",
            "user",
            None,
            meta,
            audit::NOT_PERMITTED,
        )
        .await);
    }
    if let Some(s) = &q.search {
        if s.chars().count() > 200 {
            return Err(AppError::field("search", "Use at most 200 characters."));
        }
    }
    let per_page = Ord::clamp(q.per_page.unwrap_or(PER_PAGE_DEFAULT), 1, PER_PAGE_MAX);
    let page = Ord::max(q.page.unwrap_or(1), 1);

    let mut select = users::Entity::find();
    if let Some(s) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = like_pattern(s);
        let matches = |c: users::Column| {
            Expr::expr(Func::lower(Expr::col(c))).like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        select = select.filter(
            matches(users::Column::Email)
                .or(matches(users::Column::FirstName))
                .or(matches(users::Column::LastName)),
        );
    }
    if let Some(role) = q.role {
        select = select.filter(users::Column::Role.eq(role.as_str()));
    }
    if let Some(active) = q.active {
        select = select.filter(users::Column::IsActive.eq(active));
    }
    if q.activated.is_some() || q.payment_status.is_some() {
        let mut sub = Query::select();
        sub.column(clients::Column::UserId).from(clients::Entity);
        if let Some(a) = q.activated {
            sub.and_where(clients::Column::IsActivated.eq(a));
        }
        if let Some(p) = q.payment_status {
            sub.and_where(clients::Column::PaymentStatus.eq(p.as_str()));
        }
        select = select.filter(users::Column::Id.in_subquery(sub.to_owned()));
    }

    let paginator = select
        .order_by_desc(users::Column::CreatedAt)
        .order_by_asc(users::Column::Id)
        .paginate(db, per_page);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page - 1).await?;
    let items = rows
        .into_iter()
        .map(|u| {
            Ok(UserSummary {
                role: u.role,
                id: u.id,
                email: u.email,
                first_name: u.first_name,
                last_name: u.last_name,
                is_active: u.is_active,
                created_at: u.created_at,
                mfa_enabled: u.mfa_enabled_at.is_some(),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

pub fn full_name(u: &users::Model) -> String {
    display_name(&u.first_name, &u.last_name, &u.email)
}

/// "First Last", or the email address for someone who gave no name.
pub fn display_name(first: &str, last: &str, email: &str) -> String {
    let n = format!("{first} {last}");
    let n = n.trim();
    if n.is_empty() {
        email.to_string()
    } else {
        n.to_string()
    }
}
