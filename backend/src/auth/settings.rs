//! The rules for tokens, sign-in throttling and the per-IP limit on the auth routes.
//! Read from the environment by `crate::config`.

use std::time::Duration;

/// Rules for tokens, sign-in throttling and the per-IP limit on auth routes.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Lifetime of an access token.
    pub access_token_ttl: Duration,
    /// Lifetime of a refresh token.
    pub refresh_token_ttl: Duration,
    /// Failed passwords for one address before each further one makes it
    /// wait ([`super::throttle`]).
    pub throttle_after: i32,
    /// The longest such wait.
    pub max_wait: Duration,
    /// Requests per minute one client IP may make to `/auth/*`.
    pub auth_requests_per_minute: u32,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            throttle_after: 5,
            max_wait: Duration::from_secs(15 * 60),
            auth_requests_per_minute: 30,
        }
    }
}
