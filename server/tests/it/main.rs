//! Integration tests: the real router on port 0, against a fresh database per test, each test run on SQLite and on
//! PostgreSQL (`TEST_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/test, used to create and drop
//! throwaway databases).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod abuse;
mod account;
mod accounts;
mod addresses;
mod analytics;
mod api;
mod api_v1;
mod assets;
mod assignments;
mod auth;
mod cli;
mod clients;
mod conformance;
mod enums;
mod faults;
mod faults_mid_write;
mod fill;
mod integrations;
mod jobs;
mod live;
mod mail;
mod mfa;
mod ops;
mod panel;
mod postings;
mod push;
mod questions;
mod resumes;
mod scale;
mod schedule;
mod security;
mod sessions;
mod users;
mod wakeups;
mod work;
