//! Logging to stderr, filtered by `RUST_LOG` (default: info for our crates, warn for the rest). Colours only on a
//! terminal (never in a file or a pipe, nor with `NO_COLOR`); `LOG_FORMAT=json` writes one JSON object per line
//! for a log collector.

use std::io::IsTerminal;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// `LOG_FORMAT`: `json`, or `text` (the default).
    pub fn from_env() -> Result<LogFormat, String> {
        match std::env::var("LOG_FORMAT") {
            Err(_) => Ok(LogFormat::Text),
            Ok(v) => match v.trim().to_ascii_lowercase().as_str() {
                "" | "text" => Ok(LogFormat::Text),
                "json" => Ok(LogFormat::Json),
                other => Err(format!("LOG_FORMAT must be text or json, not {other:?}")),
            },
        }
    }
}

/// Whether log lines may carry colour codes: only when stderr is a terminal and `NO_COLOR` is not set.
pub fn colours() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub fn init() {
    use tracing_subscriber::{fmt, EnvFilter};
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("warn,server=info,app=info,tower_http=warn"));
    let format = LogFormat::from_env().unwrap_or_else(|e| {
        eprintln!("{e}; writing text");
        LogFormat::Text
    });
    let builder = fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().with_current_span(false).try_init(),
        LogFormat::Text => builder.with_ansi(colours()).try_init(),
    };
}
