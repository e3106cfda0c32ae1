//! Where each person wants each kind of news: in the app (the bell), by email and by browser push. Everything is on until they say
//! otherwise; a row is kept only for a kind they changed. [`super::notifications::notify`] reads the row in the same
//! statement that writes the notification.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::{audit, entities::notification_preferences as prefs, now, Actor, RequestMeta};
use crate::api::{
    account::{NotificationKind, NotificationPref},
    AppError,
};

/// The signed-in user's choices for every kind, defaults included.
pub async fn get(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<NotificationPref>, AppError> {
    let rows = prefs::Entity::find()
        .filter(prefs::Column::UserId.eq(actor.user_id))
        .all(db)
        .await?;
    Ok(NotificationKind::ALL
        .into_iter()
        .map(|kind| {
            rows.iter()
                .find(|r| r.kind == kind.as_str())
                .map(|r| NotificationPref {
                    kind,
                    in_app: r.in_app,
                    email: r.email,
                    push: r.push,
                })
                .unwrap_or(NotificationPref {
                    kind,
                    in_app: true,
                    email: true,
                    push: true,
                })
        })
        .collect())
}

/// Save the signed-in user's choices (kinds left out keep theirs).
pub async fn set(
    db: &DatabaseConnection,
    actor: &Actor,
    choices: &[NotificationPref],
    meta: &RequestMeta,
) -> Result<Vec<NotificationPref>, AppError> {
    super::retrying(|| async {
        let txn = super::begin_write(db).await?;
        for p in choices {
            prefs::Entity::delete_many()
                .filter(prefs::Column::UserId.eq(actor.user_id))
                .filter(prefs::Column::Kind.eq(p.kind.as_str()))
                .exec(&txn)
                .await?;
            if !(p.in_app && p.email && p.push) {
                prefs::Entity::insert(prefs::ActiveModel {
                    user_id: Set(actor.user_id),
                    kind: Set(p.kind.as_str().into()),
                    in_app: Set(p.in_app),
                    email: Set(p.email),
                    push: Set(p.push),
                    updated_at: Set(now()),
                })
                .exec_without_returning(&txn)
                .await?;
            }
        }
        audit::record(
            &txn,
            Some(actor.user_id),
            "account.notification_preferences",
            "user",
            Some(actor.user_id),
            json!({ "choices": choices.iter().map(|p| json!({
                "kind": p.kind.as_str(), "in_app": p.in_app, "email": p.email, "push": p.push
            })).collect::<Vec<_>>() }),
            meta,
        )
        .await?;
        super::commit(txn).await?;
        Ok(())
    })
    .await?;
    get(db, actor).await
}
