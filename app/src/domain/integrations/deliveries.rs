//! Sending webhook deliveries: what the worker sends ([`due`]), what it records of each try ([`record`]: the attempt,
//! the next try after a growing pause, the endpoint's run of failures and, when that run is too long, the endpoint
//! turned off and the admins told), and the admins' view of them ([`list`], [`redeliver`]).

use std::time::Duration;

use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::{require_admin, shown, webhooks::seal_context};
use crate::{
    api::{
        integrations::{AttemptView, DeliveryView},
        AppError, Role,
    },
    domain::{
        audit, commit,
        entities::{users, webhook_attempts, webhook_deliveries, webhook_endpoints},
        infra::{
            queue::{self, NormalJob, NORMAL},
            tokens::TokenKeys,
        },
        notifications, now, Actor, RequestMeta,
    },
};

/// How deliveries are retried and when an endpoint is given up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The pause before each retry: a delivery is tried once and then once after each of these.
    pub delays: Vec<Duration>,
    /// Failed tries in a row (over all its deliveries) after which an endpoint is turned off.
    pub disable_after: i32,
}

impl Default for RetryPolicy {
    /// Tried at once, then after 30 s, 2 min, 10 min, 1 h, 3 h and 12 h (about 16 hours in all); an endpoint that
    /// failed 20 tries in a row is turned off.
    fn default() -> Self {
        RetryPolicy {
            delays: [30, 120, 600, 3600, 3 * 3600, 12 * 3600]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            disable_after: 20,
        }
    }
}

/// A delivery to send now.
#[derive(Debug, Clone)]
pub struct Due {
    pub delivery_id: Uuid,
    pub event_id: Uuid,
    pub url: String,
    /// `whsec_…`.
    pub secret: String,
    pub body: String,
    pub allow_private: bool,
}

/// The delivery, if it is still waiting and its endpoint is on. One whose endpoint was turned off is closed as
/// failed (an admin can send it again once the endpoint is back on).
pub async fn due(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    delivery_id: Uuid,
) -> Result<Option<Due>, AppError> {
    let Some((d, Some(e))) = webhook_deliveries::Entity::find_by_id(delivery_id)
        .find_also_related(webhook_endpoints::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if d.status != "pending" {
        return Ok(None);
    }
    if !e.enabled {
        close(db, d.id, "failed", "The endpoint is turned off.").await?;
        return Ok(None);
    }
    let Some(secret) = keys
        .open(&e.secret_sealed, &seal_context(e.id))
        .and_then(|s| String::from_utf8(s).ok())
    else {
        tracing::error!(endpoint = %e.id, "a webhook secret does not open (was SESSION_SECRET changed?)");
        close(
            db,
            d.id,
            "failed",
            "The endpoint's secret cannot be read (the server's secret changed): register the endpoint again.",
        )
        .await?;
        return Ok(None);
    };
    Ok(Some(Due {
        delivery_id: d.id,
        event_id: d.event_id,
        url: e.url,
        secret,
        body: d.payload,
        allow_private: e.allow_private,
    }))
}

async fn close(
    db: &DatabaseConnection,
    id: Uuid,
    status: &str,
    error: &str,
) -> Result<(), AppError> {
    webhook_deliveries::Entity::update_many()
        .col_expr(webhook_deliveries::Column::Status, Expr::value(status))
        .col_expr(webhook_deliveries::Column::LastError, Expr::value(error))
        .col_expr(
            webhook_deliveries::Column::NextAttemptAt,
            Expr::value(None::<chrono::DateTime<chrono::Utc>>),
        )
        .filter(webhook_deliveries::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// What one try got.
#[derive(Debug, Clone, Default)]
pub struct Tried {
    /// The receiver's status, if it answered.
    pub status: Option<u16>,
    /// The start of its answer.
    pub response: Option<String>,
    /// Why there was no answer (or why it was not sent).
    pub error: Option<String>,
    pub duration_ms: i32,
}

impl Tried {
    /// A 2xx answer: the receiver has it.
    pub fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Record a try of `delivery_id`. Returns the pause before the next try, when there is one (the job for it is on
/// the queue already, due then).
pub async fn record(
    db: &DatabaseConnection,
    delivery_id: Uuid,
    tried: &Tried,
    policy: &RetryPolicy,
) -> Result<Option<Duration>, AppError> {
    let t = now();
    let clip = |s: &Option<String>| s.as_ref().map(|s| s.chars().take(1000).collect::<String>());
    let txn = crate::domain::begin_write(db).await?;
    let Some(d) = webhook_deliveries::Entity::find_by_id(delivery_id)
        .one(&txn)
        .await?
    else {
        return Ok(None);
    };
    webhook_attempts::ActiveModel {
        id: Set(Uuid::now_v7()),
        delivery_id: Set(d.id),
        attempted_at: Set(t),
        status_code: Set(tried.status.map(i32::from)),
        response: Set(clip(&tried.response)),
        error: Set(clip(&tried.error)),
        duration_ms: Set(tried.duration_ms),
    }
    .insert(&txn)
    .await?;
    let attempts = d.attempts + 1;
    let endpoint_id = d.endpoint_id;
    let mut am: webhook_deliveries::ActiveModel = d.into();
    am.attempts = Set(attempts);
    am.last_status = Set(tried.status.map(i32::from));
    am.last_error = Set(clip(&tried.error));
    let mut retry = None;
    if tried.delivered() {
        am.status = Set("delivered".into());
        am.delivered_at = Set(Some(t));
        am.next_attempt_at = Set(None);
        webhook_endpoints::Entity::update_many()
            .col_expr(
                webhook_endpoints::Column::ConsecutiveFailures,
                Expr::value(0),
            )
            .filter(webhook_endpoints::Column::Id.eq(endpoint_id))
            .exec(&txn)
            .await?;
    } else {
        match policy.delays.get(Ord::max(attempts - 1, 0) as usize) {
            Some(pause) => {
                let at = t + chrono::Duration::from_std(*pause).unwrap_or(chrono::Duration::zero());
                am.next_attempt_at = Set(Some(at));
                queue::enqueue_later(
                    &txn,
                    NORMAL,
                    &NormalJob::Webhook { delivery_id },
                    &format!("webhook:{delivery_id}:{attempts}:{}", t.timestamp_micros()),
                    at,
                )
                .await?;
                retry = Some(*pause);
            }
            None => {
                am.status = Set("failed".into());
                am.next_attempt_at = Set(None);
            }
        }
        failed_once_more(&txn, endpoint_id, policy, tried).await?;
    }
    am.update(&txn).await?;
    commit(txn).await?;
    Ok(retry)
}

/// One more failed try for the endpoint; too many in a row turn it off and tell every active admin.
async fn failed_once_more(
    txn: &crate::domain::WriteTxn,
    endpoint_id: Uuid,
    policy: &RetryPolicy,
    tried: &Tried,
) -> Result<(), AppError> {
    webhook_endpoints::Entity::update_many()
        .col_expr(
            webhook_endpoints::Column::ConsecutiveFailures,
            Expr::col(webhook_endpoints::Column::ConsecutiveFailures).add(1),
        )
        .filter(webhook_endpoints::Column::Id.eq(endpoint_id))
        .exec(txn)
        .await?;
    let Some(e) = webhook_endpoints::Entity::find_by_id(endpoint_id)
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    if !e.enabled || e.consecutive_failures < policy.disable_after {
        return Ok(());
    }
    let last = match (tried.status, &tried.error) {
        (Some(s), _) => format!("the last answered HTTP {s}"),
        (None, Some(err)) => format!("the last: {err}"),
        (None, None) => "no answer".into(),
    };
    let reason = format!(
        "Turned off after {} failed deliveries in a row ({last}).",
        e.consecutive_failures
    );
    let url = e.url.clone();
    let mut am: webhook_endpoints::ActiveModel = e.into();
    am.enabled = Set(false);
    am.disabled_reason = Set(Some(reason.clone()));
    am.update(txn).await?;
    audit::record(
        txn,
        None,
        "webhook.disable",
        "webhook",
        Some(endpoint_id),
        json!({ "reason": reason }),
        &RequestMeta::default(),
    )
    .await?;
    let admins = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::IsActive.eq(true))
        .filter(users::Column::Role.is_in([Role::Admin, Role::SuperAdmin]))
        .into_tuple::<Uuid>()
        .all(txn)
        .await?;
    for admin in admins {
        notifications::notify(
            txn,
            admin,
            "webhook_disabled",
            "A webhook was turned off",
            &format!("{url}: {reason} Fix the receiver, then turn it back on under Integrations."),
            Some("/admin/integrations".into()),
        )
        .await?;
    }
    Ok(())
}

/// Send a delivery again now (its endpoint must be on); its earlier tries stay listed.
pub async fn redeliver(
    db: &DatabaseConnection,
    actor: &Actor,
    delivery_id: Uuid,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    require_admin(
        db,
        actor,
        "webhook.redeliver",
        "webhook_delivery",
        Some(delivery_id),
        meta,
    )
    .await?;
    let txn = crate::domain::begin_write(db).await?;
    let Some((d, Some(e))) = webhook_deliveries::Entity::find_by_id(delivery_id)
        .find_also_related(webhook_endpoints::Entity)
        .one(&txn)
        .await?
    else {
        return Err(AppError::not_found("No such delivery."));
    };
    if !e.enabled {
        return Err(AppError::conflict(
            "This webhook is turned off: turn it on first, then send the delivery again.",
        ));
    }
    let t = now();
    let mut am: webhook_deliveries::ActiveModel = d.into();
    am.status = Set("pending".into());
    am.next_attempt_at = Set(Some(t));
    am.delivered_at = Set(None);
    am.update(&txn).await?;
    queue::enqueue(&txn, NORMAL, &NormalJob::Webhook { delivery_id }).await?;
    audit::record(
        &txn,
        Some(actor.user_id),
        "webhook.redeliver",
        "webhook_delivery",
        Some(delivery_id),
        json!({ "endpoint_id": e.id }),
        meta,
    )
    .await?;
    commit(txn).await?;
    Ok(())
}

/// The latest deliveries of an endpoint (at most `limit`, newest first), each with its tries.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    endpoint_id: Uuid,
    limit: u64,
    meta: &RequestMeta,
) -> Result<Vec<DeliveryView>, AppError> {
    require_admin(
        db,
        actor,
        "webhook.deliveries",
        "webhook",
        Some(endpoint_id),
        meta,
    )
    .await?;
    let deliveries = webhook_deliveries::Entity::find()
        .filter(webhook_deliveries::Column::EndpointId.eq(endpoint_id))
        .order_by_desc(webhook_deliveries::Column::CreatedAt)
        .order_by_desc(webhook_deliveries::Column::Id)
        .limit(limit.clamp(1, 200))
        .all(db)
        .await?;
    let ids: Vec<Uuid> = deliveries.iter().map(|d| d.id).collect();
    let attempts = webhook_attempts::Entity::find()
        .filter(webhook_attempts::Column::DeliveryId.is_in(ids))
        .order_by_asc(webhook_attempts::Column::AttemptedAt)
        .all(db)
        .await?;
    Ok(deliveries
        .into_iter()
        .map(|d| DeliveryView {
            tries: attempts
                .iter()
                .filter(|a| a.delivery_id == d.id)
                .map(|a| AttemptView {
                    at: shown(a.attempted_at),
                    status_code: a.status_code,
                    response: a.response.clone(),
                    error: a.error.clone(),
                    duration_ms: a.duration_ms,
                })
                .collect(),
            id: d.id,
            endpoint_id: d.endpoint_id,
            event_id: d.event_id,
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            created_at: shown(d.created_at),
            next_attempt_at: d.next_attempt_at.map(shown),
            payload: d.payload,
        })
        .collect())
}
