//! Clients as admins manage them: the list, and activation with payment status and subscription notes.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    audit,
    entities::{clients, users},
    now,
    policy::{allows, Action, Resource},
    Actor, RequestMeta,
};
use crate::api::{AppError, ClientSummary, PaymentStatus};
use crate::domain::infra::events::EventBus;

pub const NOTES_MAX: usize = 2000;
const LIST_LIMIT: u64 = 500;

fn notes_of(data: &serde_json::Value) -> String {
    data.get("notes")
        .and_then(|n| n.as_str())
        .unwrap_or_default()
        .to_string()
}

/// Every client, newest first, with who activated them. Admins only.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    meta: &RequestMeta,
) -> Result<Vec<ClientSummary>, AppError> {
    if !allows(actor.role, Resource::ClientActivation, Action::View) {
        return Err(audit::denied(
            db,
            actor,
            "client.list",
            "client",
            None,
            meta,
            audit::NOT_PERMITTED,
        )
        .await);
    }
    let rows = clients::Entity::find()
        .order_by_desc(clients::Column::CreatedAt)
        .limit(LIST_LIMIT)
        .all(db)
        .await?;
    let mut ids: Vec<Uuid> = rows.iter().map(|c| c.user_id).collect();
    ids.extend(rows.iter().filter_map(|c| c.activated_by));
    let people = people_by_id(db, ids).await?;
    Ok(rows
        .into_iter()
        .filter_map(|c| summary(c, &people))
        .collect())
}

async fn people_by_id(
    db: &DatabaseConnection,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, users::Model>, AppError> {
    Ok(users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect())
}

/// One client's summary from their row and the users it names (client and activating admin).
fn summary(c: clients::Model, people: &HashMap<Uuid, users::Model>) -> Option<ClientSummary> {
    let user = people.get(&c.user_id)?;
    Some(ClientSummary {
        client_id: c.id,
        user_id: c.user_id,
        email: user.email.clone(),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        user_active: user.is_active,
        email_verified: user.email_verified_at.is_some(),
        is_activated: c.is_activated,
        activated_at: c.activated_at,
        activated_by: c
            .activated_by
            .and_then(|id| people.get(&id))
            .map(|u| u.email.clone()),
        payment_status: c.payment_status,
        subscription_notes: notes_of(&c.subscription_data),
        created_at: c.created_at,
    })
}

/// What an admin sets on a client's account.
#[derive(Debug, Clone, Copy)]
pub struct Activation<'a> {
    pub activate: bool,
    pub payment_status: PaymentStatus,
    /// Subscription notes.
    pub notes: &'a str,
}

/// Activate or deactivate a client, recording payment status and subscription notes. Activation records who and
/// when; deactivation keeps that history and only stops new delegations.
pub async fn set_activation(
    db: &DatabaseConnection,
    events: &EventBus,
    actor: &Actor,
    client_id: Uuid,
    change: Activation<'_>,
    meta: &RequestMeta,
) -> Result<ClientSummary, AppError> {
    let Activation {
        activate,
        payment_status,
        notes,
    } = change;
    let attempted = if activate {
        "client.activate"
    } else {
        "client.deactivate"
    };
    if !allows(actor.role, Resource::ClientActivation, Action::Update) {
        return Err(audit::denied(
            db,
            actor,
            attempted,
            "client",
            Some(client_id),
            meta,
            audit::NOT_PERMITTED,
        )
        .await);
    }
    let notes = notes.trim();
    if notes.chars().count() > NOTES_MAX {
        return Err(AppError::field(
            "subscription_notes",
            format!("Use at most {NOTES_MAX} characters."),
        ));
    }
    let client = crate::domain::retrying(|| async {
        let txn = super::begin_write(db).await?;
        let client = clients::Entity::find_by_id(client_id)
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::not_found("No such client."))?;
        let mut am: clients::ActiveModel = client.into();
        am.is_activated = Set(activate);
        if activate {
            am.activated_at = Set(Some(now()));
            am.activated_by = Set(Some(actor.user_id));
        }
        am.payment_status = Set(payment_status);
        am.subscription_data = Set(json!({ "notes": notes }));
        let client = am.update(&txn).await?;
        audit::record(
            &txn,
            Some(actor.user_id),
            attempted,
            "client",
            Some(client.id),
            json!({ "payment_status": payment_status.as_str(), "notes": notes }),
            meta,
        )
        .await?;
        if activate {
            super::notifications::notify(
                &txn,
                client.user_id,
                "client_activated",
                "Your account is active",
                "You can now delegate job applications.",
                Some("/client/jobs".into()),
            )
            .await?;
        }
        crate::domain::commit(txn).await?;
        Ok(client)
    })
    .await?;
    events.publish(vec![client.user_id]);
    let ids: Vec<Uuid> = std::iter::once(client.user_id)
        .chain(client.activated_by)
        .collect();
    let people = people_by_id(db, ids).await?;
    summary(client, &people).ok_or(AppError::Internal)
}
