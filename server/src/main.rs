//! The `server` binary: parse the command line, then hand over to the library.

use clap::Parser;

/// mimalloc instead of glibc's malloc: every password hash takes a 19 MiB block (argon2id), and glibc kept what the
/// hashing threads had freed (60 sign-in attempts left the server at 270 MB for good); mimalloc hands freed memory
/// back to the system.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let _ = dotenvy::dotenv();
    let cli = server::cli::Cli::parse();
    server::telemetry::init();
    match server::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
