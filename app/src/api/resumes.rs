//! A client's resume profile (structured) and resume types (a name and a PDF each). Uploads and downloads go
//! through the authorizing file handlers (`/files/resumes`), not server functions.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Largest accepted resume PDF.
pub const RESUME_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Where the browser posts a resume (multipart: `name`, `file`, optional `replace`).
pub const RESUME_UPLOAD_PATH: &str = "/files/resumes";

/// The download address of a resume type's PDF.
pub fn resume_download_path(id: Uuid) -> String {
    format!("{RESUME_UPLOAD_PATH}/{id}")
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Experience {
    pub title: String,
    pub company: String,
    #[serde(default)]
    pub location: String,
    /// Free text such as "2021-03".
    #[serde(default)]
    pub start: String,
    /// Empty while current.
    #[serde(default)]
    pub end: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Education {
    pub school: String,
    #[serde(default)]
    pub degree: String,
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ContactInfo {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub linkedin: String,
    #[serde(default)]
    pub website: String,
    /// Street and number, as application forms ask for it.
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub github: String,
    #[serde(default)]
    pub portfolio: String,
}

/// The answers application forms commonly ask for, as the client gave them (filled into forms by the extension).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApplicationAnswers {
    /// The name they like to be called by.
    #[serde(default)]
    pub preferred_name: String,
    /// `yes`, `no`, or empty when not answered (then the question goes to the client).
    #[serde(default)]
    pub authorized_to_work: String,
    /// `yes`, `no`, or empty.
    #[serde(default)]
    pub needs_sponsorship: String,
    /// The answer to "How did you hear about us?" (e.g. "LinkedIn").
    #[serde(default)]
    pub how_heard: String,
    /// For forms with a cover letter box.
    #[serde(default)]
    pub cover_letter: String,
    /// Answers to other questions forms asked, kept for next time (one per question, compared regardless of case
    /// and spacing). Left out of the JSON while there is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub saved: Vec<SavedAnswer>,
}

/// A question a form asked and the client's answer to it, kept in their profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SavedAnswer {
    pub question: String,
    pub answer: String,
}

impl ApplicationAnswers {
    /// Keep `answer` to `question`, replacing an earlier answer to the same question (case and spacing aside).
    pub fn save(&mut self, question: &str, answer: &str) {
        self.saved
            .retain(|s| !super::questions::same_question(&s.question, question));
        self.saved.push(SavedAnswer {
            question: question.to_string(),
            answer: answer.to_string(),
        });
    }
}

/// The values a yes/no answer may take (empty: not answered).
pub const YES_NO: [&str; 3] = ["", "yes", "no"];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ResumeProfile {
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub experience: Vec<Experience>,
    #[serde(default)]
    pub education: Vec<Education>,
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(default)]
    pub contact: ContactInfo,
    #[serde(default)]
    pub answers: ApplicationAnswers,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ResumeTypeView {
    pub id: Uuid,
    pub name: String,
    pub file_name: String,
    pub file_size: i64,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
}

/// A client's resumes as they (or an employee assigned to them, or an admin) see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Resumes {
    pub client_id: Uuid,
    pub profile: ResumeProfile,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    pub types: Vec<ResumeTypeView>,
}

/// `GET /api/v1/jobs/{id}/application`: what the assigned employee needs to fill the job's application form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApplicationPacket {
    pub job: crate::api::jobs::JobSummary,
    pub first_name: String,
    pub last_name: String,
    /// The profile's e-mail address, else the account's.
    pub email: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub profile: ResumeProfile,
    /// The resume the client chose for this job, fetched from `/api/v1/jobs/{id}/resume`.
    pub resume: Option<ResumeTypeView>,
}
