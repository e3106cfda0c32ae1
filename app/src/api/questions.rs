//! Questions the client must answer: screening questions of an application form that the client's profile cannot
//! answer, asked by the employee working the job and answered by the client on the job's page.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{error::FieldError, AppError};

/// The most questions one request may ask.
pub const QUESTIONS_MAX: usize = 20;
/// The longest question, in characters (forms' questions are a sentence or two).
pub const QUESTION_MAX: usize = 500;
/// The longest answer, in characters.
pub const ANSWER_MAX: usize = 2000;

/// One question on a job, with its answer once the client gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct JobQuestion {
    pub id: Uuid,
    pub question: String,
    /// `None` while the client has not answered.
    pub answer: Option<String>,
    pub asked_at: chrono::DateTime<chrono::Utc>,
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Who asked (the employee's name), if they still exist.
    #[serde(default)]
    pub asked_by: Option<String>,
}

/// `POST /api/v1/jobs/{id}/questions`: the questions to ask the job's client.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AskQuestions {
    /// 1 to 20 questions, each 1 to 500 characters, e.g. "Are you willing to relocate?".
    pub questions: Vec<String>,
}

/// The client's answer to one question; `save` keeps it in their profile for the next form that asks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerInput {
    pub question_id: Uuid,
    pub answer: String,
    #[serde(default)]
    pub save: bool,
}

/// Trimmed questions, or field errors: `questions` (none, or too many) and `questions.<i>` (empty or too long).
pub fn clean_questions(questions: &[String]) -> Result<Vec<String>, AppError> {
    if questions.is_empty() {
        return Err(AppError::field("questions", "Ask at least one question."));
    }
    if questions.len() > QUESTIONS_MAX {
        return Err(AppError::field(
            "questions",
            format!("Ask at most {QUESTIONS_MAX} questions at once."),
        ));
    }
    let mut fields = Vec::new();
    let cleaned: Vec<String> = questions.iter().map(|q| q.trim().to_string()).collect();
    for (i, q) in cleaned.iter().enumerate() {
        let message = if q.is_empty() {
            "Write the question.".to_string()
        } else if q.chars().count() > QUESTION_MAX {
            format!("Keep the question under {QUESTION_MAX} characters.")
        } else {
            continue;
        };
        fields.push(FieldError {
            field: format!("questions.{i}"),
            message,
        });
    }
    if fields.is_empty() {
        Ok(cleaned)
    } else {
        Err(AppError::fields(fields))
    }
}

/// The dashboard's form: one question per line, blank lines left out.
pub fn questions_of_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A trimmed answer, or a field error on `answer`.
pub fn clean_answer(answer: &str) -> Result<String, AppError> {
    let a = answer.trim();
    if a.is_empty() {
        Err(AppError::field("answer", "Write your answer."))
    } else if a.chars().count() > ANSWER_MAX {
        Err(AppError::field(
            "answer",
            format!("Keep the answer under {ANSWER_MAX} characters."),
        ))
    } else {
        Ok(a.to_string())
    }
}

/// Two questions are the same when they differ only in case and spacing.
pub fn same_question(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_are_trimmed_and_checked_one_by_one() {
        assert_eq!(
            clean_questions(&["  Will you relocate? ".into()]).ok(),
            Some(vec!["Will you relocate?".to_string()])
        );
        let e = clean_questions(&["ok?".into(), " ".into(), "x".repeat(501)]).unwrap_err();
        assert!(e.field_message("questions.1").is_some());
        assert!(e.field_message("questions.2").is_some());
        assert!(e.field_message("questions.0").is_none());
        assert!(clean_questions(&[])
            .unwrap_err()
            .field_message("questions")
            .is_some());
        let many = vec!["q?".to_string(); QUESTIONS_MAX + 1];
        assert!(clean_questions(&many)
            .unwrap_err()
            .field_message("questions")
            .is_some());
    }

    #[test]
    fn questions_match_whatever_their_case_and_spacing() {
        assert!(same_question(
            "Are you willing to  relocate?",
            " are YOU willing to relocate? "
        ));
        assert!(!same_question(
            "Are you willing to relocate?",
            "Are you willing to travel?"
        ));
    }
}
