//! The settings of the scaled layout: a read replica, Redis, and the name a replica goes by.

use clap::Args;

#[derive(Debug, Clone, Default, Args)]
pub struct ScaleConfig {
    /// A streaming read replica of DATABASE_URL (PostgreSQL). It serves the heavy reads that may lag a little
    /// (analytics, CSV exports, the activity log); everything else, and anything while it is down, reads the primary.
    #[arg(long, env = "DATABASE_READ_URL", hide_env_values = true, global = true)]
    pub database_read_url: Option<String>,

    /// Redis (`redis://host:6379/0`): the rate-limit counters shared by every replica, including the REST API's flood
    /// limits. Without it the counts live in the database, and the flood limits in each process.
    #[arg(long, env = "REDIS_URL", hide_env_values = true, global = true)]
    pub redis_url: Option<String>,

    /// Prefix of every Redis key this installation writes (several installations can share one Redis).
    #[arg(long, env = "REDIS_PREFIX", default_value = "jd:", global = true)]
    pub redis_prefix: String,

    /// This process's name in `/metrics` and `/readyz` (default: the host name and port).
    #[arg(long, env = "REPLICA_NAME", global = true)]
    pub replica_name: Option<String>,
}

impl ScaleConfig {
    /// The configured Redis counters, connected; `None` without `REDIS_URL`.
    pub async fn shared_counts(
        &self,
    ) -> Result<Option<app::domain::infra::shared_counts::SharedCounts>, crate::error::StartupError>
    {
        let Some(url) = self.redis_url.as_deref().filter(|u| !u.trim().is_empty()) else {
            return Ok(None);
        };
        let counts =
            app::domain::infra::shared_counts::SharedCounts::connect(url, &self.redis_prefix)
                .await
                .map_err(crate::error::StartupError::Config)?;
        tracing::info!(prefix = %self.redis_prefix, "rate limits: counted in Redis");
        Ok(Some(counts))
    }

    /// The name of this replica: `REPLICA_NAME`, else `<host name>:<port>`.
    pub fn replica_name(&self, bound: std::net::SocketAddr) -> String {
        self.replica_name.clone().unwrap_or_else(|| {
            let host = std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "localhost".into());
            format!("{host}:{}", bound.port())
        })
    }
}
