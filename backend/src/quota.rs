//! Monthly question quotas: calendar months in UTC.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use shared_types::QuotaStatus;

/// One quota period: a calendar month (UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// `YYYY-MM`, the counter's key.
    pub key: String,
    /// The first instant of the month.
    pub start: NaiveDateTime,
    /// The first instant of the next month.
    pub end: NaiveDateTime,
}

impl Period {
    /// The month containing `at`.
    pub fn containing(at: NaiveDateTime) -> Self {
        let (year, month) = (at.year(), at.month());
        let first = |y: i32, m: u32| {
            NaiveDate::from_ymd_opt(y, m, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .unwrap_or_default()
        };
        let (next_year, next_month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        Self {
            key: format!("{year:04}-{month:02}"),
            start: first(year, month),
            end: first(next_year, next_month),
        }
    }

    /// The current month.
    pub fn current() -> Self {
        Self::containing(crate::db::now())
    }

    /// The API view of `used` of `limit` in this period, `granted` extra
    /// questions included in the limit.
    pub fn status(&self, used: i32, granted: i32, limit: Option<u32>) -> QuotaStatus {
        let granted = u32::try_from(granted).unwrap_or_default();
        QuotaStatus {
            used: u32::try_from(used).unwrap_or_default(),
            limit: limit.map(|l| l.saturating_add(granted)),
            period_end: crate::db::rfc3339(self.end),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("valid")
    }

    #[test]
    fn a_period_is_the_calendar_month_in_utc() {
        let p = Period::containing(at("2026-11-22 13:45:00"));
        assert_eq!(p.key, "2026-11");
        assert_eq!(p.start, at("2026-11-01 00:00:00"));
        assert_eq!(p.end, at("2026-12-01 00:00:00"));
        assert_eq!(p.status(3, 0, Some(10)).period_end, "2026-12-01T00:00:00Z");
    }

    #[test]
    fn december_rolls_into_january() {
        let p = Period::containing(at("2026-12-31 23:59:59"));
        assert_eq!(
            (p.key.as_str(), p.end),
            ("2026-12", at("2027-01-01 00:00:00"))
        );
    }
}
