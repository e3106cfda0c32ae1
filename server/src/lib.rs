//! Wiring: configuration, database, HTTP router, command line. Business rules live in `app::domain`.

pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod exports;
pub mod files;
pub mod mailer;
pub mod openapi;
pub mod ops;
pub mod queue;
pub mod rest;
pub mod security;
pub mod startup;
pub mod storage_s3;
pub mod telemetry;
