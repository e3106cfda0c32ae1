//! Building the application: database, state, router, listener. Tests call the same functions.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use app::{
    domain::infra::{
        limits::ThrottleConfig,
        session::AuthConfig,
        session_store::DbSessionStore,
        storage::{LocalStorage, Storage},
    },
    rpc::AppState,
    shell, App,
};
use axum::{middleware, Router};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{generate_route_list, LeptosRoutes};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower_sessions::{
    cookie::{Key, SameSite},
    Expiry, SessionManagerLayer,
};

use crate::{
    config::{Config, StorageChoice},
    db,
    error::StartupError,
    http::security,
    storage_s3::S3Storage,
};

/// Everything the router needs that is not in the database.
pub struct Settings {
    pub auth: AuthConfig,
    pub session_key: Vec<u8>,
    pub leptos_options: LeptosOptions,
    pub storage: Arc<dyn Storage>,
    /// Sends the queued emails.
    pub mailer: Arc<crate::mailer::Mailer>,
    /// Sends the queued browser pushes.
    pub pusher: Arc<crate::push::Pusher>,
    /// How the background workers run (heartbeat, scheduler, thresholds).
    pub queue: crate::queue::QueueSettings,
    /// REST API limits and CORS origins.
    pub api: crate::http::api::ApiSettings,
    /// Lets non-loopback callers read `/metrics` (as a bearer token).
    pub metrics_token: Option<String>,
    /// The read replica (`DATABASE_READ_URL`), connected lazily: a replica that is down at start is only skipped.
    pub read_db: Option<DatabaseConnection>,
    /// This process's name in `/metrics` and `/readyz`.
    pub replica_name: String,
}

impl Settings {
    pub async fn from_config(config: &Config, bound: SocketAddr) -> Result<Settings, StartupError> {
        let origin = config.public_origin(bound)?;
        let mailer = Arc::new(config.mailer(&origin)?);
        tracing::info!(mail = %mailer.describe(), "mail");
        let mut rates = config.rates();
        rates.shared = config.scale.shared_counts().await?;
        let read_db = match config.scale.database_read_url.as_deref() {
            Some(url) if !url.trim().is_empty() => Some(db::connect_replica(url).await?),
            _ => None,
        };
        let pusher = Arc::new(config.pusher(&origin)?);
        Ok(Settings {
            mailer,
            pusher,
            queue: config.queue_settings(),
            api: config.api_settings(),
            metrics_token: config
                .metrics_token
                .clone()
                .filter(|t| !t.trim().is_empty()),
            storage: storage(config).await?,
            read_db,
            replica_name: config.scale.replica_name(bound),
            auth: AuthConfig {
                public_origin: config.public_origin(bound)?,
                idle_timeout: config.idle_timeout(),
                absolute_timeout: config.absolute_timeout(),
                throttle: ThrottleConfig::default(),
                rates,
                signin_days: config.api_signin_days,
                push_loopback: config.push_allow_loopback,
                mfa_required: config.mfa_required_roles()?,
                proxies: app::domain::infra::proxies::TrustedProxies::parse(
                    config.trust_proxy,
                    config.trusted_proxy_hops,
                    &config.trusted_proxies,
                )
                .map_err(StartupError::Config)?,
            },
            session_key: config.session_key()?,
            leptos_options: leptos_options(bound),
        })
    }
}

/// Open the configured file storage; an unreachable bucket stops startup rather than failing the first upload.
pub async fn storage(config: &Config) -> Result<Arc<dyn Storage>, StartupError> {
    let storage: Arc<dyn Storage> = match config.storage()? {
        StorageChoice::Local(dir) => Arc::new(LocalStorage::new(dir)),
        StorageChoice::S3(s) => {
            let s3 = S3Storage::new(&s);
            s3.ensure_bucket()
                .await
                .map_err(|e| StartupError::Config(format!("S3 storage: {e}")))?;
            Arc::new(s3)
        }
    };
    tracing::info!(storage = %storage.describe(), "file storage");
    Ok(storage)
}

/// Options for serving the Leptos site: from cargo-leptos' environment when it runs us, else the defaults of
/// `[workspace.metadata.leptos]`.
pub fn leptos_options(bound: SocketAddr) -> LeptosOptions {
    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    let mode = env("LEPTOS_ENV", "DEV");
    LeptosOptions::builder()
        .output_name(env("LEPTOS_OUTPUT_NAME", "jobdelegate"))
        .site_root(env("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(env("LEPTOS_SITE_PKG_DIR", "pkg"))
        .env(if mode.eq_ignore_ascii_case("PROD") {
            leptos::config::Env::PROD
        } else {
            leptos::config::Env::DEV
        })
        .site_addr(bound)
        // Release builds name the assets after their content (`hash-files`); cargo-leptos says so and writes the
        // hashes beside the server binary.
        .hash_files(env("LEPTOS_HASH_FILES", "false") == "true")
        .hash_file(env("LEPTOS_HASH_FILE_NAME", "hash.txt").into())
        .build()
}

/// The name of the session cookie: `__Host-` prefixed (host-only, Secure, Path=/) when served over https.
pub fn session_cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-jd_session"
    } else {
        "jd_session"
    }
}

/// The whole HTTP application. Tests build it the same way.
/// Returns the router and the event bus its pages listen to (the workers publish on it too).
pub fn router(
    db: DatabaseConnection,
    settings: Settings,
) -> Result<(Router, app::domain::infra::events::EventBus), StartupError> {
    if settings.session_key.len() < 64 {
        return Err(StartupError::Config(
            "the session key must be at least 64 bytes".into(),
        ));
    }
    let https = settings.auth.https();
    let idle = time::Duration::seconds(settings.auth.idle_timeout.as_secs() as i64);
    let reads = match settings.read_db {
        Some(replica) => app::domain::infra::reads::Reads::with_replica(db.clone(), replica),
        None => app::domain::infra::reads::Reads::primary_only(db.clone()),
    };
    let state = AppState {
        db: db.clone(),
        reads,
        auth: Arc::new(settings.auth),
        leptos_options: settings.leptos_options.clone(),
        storage: settings.storage.clone(),
        events: app::domain::infra::events::EventBus::for_database(&db),
        tokens: Arc::new(app::domain::infra::tokens::TokenKeys::from_secret(
            &settings.session_key,
        )),
        push_key: settings.pusher.public_key().into(),
    };

    let sessions = SessionManagerLayer::new(DbSessionStore::new(db))
        .with_name(session_cookie_name(https))
        .with_secure(https)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle))
        // Slide the idle deadline on every request.
        .with_always_save(true)
        .with_signed(Key::from(&settings.session_key));

    let events = state.events.clone();
    let ops = Arc::new(crate::http::ops::Ops {
        metrics: crate::http::ops::Metrics::new(&settings.replica_name),
        replica: settings.replica_name.clone(),
        // Three missed heartbeats and the lane's worker is taken for dead (as the queue itself does).
        worker_grace: settings.queue.heartbeat * 3 + Duration::from_secs(5),
        metrics_token: settings.metrics_token.clone(),
        lanes: settings.queue.health.clone(),
    });
    let routes = route_list();
    let ctx_state = state.clone();
    let options = settings.leptos_options;
    let router = crate::http::files::routes()
        .merge(crate::http::exports::routes())
        .merge(crate::http::events::routes())
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(ctx_state.clone());
                // Who is signed in is looked up once per request, however many server functions a page runs.
                provide_context(app::rpc::RequestUser::default());
            },
            move || shell(options.clone()),
        )
        .merge(crate::http::assets::service(&state))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::http::error::unavailable_not_internal,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::rpc_guard,
        ))
        // The REST API authenticates with bearer tokens: no session, no cookies.
        .merge(crate::http::api::routes(&state, &settings.api))
        .merge(crate::http::ops::routes(ops.clone()))
        .layer(middleware::from_fn_with_state(ops, crate::http::ops::track))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::security_headers,
        ))
        // Pages, server functions and JSON go out brotli- or gzip-compressed when the browser accepts it (the static
        // files are compressed at build time; images and the event stream are not compressed).
        .layer(tower_http::compression::CompressionLayer::new())
        // Inside the timeout: a request that times out (or whose client leaves) still finishes its work.
        .layer(middleware::from_fn(crate::http::detach::run_to_completion))
        // No request may hold a connection forever (a stuck render, a slow client): answer 408 instead, after
        // 30 s, or for an upload the time its size takes at a slow but honest pace.
        .layer(middleware::from_fn(crate::http::timeout::limit))
        .with_state(state);
    Ok((router, events))
}

/// A built application, bound to its port but not yet serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: DatabaseConnection,
    mailer: Arc<crate::mailer::Mailer>,
    pusher: Arc<crate::push::Pusher>,
    storage: Arc<dyn Storage>,
    events: app::domain::infra::events::EventBus,
    workers: bool,
    queue: crate::queue::QueueSettings,
    tokens: Arc<app::domain::infra::tokens::TokenKeys>,
}

impl Application {
    /// Connect, migrate, bind. Bind to port 0 to get a free port (tests).
    pub async fn build(config: &Config) -> Result<Application, StartupError> {
        let db = db::connect(&config.database_url()).await?;
        db::migrate(&db).await?;
        let listener = TcpListener::bind(config.bind_addr()).await?;
        let bound = listener.local_addr()?;
        let settings = Settings::from_config(config, bound).await?;
        announce_setup_token(&db, &config.data_dir, &settings.auth.public_origin).await?;
        Self::with_parts(db, listener, settings)
    }

    /// Assemble from parts already made (tests use this to share a database between instances).
    pub fn with_parts(
        db: DatabaseConnection,
        listener: TcpListener,
        settings: Settings,
    ) -> Result<Application, StartupError> {
        let mailer = settings.mailer.clone();
        let pusher = settings.pusher.clone();
        let storage = settings.storage.clone();
        let queue = settings.queue.clone();
        let tokens = Arc::new(app::domain::infra::tokens::TokenKeys::from_secret(
            &settings.session_key,
        ));
        // Requests queue the notification emails, whether or not this process runs the workers.
        app::domain::notifications::set_email_batch(queue.email_batch);
        let (router, events) = router(db.clone(), settings)?;
        Ok(Application {
            listener,
            router,
            db,
            mailer,
            pusher,
            storage,
            events,
            workers: true,
            queue,
            tokens,
        })
    }

    /// Run the background workers in this process (the default) or not.
    pub fn with_workers(mut self, on: bool) -> Application {
        self.workers = on;
        self
    }

    /// The live-event bus this application's pages listen to (tests call domain services with it).
    pub fn events(&self) -> app::domain::infra::events::EventBus {
        self.events.clone()
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serve until Ctrl-C or SIGTERM, with the background workers in this process unless turned off.
    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        self.run_until(shutdown_signal()).await
    }

    /// Serve until `shutdown` completes, then stop gracefully: no new connections, open event streams end, requests
    /// in flight finish.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartupError> {
        let webhooks = Arc::new(crate::webhooks::Sender::new()?);
        let workers = self.workers.then(|| {
            crate::queue::spawn_workers(crate::queue::Workers {
                db: self.db.clone(),
                mailer: self.mailer.clone(),
                pusher: self.pusher.clone(),
                storage: self.storage.clone(),
                events: self.events.clone(),
                settings: self.queue.clone(),
                tokens: self.tokens.clone(),
                webhooks,
            })
        });
        tracing::info!(addr = %self.listener.local_addr()?, "listening");
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let router = self
            .router
            .layer(axum::Extension(crate::http::events::Stopping(stopping)));
        let result = axum::serve(
            self.listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: open event streams end, requests in flight finish");
            let _ = stop.send(true);
        })
        .await;
        if let Some(w) = workers {
            w.abort();
        }
        Ok(result?)
    }
}

/// On a fresh instance, print the first-run setup token in the log and write it to `DATA_DIR/setup-token` (readable by
/// the owner only): setup asks for it, so only whoever runs the server can claim the instance. Once set up, the file
/// is removed.
async fn announce_setup_token(
    db: &DatabaseConnection,
    data_dir: &std::path::Path,
    origin: &str,
) -> Result<(), StartupError> {
    let path = data_dir.join("setup-token");
    let token = app::domain::setup::setup_token(db)
        .await
        .map_err(|e| StartupError::Config(format!("setup token: {e}")))?;
    let Some(token) = token else {
        if path.exists() {
            std::fs::remove_file(&path)?;
        }
        return Ok(());
    };
    std::fs::create_dir_all(data_dir)?;
    std::fs::write(&path, format!("{token}\n"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    // The one secret that is shown: it is worthless once setup is done, and only the server's owner sees this log.
    tracing::warn!(
        "first-run setup: open {origin}/setup and enter the setup token {token} (also in {})",
        path.display()
    );
    Ok(())
}

/// The app's routes, generated once per process.
///
/// Generating them renders the app with resource loading suppressed by a process-global flag; a resource first
/// polled by a concurrent request meanwhile never resolves (leptos-rs/leptos#4773). Generating once, before any
/// router exists, closes that window: for the server (one router) and for tests (a router per test).
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
