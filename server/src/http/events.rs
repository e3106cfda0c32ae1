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

/// Turns true when the server begins to shut down: open streams end then, so a graceful shutdown does not wait for
/// them forever.
#[derive(Clone)]
pub struct Stopping(pub tokio::sync::watch::Receiver<bool>);

/// Streams one account may hold open at once on this replica (each tab of the dashboard holds one).
pub const OPEN_STREAMS_PER_ACCOUNT: u32 = 10;

fn open_streams() -> &'static std::sync::Mutex<std::collections::HashMap<uuid::Uuid, u32>> {
    static OPEN: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<uuid::Uuid, u32>>> =
        std::sync::OnceLock::new();
    OPEN.get_or_init(Default::default)
}

/// One open stream of an account; counted until the stream ends.
struct OpenStream(uuid::Uuid);

impl OpenStream {
    fn open(user: uuid::Uuid) -> Option<OpenStream> {
        let mut open = open_streams().lock().ok()?;
        let n = open.entry(user).or_default();
        if *n >= OPEN_STREAMS_PER_ACCOUNT {
            return None;
        }
        *n += 1;
        Some(OpenStream(user))
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        if let Ok(mut open) = open_streams().lock() {
            if let Some(n) = open.get_mut(&self.0) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    open.remove(&self.0);
                }
            }
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/events", get(events))
}

async fn events(
    State(state): State<AppState>,
    SessionCaller { actor, .. }: SessionCaller,
    stopping: Option<axum::Extension<Stopping>>,
) -> ApiResult<Response> {
    let me = actor.user_id;
    let Some(held) = OpenStream::open(me) else {
        return Err(app::api::AppError::TooManyRequests {
            retry_after_secs: 30,
        }
        .into());
    };
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
    let stopped = async move {
        match stopping {
            Some(axum::Extension(Stopping(mut rx))) => {
                let _ = rx.wait_for(|stopping| *stopping).await;
            }
            None => std::future::pending().await,
        }
    };
    // The stream holds its place among the account's open streams until it ends.
    let stream = futures_util::StreamExt::map(
        futures_util::StreamExt::take_until(stream, stopped),
        move |e| {
            let _held = &held;
            e
        },
    );
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}
