//! What the operator's admin API speaks: users, analytics, models and the
//! audit log.

use serde::{Deserialize, Serialize};

use crate::{BillingStatus, QuotaStatus, Role, Tier};

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Its id (increasing with time).
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// `user`, `system` or `stripe`.
    pub actor_type: String,
    /// The acting user, when a user acted.
    pub actor_id: Option<i64>,
    /// The acting user's email as it was then.
    pub actor_email: Option<String>,
    /// What happened, such as `auth.sign_in_failed`.
    pub action: String,
    /// What it happened to: `user`, `subscription`, ...
    pub target_type: Option<String>,
    /// Which one.
    pub target_id: Option<String>,
    /// The client's IP address.
    pub ip: Option<String>,
    /// The client's User-Agent.
    pub user_agent: Option<String>,
    /// More about it (before and after values for changes).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
}

/// One page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    /// The entries.
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next page; absent on the last.
    pub next_before: Option<i64>,
}

/// A user as an admin sees them in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminUserSummary {
    /// The user's id.
    pub id: i64,
    /// The sign-in address.
    pub email: String,
    /// The display name.
    pub full_name: Option<String>,
    /// User or admin.
    pub role: Role,
    /// The tier in force now.
    pub tier: Tier,
    /// When a tier set by hand (or kept through a payment grace) ends.
    pub tier_until: Option<String>,
    /// Whether an admin suspended the account.
    pub suspended: bool,
    /// When the account was created (RFC 3339, UTC).
    pub created_at: String,
    /// When the user last signed in (RFC 3339, UTC).
    pub last_login_at: Option<String>,
    /// Questions counted this month.
    pub questions_this_month: u32,
    /// What the user's asks cost this month, in dollars.
    pub cost_this_month_usd: String,
}

/// `GET /api/v1/admin/users`: one page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminUserPage {
    /// The users.
    pub users: Vec<AdminUserSummary>,
    /// Pass as `before` for the next page; absent on the last.
    pub next_before: Option<String>,
}

/// One ask, as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerEntry {
    /// The ledger row's id.
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The user who asked; `None` once the account is deleted (the row
    /// stays for the operator's accounts).
    pub user_id: Option<i64>,
    /// The provider that answered (or failed).
    pub provider: String,
    /// The model.
    pub model: String,
    /// `ok`, `cancelled`, `upstream_error` or `upstream_timeout`.
    pub outcome: String,
    /// Whether the question counted against the quota.
    pub charged: bool,
    /// Input tokens.
    pub input_tokens: i64,
    /// Output tokens.
    pub output_tokens: i64,
    /// Cost in dollars.
    pub cost_usd: String,
    /// Time to the first token, in milliseconds.
    pub ttft_ms: Option<i32>,
    /// Time to the end, in milliseconds.
    pub total_ms: i32,
}

/// `GET /api/v1/admin/users/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminUserDetail {
    /// The profile.
    pub user: AdminUserSummary,
    /// The subscription.
    pub billing: BillingStatus,
    /// This period's questions; the limit includes the questions granted.
    pub quota: QuotaStatus,
    /// Questions an admin granted for this period.
    pub granted_this_month: u32,
    /// What the user's asks cost in all, in dollars.
    pub cost_all_time_usd: String,
    /// Sessions that can still be refreshed.
    pub active_sessions: u32,
    /// The last asks, newest first.
    pub recent_asks: Vec<LedgerEntry>,
}

/// `PATCH /api/v1/admin/users/{id}`: a tier set by hand, or suspension.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AdminUserPatch {
    /// The tier to give (a complimentary plan).
    pub tier: Option<Tier>,
    /// When that tier ends (`YYYY-MM-DD` or RFC 3339); absent: it does not.
    pub tier_until: Option<String>,
    /// Suspend (`true`) or restore (`false`) the account.
    pub suspended: Option<bool>,
}

/// `POST /api/v1/admin/users/{id}/grant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    /// Extra questions for this month, 1 to 10,000.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub questions: u32,
}

/// A model as an admin manages it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminModel {
    /// The id clients use.
    pub id: String,
    /// Its provider.
    pub provider: String,
    /// A name for people.
    pub display_name: String,
    /// Whether it may be used now.
    pub enabled: bool,
    /// Whether its provider is configured on this server.
    pub provider_configured: bool,
    /// The tiers that may use it.
    pub tiers: Vec<Tier>,
    /// Dollars per 1,000 input tokens.
    pub input_usd_per_1k: String,
    /// Dollars per 1,000 output tokens.
    pub output_usd_per_1k: String,
    /// Whether an admin changed it (the database overrides the file).
    pub overridden: bool,
    /// Asks this month.
    pub asks_this_month: u64,
    /// Tokens in and out this month.
    pub tokens_this_month: u64,
    /// Its cost this month, in dollars.
    pub cost_this_month_usd: String,
}

/// `PATCH /api/v1/admin/models/{id}`: any of these.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AdminModelPatch {
    /// Turn the model on or off.
    pub enabled: Option<bool>,
    /// The tiers that may use it.
    pub tiers: Option<Vec<Tier>>,
    /// Dollars per 1,000 input tokens, as a decimal string.
    pub input_usd_per_1k: Option<String>,
    /// Dollars per 1,000 output tokens, as a decimal string.
    pub output_usd_per_1k: Option<String>,
}

/// One day of the analytics series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnalyticsDay {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Accounts created.
    pub signups: u64,
    /// Users who asked.
    pub active_users: u64,
    /// Asks that were answered (charged).
    pub questions: u64,
    /// Asks that failed.
    pub failed: u64,
    /// Input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Cost, in dollars.
    pub cost_usd: String,
    /// Stripe subscriptions started.
    pub new_subscriptions: u64,
    /// The monthly recurring revenue those subscriptions added, in the
    /// currency's smallest unit (see `Analytics::revenue`); absent without
    /// Stripe's prices.
    pub new_mrr_minor: Option<i64>,
}

/// Monthly recurring revenue now, at Stripe's prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revenue {
    /// ISO 4217, lower case (`usd`): the currency of the plans' prices.
    pub currency: String,
    /// In the currency's smallest unit (cents).
    pub mrr_minor: i64,
    /// For display: `$27.00`.
    pub mrr: String,
}

/// Cost and asks of one provider or model over the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CostLine {
    /// The provider or model.
    pub name: String,
    /// Asks.
    pub asks: u64,
    /// Input plus output tokens.
    pub tokens: u64,
    /// Cost, in dollars.
    pub cost_usd: String,
}

/// Failed asks of one provider with one outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailureLine {
    /// The provider.
    pub provider: String,
    /// `upstream_error` or `upstream_timeout`.
    pub outcome: String,
    /// How many.
    pub count: u64,
}

/// Time to first token of one provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LatencyLine {
    /// The provider.
    pub provider: String,
    /// Asks measured.
    pub samples: u64,
    /// Median, in milliseconds (to 10 ms, rounded up).
    pub p50_ms: u32,
    /// 95th percentile, in milliseconds (to 10 ms, rounded up).
    pub p95_ms: u32,
}

/// Subscriptions of one tier now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierCount {
    /// The tier.
    pub tier: Tier,
    /// Users on it now.
    pub users: u64,
    /// Of them, with a live Stripe subscription.
    pub subscribed: u64,
}

/// One of the users who cost most over the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopUser {
    /// The user's id.
    pub id: i64,
    /// Their email (absent once the account is deleted).
    pub email: Option<String>,
    /// Asks.
    pub asks: u64,
    /// Cost, in dollars.
    pub cost_usd: String,
}

/// `GET /api/v1/admin/analytics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Analytics {
    /// First day (`YYYY-MM-DD`).
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
    /// One entry per day, every day of the range.
    pub days: Vec<AnalyticsDay>,
    /// Cost by provider, most expensive first.
    pub cost_by_provider: Vec<CostLine>,
    /// Cost by model, most expensive first.
    pub cost_by_model: Vec<CostLine>,
    /// Failed asks by provider and outcome.
    pub failures: Vec<FailureLine>,
    /// Time to first token by provider.
    pub time_to_first_token: Vec<LatencyLine>,
    /// Users by tier now.
    pub tiers: Vec<TierCount>,
    /// Monthly recurring revenue from live subscriptions at Stripe's prices
    /// (yearly prices count a twelfth); absent when Stripe is not configured
    /// or did not answer.
    pub revenue: Option<Revenue>,
    /// Users now on a paid tier out of all users, as a fraction.
    pub paid_share: f64,
    /// Of the users who signed up in the range, those on a paid tier now.
    pub converted_in_range: u64,
    /// Users who signed up in the range.
    pub signups_in_range: u64,
    /// The users who cost most over the range.
    pub top_users: Vec<TopUser>,
}

/// `POST /api/v1/admin/users/{id}/revoke-sessions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionsRevoked {
    /// Sessions that were live and are now revoked.
    pub sessions_revoked: u32,
}
