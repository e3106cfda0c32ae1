//! Analytics: the spec's business figures per role, over a chosen period (whole UTC days).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{jobs::JobStatus, AppError};

/// Longest period one request may cover.
pub const MAX_DAYS: i64 = 366;
/// Default period: the last 30 days, today included.
pub const DEFAULT_DAYS: i64 = 30;
/// The spec's alert thresholds for the completion rate.
pub const WARNING_BELOW: f64 = 0.85;
pub const CRITICAL_BELOW: f64 = 0.70;

/// From `from` to `to`, both included (UTC days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The last `days` days up to `today`.
    pub fn last(days: i64, today: NaiveDate) -> Period {
        Period {
            from: today - Duration::days(days.clamp(1, MAX_DAYS) - 1),
            to: today,
        }
    }

    /// From form or query text (`YYYY-MM-DD`; either may be empty for the default), checked.
    pub fn parse(from: &str, to: &str, today: NaiveDate) -> Result<Period, AppError> {
        let day = |field: &str, raw: &str| -> Result<Option<NaiveDate>, AppError> {
            let raw = raw.trim();
            if raw.is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| AppError::field(field, "Use a date like 2026-01-31."))
        };
        let to_day = day("to", to)?.unwrap_or(today);
        let from_day = day("from", from)?.unwrap_or(to_day - Duration::days(DEFAULT_DAYS - 1));
        if from_day > to_day {
            return Err(AppError::field(
                "from",
                "The start must not be after the end.",
            ));
        }
        if (to_day - from_day).num_days() + 1 > MAX_DAYS {
            return Err(AppError::field(
                "from",
                format!("Choose at most {MAX_DAYS} days."),
            ));
        }
        Ok(Period {
            from: from_day,
            to: to_day,
        })
    }

    /// The first instant of the period.
    pub fn start(&self) -> DateTime<Utc> {
        self.from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
    }

    /// The first instant after the period.
    pub fn end(&self) -> DateTime<Utc> {
        (self.to + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
    }

    pub fn days(&self) -> Vec<NaiveDate> {
        self.from
            .iter_days()
            .take_while(|d| *d <= self.to)
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DayCount {
    pub day: NaiveDate,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatusCount {
    pub status: JobStatus,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NamedCount {
    pub name: String,
    pub count: u64,
}

/// The figures of one scope (a client's jobs, an employee's, or all) over a period.
///
/// - `by_status`, `delegated`, `delegated_per_day`: jobs delegated in the period.
/// - `completion_rate`: of the jobs that ended in the period (submitted, could not be submitted, or expired; a
///   cancelled job is the client's choice and does not count), the share submitted.
/// - `avg_hours_to_complete`: delegation to submission, for jobs submitted in the period.
/// - `avg_minutes_working`: the employee's start to submission, same jobs.
/// - `on_time_rate`: of the jobs submitted in the period that had a deadline, the share submitted by it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Figures {
    pub period: Period,
    pub delegated: u64,
    pub by_status: Vec<StatusCount>,
    pub submitted: u64,
    pub not_submitted: u64,
    pub expired: u64,
    pub completion_rate: Option<f64>,
    pub avg_hours_to_complete: Option<f64>,
    pub avg_minutes_working: Option<f64>,
    pub on_time_rate: Option<f64>,
    pub delegated_per_day: Vec<DayCount>,
    pub completed_per_day: Vec<DayCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClientAnalytics {
    pub figures: Figures,
    /// Jobs delegated in the period per resume ("No resume" for none).
    pub by_resume: Vec<NamedCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EmployeeAnalytics {
    pub figures: Figures,
    /// Open jobs assigned now (assigned or in progress).
    pub open_load: u64,
}

/// One line of the admin's employee table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EmployeeRow {
    pub employee_id: Uuid,
    pub name: String,
    pub email: String,
    pub submitted: u64,
    pub not_submitted: u64,
    pub avg_minutes_working: Option<f64>,
    pub on_time_rate: Option<f64>,
    pub open_load: u64,
}

/// One line of the admin's client table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClientRow {
    pub client_id: Uuid,
    pub name: String,
    pub email: String,
    pub delegated: u64,
    pub submitted: u64,
    pub completion_rate: Option<f64>,
    pub open: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum AlertLevel {
    Warning,
    Critical,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RateAlert {
    pub level: AlertLevel,
    pub message: String,
}

impl RateAlert {
    /// The alert the spec asks for, if the rate is below a threshold.
    pub fn for_rate(rate: Option<f64>) -> Option<RateAlert> {
        let r = rate?;
        let pct = (r * 1000.0).round() / 10.0;
        if r < CRITICAL_BELOW {
            Some(RateAlert {
                level: AlertLevel::Critical,
                message: format!("Completion rate {pct}% is below 70%: review assignments now."),
            })
        } else if r < WARNING_BELOW {
            Some(RateAlert {
                level: AlertLevel::Warning,
                message: format!("Completion rate {pct}% is below 85%: review assignments."),
            })
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminAnalytics {
    pub figures: Figures,
    pub employees: Vec<EmployeeRow>,
    pub clients: Vec<ClientRow>,
    /// Jobs waiting for an assistant now, and since when the oldest waits.
    pub unassigned: u64,
    pub oldest_unassigned: Option<DateTime<Utc>>,
    pub alert: Option<RateAlert>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_checked() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default();
        let p = Period::parse("", "", today).unwrap();
        assert_eq!(p.days().len(), 30);
        assert_eq!(p.to, today);
        let p = Period::parse("2026-11-01", "2026-11-03", today).unwrap();
        assert_eq!(p.days().len(), 3);
        assert_eq!(p.end() - p.start(), Duration::days(3));
        assert!(Period::parse("2026-11-05", "2026-11-03", today).is_err());
        assert!(Period::parse("2024-01-01", "2026-11-03", today).is_err());
        assert_eq!(
            Period::parse("yesterday", "", today)
                .unwrap_err()
                .field_message("from"),
            Some("Use a date like 2026-01-31.".into())
        );
    }

    #[test]
    fn alerts_follow_the_spec_thresholds() {
        assert_eq!(RateAlert::for_rate(None), None);
        assert_eq!(RateAlert::for_rate(Some(0.9)), None);
        assert_eq!(RateAlert::for_rate(Some(0.85)), None);
        assert_eq!(
            RateAlert::for_rate(Some(0.8)).unwrap().level,
            AlertLevel::Warning
        );
        assert_eq!(
            RateAlert::for_rate(Some(0.69)).unwrap().level,
            AlertLevel::Critical
        );
        assert!(RateAlert::for_rate(Some(0.5))
            .unwrap()
            .message
            .contains("50%"));
    }
}
