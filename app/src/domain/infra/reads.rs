//! Where the heavy reads that may lag a little go (analytics, CSV exports, the activity log): the read replica when
//! one is configured (`DATABASE_READ_URL`) and answering, else the primary. Everything else reads the primary, so a
//! page shown after a write never misses that write.
//!
//! A watcher pings the replica every half second; while it does not answer, [`Reads::db`] hands out the primary.
//! A read that fails on the replica between two pings is run again on the primary ([`Reads::run`]).

use std::{
    future::Future,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::api::AppError;

#[derive(Clone)]
pub struct Reads {
    primary: DatabaseConnection,
    replica: Option<DatabaseConnection>,
    up: Arc<AtomicBool>,
}

/// What the replica looks like now, for `/readyz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaState {
    /// No replica is configured.
    None,
    /// It answers: the heavy reads go there.
    Serving,
    /// It does not answer: the heavy reads go to the primary.
    Down,
}

impl Reads {
    /// Every read from the primary.
    pub fn primary_only(primary: DatabaseConnection) -> Reads {
        Reads {
            primary,
            replica: None,
            up: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Heavy reads from `replica` while it answers; watched from a task of the running tokio runtime.
    pub fn with_replica(primary: DatabaseConnection, replica: DatabaseConnection) -> Reads {
        let reads = Reads {
            primary,
            replica: Some(replica.clone()),
            up: Arc::new(AtomicBool::new(false)),
        };
        let up = Arc::downgrade(&reads.up);
        tokio::spawn(async move {
            // What the last ping found (none yet): only a change is logged.
            let mut was: Option<bool> = None;
            loop {
                let Some(up) = up.upgrade() else { return };
                let ok = matches!(
                    tokio::time::timeout(
                        Duration::from_secs(1),
                        replica.execute_unprepared("SELECT 1")
                    )
                    .await,
                    Ok(Ok(_))
                );
                match (was, ok) {
                    (Some(false), true) => {
                        tracing::info!("read replica answers again: heavy reads go back to it")
                    }
                    (None | Some(true), false) => tracing::warn!(
                        "read replica does not answer: heavy reads go to the primary"
                    ),
                    _ => {}
                }
                was = Some(ok);
                up.store(ok, Ordering::Relaxed);
                drop(up);
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        });
        reads
    }

    pub fn state(&self) -> ReplicaState {
        match (&self.replica, self.up.load(Ordering::Relaxed)) {
            (None, _) => ReplicaState::None,
            (Some(_), true) => ReplicaState::Serving,
            (Some(_), false) => ReplicaState::Down,
        }
    }

    /// The connection for a heavy read now.
    pub fn db(&self) -> &DatabaseConnection {
        match &self.replica {
            Some(replica) if self.up.load(Ordering::Relaxed) => replica,
            _ => &self.primary,
        }
    }

    /// Run a heavy read on [`Reads::db`]; if it fails there for want of the replica (the database is unavailable),
    /// mark the replica down and run it again on the primary. Refusals and bad input are answered as they are.
    pub async fn run<T, F, Fut>(&self, read: F) -> Result<T, AppError>
    where
        F: Fn(DatabaseConnection) -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let db = self.db().clone();
        let on_replica = self.replica.is_some() && self.up.load(Ordering::Relaxed);
        match read(db).await {
            Err(AppError::Unavailable { .. } | AppError::Internal) if on_replica => {
                tracing::warn!("a read failed on the read replica: running it on the primary");
                self.up.store(false, Ordering::Relaxed);
                read(self.primary.clone()).await
            }
            other => other,
        }
    }
}
