//! Rate-limit counters in Redis (`REDIS_URL`), shared by every replica: one `INCR` and one `EXPIRE NX` per hit, in a
//! single atomic round trip. Without Redis the same counts live in the database (`limits::hit`).
//!
//! Redis is a cache here, not a store: if it does not answer within half a second, the caller counts in the database
//! instead, so an outage of Redis never turns the limits off or fails a request. After a failure, Redis is left
//! alone for a few seconds (the database counts meanwhile), so an outage does not slow every request down.

use std::{
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc,
    },
    time::Duration,
};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// A connection to Redis for counting, with the key prefix of this installation (tests use their own).
#[derive(Clone)]
pub struct SharedCounts {
    conn: ConnectionManager,
    prefix: Arc<str>,
    /// Until when (unix seconds) Redis is left alone after it failed.
    resting_until: Arc<AtomicI64>,
}

/// How long Redis is left alone after it failed to answer.
const REST_SECS: i64 = 5;

impl std::fmt::Debug for SharedCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the URL: it may hold a password.
        f.debug_struct("SharedCounts")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// Every replica counts the same thing: two configurations compare equal whatever connection they hold.
impl PartialEq for SharedCounts {
    fn eq(&self, other: &Self) -> bool {
        self.prefix == other.prefix
    }
}
impl Eq for SharedCounts {}

impl SharedCounts {
    /// Connect (the connection then reconnects by itself). An unreachable server stops startup: a replica that was
    /// told to share its counts must not quietly count alone.
    pub async fn connect(url: &str, prefix: &str) -> Result<SharedCounts, String> {
        let client = redis::Client::open(url).map_err(|e| format!("REDIS_URL: {e}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_millis(500)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(2));
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| format!("Redis at REDIS_URL did not answer: {e}"))?;
        Ok(SharedCounts {
            conn,
            prefix: prefix.into(),
            resting_until: Arc::new(AtomicI64::new(0)),
        })
    }

    /// The prefix every key of this installation starts with.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Count one hit on `key` in the window that started at `window_start` (seconds) and lasts `window_secs`;
    /// returns the window's count so far, or `None` when Redis did not answer (or failed moments ago): the caller
    /// counts elsewhere. The key ends with its window, so it expires by itself.
    pub async fn hit(&self, key: &str, window_start: i64, window_secs: i64) -> Option<i64> {
        let now = chrono::Utc::now().timestamp();
        if self.resting_until.load(Ordering::Relaxed) > now {
            return None;
        }
        let full = format!("{}rate:{key}:{window_start}", self.prefix);
        let mut conn = self.conn.clone();
        let counted: Result<(i64,), _> = redis::pipe()
            .atomic()
            .incr(&full, 1)
            .cmd("EXPIRE")
            .arg(&full)
            .arg(window_secs + 5)
            .arg("NX")
            .ignore()
            .query_async(&mut conn)
            .await;
        match counted {
            Ok((count,)) => Some(count),
            Err(e) => {
                tracing::warn!(error = %e, "rate limits: Redis did not answer; counting elsewhere for {REST_SECS} s");
                self.resting_until.store(now + REST_SECS, Ordering::Relaxed);
                None
            }
        }
    }

    /// Whether Redis answers now (for `/readyz`).
    pub async fn ping(&self) -> Result<(), String> {
        let mut conn = self.conn.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
