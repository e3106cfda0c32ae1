//! Notifications: written in the same transaction as the change they tell about; read and marked by their owner.

use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use chrono::{DateTime, Utc};

use super::{
    audit,
    entities::notifications as n,
    infra::queue::{self, Email, EmailItem, HighJob},
    now, Actor, RequestMeta,
};
use crate::api::{
    notifications::{NotificationView, Notifications},
    AppError,
};
use crate::domain::infra::events::EventBus;

/// Tell `user_id` something, in the app now and by email with their next batch (see [`email_batch`]). Call it
/// inside the transaction of the change.
pub async fn notify<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    kind: &str,
    title: &str,
    message: &str,
    link: Option<String>,
) -> Result<(), AppError> {
    insert(db, user_id, kind, title, message, &link).await?;
    queue_email(db, user_id).await
}

/// Write a notification as its recipient wants this kind of news: shown in the app or not, told by email or not,
/// pushed to their subscribed browsers or not, or not at all (every channel off). One statement: the preference (and
/// whether any browser of theirs is subscribed) is read where the row is written; it answers whether a push is due.
const INSERT: &str = "INSERT INTO notifications (id, user_id, notification_type, title, message, is_read, \
     metadata, created_at, read_at, email_pending, shown, push_pending) \
     SELECT $1, $2, $3, $4, $5, FALSE, $6, $7, NULL, COALESCE(p.email, TRUE), COALESCE(p.in_app, TRUE), \
     COALESCE(p.push, TRUE) AND EXISTS (SELECT 1 FROM push_subscriptions s WHERE s.user_id = $2) \
     FROM (SELECT 1) AS one LEFT JOIN notification_preferences p ON p.user_id = $2 AND p.kind = $8 \
     WHERE COALESCE(p.in_app, TRUE) OR COALESCE(p.email, TRUE) \
     OR (COALESCE(p.push, TRUE) AND EXISTS (SELECT 1 FROM push_subscriptions s WHERE s.user_id = $2)) \
     RETURNING push_pending";

async fn insert<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    kind: &str,
    title: &str,
    message: &str,
    link: &Option<String>,
) -> Result<(), AppError> {
    let title: String = title.chars().take(200).collect();
    let id = Uuid::now_v7();
    let row = db
        .query_one_raw(super::infra::sql::stmt(
            db.get_database_backend(),
            INSERT,
            vec![
                id.into(),
                user_id.into(),
                kind.into(),
                title.into(),
                message.into(),
                json!({ "link": link }).into(),
                now().into(),
                crate::api::account::NotificationKind::of_type(kind)
                    .as_str()
                    .into(),
            ],
        ))
        .await?;
    let push = match row {
        Some(r) => r.try_get::<bool>("", "push_pending")?,
        None => false,
    };
    if push {
        queue::enqueue(
            db,
            queue::HIGH,
            &HighJob::Push {
                notification_id: id,
            },
        )
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// Email, in batches
// ---------------------------------------------------------------------------------------------------------------

/// The default of [`email_batch`].
pub const DEFAULT_EMAIL_BATCH: Duration = Duration::from_secs(60);

/// A window's email is due this long after the window closes, so that a transaction that wrote a notification just
/// before the close has committed by then. One that commits later still waits for the recipient's next email, or
/// for the sweep ([`sweep_email`]).
pub const EMAIL_GRACE: Duration = Duration::from_secs(1);

/// The most notifications listed in one email; it says how many more are waiting in the app.
const EMAIL_ITEMS: usize = 20;

static EMAIL_BATCH_MS: AtomicU64 = AtomicU64::new(DEFAULT_EMAIL_BATCH.as_millis() as u64);

/// Set how long notification emails are gathered (`EMAIL_BATCH_SECS`; at least 100 ms). Set once at start.
pub fn set_email_batch(batch: Duration) {
    EMAIL_BATCH_MS.store(batch.as_millis().max(100) as u64, Ordering::Relaxed);
}

/// Notification emails are gathered per recipient in fixed windows of this length, aligned to the clock: everything
/// a person is told within one window reaches them in one email, sent when the window closes (an email per
/// notification flooded busy assistants, and cost the queue three writes for each).
pub fn email_batch() -> Duration {
    Duration::from_millis(EMAIL_BATCH_MS.load(Ordering::Relaxed))
}

/// The window of length `batch` that holds `at`: its number, and when its email is due (window end plus
/// [`EMAIL_GRACE`], in whole seconds: the queue keeps times in seconds).
pub fn email_window(at: DateTime<Utc>, batch: Duration) -> (i64, DateTime<Utc>) {
    let len = (batch.as_millis() as i64).max(1);
    let number = at.timestamp_millis().div_euclid(len);
    let due_ms = (number + 1) * len + EMAIL_GRACE.as_millis() as i64;
    let due = DateTime::from_timestamp(due_ms.div_euclid(1000) + i64::from(due_ms % 1000 != 0), 0)
        .unwrap_or(at);
    (number, due)
}

/// Make sure `user_id`'s email for the current window is queued: the first notification of a window queues it, the
/// others find it there (one job per recipient and window, whatever the number of notifications).
async fn queue_email<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<(), AppError> {
    let batch = email_batch();
    let (number, due) = email_window(now(), batch);
    let key = format!("email:{user_id}:{}:{number}", batch.as_millis());
    queue::enqueue_later(db, queue::HIGH, &HighJob::Digest { user_id }, &key, due).await?;
    Ok(())
}

/// One recipient's email: what it says, and the notifications it takes ([`email_sent`] once it is sent).
#[derive(Debug)]
pub struct PendingEmail {
    pub email: Email,
    pub takes: Vec<Uuid>,
}

/// How long an email being sent holds the notifications it tells (longer than a send may take); past it, a
/// crashed sender's news is taken by the next email.
/// (An SMTP send gives up after 20 s: `server::mailer::SEND_TIMEOUT`.)
pub const EMAIL_CLAIM: chrono::TimeDelta = chrono::TimeDelta::seconds(45);

/// The email that tells `user_id` their notifications waiting for one (`None` when nothing waits), with those
/// notifications claimed: until the claim is released ([`email_not_sent`]), marked sent ([`email_sent`]) or lapses
/// ([`EMAIL_CLAIM`]), no other email takes them. One statement claims them, so two digests for one person running
/// at once (a backlog after an outage, two workers) tell each notification once between them.
pub async fn pending_email(
    db: &DatabaseConnection,
    user_id: Uuid,
) -> Result<Option<PendingEmail>, AppError> {
    // Everything that can fail comes before the claim: once claimed, the news is sent or handed back.
    let user = super::entities::users::Entity::find_by_id(user_id)
        .one(db)
        .await?;
    let Some((message, mut waiting)) = claim(db, user_id).await? else {
        return Ok(None);
    };
    waiting.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let takes: Vec<Uuid> = waiting.iter().map(|r| r.id).collect();
    let (Some(user), Some(newest)) = (user, waiting.first()) else {
        email_sent(db, &takes).await?;
        return Ok(None);
    };
    let link = |r: &n::Model| {
        r.metadata
            .get("link")
            .and_then(|l| l.as_str())
            .map(str::to_string)
    };
    let name = super::users::full_name(&user);
    let email = match waiting.len() {
        1 => Email {
            message_id: Some(message),
            to: user.email,
            name,
            subject: newest.title.clone(),
            body: newest.message.clone(),
            link: link(newest),
            items: Vec::new(),
        },
        count => Email {
            message_id: Some(message),
            to: user.email,
            name,
            subject: format!("{count} updates: {}", newest.title)
                .chars()
                .take(200)
                .collect(),
            body: if count > EMAIL_ITEMS {
                format!("The newest {EMAIL_ITEMS} of {count} updates; the others are in the app.")
            } else {
                format!("{count} updates since the last email.")
            },
            link: None,
            items: waiting
                .iter()
                .take(EMAIL_ITEMS)
                .map(|r| EmailItem {
                    title: r.title.clone(),
                    message: r.message.clone(),
                    link: link(r),
                })
                .collect(),
        },
    };
    Ok(Some(PendingEmail { email, takes }))
}

/// Claim `user_id`'s notifications for one email: the message a sender formed and did not finish (it died between
/// the send and the mark, or the send failed) once its claim lapsed, as it was, so the next try sends the same
/// message again; otherwise the notifications no message took yet, as a new message. Each statement claims what it
/// returns, so concurrent digests for one person never share a notification.
async fn claim(
    db: &DatabaseConnection,
    user_id: Uuid,
) -> Result<Option<(Uuid, Vec<n::Model>)>, AppError> {
    let at = now();
    let free = || {
        sea_orm::Condition::any()
            .add(n::Column::EmailClaimedUntil.is_null())
            .add(n::Column::EmailClaimedUntil.lt(at))
    };
    let unfinished = n::Entity::find()
        .filter(n::Column::UserId.eq(user_id))
        .filter(n::Column::EmailPending.eq(true))
        .filter(n::Column::EmailMessage.is_not_null())
        .filter(free())
        .order_by_asc(n::Column::CreatedAt)
        .one(db)
        .await?
        .and_then(|r| r.email_message);
    if let Some(message) = unfinished {
        let again = n::Entity::update_many()
            .col_expr(n::Column::EmailClaimedUntil, Expr::value(at + EMAIL_CLAIM))
            .filter(n::Column::EmailMessage.eq(message))
            .filter(n::Column::EmailPending.eq(true))
            .filter(free())
            .exec_with_returning(db)
            .await?;
        if !again.is_empty() {
            return Ok(Some((message, again)));
        }
        // Another digest took it meanwhile; this one takes what is new.
    }
    let message = Uuid::new_v4();
    let fresh = n::Entity::update_many()
        .col_expr(n::Column::EmailClaimedUntil, Expr::value(at + EMAIL_CLAIM))
        .col_expr(n::Column::EmailMessage, Expr::value(message))
        .filter(n::Column::UserId.eq(user_id))
        .filter(n::Column::EmailPending.eq(true))
        .filter(n::Column::EmailMessage.is_null())
        .filter(free())
        .exec_with_returning(db)
        .await?;
    Ok((!fresh.is_empty()).then_some((message, fresh)))
}

/// The notifications `takes` were told by email (or need not be).
pub async fn email_sent(db: &DatabaseConnection, takes: &[Uuid]) -> Result<(), AppError> {
    for chunk in takes.chunks(500) {
        n::Entity::update_many()
            .col_expr(n::Column::EmailPending, Expr::value(false))
            .col_expr(
                n::Column::EmailClaimedUntil,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .filter(n::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The email telling `takes` could not be sent: release them for the next try, which sends the same message (its
/// news and Message-ID stay recorded: a failed send may still have been delivered).
pub async fn email_not_sent(db: &DatabaseConnection, takes: &[Uuid]) -> Result<(), AppError> {
    for chunk in takes.chunks(500) {
        n::Entity::update_many()
            .col_expr(
                n::Column::EmailClaimedUntil,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .filter(n::Column::Id.is_in(chunk.iter().copied()))
            .filter(n::Column::EmailPending.eq(true))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Queue an email, due now, for each recipient whose notifications still wait well after their window's email was
/// due (written by a transaction that committed after that email went, or queued while the workers were down).
/// Run by the scheduled reminders; returns how many were queued.
pub async fn sweep_email(db: &DatabaseConnection, at: DateTime<Utc>) -> Result<usize, AppError> {
    let batch = email_batch();
    let late = chrono::Duration::from_std(batch * 2 + EMAIL_GRACE + Duration::from_secs(30))
        .unwrap_or(chrono::Duration::minutes(5));
    let users: Vec<Uuid> = n::Entity::find()
        .select_only()
        .column(n::Column::UserId)
        .distinct()
        .filter(n::Column::EmailPending.eq(true))
        .filter(n::Column::CreatedAt.lt(at - late))
        .limit(500)
        .into_tuple()
        .all(db)
        .await?;
    let (number, _) = email_window(at, batch);
    let mut queued = 0;
    for user_id in users {
        let key = format!("email-late:{user_id}:{}:{number}", batch.as_millis());
        let fresh =
            queue::enqueue_once(db, queue::HIGH, &HighJob::Digest { user_id }, &key).await?;
        queued += usize::from(fresh);
    }
    Ok(queued)
}

/// The actor's newest 20 notifications and how many are unread (the bell).
pub async fn list(db: &DatabaseConnection, actor: &Actor) -> Result<Notifications, AppError> {
    list_page(db, actor, None, 20).await
}

/// A page of the actor's notifications, newest first, after `cursor` (see [`super::infra::cursor`]).
pub async fn list_page(
    db: &DatabaseConnection,
    actor: &Actor,
    cursor: Option<&str>,
    limit: u64,
) -> Result<Notifications, AppError> {
    let after = super::infra::cursor::decode(cursor)?;
    let mine = || {
        n::Entity::find()
            .filter(n::Column::UserId.eq(actor.user_id))
            .filter(n::Column::Shown.eq(true))
    };
    let unread = mine().filter(n::Column::IsRead.eq(false)).count(db).await?;
    let mut page = mine();
    if let Some((t, id)) = after {
        page = page.filter(
            sea_orm::Condition::any()
                .add(n::Column::CreatedAt.lt(t))
                .add(
                    sea_orm::Condition::all()
                        .add(n::Column::CreatedAt.eq(t))
                        .add(n::Column::Id.lt(id)),
                ),
        );
    }
    let mut rows = page
        .order_by_desc(n::Column::CreatedAt)
        .order_by_desc(n::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let next = (rows.len() as u64 > limit)
        .then(|| {
            rows.truncate(limit as usize);
            rows.last()
                .map(|r| super::infra::cursor::encode(r.created_at, r.id))
        })
        .flatten();
    let items = rows
        .into_iter()
        .map(|r| NotificationView {
            link: r
                .metadata
                .get("link")
                .and_then(|l| l.as_str())
                .map(str::to_string),
            id: r.id,
            kind: r.notification_type,
            title: r.title,
            message: r.message,
            is_read: r.is_read,
            created_at: r.created_at,
        })
        .collect();
    Ok(Notifications {
        unread,
        items,
        next,
    })
}

pub async fn mark_read(
    db: &DatabaseConnection,
    events: &EventBus,
    actor: &Actor,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let row = n::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("No such notification."))?;
    if row.user_id != actor.user_id {
        return Err(audit::denied(
            db,
            actor,
            "notification.read",
            "notification",
            Some(id),
            meta,
            audit::NOT_PERMITTED,
        )
        .await);
    }
    if !row.is_read {
        let mut am: n::ActiveModel = row.into();
        am.is_read = Set(true);
        am.read_at = Set(Some(now()));
        am.update(db).await?;
    }
    // The bell of every open page of this user.
    events.publish(vec![actor.user_id]);
    Ok(())
}

pub async fn mark_all_read(
    db: &DatabaseConnection,
    events: &EventBus,
    actor: &Actor,
) -> Result<(), AppError> {
    n::Entity::update_many()
        .col_expr(n::Column::IsRead, Expr::value(true))
        .col_expr(n::Column::ReadAt, Expr::value(now()))
        .filter(n::Column::UserId.eq(actor.user_id))
        .filter(n::Column::IsRead.eq(false))
        .exec(db)
        .await?;
    // The bell of every open page of this user.
    events.publish(vec![actor.user_id]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).unwrap()
    }

    /// Windows are aligned to the clock; a window's email is due a grace second after it closes, in whole seconds.
    #[test]
    fn a_window_closes_on_the_clock() {
        let minute = Duration::from_secs(60);
        assert_eq!(email_window(at(0), minute), (0, at(61_000)));
        assert_eq!(email_window(at(59_999), minute), (0, at(61_000)));
        assert_eq!(email_window(at(60_000), minute), (1, at(121_000)));
        // Windows shorter than a second are due at the next whole second after window end and grace.
        let short = Duration::from_millis(300);
        assert_eq!(email_window(at(1_000), short), (3, at(3_000)));
        assert_eq!(email_window(at(1_250), short), (4, at(3_000)));
        assert_eq!(email_window(at(1_300), short), (4, at(3_000)));
        assert_eq!(email_window(at(1_500), short), (5, at(3_000)));
    }
}
