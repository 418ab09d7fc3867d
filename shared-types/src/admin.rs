//! What the operator's admin API speaks: the audit log.

use serde::{Deserialize, Serialize};

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
