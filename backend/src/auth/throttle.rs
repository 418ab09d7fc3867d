//! Password guessing slowed down, without letting anyone lock an owner out.
//!
//! Failed passwords (at sign-in, and when confirming a change or a deletion)
//! are counted per address tried and per client IP. Past
//! [`super::AuthSettings::throttle_after`] failures of an address (or
//! [`IP_THRESHOLD`] of an IP), each further failure blocks that key for a
//! growing time, 1 s doubling up to [`super::AuthSettings::max_wait`] (a minute
//! for an IP, which many people may share). While a key
//! is blocked, attempts answer 429 with `Retry-After` without a password
//! check, except from a *known client*: an IP that signed in to the account
//! within [`KNOWN_CLIENT_DAYS`], whose right password still works. An address
//! with no account is counted and blocked exactly as one with an account,
//! so the answers tell nothing about which addresses have one.

use std::time::Duration;

use diesel::Connection;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Accounts, AuthError, actor, to_chrono};
use crate::audit::{self, Action, Actor, Event, Origin};
use crate::db::models::UserRow;
use crate::db::{self, Db, Scope, sign_in_throttle};

/// Failures from one IP (across addresses) before each further one blocks it.
pub const IP_THRESHOLD: i32 = 20;
/// The longest an IP waits: many people may share one address (an office,
/// a campus), so it slows guessing without shutting them out for long.
const IP_MAX_WAIT: Duration = Duration::from_secs(60);
/// A key's failures are forgotten this long after its last one.
const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);
/// How recent a sign-in from an IP makes it a known client of the account.
pub const KNOWN_CLIENT_DAYS: i64 = 90;

/// The keys one attempt is counted under.
pub(super) struct Keys {
    account: String,
    ip: Option<String>,
}

/// The key of a (normalised) address.
pub(super) fn account_key(email: &str) -> String {
    format!("account:{}", hex::encode(Sha256::digest(email.as_bytes())))
}

impl Keys {
    /// For the (normalised) address tried, from `origin`.
    pub(super) fn new(email: &str, origin: &Origin) -> Self {
        Self {
            account: account_key(email),
            ip: origin
                .ip
                .as_ref()
                .filter(|ip| *ip != "unknown")
                .map(|ip| format!("ip:{ip}")),
        }
    }

    fn all(&self) -> Vec<&str> {
        std::iter::once(self.account.as_str())
            .chain(self.ip.as_deref())
            .collect()
    }
}

/// How long a key with `failures` waits after its latest one, if at all.
fn wait(failures: i32, threshold: i32, max: Duration) -> Option<Duration> {
    let past = u32::try_from(failures - threshold).ok()?;
    let secs = 1u64.checked_shl(past).unwrap_or(u64::MAX);
    Some(Duration::from_secs(secs).min(max))
}

impl Accounts {
    /// Refuses the attempt while its address or IP is blocked, unless the
    /// client is known to `user`'s account.
    pub(super) async fn check_throttle(
        &self,
        keys: &Keys,
        user: Option<&UserRow>,
        email: &str,
        origin: &Origin,
    ) -> Result<(), AuthError> {
        let keys: Vec<String> = keys.all().into_iter().map(str::to_string).collect();
        let (user_id, ip) = (user.map(|u| u.id), origin.ip.clone());
        let blocked = self
            .pool
            .read(Scope::System, move |conn| {
                let now = db::now();
                let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
                let Some(until) = sign_in_throttle::blocked_until(conn, &refs, now)? else {
                    return Ok::<_, AuthError>(None);
                };
                // Asked for an address with no account too (as user 0, which
                // never signs in), so the time taken tells nothing.
                if let Some(ip) = ip {
                    let since = now - chrono::TimeDelta::days(KNOWN_CLIENT_DAYS);
                    if db::audit::signed_in_from(conn, user_id.unwrap_or(0), &ip, since)? {
                        return Ok(None);
                    }
                }
                Ok((until - now).to_std().ok())
            })
            .await?;
        match blocked {
            None => Ok(()),
            Some(retry_after) => {
                let event = Event::new(who(user, email), Action::SignInFailed)
                    .details(json!({"reason": "throttled"}));
                let event = match user {
                    Some(u) => event.on_user(u.id),
                    None => event,
                };
                self.audit(origin, event).await?;
                Err(AuthError::Locked {
                    retry_after: retry_after.max(Duration::from_secs(1)),
                })
            }
        }
    }

    /// Counts a failed password under `keys`, audited with `reason`; the
    /// error to answer (`fallback`, or `Locked` when a key became blocked).
    pub(super) async fn count_failure(
        &self,
        keys: Keys,
        user: Option<&UserRow>,
        email: &str,
        origin: &Origin,
        reason: &'static str,
        fallback: AuthError,
    ) -> Result<AuthError, AuthError> {
        let rules = self.rules.clone();
        let (who, user_id, origin) = (who(user, email), user.map(|u| u.id), origin.clone());
        let waited = self
            .pool
            .write(Scope::System, move |conn| {
                conn.transaction(|conn| {
                    let now = db::now();
                    let forget_before = now - to_chrono(FORGET_AFTER);
                    let failures =
                        sign_in_throttle::record_failure(conn, &keys.account, now, forget_before)?;
                    let (threshold, max) = (rules.throttle_after, rules.max_wait);
                    let mut longest = block(conn, &keys.account, failures, threshold, max)?;
                    if let Some(ip_key) = &keys.ip {
                        let ip_failures =
                            sign_in_throttle::record_failure(conn, ip_key, now, forget_before)?;
                        let ip_max = max.min(IP_MAX_WAIT);
                        let ip_wait = block(conn, ip_key, ip_failures, IP_THRESHOLD, ip_max)?;
                        longest = longest.max(ip_wait);
                    }
                    let on = |event: Event| match user_id {
                        Some(id) => event.on_user(id),
                        None => event,
                    };
                    let failed = Event::new(who.clone(), Action::SignInFailed)
                        .details(json!({"reason": reason, "failures": failures}));
                    audit::record(conn, &origin, on(failed))?;
                    if let Some(wait) = longest {
                        let throttled = Event::new(who, Action::SignInThrottled)
                            .details(json!({"failures": failures, "seconds": wait.as_secs()}));
                        audit::record(conn, &origin, on(throttled))?;
                    }
                    Ok::<_, AuthError>(longest)
                })
            })
            .await?;
        Ok(match waited {
            Some(retry_after) => {
                tracing::warn!(
                    reason,
                    seconds = retry_after.as_secs(),
                    "sign-ins throttled"
                );
                AuthError::Locked { retry_after }
            }
            None => fallback,
        })
    }

    /// A right password: the address's failures are forgotten.
    pub(super) fn clear_throttle(conn: &mut Db, keys: &Keys) -> Result<(), AuthError> {
        sign_in_throttle::clear(conn, &keys.account)?;
        Ok(())
    }
}

/// Blocks `key` for its wait, if it has one now.
fn block(
    conn: &mut Db,
    key: &str,
    failures: i32,
    threshold: i32,
    max_wait: Duration,
) -> Result<Option<Duration>, AuthError> {
    let Some(wait) = wait(failures, threshold, max_wait) else {
        return Ok(None);
    };
    sign_in_throttle::block(conn, key, db::now() + to_chrono(wait))?;
    Ok(Some(wait))
}

/// The actor of an attempt: the account's user, or the address tried.
fn who(user: Option<&UserRow>, email: &str) -> Actor {
    match user {
        Some(u) => actor(u),
        None => Actor::User {
            id: None,
            email: email.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_starts_at_the_threshold_doubles_and_stops_at_the_maximum() {
        let max = Duration::from_secs(900);
        let waits: Vec<_> = (3..=17)
            .map(|n| wait(n, 5, max).map(|d| d.as_secs()))
            .collect();
        assert_eq!(
            waits,
            [
                None,
                None,
                Some(1),
                Some(2),
                Some(4),
                Some(8),
                Some(16),
                Some(32),
                Some(64),
                Some(128),
                Some(256),
                Some(512),
                Some(900),
                Some(900),
                Some(900)
            ]
        );
        assert_eq!(wait(i32::MAX, 5, max), Some(max));
    }

    #[test]
    fn an_address_is_kept_only_as_its_hash() {
        let origin = Origin {
            ip: Some("203.0.113.7".into()),
            user_agent: None,
        };
        let keys = Keys::new("ada@example.com", &origin);
        assert!(keys.account.starts_with("account:") && !keys.account.contains("ada"));
        assert_eq!(keys.ip.as_deref(), Some("ip:203.0.113.7"));
        let unknown = Origin {
            ip: Some("unknown".into()),
            user_agent: None,
        };
        assert_eq!(Keys::new("a@b.c", &unknown).all().len(), 1);
    }
}
