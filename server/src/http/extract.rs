//! Who is asking, from a request: [`Caller`] for the REST API (bearer access token), [`SessionCaller`] for the
//! dashboard's own routes (cookie session), [`Meta`] for where a request came from, and [`ApiJson`] for JSON bodies.
//! All of them use the one context helper of `app::rpc` for the request's metadata.

use app::{
    api::AppError,
    domain::{infra::session::require_actor, integrations::keys, signins, Actor, RequestMeta},
    rpc::{meta_of, AppState},
};
use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request},
    http::{header, request::Parts, HeaderMap, Method, StatusCode},
};
use serde::de::DeserializeOwned;
use tower_sessions::Session;
use uuid::Uuid;

use super::{
    error::{json_error, ApiFail},
    security::same_origin,
};

/// A JSON body: 415 unless `Content-Type: application/json`; 422 with the field named when the shape is wrong.
pub struct ApiJson<T>(pub T);

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiFail;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiFail::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send a JSON body with Content-Type: application/json.",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiFail::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "The request body is too large.",
                )
            } else {
                ApiFail::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "The request body could not be read.",
                )
            }
        })?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| json_error(&e.path().to_string(), e.inner()))?;
        // Nothing but whitespace may follow the value.
        de.end().map_err(|e| json_error(".", &e))?;
        Ok(ApiJson(value))
    }
}

pub struct Meta(pub RequestMeta);

impl FromRequestParts<AppState> for Meta {
    type Rejection = ApiFail;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Meta(meta_of(parts, &state.auth.proxies)))
    }
}

/// A query parameter that must be a whole number in `range`: the message names the field and the range.
pub fn whole_number_in(
    raw: &str,
    field: &str,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, String> {
    match raw.trim().parse::<u64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(format!(
            "{field}: use a whole number from {} to {}",
            range.start(),
            range.end()
        )),
    }
}

/// A whole number in `range` named `field`; anything else, an empty value included, is refused naming the field.
pub fn number_in<'de, D: serde::Deserializer<'de>>(
    d: D,
    field: &str,
    range: std::ops::RangeInclusive<u64>,
) -> Result<Option<u64>, D::Error> {
    let raw: String = serde::Deserialize::deserialize(d)?;
    whole_number_in(&raw, field, range)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// The caller, from `Authorization: Bearer <access token>` or `Authorization: Bearer <API key>` (`jdk_…`; it acts as
/// the admin who made it, and a read-only key only reads).
pub struct Caller {
    pub actor: Actor,
    pub user: app::domain::entities::users::Model,
    pub meta: RequestMeta,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiFail;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("bearer")
                    .then(|| rest.trim().to_string())
            })
            .filter(|t| !t.is_empty())
            .ok_or(AppError::Unauthenticated)?;
        let (actor, user) = if token.starts_with(keys::KEY_PREFIX) {
            let writes = !matches!(parts.method, Method::GET | Method::HEAD);
            keys::authenticate(&state.db, &token, writes).await?
        } else {
            signins::authenticate(&state.db, &state.auth, &state.tokens, &token).await?
        };
        Ok(Caller {
            actor,
            user,
            meta: meta_of(parts, &state.auth.proxies),
        })
    }
}

/// The signed-in user of the dashboard (cookie session), for the file, export and event routes.
pub struct SessionCaller {
    pub actor: Actor,
    pub meta: RequestMeta,
}

impl FromRequestParts<AppState> for SessionCaller {
    type Rejection = ApiFail;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|e| {
                tracing::error!(error = ?e, "session layer missing");
                AppError::Internal
            })?;
        let (actor, _) = require_actor(&state.db, &session, &state.auth).await?;
        Ok(SessionCaller {
            actor,
            meta: meta_of(parts, &state.auth.proxies),
        })
    }
}

/// The dashboard user behind a state-changing upload, which must also come from the site's own pages (like `/rpc`).
pub struct SameOriginCaller(pub SessionCaller);

impl FromRequestParts<AppState> for SameOriginCaller {
    type Rejection = ApiFail;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if !same_origin(&parts.headers, &state.auth.public_origin) {
            return Err(AppError::forbidden(
                "This request did not come from this site's own pages.",
            )
            .into());
        }
        Ok(SameOriginCaller(
            SessionCaller::from_request_parts(parts, state).await?,
        ))
    }
}

/// A path id; anything that is not a UUID names nothing.
pub fn uuid_of(raw: &str, what: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::not_found(format!("No such {what}.")))
}

/// Query parameters, refused with a 400 problem that names the parameter (`fields`) when one is out of range or not
/// of its type, instead of axum's plain-text rejection. A parameter's deserializer names itself by starting its
/// message with `name: `.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiFail;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|q| ApiQuery(q.0))
            .map_err(|e| {
                let body = e.body_text();
                let text = body
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&body);
                let mut fail = ApiFail::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "A query parameter is not valid.",
                );
                if let Some((field, message)) = text.split_once(": ") {
                    if !field.contains(' ') {
                        fail.problem.fields.push(app::api::FieldError {
                            field: field.to_string(),
                            message: message.to_string(),
                        });
                    }
                }
                fail
            })
    }
}
