//! `GET /events`: Server-Sent Events for the signed-in user. Each message says only "refresh": the page refetches
//! what it shows through the usual authorized server functions, so nothing private travels in the stream.

use std::{convert::Infallible, time::Duration};

use super::{error::ApiResult, extract::SessionCaller};
use app::rpc::AppState;
use axum::{
    extract::State,
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
    routing::get,
    Router,
};
use tokio::sync::broadcast::error::RecvError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/events", get(events))
}

async fn events(
    State(state): State<AppState>,
    SessionCaller { actor, .. }: SessionCaller,
) -> ApiResult<Response> {
    let me = actor.user_id;
    super::limits::spend(&state, app::domain::infra::limits::Limited::Stream, me).await?;
    let rx = state.events.subscribe();
    let stream = futures_util::stream::unfold((rx, true), move |(mut rx, first)| async move {
        if first {
            let ready: Result<Event, Infallible> = Ok(Event::default().event("ready").data("ok"));
            return Some((ready, (rx, false)));
        }
        loop {
            match rx.recv().await {
                Ok(users) if users.contains(&me) => {
                    return Some((
                        Ok(Event::default().event("refresh").data("changed")),
                        (rx, false),
                    ))
                }
                Ok(_) => continue,
                // Missed some: refresh anyway rather than show stale data.
                Err(RecvError::Lagged(_)) => {
                    return Some((
                        Ok(Event::default().event("refresh").data("lagged")),
                        (rx, false),
                    ))
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}
