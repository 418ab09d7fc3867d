//! The rules for tokens, lockout and the per-IP limit on the auth routes.
//! Read from the environment by `crate::config`.

use std::time::Duration;

/// Rules for tokens, lockout and the per-IP limit on auth routes.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Lifetime of an access token.
    pub access_token_ttl: Duration,
    /// Lifetime of a refresh token.
    pub refresh_token_ttl: Duration,
    /// Consecutive failed sign-ins that lock an account.
    pub lockout_threshold: i32,
    /// How long a locked account stays locked.
    pub lockout_duration: Duration,
    /// Requests per minute one client IP may make to `/auth/*`.
    pub auth_requests_per_minute: u32,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            lockout_threshold: 5,
            lockout_duration: Duration::from_secs(15 * 60),
            auth_requests_per_minute: 30,
        }
    }
}
