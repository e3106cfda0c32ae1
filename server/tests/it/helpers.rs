use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use app::{
    api::{validate::NewAccount, Role},
    domain::{
        accounts,
        entities::users,
        infra::{
            events::EventBus,
            limits::ThrottleConfig,
            session::AuthConfig,
            storage::{LocalStorage, Storage},
        },
        Actor, RequestMeta,
    },
};
use reqwest::{header, redirect::Policy, Client, Response};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use server::startup::{leptos_options, Application, Settings};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Write `async fn name(backend: Backend)` once; `both!(name)` runs it on each database.
#[macro_export]
macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            }
        )+
    };
}

/// A throwaway database: a SQLite file in a temp folder, or a PostgreSQL database dropped when this is dropped.
pub struct TestDb {
    pub url: String,
    dir: Option<PathBuf>,
    pg: Option<(String, String)>,
}

pub fn pg_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn with_database(url: &str, db: &str) -> String {
    let mut u = url::Url::parse(url).expect("TEST_DATABASE_URL is a URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

/// Tests gather notification emails over a second (a minute by default): an email goes out a second or two after
/// the news.
pub const EMAIL_BATCH: Duration = Duration::from_secs(1);

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        // Every test gathers notification emails over the same window (a process-wide setting): a second.
        app::domain::notifications::set_email_batch(EMAIL_BATCH);
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("jd-test-{}", Uuid::new_v4().simple()));
                std::fs::create_dir_all(&dir).unwrap();
                let url = format!("sqlite://{}?mode=rwc", dir.join("test.db").display());
                TestDb {
                    url,
                    dir: Some(dir),
                    pg: None,
                }
            }
            Backend::Postgres => {
                let admin = pg_admin_url();
                let name = format!("jd_test_{}", Uuid::new_v4().simple());
                let conn = Database::connect(&admin)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .unwrap();
                conn.close().await.ok();
                TestDb {
                    url: with_database(&admin, &name),
                    dir: None,
                    pg: Some((admin, name)),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin, name)) = self.pg.take() {
            // Drop runs inside the test's runtime; use a thread with its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    if let Ok(conn) = Database::connect(&admin).await {
                        let _ = conn
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                        let _ = conn.close().await;
                    }
                });
            })
            .join();
        }
    }
}

pub const PASSWORD: &str = "correct horse battery";

/// A running server on a free port, with its own database.
pub struct TestApp {
    pub base: String,
    pub db: DatabaseConnection,
    /// The live-event bus of the running server, for calling domain services directly.
    pub events: EventBus,
    pub session_key: Vec<u8>,
    pub testdb: Arc<TestDb>,
    /// The file storage the server uses.
    pub storage: Arc<dyn Storage>,
    /// Where this server's mail goes (`.eml` files).
    pub outbox: PathBuf,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub fn test_settings(addr: SocketAddr) -> Settings {
    Settings {
        auth: AuthConfig {
            public_origin: format!("http://{addr}"),
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 3600),
            throttle: ThrottleConfig::default(),
            rates: Default::default(),
            signin_days: 90,
            // Tests that are about two-step sign-in turn the requirement on.
            mfa_required: Vec::new(),
            push_loopback: true,
            proxies: Default::default(),
        },
        session_key: vec![7u8; 64],
        leptos_options: leptos_options(addr),
        storage: Arc::new(LocalStorage::new(
            std::env::temp_dir().join(format!("jd-files-{}", Uuid::new_v4().simple())),
        )),
        mailer: Arc::new(
            server::mailer::Mailer::outbox(
                std::env::temp_dir().join(format!("jd-outbox-{}", Uuid::new_v4().simple())),
                "JobDelegate <no-reply@localhost>".parse().unwrap(),
                format!("http://{addr}"),
            )
            .unwrap(),
        ),
        pusher: Arc::new(
            server::push::Pusher::new(
                p256::SecretKey::random(&mut rand::rngs::OsRng),
                "mailto:tests@example.com".into(),
            )
            .unwrap(),
        ),
        // The scheduler is off unless a test turns it on: tests that call the scheduled steps move the clock.
        queue: server::queue::QueueSettings {
            heartbeat: Duration::from_secs(10),
            schedule_every: None,
            rules: Default::default(),
            health: Default::default(),
            email_batch: EMAIL_BATCH,
            webhooks: Default::default(),
        },
        api: Default::default(),
        metrics_token: None,
        read_db: None,
        replica_name: format!("test:{}", addr.port()),
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let testdb = Arc::new(TestDb::new(backend).await);
        Self::spawn_on(testdb, tweak).await
    }

    /// A server that runs no background workers (as `server serve --no-workers`).
    pub async fn spawn_without_workers(backend: Backend) -> TestApp {
        let testdb = Arc::new(TestDb::new(backend).await);
        Self::start(testdb, |_| {}, false).await
    }

    /// Another server on an existing database (as after a restart).
    pub async fn spawn_on(testdb: Arc<TestDb>, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        Self::start(testdb, tweak, true).await
    }

    async fn start(
        testdb: Arc<TestDb>,
        tweak: impl FnOnce(&mut Settings),
        workers: bool,
    ) -> TestApp {
        let db = server::db::connect(&testdb.url).await.expect("connect");
        server::db::migrate(&db).await.expect("migrate");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut settings = test_settings(addr);
        tweak(&mut settings);
        let session_key = settings.session_key.clone();
        let storage = settings.storage.clone();
        let outbox = settings
            .mailer
            .outbox_dir()
            .map(PathBuf::from)
            .unwrap_or_default();
        let app = Application::with_parts(db.clone(), listener, settings)
            .expect("build app")
            .with_workers(workers);
        let events = app.events();
        let server = tokio::spawn(async move {
            let _ = app.run_until_stopped().await;
        });
        TestApp {
            base: format!("http://{addr}"),
            db,
            events,
            session_key,
            testdb,
            storage,
            outbox,
            server,
        }
    }

    /// A browser-like client: keeps cookies, does not follow redirects (so tests can see them).
    pub fn client(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap()
    }

    /// Call a server function as the site's own page would.
    pub async fn rpc(&self, client: &Client, name: &str, form: &[(&str, &str)]) -> Response {
        client
            .post(format!("{}/rpc/{name}", self.base))
            .header(header::ORIGIN, &self.base)
            .header(header::ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Call a JSON-encoded server function.
    pub async fn rpc_json(&self, client: &Client, name: &str, body: serde_json::Value) -> Response {
        client
            .post(format!("{}/rpc/{name}", self.base))
            .header(header::ORIGIN, &self.base)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// GET a page as a browser would (asking for HTML).
    pub async fn page(&self, client: &Client, path: &str) -> Response {
        client
            .get(format!("{}{path}", self.base))
            .header(header::ACCEPT, "text/html")
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, client: &Client, email: &str, password: &str) -> Response {
        self.rpc(client, "login", &[("email", email), ("password", password)])
            .await
    }

    /// The signed-in user according to the server, as JSON (null when signed out).
    pub async fn me(&self, client: &Client) -> serde_json::Value {
        let res = self.rpc(client, "me", &[]).await;
        assert_eq!(res.status(), 200, "me failed");
        res.json().await.unwrap()
    }

    /// Create an account directly through the domain (as `server create-admin` and admins will).
    pub async fn user(&self, role: Role, email: &str) -> users::Model {
        let account = NewAccount::parse(email, PASSWORD, "Test", role.label()).unwrap();
        let meta = RequestMeta::default();
        match role {
            Role::Client => accounts::signup_client(&self.db, &Default::default(), account, &meta)
                .await
                .unwrap(),
            _ => accounts::create_user(&self.db, None, role, account, &meta)
                .await
                .unwrap(),
        }
    }

    pub async fn count(&self, table: &str) -> i64 {
        let backend = self.db.get_database_backend();
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }
}

pub fn actor(user: &users::Model) -> Actor {
    Actor {
        user_id: user.id,
        role: user.role,
    }
}

/// The `Set-Cookie` header of a response, if any.
pub fn set_cookie(res: &Response) -> Option<String> {
    res.headers()
        .get(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_string())
}

/// Where a redirecting response points (server functions use `Location`; pages too).
pub fn location(res: &Response) -> Option<String> {
    res.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
}

/// Fixtures for the delegation flow, made through the domain services as an admin would.
impl TestApp {
    /// The admin the fixtures act as (created on first use).
    pub async fn fixture_admin(&self) -> Actor {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let email = "fixture-admin@example.com";
        let found = users::Entity::find()
            .filter(users::Column::Email.eq(email))
            .one(&self.db)
            .await
            .unwrap();
        let user = match found {
            Some(u) => u,
            None => self.user(Role::Admin, email).await,
        };
        actor(&user)
    }

    /// A client, activated by an admin; returns the user and the client id.
    pub async fn activated_client(&self, email: &str) -> (users::Model, Uuid) {
        let user = self.user(Role::Client, email).await;
        let cid = self.client_id(user.id).await;
        let admin = self.fixture_admin().await;
        app::domain::clients::set_activation(
            &self.db,
            &self.events,
            &admin,
            cid,
            app::domain::clients::Activation {
                activate: true,
                payment_status: app::api::PaymentStatus::Active,
                notes: "",
            },
            &RequestMeta::default(),
        )
        .await
        .unwrap();
        (user, cid)
    }

    pub async fn client_id(&self, user_id: Uuid) -> Uuid {
        app::domain::access::client_of(&self.db, user_id)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    /// An employee; returns the user and the employee id.
    pub async fn employee(&self, email: &str) -> (users::Model, Uuid) {
        let user = self.user(Role::Employee, email).await;
        let e = app::domain::access::employee_of(&self.db, user.id)
            .await
            .unwrap()
            .unwrap();
        (user, e.id)
    }

    pub async fn assign(&self, client_id: Uuid, employee_id: Uuid) {
        let admin = self.fixture_admin().await;
        app::domain::assignments::assign(
            &self.db,
            &self.events,
            &admin,
            client_id,
            employee_id,
            &RequestMeta::default(),
        )
        .await
        .unwrap();
    }

    /// A browser signed in as `email`.
    pub async fn signed_in(&self, email: &str) -> Client {
        let c = self.client();
        let res = self.login(&c, email, PASSWORD).await;
        assert!(res.status().is_success() || res.status().is_redirection());
        c
    }

    /// How many refusals of `attempted` the activity log holds.
    pub async fn denials(&self, attempted: &str) -> usize {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        app::domain::entities::activity_logs::Entity::find()
            .filter(app::domain::entities::activity_logs::Column::ActionType.eq("authz.denied"))
            .all(&self.db)
            .await
            .unwrap()
            .into_iter()
            .filter(|l| l.action_data["attempted"] == attempted)
            .count()
    }

    /// Delegate through the server function as the dashboard's form does; returns the response.
    pub async fn delegate(&self, c: &Client, form: serde_json::Value) -> Response {
        self.rpc_form(c, "jobs/delegate", form).await
    }

    /// Post a JSON object's fields as the page's form does: `form[key]=value`.
    pub async fn rpc_form(&self, c: &Client, name: &str, form: serde_json::Value) -> Response {
        let pairs: Vec<(String, String)> = form
            .as_object()
            .expect("an object")
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (format!("form[{k}]"), v)
            })
            .collect();
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.rpc(c, name, &pairs).await
    }
}

/// A small but real PDF (header, one object, trailer), padded to about `size` bytes.
pub fn pdf(size: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec();
    while v.len() + 40 < size {
        v.extend_from_slice(b"% padding padding padding padding pad\n");
    }
    v.extend_from_slice(b"trailer\n<< /Root 1 0 R >>\n%%EOF\n");
    v
}

/// A real S3-compatible server (moto, installed from PyPI by `.ci/bootstrap --test`) on a free loopback port,
/// stopped when dropped. `MOTO_SERVER` names another binary.
pub struct S3Server {
    pub endpoint: String,
    child: std::process::Child,
}

impl S3Server {
    pub fn start() -> S3Server {
        let bin = std::env::var("MOTO_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.ci/tools/venv/bin/moto_server")
            });
        assert!(
            bin.exists(),
            "{} is missing: run .ci/bootstrap --test (or set MOTO_SERVER)",
            bin.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start moto_server");
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto_server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        S3Server {
            endpoint: format!("http://127.0.0.1:{port}"),
            child,
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `.eml` files in an outbox, as text, without the "Confirm your email address" message every client gets when
/// they sign up (see [`all_outbox_mail`]): the tests that count mail count the news they cause.
pub fn outbox_mail(dir: &std::path::Path) -> Vec<String> {
    all_outbox_mail(dir)
        .into_iter()
        .filter(|m| !m.contains("Subject: Confirm your email address"))
        .collect()
}

/// Every `.eml` file in an outbox, as text.
pub fn all_outbox_mail(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Wait up to `secs` for the outbox to hold `n` messages.
pub async fn wait_for_mail(dir: &std::path::Path, n: usize, secs: u64) -> Vec<String> {
    wait_for_outbox(dir, secs, |mail| mail.len() >= n).await
}

/// Wait up to `secs` until the outbox's messages satisfy `done`; returns them as they are then.
pub async fn wait_for_outbox(
    dir: &std::path::Path,
    secs: u64,
    done: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let mail = outbox_mail(dir);
        if done(&mail) || std::time::Instant::now() > deadline {
            return mail;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Wait up to `secs` until every message of the outbox, sign-up confirmations included, satisfies `done`.
pub async fn wait_for_all_outbox(
    dir: &std::path::Path,
    secs: u64,
    done: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let mail = all_outbox_mail(dir);
        if done(&mail) || std::time::Instant::now() > deadline {
            return mail;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Undo quoted-printable soft line breaks and `=3D`, to look for text in a message body.
pub fn decoded(mail: &str) -> String {
    mail.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

/// The tokens of the links to `path` (e.g. `/reset-password`) in the `subject` emails to `to`.
pub fn link_tokens(mail: &[String], subject: &str, to: &str, path: &str) -> Vec<String> {
    let start = format!("{path}?token=");
    mail.iter()
        .filter(|m| m.contains(&format!("Subject: {subject}")) && m.contains(&format!("<{to}>")))
        .filter_map(|m| {
            let text = decoded(m);
            let at = text.find(&start)? + start.len();
            Some(
                text[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect::<String>(),
            )
        })
        .collect()
}

/// A JSON answer.
pub async fn json_of(res: Response) -> serde_json::Value {
    res.json().await.unwrap()
}

/// The fields an error answer names, in order.
pub fn field_names(body: &serde_json::Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// How many messages in `mail` tell of `subject`.
pub fn with_subject(mail: &[String], subject: &str) -> usize {
    // Its own email, or one of several pieces of news in a person's email for a window (listed as `* title`).
    let line = format!("Subject: {subject}");
    let item = [format!("\n* {subject}\r\n"), format!("\n* {subject}\n")];
    mail.iter()
        .filter(|m| {
            let text = decoded(m);
            m.contains(&line) || item.iter().any(|i| text.contains(i.as_str()))
        })
        .count()
}

/// A real SMTP server (aiosmtpd, installed from PyPI by `.ci/bootstrap --test`) on a free loopback port, delivering
/// into a Maildir; stopped when dropped.
pub struct SmtpServer {
    pub port: u16,
    pub maildir: PathBuf,
    child: std::process::Child,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        SmtpServer::start_on(port)
    }

    pub fn start_on(port: u16) -> SmtpServer {
        let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.ci/tools/venv/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run .ci/bootstrap --test",
            python.display()
        );
        let maildir = std::env::temp_dir().join(format!("jd-maildir-{}", Uuid::new_v4().simple()));
        let child = std::process::Command::new(&python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "aiosmtpd did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        SmtpServer {
            port,
            maildir,
            child,
        }
    }

    /// Messages delivered so far, as text.
    /// Wait up to `secs` until what the server received satisfies `done`; returns it as it is then.
    pub async fn wait_for(&self, secs: u64, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let mail = self.received();
            if done(&mail) || std::time::Instant::now() > deadline {
                return mail;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn received(&self) -> Vec<String> {
        std::fs::read_dir(self.maildir.join("new"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

static TRANSACTION_STATE_WARNINGS: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// Counts log events (warnings and worse) that speak of transaction state, as PostgreSQL's notices do when a
/// connection is used inside a transaction it should not be in ("there is already a transaction in progress",
/// "there is no transaction in progress"); sqlx logs those notices.
struct TransactionStateWatch;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for TransactionStateWatch {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Seen(Option<String>);
        impl tracing::field::Visit for Seen {
            fn record_debug(&mut self, _: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                let text = format!("{value:?}");
                if text.contains("transaction in progress") {
                    self.0 = Some(text);
                }
            }
        }
        let mut seen = Seen(None);
        event.record(&mut seen);
        if let Some(text) = seen.0 {
            eprintln!("transaction-state warning: {text}");
            TRANSACTION_STATE_WARNINGS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// How many transaction-state warnings this test process has logged so far (from any test: there should be none).
pub fn transaction_state_warnings() -> usize {
    static WATCH: std::sync::Once = std::sync::Once::new();
    WATCH.call_once(|| {
        use tracing_subscriber::{layer::SubscriberExt, Layer};
        let subscriber = tracing_subscriber::registry()
            .with(TransactionStateWatch.with_filter(tracing_subscriber::filter::LevelFilter::WARN));
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
    TRANSACTION_STATE_WARNINGS.load(std::sync::atomic::Ordering::SeqCst)
}

/// An API access token for `email`, signed in with the test password.
pub async fn api_token(app: &TestApp, email: &str) -> String {
    let login: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["access_token"].as_str().unwrap().to_string()
}

/// A fresh, migrated database with one client (`jo@example.com`) and no server: for tests that run the `server`
/// binary against it.
pub async fn database_with_a_client(b: Backend) -> (TestDb, DatabaseConnection, users::Model) {
    let db = TestDb::new(b).await;
    let conn = server::db::connect(&db.url).await.unwrap();
    server::db::migrate(&conn).await.unwrap();
    let account = NewAccount::parse("jo@example.com", PASSWORD, "Jo", "Seeker").unwrap();
    let user = accounts::signup_client(&conn, &Default::default(), account, &Default::default())
        .await
        .unwrap();
    (db, conn, user)
}

/// The TOTP code (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps) of a base32 secret (spaces ignored) at a Unix
/// time, as an authenticator app computes it.
pub fn totp_at(secret_b32: &str, unix: u64) -> String {
    use hmac::{Mac, SimpleHmac};
    let clean: String = secret_b32.chars().filter(|c| !c.is_whitespace()).collect();
    let key = data_encoding::BASE32_NOPAD
        .decode(clean.trim_end_matches('=').as_bytes())
        .expect("a base32 secret");
    let mut mac = SimpleHmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
    mac.update(&(unix / 30).to_be_bytes());
    let h = mac.finalize().into_bytes();
    let off = (h[19] & 0x0f) as usize;
    let n = u32::from_be_bytes([h[off] & 0x7f, h[off + 1], h[off + 2], h[off + 3]]);
    format!("{:06}", n % 1_000_000)
}

/// A code of a step after `last` (which it then becomes) that the server accepts now: this step's, or the next
/// one's (one step of drift is allowed); waits for the next step when both were used.
pub async fn next_code(secret_b32: &str, last: &mut u64) -> String {
    loop {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let current = now / 30;
        let step = (*last + 1).max(current);
        if step <= current + 1 {
            *last = step;
            return totp_at(secret_b32, step * 30);
        }
        tokio::time::sleep(std::time::Duration::from_secs(30 - now % 30)).await;
    }
}
