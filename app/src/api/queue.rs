//! The admins' view of the background queue: jobs that failed for good, and retrying them.

use serde::{Deserialize, Serialize};

/// One job that used up its attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedJobView {
    pub id: String,
    pub queue: String,
    pub summary: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
    pub finished: Option<String>,
}
