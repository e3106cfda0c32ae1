//! Job delegations: create (one or in bulk), list, detail with timeline, cancel, reassign.
//!
//! - `input`: what a delegation must look like (URL normalization, deadlines, field checks);
//! - `delegate`: writing delegations, one or in bulk, and distributing them;
//! - `query`: lists, summaries and one job's detail with its timeline;
//! - `lifecycle`: the client's cancel and the admin's reassign;
//! - `questions`: the questions asked on a job, as its page shows them;
//! - `posting`: one identity per posting (site and job id), and keying rows written before it existed.

mod cursor;
mod delegate;
mod input;
mod lifecycle;
mod posting;
mod query;
mod questions;

pub use cursor::{feed, Feed, FEED_LIMIT_DEFAULT, FEED_LIMIT_MAX};
pub use delegate::{delegate, delegate_bulk};
pub use input::{normalize_url, parse_deadline};
pub use lifecycle::{cancel, lock_and_reload, reassign};
pub use posting::{backfill_posting_keys, delegated_before, posting_key};
pub use query::{completion_of, detail, list, summaries};
pub use questions::questions_of;

pub const BULK_MAX: usize = 50;
pub(crate) const URL_MAX: usize = 2048;
pub(crate) const NOTES_MAX: usize = 5000;
pub(crate) const PER_PAGE_DEFAULT: u64 = 20;
pub(crate) const PER_PAGE_MAX: u64 = 100;
/// The last page anyone may ask for (two million jobs at the largest page size): beyond it, a clear error.
pub const PAGE_MAX: u64 = 20_000;
