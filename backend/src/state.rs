//! What every handler can reach: the services, built once at start.

use std::sync::Arc;

use crate::auth::Accounts;
use crate::auth::tokens::AccessTokens;
use crate::db::Pool;
use crate::rate_limit::RateLimiter;

/// Shared application state, held in `web::Data`.
pub struct AppState {
    /// The database pool (for readiness checks).
    pub pool: Pool,
    /// Account and session rules.
    pub accounts: Accounts,
    /// Access-token keys, for the `AuthUser` extractor.
    pub tokens: Arc<AccessTokens>,
    /// Per-client-IP limit on `/auth/*`.
    pub auth_limiter: RateLimiter,
    /// Whether the client IP may be taken from proxy headers.
    pub trust_proxy: bool,
}
