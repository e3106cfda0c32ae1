//! Subcommands: `serve` (default), `worker`, `migrate`, `create-admin`, `seed-demo`.

use std::io::BufRead;

use app::{
    api::{validate::NewAccount, Role},
    domain::{accounts, RequestMeta},
};
use clap::{Parser, Subcommand};

use crate::{config::Config, db, error::StartupError, startup::Application};

#[derive(Debug, Parser)]
#[command(
    name = "server",
    version,
    about = "JobDelegate: job application delegation platform"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database and serve the site (the default), with the background workers in-process.
    Serve(ServeArgs),
    /// Run only the background workers (email and other queued jobs), no web server.
    Worker,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Create a super admin (or, with --admin, an admin) account.
    CreateAdmin(CreateAdmin),
    /// Fill a fresh instance with a believable demo agency: admins, employees, clients with resumes, jobs in every
    /// state with proofs. Every account's password is $DEMO_PASSWORD (default `demo-password`).
    SeedDemo(crate::seed::Demo),
}

#[derive(Debug, Default, clap::Args)]
pub struct ServeArgs {
    /// Do not run background workers in this process (run `server worker` elsewhere).
    #[arg(long)]
    pub no_workers: bool,
}

#[derive(Debug, clap::Args)]
pub struct CreateAdmin {
    #[arg(long)]
    pub email: String,
    #[arg(long, default_value = "Site")]
    pub first_name: String,
    #[arg(long, default_value = "Admin")]
    pub last_name: String,
    /// Create an admin instead of a super admin.
    #[arg(long)]
    pub admin: bool,
    /// The password, read from this environment variable, or else from the first line of standard input.
    #[arg(long, default_value = "ADMIN_PASSWORD")]
    pub password_env: String,
}

pub async fn run(cli: Cli) -> Result<(), StartupError> {
    match cli
        .command
        .unwrap_or_else(|| Command::Serve(ServeArgs::default()))
    {
        Command::Serve(args) => {
            let app = Application::build(&cli.config).await?;
            app.with_workers(!args.no_workers).run_until_stopped().await
        }
        Command::Worker => {
            let conn = db::connect(&cli.config.database_url()).await?;
            db::migrate(&conn).await?;
            let origin = cli.config.public_origin(cli.config.bind_addr())?;
            let mailer = std::sync::Arc::new(cli.config.mailer(&origin)?);
            let pusher = std::sync::Arc::new(cli.config.pusher(&origin)?);
            tracing::info!(mail = %mailer.describe(), "worker started");
            let storage = crate::startup::storage(&cli.config).await?;
            // On PostgreSQL the workers' events reach every server through NOTIFY; on SQLite a separate worker
            // process has no pages to tell (pages then refresh on their next request).
            let events = app::domain::infra::events::EventBus::for_database(&conn);
            let workers = crate::queue::spawn_workers(crate::queue::Workers {
                db: conn,
                mailer,
                pusher,
                storage,
                events,
                settings: cli.config.queue_settings(),
                tokens: std::sync::Arc::new(app::domain::infra::tokens::TokenKeys::from_secret(
                    &cli.config.session_key()?,
                )),
                webhooks: std::sync::Arc::new(crate::webhooks::Sender::new()?),
            });
            crate::startup::shutdown_signal().await;
            workers.abort();
            Ok(())
        }
        Command::Migrate => {
            let conn = db::connect(&cli.config.database_url()).await?;
            db::migrate(&conn).await?;
            tracing::info!("migrations applied");
            println!("database is up to date");
            Ok(())
        }
        Command::SeedDemo(demo) => {
            let conn = db::connect(&cli.config.database_url()).await?;
            db::migrate(&conn).await?;
            let storage = crate::startup::storage(&cli.config).await?;
            let events = app::domain::infra::events::EventBus::for_database(&conn);
            let seeded = crate::seed::seed(&conn, storage.as_ref(), &events, &demo)
                .await
                .map_err(|e| StartupError::Config(describe(&e)))?;
            println!(
                "demo agency ready: {} users, {} jobs",
                seeded.users, seeded.jobs
            );
            for (status, n) in &seeded.by_status {
                println!("  {:<12} {n}", status.as_str());
            }
            // A password the user chose is theirs to know; only the built-in default is shown.
            if std::env::var(&demo.password_env).is_ok() {
                println!(
                    "sign in with any of these (password: the value of ${}):",
                    demo.password_env
                );
            } else {
                println!("sign in with any of these (password: {}):", seeded.password);
            }
            for (role, email) in &seeded.logins {
                println!("  {:<12} {email}", role.as_str());
            }
            Ok(())
        }
        Command::CreateAdmin(args) => {
            let password = match std::env::var(&args.password_env) {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("Password (read from standard input):");
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let account =
                NewAccount::parse(&args.email, &password, &args.first_name, &args.last_name)
                    .map_err(|e| StartupError::Config(describe(&e)))?;
            let conn = db::connect(&cli.config.database_url()).await?;
            db::migrate(&conn).await?;
            let role = if args.admin {
                Role::Admin
            } else {
                Role::SuperAdmin
            };
            let meta = RequestMeta {
                ip: None,
                user_agent: Some("server create-admin".into()),
            };
            let user = accounts::create_user(&conn, None, role, account, &meta)
                .await
                .map_err(|e| StartupError::Config(describe(&e)))?;
            println!("created {} {}", role.label().to_lowercase(), user.email);
            Ok(())
        }
    }
}

fn describe(e: &app::api::AppError) -> String {
    match e {
        app::api::AppError::Validation { fields, message } if !fields.is_empty() => fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}
