//! Configuration from flags and environment variables (see `.env.example`). Secrets are never printed.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Args;

use crate::error::StartupError;

mod scale;
mod session_key;
pub mod webhooks;

pub use scale::ScaleConfig;

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Folder for the SQLite database, the session key and (later) uploaded files and the mail outbox.
    #[arg(long, env = "DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,

    /// Database URL: `sqlite://path?mode=rwc` or `postgres://user@host/db`. Default: SQLite in DATA_DIR.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Address to listen on. Default: LEPTOS_SITE_ADDR (set by cargo-leptos) or 127.0.0.1:3000.
    #[arg(long = "bind", env = "BIND_ADDR", global = true)]
    pub bind_addr: Option<SocketAddr>,

    /// The site's public origin, e.g. https://jobs.example.com. https turns on Secure `__Host-` cookies and HSTS.
    #[arg(long, env = "PUBLIC_ORIGIN", global = true)]
    pub public_origin: Option<String>,

    /// Key that signs session cookies: at least 64 bytes, base64. Default: generated once into DATA_DIR/session.key.
    #[arg(long, env = "SESSION_SECRET", hide_env_values = true, global = true)]
    pub session_secret: Option<String>,

    /// Minutes without a request after which a session ends.
    #[arg(
        long,
        env = "SESSION_IDLE_MINUTES",
        default_value_t = 30,
        global = true
    )]
    pub session_idle_minutes: u64,

    /// Hours after login after which a session ends, however active.
    #[arg(
        long,
        env = "SESSION_ABSOLUTE_HOURS",
        default_value_t = 12,
        global = true
    )]
    pub session_absolute_hours: u64,

    /// Trust `X-Forwarded-For` for the client IP (only behind your own reverse proxy).
    #[arg(long, env = "TRUST_PROXY", default_value_t = false, global = true)]
    pub trust_proxy: bool,

    /// How many reverse proxies stand in front of the server (default 1 with TRUST_PROXY or TRUSTED_PROXIES).
    #[arg(long, env = "TRUSTED_PROXY_HOPS", global = true)]
    pub trusted_proxy_hops: Option<u32>,

    /// The reverse proxies' addresses or networks, comma-separated (e.g. `10.0.0.0/8,127.0.0.1`): the client is the
    /// right-most `X-Forwarded-For` hop outside them, and a peer outside them is the client itself.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',', global = true)]
    pub trusted_proxies: Vec<String>,

    /// Folder for uploaded files when no S3 bucket is configured. Default: DATA_DIR/files.
    #[arg(long, env = "FILES_DIR", global = true)]
    pub files_dir: Option<PathBuf>,

    /// Store uploaded files in this S3 bucket instead of a local folder.
    #[arg(long, env = "S3_BUCKET", global = true)]
    pub s3_bucket: Option<String>,

    /// S3 endpoint for S3-compatible servers (MinIO, Ceph, ...); empty for AWS.
    #[arg(long, env = "S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,

    #[arg(long, env = "S3_REGION", default_value = "us-east-1", global = true)]
    pub s3_region: String,

    #[arg(long, env = "S3_ACCESS_KEY_ID", hide_env_values = true, global = true)]
    pub s3_access_key_id: Option<String>,

    #[arg(
        long,
        env = "S3_SECRET_ACCESS_KEY",
        hide_env_values = true,
        global = true
    )]
    pub s3_secret_access_key: Option<String>,

    /// Folder for outgoing mail as `.eml` files when SMTP_URL is not set. Default: DATA_DIR/outbox.
    #[arg(long, env = "OUTBOX_DIR", global = true)]
    pub outbox_dir: Option<PathBuf>,

    /// Send mail over SMTP: `smtps://user:pass@host:465` (TLS), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS), or `smtp://host:25` (unencrypted, for a relay on the same machine).
    #[arg(long, env = "SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<String>,

    /// Seconds between a queue worker's heartbeats; a worker silent for three is taken for dead and the job it
    /// held runs again elsewhere.
    #[arg(
        long,
        env = "QUEUE_HEARTBEAT_SECS",
        default_value_t = 10,
        global = true
    )]
    pub queue_heartbeat_secs: u64,

    /// The scheduler's base period in seconds: deadline reminders, waiting-job alerts and expiry run once per
    /// period, cleanup every third, the orphaned-file sweep every twelfth. 0 turns the scheduler off in this
    /// process (run it in another worker).
    #[arg(
        long,
        env = "SCHEDULE_EVERY_SECS",
        default_value_t = 300,
        global = true
    )]
    pub schedule_every_secs: u64,

    /// Seconds over which notification emails are gathered: each person gets at most one email per window, telling
    /// everything of that window, sent when it closes (windows are aligned to the clock).
    #[arg(long, env = "EMAIL_BATCH_SECS", default_value_t = 60, global = true)]
    pub email_batch_secs: u64,

    /// Hours before a job's deadline at which the client and the employee are reminded.
    #[arg(
        long,
        env = "DEADLINE_REMINDER_HOURS",
        default_value_t = 24,
        global = true
    )]
    pub deadline_reminder_hours: u32,

    /// Minutes a job may wait for an assistant before the admins are told.
    #[arg(
        long,
        env = "UNASSIGNED_ALERT_MINUTES",
        default_value_t = 60,
        global = true
    )]
    pub unassigned_alert_minutes: u32,

    /// REST API: requests per minute per client address.
    #[arg(
        long,
        env = "API_RATE_PER_MINUTE",
        default_value_t = 600,
        global = true
    )]
    pub api_rate_per_minute: u32,

    /// REST API: sign-in and refresh attempts per minute per client address.
    #[arg(
        long,
        env = "API_AUTH_RATE_PER_MINUTE",
        default_value_t = 30,
        global = true
    )]
    pub api_auth_rate_per_minute: u32,

    /// An extension sign-in ends this many days after it began, however often it is refreshed.
    #[arg(long, env = "API_SIGNIN_DAYS", default_value_t = 90, global = true)]
    pub api_signin_days: u32,

    /// Browser push: the VAPID key (base64url, 32 bytes). Default: generated once into DATA_DIR/vapid.key.
    #[arg(long, env = "VAPID_PRIVATE_KEY", hide_env_values = true, global = true)]
    pub vapid_private_key: Option<String>,

    /// Browser push: who runs this server, for push services (`mailto:…` or https). Default: the site's origin.
    #[arg(long, env = "VAPID_SUBJECT", global = true)]
    pub vapid_subject: Option<String>,

    /// Browser push: accept subscriptions whose push service is on this machine (tests, self-hosted services).
    #[arg(long, env = "PUSH_ALLOW_LOOPBACK", global = true)]
    pub push_allow_loopback: bool,

    /// Roles that must use two-step sign-in (TOTP): comma-separated role names, or `none`.
    #[arg(
        long,
        env = "MFA_REQUIRED_ROLES",
        default_value = "super_admin,admin",
        global = true
    )]
    pub mfa_required_roles: String,

    /// Sign-ups per client address per hour (0: no limit).
    #[arg(
        long,
        env = "RATE_SIGNUPS_PER_HOUR",
        default_value_t = 10,
        global = true
    )]
    pub rate_signups_per_hour: u32,

    /// First-run setup attempts per client address per hour (0: no limit).
    #[arg(
        long,
        env = "RATE_SETUPS_PER_HOUR",
        default_value_t = 10,
        global = true
    )]
    pub rate_setups_per_hour: u32,

    /// Sign-in attempts (dashboard and API) per client address per minute (0: no limit).
    #[arg(
        long,
        env = "RATE_LOGINS_PER_MINUTE",
        default_value_t = 60,
        global = true
    )]
    pub rate_logins_per_minute: u32,

    /// API token refreshes per client address per minute (0: no limit).
    #[arg(
        long,
        env = "RATE_REFRESHES_PER_MINUTE",
        default_value_t = 60,
        global = true
    )]
    pub rate_refreshes_per_minute: u32,

    /// Uploads (resumes and proofs) per account per hour (0: no limit).
    #[arg(
        long,
        env = "RATE_UPLOADS_PER_HOUR",
        default_value_t = 120,
        global = true
    )]
    pub rate_uploads_per_hour: u32,

    /// Resume downloads for filling application forms per account per hour (0: no limit).
    #[arg(
        long,
        env = "RATE_DOWNLOADS_PER_HOUR",
        default_value_t = 300,
        global = true
    )]
    pub rate_downloads_per_hour: u32,

    /// CSV exports per account per hour (0: no limit).
    #[arg(
        long,
        env = "RATE_EXPORTS_PER_HOUR",
        default_value_t = 60,
        global = true
    )]
    pub rate_exports_per_hour: u32,

    /// Live-event streams opened per account per minute (0: no limit).
    #[arg(
        long,
        env = "RATE_STREAMS_PER_MINUTE",
        default_value_t = 120,
        global = true
    )]
    pub rate_streams_per_minute: u32,

    /// "Forgot password" requests and reset-link uses per client address per hour, and reset emails per address
    /// asked for per hour (0: no limit).
    #[arg(
        long,
        env = "RATE_RESETS_PER_HOUR",
        default_value_t = 10,
        global = true
    )]
    pub rate_resets_per_hour: u32,

    /// Password checks outside sign-in (changing the password) per account per hour (0: no limit).
    #[arg(
        long,
        env = "RATE_PASSWORD_CHECKS_PER_HOUR",
        default_value_t = 20,
        global = true
    )]
    pub rate_password_checks_per_hour: u32,

    /// Email confirmation links (sent again, or for a new address) per account per hour (0: no limit).
    #[arg(
        long,
        env = "RATE_EMAIL_LINKS_PER_HOUR",
        default_value_t = 5,
        global = true
    )]
    pub rate_email_links_per_hour: u32,

    /// Resumes a client may keep (0: no limit; a client not yet activated keeps one).
    #[arg(
        long,
        env = "QUOTA_RESUMES_PER_CLIENT",
        default_value_t = 20,
        global = true
    )]
    pub quota_resumes_per_client: u32,

    /// Megabytes a client's resumes and the proofs of their jobs may take together (0: no limit).
    #[arg(
        long,
        env = "QUOTA_STORAGE_MB_PER_CLIENT",
        default_value_t = 200,
        global = true
    )]
    pub quota_storage_mb_per_client: u64,

    /// Origins allowed to call the REST API from a browser (CORS), comma-separated: the extension's
    /// `chrome-extension://<id>`. The extension itself does not need this (its host permission suffices).
    #[arg(long, env = "EXTENSION_ORIGINS", value_delimiter = ',', global = true)]
    pub extension_origins: Vec<String>,

    /// Lets callers other than loopback read `/metrics`, as `Authorization: Bearer <token>`.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true, global = true)]
    pub metrics_token: Option<String>,

    /// Sender of every email.
    #[arg(
        long,
        env = "MAIL_FROM",
        default_value = "JobDelegate <no-reply@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Path-style bucket addresses (needed by most self-hosted S3 servers).
    #[arg(long, env = "S3_PATH_STYLE", default_value_t = false, global = true)]
    pub s3_path_style: bool,

    #[command(flatten)]
    pub webhooks: webhooks::WebhookConfig,

    #[command(flatten)]
    pub scale: ScaleConfig,
}

impl Config {
    pub fn bind_addr(&self) -> SocketAddr {
        self.bind_addr
            .or_else(|| std::env::var("LEPTOS_SITE_ADDR").ok()?.parse().ok())
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)))
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("jobdelegate.db").display()
            )
        })
    }

    /// The public origin, without a trailing slash. Default: `http://` + the bind address.
    pub fn public_origin(&self, bound: SocketAddr) -> Result<String, StartupError> {
        let origin = match &self.public_origin {
            Some(o) => o.trim_end_matches('/').to_string(),
            None => format!("http://{bound}"),
        };
        let parsed = url::Url::parse(&origin)
            .map_err(|e| StartupError::Config(format!("PUBLIC_ORIGIN: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https")
            || parsed.path() != "/"
            || parsed.host().is_none()
        {
            return Err(StartupError::Config(
                "PUBLIC_ORIGIN must look like https://host[:port], without a path".into(),
            ));
        }
        Ok(origin)
    }

    /// Where uploads go: S3 when S3_BUCKET is set (keys required), else the local files folder.
    pub fn storage(&self) -> Result<StorageChoice, StartupError> {
        let Some(bucket) = self.s3_bucket.clone().filter(|b| !b.trim().is_empty()) else {
            return Ok(StorageChoice::Local(
                self.files_dir
                    .clone()
                    .unwrap_or_else(|| self.data_dir.join("files")),
            ));
        };
        let (Some(key), Some(secret)) = (&self.s3_access_key_id, &self.s3_secret_access_key) else {
            return Err(StartupError::Config(
                "S3_BUCKET is set: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required too"
                    .into(),
            ));
        };
        Ok(StorageChoice::S3(crate::storage_s3::S3Settings {
            bucket,
            region: self.s3_region.clone(),
            endpoint: self.s3_endpoint.clone().filter(|e| !e.trim().is_empty()),
            access_key_id: key.clone(),
            secret_access_key: secret.clone(),
            path_style: self.s3_path_style,
        }))
    }

    /// The mailer: SMTP when SMTP_URL is set, else `.eml` files in the outbox folder.
    pub fn mailer(&self, origin: &str) -> Result<crate::mailer::Mailer, StartupError> {
        let from = self
            .mail_from
            .parse()
            .map_err(|e| StartupError::Config(format!("MAIL_FROM: {e}")))?;
        match self.smtp_url.as_deref().filter(|u| !u.trim().is_empty()) {
            Some(url) => crate::mailer::Mailer::smtp(url, from, origin.to_string())
                .map_err(StartupError::Config),
            None => Ok(crate::mailer::Mailer::outbox(
                self.outbox_dir
                    .clone()
                    .unwrap_or_else(|| self.data_dir.join("outbox")),
                from,
                origin.to_string(),
            )?),
        }
    }

    pub fn mfa_required_roles(&self) -> Result<Vec<app::api::Role>, StartupError> {
        let list = self.mfa_required_roles.trim();
        let unknown = |r: &str| StartupError::Config(format!("MFA_REQUIRED_ROLES: no role {r:?}"));
        match list.to_ascii_lowercase().as_str() {
            "" | "none" => Ok(Vec::new()),
            _ => (list.split(',').map(str::trim))
                .map(|r| app::api::Role::parse(r).ok_or_else(|| unknown(r)))
                .collect(),
        }
    }

    pub fn pusher(&self, origin: &str) -> Result<crate::push::Pusher, StartupError> {
        let (key, subject) = (
            self.vapid_private_key.as_deref(),
            self.vapid_subject.as_deref(),
        );
        crate::push::Pusher::load(key, subject, &self.data_dir, origin)
    }

    pub fn api_settings(&self) -> crate::http::api::ApiSettings {
        crate::http::api::ApiSettings {
            rate_per_minute: self.api_rate_per_minute,
            auth_rate_per_minute: self.api_auth_rate_per_minute,
            cors_origins: self.extension_origins.clone(),
        }
    }

    pub fn rates(&self) -> app::domain::infra::limits::RateConfig {
        app::domain::infra::limits::RateConfig {
            shared: None,
            signups_per_hour: self.rate_signups_per_hour,
            setups_per_hour: self.rate_setups_per_hour,
            logins_per_minute: self.rate_logins_per_minute,
            refreshes_per_minute: self.rate_refreshes_per_minute,
            uploads_per_hour: self.rate_uploads_per_hour,
            exports_per_hour: self.rate_exports_per_hour,
            downloads_per_hour: self.rate_downloads_per_hour,
            resets_per_hour: self.rate_resets_per_hour,
            password_checks_per_hour: self.rate_password_checks_per_hour,
            email_links_per_hour: self.rate_email_links_per_hour,
            streams_per_minute: self.rate_streams_per_minute,
            resumes_per_client: self.quota_resumes_per_client,
            storage_bytes_per_client: self.quota_storage_mb_per_client * 1_000_000,
        }
    }

    pub fn queue_settings(&self) -> crate::queue::QueueSettings {
        crate::queue::QueueSettings {
            heartbeat: Duration::from_secs(self.queue_heartbeat_secs.max(1)),
            schedule_every: (self.schedule_every_secs > 0)
                .then(|| Duration::from_secs(self.schedule_every_secs)),
            rules: app::domain::schedule::Rules {
                remind_before: chrono::Duration::hours(self.deadline_reminder_hours.into()),
                unassigned_after: chrono::Duration::minutes(self.unassigned_alert_minutes.into()),
                ..Default::default()
            },
            health: Default::default(),
            email_batch: Duration::from_secs(self.email_batch_secs.max(1)),
            webhooks: self.webhooks.policy(),
        }
    }

    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.session_idle_minutes.max(1) * 60)
    }

    pub fn absolute_timeout(&self) -> Duration {
        Duration::from_secs(self.session_absolute_hours.max(1) * 3600)
    }
}

/// The configured file storage.
#[derive(Debug, Clone)]
pub enum StorageChoice {
    Local(PathBuf),
    S3(crate::storage_s3::S3Settings),
}
