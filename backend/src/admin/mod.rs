//! The operator's console, without HTTP: users (list, detail, tier,
//! suspension, grants, sessions, deletion), models (kill switch, tiers,
//! prices) and analytics over the ledger. Every change writes its audit row
//! in the same transaction.

pub mod analytics;
pub mod cli;
pub mod models;
pub mod rollup;
pub mod users;

use chrono::{NaiveDate, NaiveDateTime};

use crate::db::DbError;

/// Why an admin action was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The request is malformed.
    #[error("{0}")]
    InvalidInput(String),
    /// No such user or model.
    #[error("{0}")]
    NotFound(String),
    /// Well formed, but not allowed (an admin acting on their own account).
    #[error("{0}")]
    NotAllowed(String),
    /// Deleting the account failed (Stripe could not be reached, say).
    #[error(transparent)]
    Lifecycle(#[from] crate::lifecycle::LifecycleError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for AdminError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(err))
    }
}

/// A day (`YYYY-MM-DD`, UTC) or a time (RFC 3339); with `end_of_day`, a bare
/// day means the first instant after it (for exclusive upper bounds).
pub fn parse_time(name: &str, value: &str, end_of_day: bool) -> Result<NaiveDateTime, AdminError> {
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        let day = if end_of_day {
            day.succ_opt().unwrap_or(day)
        } else {
            day
        };
        return Ok(day.and_hms_opt(0, 0, 0).unwrap_or_default());
    }
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|t| t.naive_utc())
        .map_err(|_| {
            AdminError::InvalidInput(format!("{name} must be YYYY-MM-DD or an RFC 3339 time."))
        })
}
