//! `GET /api/v1/usage`: this period's quota and what the last 30 days cost.

use serde::{Deserialize, Serialize};

use crate::ask::QuotaStatus;

/// The caller's usage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageReport {
    /// Questions used of this period's quota.
    pub quota: QuotaStatus,
    /// Input tokens this period.
    pub input_tokens: u64,
    /// Output tokens this period.
    pub output_tokens: u64,
    /// Cost this period in US dollars (exact decimal string).
    pub cost_usd: String,
    /// One entry per day of the last 30 days (UTC) with any use, oldest first.
    pub daily: Vec<DailyUsage>,
}

/// One day's use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyUsage {
    /// The day, `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Questions asked.
    pub questions: u32,
    /// Input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Cost in US dollars (exact decimal string).
    pub cost_usd: String,
}
