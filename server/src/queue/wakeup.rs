//! What wakes the queue's lanes: this process's per-lane wake-up calls, apalis's `NOTIFY` on PostgreSQL, and a slow
//! safety poll.

use std::time::Duration;

use apalis::prelude::{PollSnapshot, PollStrategy};
use app::domain::infra::queue;
use sea_orm::DatabaseConnection;

/// How often an idle lane looks at the queue anyway: a safety net for work nobody announced (a job enqueued by
/// another process on SQLite, a notification lost while the listener reconnected). Work committed in this process
/// wakes its lane at once ([`app::domain::infra::queue::wake`]), and on PostgreSQL so does work committed by any
/// process (`NOTIFY`, see [`listen_for_jobs`]).
pub const SAFETY_POLL: Duration = Duration::from_secs(10);

/// After a wake-up the lanes keep looking every [`RECHECK`] for [`AWAKE_FOR`]: a fetch already in flight when the
/// work was committed may not have seen it, and work tends to come in bursts.
const RECHECK: Duration = Duration::from_millis(250);
const AWAKE_FOR: Duration = Duration::from_secs(3);

/// A wake-up is answered after this pause, so that the jobs committed meanwhile (a burst of delegations, each with
/// its email) come in one fetch: apalis fetches, locks and acknowledges up to 10 jobs in one transaction each, and a
/// job fetched alone cost those three transactions by itself. An email leaves a few milliseconds later.
const GATHER: Duration = Duration::from_millis(25);

/// What wakes a lane's worker: the lane's wake-up call (then a few more looks shortly after it), or the safety
/// net. The worker fetches from the queue only when woken, when it has just finished work, or at its heartbeat.
pub(super) struct WakeUp {
    stream: std::sync::Mutex<std::pin::Pin<Box<dyn futures_util::Stream<Item = ()> + Send>>>,
}

impl WakeUp {
    pub(super) fn new(lane: &str, safety: Duration) -> Self {
        let rx = queue::wake_ups(lane);
        let start: Option<tokio::time::Instant> = None;
        let stream =
            futures_util::stream::unfold((rx, start), move |(mut rx, awake_until)| async move {
                let now = tokio::time::Instant::now();
                let wait = match awake_until {
                    Some(until) if until > now => RECHECK,
                    _ => safety,
                };
                let woken = async {
                    match rx.as_mut() {
                        Some(rx) => rx.changed().await.is_ok(),
                        // Not one of the lanes: only the safety net.
                        None => std::future::pending().await,
                    }
                };
                let awake_until = tokio::select! {
                    woken = woken => if woken {
                        tokio::time::sleep(GATHER).await;
                        Some(tokio::time::Instant::now() + AWAKE_FOR)
                    } else {
                        // The wake-up call lives as long as the process; were it gone, the safety net remains.
                        tokio::time::sleep(wait).await;
                        awake_until
                    },
                    _ = tokio::time::sleep(wait) => awake_until,
                };
                Some(((), (rx, awake_until)))
            });
        WakeUp {
            stream: std::sync::Mutex::new(Box::pin(stream)),
        }
    }
}

impl PollStrategy for WakeUp {
    /// Ready when a wake-up came. The stream is always left waiting (polled until it is pending), so that its next
    /// wake-up reaches this task: apalis polls the strategy only when something else wakes the worker, and a stream
    /// left without a registered waker would sleep through every later wake-up until the next heartbeat.
    fn poll_drive(
        &mut self,
        cx: &mut std::task::Context<'_>,
        _: &PollSnapshot,
    ) -> std::task::Poll<Option<()>> {
        use futures_util::StreamExt;
        let Ok(stream) = self.stream.get_mut() else {
            return std::task::Poll::Pending;
        };
        let mut woken = false;
        // Each item waits on a wake-up or a timer, so this ends within a few turns.
        for _ in 0..16 {
            match stream.poll_next_unpin(cx) {
                std::task::Poll::Ready(Some(())) => woken = true,
                _ => break,
            }
        }
        if woken {
            std::task::Poll::Ready(Some(()))
        } else {
            std::task::Poll::Pending
        }
    }
}

/// On PostgreSQL, wake this process's lanes whenever any process commits a job: apalis's trigger announces each
/// insert on the channel `apalis::job::insert`. One listening connection per process; when it is lost, the lanes
/// are woken (whatever was announced meanwhile is fetched) and it reconnects.
pub(super) async fn listen_for_jobs(db: DatabaseConnection) {
    use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with((*db.get_postgres_connection_pool().connect_options()).clone());
    let mut pause = Duration::from_secs(1);
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "the queue's listener could not connect; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(30));
                continue;
            }
        };
        if let Err(e) = listener.listen("apalis::job::insert").await {
            tracing::warn!(error = %e, "the queue's listener could not listen; retrying");
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(30));
            continue;
        }
        pause = Duration::from_secs(1);
        queue::wake(queue::ALL_LANES);
        loop {
            match listener.try_recv().await {
                // Only the lane the job went to: the others have nothing new.
                Ok(Some(n)) => queue::wake_queue(&announced_queue(n.payload())),
                // The connection was lost (and is being made again): look at the queue now.
                Ok(None) => queue::wake(queue::ALL_LANES),
                Err(e) => {
                    tracing::warn!(error = %e, "the queue's listener failed; reconnecting");
                    break;
                }
            }
        }
        tokio::time::sleep(pause).await;
    }
}

/// The queue named in apalis's announcement of an insert (`{"job_type": …, "id": …, "run_at": …}`); an empty name
/// (which wakes every lane) when the payload is not that.
fn announced_queue(payload: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Announced {
        job_type: String,
    }
    serde_json::from_str::<Announced>(payload)
        .map(|a| a.job_type)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::infra::queue::HIGH;

    /// apalis's announcement names the queue the job went to; anything else names none (every lane is woken).
    #[test]
    fn an_announcement_names_its_queue() {
        assert_eq!(
            announced_queue(
                r#"{"job_type":"jobs.high","id":"01J","run_at":"2026-11-30T19:00:00+00:00"}"#
            ),
            HIGH
        );
        assert_eq!(announced_queue("insert"), "");
    }
}
