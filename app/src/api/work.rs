//! The employee's work: the queue, start, complete with a proof screenshot, hand back; personal counters. The
//! completion itself (a multipart upload) goes to `/files/jobs/{id}/complete`; proofs are served by
//! `/files/proofs/{job_id}`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Largest accepted screenshot file.
pub const SCREENSHOT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// Where the employee posts a completion (multipart: `outcome`, `notes`, `failure_reason`, `screenshot`).
pub fn complete_path(job_id: Uuid) -> String {
    format!("/files/jobs/{job_id}/complete")
}

/// The proof screenshot of a completed job (its client, the employee, admins).
pub fn proof_path(job_id: Uuid) -> String {
    format!("/files/proofs/{job_id}")
}

/// A corrected proof's screenshot.
pub fn correction_path(job_id: Uuid, correction_id: Uuid) -> String {
    format!("/files/proofs/{job_id}/{correction_id}")
}

/// Where the employee adds a corrected proof (multipart: `screenshot`, `reason`, optional capture fields).
pub fn correct_path(job_id: Uuid) -> String {
    format!("/files/jobs/{job_id}/proof")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The application was submitted.
    Submitted,
    /// It could not be submitted; a reason is required.
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Submitted => "submitted",
            Outcome::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        match s {
            "submitted" => Some(Outcome::Submitted),
            "failed" => Some(Outcome::Failed),
            _ => None,
        }
    }
}

/// How a job ended, as its client and admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CompletionView {
    pub outcome: Outcome,
    pub notes: String,
    pub failure_reason: Option<String>,
    pub completed_at: chrono::DateTime<chrono::Utc>,
    pub completed_by: Option<String>,
    pub has_proof: bool,
    /// What the completion's screenshot shows (never replaced).
    #[serde(default)]
    pub proof: Option<ProofView>,
    /// Screenshots added later, each with its reason, oldest first.
    #[serde(default)]
    pub corrections: Vec<ProofView>,
}

/// One proof screenshot and what it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProofView {
    /// Where the image is served.
    pub path: String,
    /// SHA-256 of the image (hex), computed by the server.
    pub sha256: Option<String>,
    /// The captured tab's address and title, and when it was captured (proofs from the extension).
    pub captured_url: Option<String>,
    pub captured_title: Option<String>,
    pub captured_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The captured page is on another site than the job's (the employee confirmed it).
    pub site_mismatch: bool,
    /// Recognized as an applicant-tracking confirmation page ("Thank you for applying").
    pub confirmation_page: bool,
    /// A correction's reason (None for the completion's own proof).
    pub reason: Option<String>,
    pub added_at: chrono::DateTime<chrono::Utc>,
}

/// The employee's own numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmployeeStats {
    pub employee_id: Uuid,
    pub is_available: bool,
    pub open_jobs: u64,
    pub completed_today: u64,
    pub completed_this_week: u64,
    /// From start to completion, over every job they completed.
    pub average_minutes: Option<f64>,
}
