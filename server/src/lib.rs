//! Wiring: configuration, database, HTTP router, command line. Business rules live in `app::domain`.

pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod mailer;
pub mod push;
pub mod queue;
pub mod seed;
pub mod startup;
pub mod storage_s3;
pub mod telemetry;
pub mod webhooks;
