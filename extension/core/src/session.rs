//! When the service worker refreshes the access token, and what it does
//! after a 401. The rules are pure functions of the clock, so they are
//! tested here rather than in a browser.
//!
//! The access token is refreshed a minute before it expires, and once more
//! if the backend answers 401 anyway (a revoked session, a clock that is
//! off). A refresh the backend refuses signs the user out; one that fails
//! for any other reason (the backend is down) keeps the tokens.

use serde::{Deserialize, Serialize};
use shared_types::{ErrorCode, TokenResponse};

/// How long before expiry an access token counts as stale.
pub const REFRESH_MARGIN_MS: f64 = 60_000.0;

/// An access token and when it expires (milliseconds since the epoch).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessToken {
    /// The bearer token.
    pub token: String,
    /// When it stops being accepted.
    pub expires_at_ms: f64,
}

impl AccessToken {
    /// The access token from a sign-in or refresh answer received at `now_ms`.
    pub fn from_response(response: &TokenResponse, now_ms: f64) -> Self {
        Self {
            token: response.access_token.clone(),
            expires_at_ms: now_ms + response.expires_in as f64 * 1000.0,
        }
    }

    /// Whether it can still be sent at `now_ms` without refreshing first.
    pub fn is_fresh(&self, now_ms: f64) -> bool {
        now_ms + REFRESH_MARGIN_MS < self.expires_at_ms
    }
}

/// What to do before sending an authenticated request.
#[derive(Debug, Clone, PartialEq)]
pub enum BeforeRequest {
    /// Send it with this token.
    Send(String),
    /// Refresh first, then send.
    Refresh,
    /// Nobody is signed in.
    SignedOut,
}

/// Decides how to authenticate a request at `now_ms`.
pub fn before_request(
    access: Option<&AccessToken>,
    has_refresh_token: bool,
    now_ms: f64,
) -> BeforeRequest {
    match access {
        Some(access) if access.is_fresh(now_ms) => BeforeRequest::Send(access.token.clone()),
        _ if has_refresh_token => BeforeRequest::Refresh,
        _ => BeforeRequest::SignedOut,
    }
}

/// Whether to refresh and send a request again after its response.
pub fn retry_after_response(status: u16, already_refreshed: bool) -> bool {
    status == 401 && !already_refreshed
}

/// Whether a failed refresh means the session is over (the tokens are
/// dropped) rather than a passing fault (they are kept).
pub fn refresh_failure_ends_session(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::InvalidToken | ErrorCode::MissingToken | ErrorCode::InvalidCredentials
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(expires_at_ms: f64) -> AccessToken {
        AccessToken {
            token: "t".into(),
            expires_at_ms,
        }
    }

    #[test]
    fn a_fresh_token_is_sent_as_it_is() {
        let access = token(1_000_000.0);
        assert_eq!(
            before_request(Some(&access), true, 0.0),
            BeforeRequest::Send("t".into())
        );
    }

    #[test]
    fn a_token_within_a_minute_of_expiry_is_refreshed_first() {
        let access = token(100_000.0);
        assert_eq!(
            before_request(Some(&access), true, 40_001.0),
            BeforeRequest::Refresh
        );
        assert_eq!(
            before_request(Some(&access), true, 39_999.0),
            BeforeRequest::Send("t".into())
        );
    }

    #[test]
    fn no_access_token_refreshes_when_a_refresh_token_is_kept() {
        assert_eq!(before_request(None, true, 0.0), BeforeRequest::Refresh);
        assert_eq!(before_request(None, false, 0.0), BeforeRequest::SignedOut);
        let stale = token(0.0);
        assert_eq!(
            before_request(Some(&stale), false, 10.0),
            BeforeRequest::SignedOut
        );
    }

    #[test]
    fn a_401_is_retried_once_after_a_refresh() {
        assert!(retry_after_response(401, false));
        assert!(!retry_after_response(401, true));
        assert!(!retry_after_response(403, false));
        assert!(!retry_after_response(200, false));
    }

    #[test]
    fn only_a_refused_refresh_ends_the_session() {
        assert!(refresh_failure_ends_session(ErrorCode::InvalidToken));
        assert!(!refresh_failure_ends_session(ErrorCode::ServiceUnavailable));
        assert!(!refresh_failure_ends_session(ErrorCode::RateLimited));
    }

    #[test]
    fn expiry_is_counted_from_when_the_answer_arrived() {
        let response: TokenResponse = serde_json::from_value(serde_json::json!({
            "access_token": "a", "refresh_token": "r", "token_type": "Bearer",
            "expires_in": 900,
            "user": {"id": 1, "email": "e@x.io", "full_name": null, "role": "user",
                     "subscription_tier": "free", "created_at": "", "updated_at": "",
                     "last_login_at": null}
        }))
        .expect("token response");
        let access = AccessToken::from_response(&response, 5_000.0);
        assert_eq!(access.expires_at_ms, 905_000.0);
    }
}
