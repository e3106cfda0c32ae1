//! Job delegation: the client's delegate and bulk forms, job lists for clients and admins, detail with timeline,
//! cancel and (admins) reassign.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where a job is in its life. Stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum JobStatus {
    /// Waiting for an available employee.
    Unassigned,
    /// Assigned, not started.
    Pending,
    InProgress,
    /// The employee asked the client questions the profile cannot answer; waiting for the client's answers.
    NeedsAnswer,
    Completed,
    Failed,
    Cancelled,
    Expired,
}

impl JobStatus {
    pub const ALL: [JobStatus; 8] = [
        JobStatus::Unassigned,
        JobStatus::Pending,
        JobStatus::InProgress,
        JobStatus::NeedsAnswer,
        JobStatus::Completed,
        JobStatus::Failed,
        JobStatus::Cancelled,
        JobStatus::Expired,
    ];
    /// Statuses that count towards an employee's open load and fill their queue. Not `NeedsAnswer`: a job waiting for
    /// its client is nobody's work until the client answers (then it is `Pending` again).
    pub const ASSIGNED_OPEN: [JobStatus; 2] = [JobStatus::Pending, JobStatus::InProgress];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Unassigned => "unassigned",
            JobStatus::Pending => "pending",
            JobStatus::InProgress => "in_progress",
            JobStatus::NeedsAnswer => "needs_answer",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
            JobStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<JobStatus> {
        JobStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            JobStatus::Unassigned => "Waiting for an assistant",
            JobStatus::Pending => "Assigned",
            JobStatus::InProgress => "In progress",
            JobStatus::NeedsAnswer => "Waiting for the client",
            JobStatus::Completed => "Completed",
            JobStatus::Failed => "Failed",
            JobStatus::Cancelled => "Cancelled",
            JobStatus::Expired => "Expired",
        }
    }

    /// The label the job's client reads: the same as [`JobStatus::label`], except that a job waiting for their answer
    /// says so.
    pub fn client_label(self) -> &'static str {
        match self {
            JobStatus::NeedsAnswer => "Needs your answer",
            s => s.label(),
        }
    }

    /// Not finished: may still be cancelled or reassigned.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            JobStatus::Unassigned
                | JobStatus::Pending
                | JobStatus::InProgress
                | JobStatus::NeedsAnswer
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Priority::Low => "Low",
            Priority::Normal => "Normal",
            Priority::High => "High",
            Priority::Urgent => "Urgent",
        }
    }
}

/// The delegate form as submitted: text fields, checked by the server (field-level errors).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DelegateForm {
    pub job_url: String,
    #[serde(default)]
    pub company_name: String,
    #[serde(default)]
    pub job_title: String,
    /// Where the job is, as the posting says (optional).
    #[serde(default)]
    pub location: String,
    /// A resume type id of the client's own, or empty.
    #[serde(default)]
    pub resume_type_id: String,
    /// `low`, `normal` (default), `high` or `urgent`.
    #[serde(default)]
    pub priority: String,
    /// Empty, `YYYY-MM-DD` (end of that day, UTC), `YYYY-MM-DDTHH:MM` (UTC) or RFC 3339.
    #[serde(default)]
    pub deadline: String,
    #[serde(default)]
    pub notes: String,
}

/// The bulk form: one URL per line (at most 50), the rest shared by every line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkForm {
    pub urls: String,
    #[serde(default)]
    pub resume_type_id: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub deadline: String,
    #[serde(default)]
    pub notes: String,
}

/// What happened to one line of a bulk delegation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum BulkOutcome {
    Created { job_id: Uuid, status: JobStatus },
    Duplicate { job_id: Uuid, message: String },
    Invalid { message: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkLine {
    /// 1-based line number in the submitted text.
    pub line: usize,
    pub url: String,
    pub outcome: BulkOutcome,
}

/// One job in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct JobSummary {
    pub id: Uuid,
    pub client_id: Uuid,
    pub client_name: String,
    pub job_url: String,
    pub company_name: String,
    pub job_title: String,
    pub status: JobStatus,
    pub priority: Priority,
    pub deadline: Option<chrono::DateTime<chrono::Utc>>,
    pub delegated_at: chrono::DateTime<chrono::Utc>,
    pub assigned_at: Option<chrono::DateTime<chrono::Utc>>,
    pub employee_id: Option<Uuid>,
    pub employee_name: Option<String>,
    pub resume_type_id: Option<Uuid>,
    pub resume_type_name: Option<String>,
    /// Where the job is, if the client said.
    #[serde(default)]
    pub location: String,
}

/// `GET /api/v1/jobs/lookup?url=`: the client's live delegation of the posting at this address (any of its
/// addresses: the posting's identity is compared, not the text), or none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DelegatedBefore {
    pub job: Option<JobSummary>,
}

impl JobSummary {
    /// The title to show: "Title at Company", or the URL when the client gave neither.
    pub fn heading(&self) -> String {
        heading(&self.job_title, &self.company_name, &self.job_url)
    }
}

/// "Title at Company", whichever of the two is given, or the URL when neither is.
pub fn heading(title: &str, company: &str, url: &str) -> String {
    match (title.is_empty(), company.is_empty()) {
        (false, false) => format!("{title} at {company}"),
        (false, true) => title.to_string(),
        (true, false) => company.to_string(),
        (true, true) => url.to_string(),
    }
}

/// One entry of a job's timeline (from the activity log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    pub at: chrono::DateTime<chrono::Utc>,
    pub action: String,
    /// Who did it ("System" for automatic distribution).
    pub actor: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct JobDetail {
    pub job: JobSummary,
    pub notes: String,
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub timeline: Vec<TimelineEntry>,
    /// How it ended, once the employee completed it.
    pub completion: Option<super::work::CompletionView>,
    /// The questions the employee asked the client, the oldest first, with the answers given so far.
    #[serde(default)]
    pub questions: Vec<super::questions::JobQuestion>,
}

/// What asking the client answers (`POST /api/v1/jobs/{id}/questions`): the job, now waiting for the client, and
/// every question on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QuestionsAsked {
    pub job: JobSummary,
    pub questions: Vec<super::questions::JobQuestion>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobSort {
    #[default]
    Newest,
    Oldest,
    Deadline,
    Priority,
}

impl JobSort {
    pub const ALL: [JobSort; 4] = [
        JobSort::Newest,
        JobSort::Oldest,
        JobSort::Deadline,
        JobSort::Priority,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobSort::Newest => "newest",
            JobSort::Oldest => "oldest",
            JobSort::Deadline => "deadline",
            JobSort::Priority => "priority",
        }
    }

    pub fn parse(s: &str) -> Option<JobSort> {
        JobSort::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            JobSort::Newest => "Newest first",
            JobSort::Oldest => "Oldest first",
            JobSort::Deadline => "Deadline soonest",
            JobSort::Priority => "Priority highest",
        }
    }
}

/// Filters of a job list. Clients see their own jobs whatever `client_id` says; admins may filter by client,
/// employee, or unassigned only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobQuery {
    #[serde(default)]
    pub status: Option<JobStatus>,
    /// Matches title, company or URL.
    #[serde(default)]
    pub search: Option<String>,
    #[serde(default)]
    pub sort: Option<JobSort>,
    #[serde(default)]
    pub client_id: Option<Uuid>,
    #[serde(default)]
    pub employee_id: Option<Uuid>,
    /// Only jobs waiting for an employee.
    #[serde(default)]
    pub unassigned: Option<bool>,
    #[serde(default)]
    pub page: Option<u64>,
    #[serde(default)]
    pub per_page: Option<u64>,
}
