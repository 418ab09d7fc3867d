//! Per-key request limits with the generic cell rate algorithm (GCRA).
//!
//! Each key keeps one timestamp, the "theoretical arrival time" (TAT): the
//! moment its bucket would be empty again. A request is allowed when adding
//! one emission interval keeps the TAT within one period of now. `N per
//! minute` therefore allows a burst of N, then one every 60/N seconds.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The outcome of one check, with what the `X-RateLimit-*` headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// Requests allowed per period.
    pub limit: u32,
    /// Requests still allowed right now.
    pub remaining: u32,
    /// When refused: how long until one request is allowed again.
    pub retry_after: Duration,
    /// How long until the full allowance is back.
    pub reset_after: Duration,
}

/// An in-process limiter: `limit` requests per `period` for each key.
pub struct RateLimiter {
    limit: u32,
    period: Duration,
    tats: Mutex<HashMap<String, Instant>>,
}

/// Keys are swept of stale entries once the map grows past this size.
const SWEEP_ABOVE: usize = 10_000;

impl RateLimiter {
    /// `limit` requests per `period` (a limit of 0 refuses everything).
    pub fn new(limit: u32, period: Duration) -> Self {
        Self {
            limit,
            period,
            tats: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request for `key` at `now` and decides on it.
    pub fn check_at(&self, key: &str, now: Instant) -> Decision {
        if self.limit == 0 {
            return Decision {
                allowed: false,
                limit: 0,
                remaining: 0,
                retry_after: self.period,
                reset_after: self.period,
            };
        }
        let interval = self.period / self.limit;
        let mut tats = self
            .tats
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if tats.len() > SWEEP_ABOVE {
            tats.retain(|_, tat| *tat > now);
        }
        let tat = tats.get(key).copied().filter(|t| *t > now).unwrap_or(now);
        let new_tat = tat + interval;
        let ahead = new_tat - now;
        if ahead > self.period {
            let backlog = tat - now;
            return Decision {
                allowed: false,
                limit: self.limit,
                remaining: 0,
                retry_after: ahead - self.period,
                reset_after: backlog,
            };
        }
        tats.insert(key.to_string(), new_tat);
        let remaining = ((self.period - ahead).as_nanos() / interval.as_nanos().max(1)) as u32;
        Decision {
            allowed: true,
            limit: self.limit,
            remaining,
            retry_after: Duration::ZERO,
            reset_after: ahead,
        }
    }

    /// Counts one request for `key` now.
    pub fn check(&self, key: &str) -> Decision {
        self.check_at(key, Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_the_limit_passes_and_the_next_request_waits_one_interval() {
        let limiter = RateLimiter::new(5, Duration::from_secs(60));
        let t0 = Instant::now();
        let remaining: Vec<u32> = (0..5)
            .map(|_| limiter.check_at("ip", t0))
            .map(|d| {
                assert!(d.allowed);
                d.remaining
            })
            .collect();
        assert_eq!(remaining, vec![4, 3, 2, 1, 0]);
        let refused = limiter.check_at("ip", t0);
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after, Duration::from_secs(12));
        assert!(!limiter.check_at("ip", t0 + Duration::from_secs(11)).allowed);
        assert!(limiter.check_at("ip", t0 + Duration::from_secs(12)).allowed);
    }

    #[test]
    fn keys_are_limited_independently() {
        let limiter = RateLimiter::new(1, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(limiter.check_at("a", t0).allowed);
        assert!(!limiter.check_at("a", t0).allowed);
        assert!(limiter.check_at("b", t0).allowed);
    }

    #[test]
    fn the_full_allowance_returns_after_one_period() {
        let limiter = RateLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at("k", t0).allowed);
        }
        let later = limiter.check_at("k", t0 + Duration::from_secs(60));
        assert!(later.allowed);
        assert_eq!(later.remaining, 2);
    }

    #[test]
    fn a_zero_limit_refuses_everything() {
        let limiter = RateLimiter::new(0, Duration::from_secs(60));
        assert!(!limiter.check("k").allowed);
    }
}
