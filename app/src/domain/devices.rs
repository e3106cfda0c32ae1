//! Where someone is signed in: their dashboard sessions (cookie) and API sign-ins (the extension's token families),
//! listed on their settings page, each of which they can end, or all but the one they are using.
//!
//! A device is named by an id that is not its secret: a browser's is a digest of its session id, an extension's its
//! token family. Everything here is the signed-in user's own: another user's device id is "no such device".

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    audit,
    entities::{api_tokens as tokens, sessions},
    infra::{
        session::{AuthConfig, IP_KEY, LOGIN_AT_KEY, USER_AGENT_KEY},
        session_store::end_sessions_of,
        tokens::{hash, revoke_all_of},
    },
    now, Actor, RequestMeta,
};
use crate::api::{
    account::{Device, DeviceKind},
    AppError,
};

/// What a request is signed in with: its cookie session, or its API sign-in (token family).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Current {
    pub session_id: Option<String>,
    pub family: Option<Uuid>,
}

const BROWSER: &str = "b-";
const EXTENSION: &str = "x-";

fn browser_id(session_id: &str) -> String {
    format!("{BROWSER}{}", &hash(session_id)[..32])
}

/// "Chrome 131 on Windows 10" (or the raw text cut short, when it names no browser we know).
pub fn readable_agent(ua: Option<&str>) -> String {
    let Some(ua) = ua.map(str::trim).filter(|s| !s.is_empty()) else {
        return "Unknown browser".into();
    };
    match woothee::parser::Parser::new().parse(ua) {
        Some(r) if r.name != woothee::woothee::VALUE_UNKNOWN => {
            let major = r.version.split('.').next().unwrap_or_default();
            let name = if major.is_empty() || major == woothee::woothee::VALUE_UNKNOWN {
                r.name.to_string()
            } else {
                format!("{} {major}", r.name)
            };
            if r.os == woothee::woothee::VALUE_UNKNOWN {
                name
            } else {
                format!("{name} on {}", r.os)
            }
        }
        _ => ua.chars().take(60).collect(),
    }
}

/// The live sessions of a user.
async fn sessions_of<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> Result<Vec<sessions::Model>, AppError> {
    Ok(sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::ExpiresAt.gt(Utc::now()))
        .all(db)
        .await?)
}

/// The live head of each of a user's API sign-ins: the one token of its family not used up yet.
async fn signins_of<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> Result<Vec<tokens::Model>, AppError> {
    Ok(tokens::Entity::find()
        .filter(tokens::Column::UserId.eq(user_id))
        .filter(tokens::Column::RevokedAt.is_null())
        .filter(tokens::Column::UsedAt.is_null())
        .filter(tokens::Column::ExpiresAt.gt(now()))
        .all(db)
        .await?)
}

/// The signed-in user's devices, the one in use first, then the most recently used.
pub async fn list(
    db: &DatabaseConnection,
    cfg: &AuthConfig,
    actor: &Actor,
    current: &Current,
) -> Result<Vec<Device>, AppError> {
    let idle = chrono::Duration::from_std(cfg.idle_timeout).unwrap_or_default();
    let mut out = Vec::new();
    for s in sessions_of(db, actor.user_id).await? {
        let data: HashMap<String, serde_json::Value> =
            serde_json::from_slice(&s.data).unwrap_or_default();
        let text = |k: &str| data.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let last_used_at = (s.expires_at - idle).min(Utc::now());
        let created_at = data
            .get(LOGIN_AT_KEY)
            .and_then(|v| v.as_i64())
            .and_then(|t| DateTime::from_timestamp(t, 0))
            .unwrap_or(last_used_at);
        out.push(Device {
            id: browser_id(&s.id),
            kind: DeviceKind::Browser,
            created_at,
            last_used_at,
            ip: text(IP_KEY),
            agent: readable_agent(text(USER_AGENT_KEY).as_deref()),
            current: current.session_id.as_deref() == Some(s.id.as_str()),
        });
    }
    for t in signins_of(db, actor.user_id).await? {
        let agent = readable_agent(t.user_agent.as_deref());
        out.push(Device {
            id: format!("{EXTENSION}{}", t.family_id),
            kind: DeviceKind::Extension,
            created_at: super::signins::signed_in_at(t.family_id).unwrap_or(t.created_at),
            last_used_at: t.created_at,
            ip: t.ip,
            agent: if t.client_name.is_empty() {
                agent
            } else {
                format!("{} ({agent})", t.client_name)
            },
            current: current.family == Some(t.family_id),
        });
    }
    out.sort_by(|a, b| {
        b.current
            .cmp(&a.current)
            .then(b.last_used_at.cmp(&a.last_used_at))
    });
    Ok(out)
}

/// End one of the signed-in user's devices.
pub async fn end(
    db: &DatabaseConnection,
    actor: &Actor,
    device_id: &str,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let missing = || AppError::not_found("No such device: it may have signed out already.");
    let txn = super::begin_write(db).await?;
    if let Some(family) = device_id.strip_prefix(EXTENSION) {
        let family = Uuid::parse_str(family).map_err(|_| missing())?;
        let ended = tokens::Entity::update_many()
            .col_expr(tokens::Column::RevokedAt, Expr::value(now()))
            .filter(tokens::Column::FamilyId.eq(family))
            .filter(tokens::Column::UserId.eq(actor.user_id))
            .filter(tokens::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected;
        if ended == 0 {
            return Err(missing());
        }
    } else if device_id.starts_with(BROWSER) {
        let Some(s) = sessions_of(&txn, actor.user_id)
            .await?
            .into_iter()
            .find(|s| browser_id(&s.id) == device_id)
        else {
            return Err(missing());
        };
        sessions::Entity::delete_by_id(s.id).exec(&txn).await?;
    } else {
        return Err(missing());
    }
    audit::record(
        &txn,
        Some(actor.user_id),
        "account.device_end",
        "user",
        Some(actor.user_id),
        json!({"device": device_id}),
        meta,
    )
    .await?;
    super::commit(txn).await?;
    Ok(())
}

/// End every session and API sign-in of `user_id` except `keep`'s; returns how many ended.
pub(super) async fn end_all_but<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    keep: &Current,
) -> Result<u64, AppError> {
    let sessions = end_sessions_of(db, user_id, keep.session_id.as_deref()).await?;
    Ok(sessions + revoke_all_of(db, user_id, keep.family).await?)
}

/// End every device of the signed-in user but the one in use; returns how many ended.
pub async fn end_others(
    db: &DatabaseConnection,
    actor: &Actor,
    current: &Current,
    meta: &RequestMeta,
) -> Result<u64, AppError> {
    let txn = super::begin_write(db).await?;
    let ended = end_all_but(&txn, actor.user_id, current).await?;
    audit::record(
        &txn,
        Some(actor.user_id),
        "account.devices_end_others",
        "user",
        Some(actor.user_id),
        json!({"ended": ended}),
        meta,
    )
    .await?;
    super::commit(txn).await?;
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use super::readable_agent;

    #[test]
    fn user_agents_are_made_readable() {
        assert_eq!(
            readable_agent(Some(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                 Chrome/131.0.0.0 Safari/537.36"
            )),
            "Chrome 131 on Windows 10"
        );
        assert_eq!(
            readable_agent(Some(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) \
                 Version/17.5 Mobile/15E148 Safari/604.1"
            )),
            "Safari 17 on iPhone"
        );
        assert_eq!(readable_agent(None), "Unknown browser");
        assert_eq!(readable_agent(Some("jd-load/1")), "jd-load/1");
    }
}
