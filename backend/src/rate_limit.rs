//! Per-key request limits with the generic cell rate algorithm (GCRA).
//!
//! Each key keeps one timestamp, the "theoretical arrival time" (TAT): the
//! moment its bucket would be empty again. A request is allowed when adding
//! one emission interval keeps the TAT within one period of now. `N per
//! minute` therefore allows a burst of N, then one every 60/N seconds.
//!
//! [`Limiter::Local`] keeps TATs in this process. [`Limiter::Redis`] keeps them
//! in Redis and runs the algorithm in one Lua script (atomic, on Redis's
//! clock), so replicas share one limit. If Redis cannot be reached, requests
//! are limited by this process alone until it can, and a warning is logged
//! (at most every 30 seconds): a Redis outage loosens limits, it never
//! refuses all traffic. While it is down, one request a second tries it
//! again and the rest do not wait on it; the first answer logs its return.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

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

impl Decision {
    fn refuse_all(period: Duration) -> Self {
        Self {
            allowed: false,
            limit: 0,
            remaining: 0,
            retry_after: period,
            reset_after: period,
        }
    }

    /// Builds a decision from the algorithm's numbers (all in microseconds):
    /// when allowed, `slack` is the room left in the period; when refused, the
    /// wait until the next request fits. `backlog` is the TAT's lead on now.
    fn from_gcra(
        allowed: bool,
        limit: u32,
        interval_us: u64,
        slack_or_wait_us: u64,
        backlog_us: u64,
    ) -> Self {
        Self {
            allowed,
            limit,
            remaining: if allowed {
                u32::try_from(slack_or_wait_us / interval_us.max(1)).unwrap_or(u32::MAX)
            } else {
                0
            },
            retry_after: if allowed {
                Duration::ZERO
            } else {
                Duration::from_micros(slack_or_wait_us)
            },
            reset_after: Duration::from_micros(backlog_us),
        }
    }
}

/// TATs in this process.
pub struct LocalLimiter {
    period: Duration,
    tats: Mutex<HashMap<String, Instant>>,
}

/// Keys are swept of stale entries once the map grows past this size.
const SWEEP_ABOVE: usize = 10_000;

impl LocalLimiter {
    /// Limits over `period`.
    pub fn new(period: Duration) -> Self {
        Self {
            period,
            tats: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request for `key`, allowing `limit` per period, at `now`.
    pub fn check_at(&self, key: &str, limit: u32, now: Instant) -> Decision {
        if limit == 0 {
            return Decision::refuse_all(self.period);
        }
        let period_us = self.period.as_micros() as u64;
        let interval_us = period_us / u64::from(limit);
        let mut tats = self
            .tats
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if tats.len() > SWEEP_ABOVE {
            tats.retain(|_, tat| *tat > now);
        }
        let tat = tats.get(key).copied().filter(|t| *t > now).unwrap_or(now);
        let new_tat = tat + Duration::from_micros(interval_us);
        let ahead_us = (new_tat - now).as_micros() as u64;
        if ahead_us > period_us {
            return Decision::from_gcra(
                false,
                limit,
                interval_us,
                ahead_us - period_us,
                (tat - now).as_micros() as u64,
            );
        }
        tats.insert(key.to_string(), new_tat);
        Decision::from_gcra(true, limit, interval_us, period_us - ahead_us, ahead_us)
    }
}

/// The GCRA as a Redis script. KEYS[1]: the key; ARGV: interval and period
/// in microseconds. Returns {allowed, slack-or-wait, backlog} in microseconds.
const GCRA_LUA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local ahead = new_tat - now
if ahead > period then
  return {0, ahead - period, tat - now}
end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil(ahead / 1000) + 1)
return {1, period - ahead, ahead}
";

/// TATs in Redis, shared by every replica.
pub struct RedisLimiter {
    client: redis::Client,
    connection: OnceLock<redis::aio::ConnectionManager>,
    script: redis::Script,
    prefix: String,
    fallback: LocalLimiter,
    period: Duration,
    probe_every: Duration,
    health: Mutex<Health>,
}

/// What this process knows of Redis: nothing wrong, or down since a failed
/// call and tried again only once `next_probe` has passed.
#[derive(Default)]
struct Health {
    next_probe: Option<Instant>,
    last_warning: Option<Instant>,
}

/// How long one Redis call may take before the fallback decides.
const REDIS_TIMEOUT: Duration = Duration::from_millis(500);

/// While Redis is down, one request in this interval tries it again; the
/// others go straight to the fallback instead of each waiting on Redis.
const PROBE_EVERY: Duration = Duration::from_secs(1);

impl RedisLimiter {
    /// A limiter on the Redis at `url` with keys under `prefix`; connects on
    /// first use.
    pub fn new(url: &SecretString, prefix: &str, period: Duration) -> Result<Self, String> {
        let client =
            redis::Client::open(url.expose_secret()).map_err(|e| format!("REDIS_URL: {e}"))?;
        Ok(Self {
            client,
            connection: OnceLock::new(),
            script: redis::Script::new(GCRA_LUA),
            prefix: prefix.to_string(),
            fallback: LocalLimiter::new(period),
            period,
            probe_every: PROBE_EVERY,
            health: Mutex::new(Health::default()),
        })
    }

    /// The same limiter trying a Redis that is down every `interval`.
    #[cfg(test)]
    fn probing_every(mut self, interval: Duration) -> Self {
        self.probe_every = interval;
        self
    }

    /// Whether the last call to Redis failed and limits are per process.
    pub fn degraded(&self) -> bool {
        self.health().next_probe.is_some()
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn check(&self, key: &str, limit: u32) -> Decision {
        if limit == 0 {
            return Decision::refuse_all(self.period);
        }
        if !self.may_call_redis(Instant::now()) {
            return self.fallback.check_at(key, limit, Instant::now());
        }
        let period_us = self.period.as_micros() as u64;
        let interval_us = period_us / u64::from(limit);
        match tokio::time::timeout(REDIS_TIMEOUT, self.run(key, interval_us, period_us)).await {
            Ok(Ok([allowed, a, b])) => {
                if self.health().next_probe.take().is_some() {
                    tracing::info!("Redis is back: rate limits are shared again");
                }
                Decision::from_gcra(
                    allowed == 1,
                    limit,
                    interval_us,
                    a.max(0) as u64,
                    b.max(0) as u64,
                )
            }
            Ok(Err(e)) => self.fall_back(key, limit, &e.to_string()),
            Err(_) => self.fall_back(key, limit, "no answer within 500 ms"),
        }
    }

    /// Whether this request goes to Redis: always while it answers; while it
    /// is down, only the first request once the probe interval has passed.
    fn may_call_redis(&self, now: Instant) -> bool {
        let mut health = self.health();
        match health.next_probe {
            Some(at) if now < at => false,
            Some(_) => {
                health.next_probe = Some(now + self.probe_every);
                true
            }
            None => true,
        }
    }

    async fn run(
        &self,
        key: &str,
        interval_us: u64,
        period_us: u64,
    ) -> redis::RedisResult<[i64; 3]> {
        let mut connection = match self.connection.get() {
            Some(connection) => connection.clone(),
            None => {
                let connection = redis::aio::ConnectionManager::new_lazy_with_config(
                    self.client.clone(),
                    connection_config(),
                )?;
                self.connection.get_or_init(|| connection).clone()
            }
        };
        let result: Vec<i64> = self
            .script
            .key(format!("{}:rl:{key}", self.prefix))
            .arg(interval_us)
            .arg(period_us)
            .invoke_async(&mut connection)
            .await?;
        match result[..] {
            [allowed, a, b] => Ok([allowed, a, b]),
            _ => Err(redis::RedisError::from((
                redis::ErrorKind::Parse,
                "unexpected script reply",
            ))),
        }
    }

    fn fall_back(&self, key: &str, limit: u32, why: &str) -> Decision {
        let now = Instant::now();
        let mut health = self.health();
        health.next_probe = Some(now + self.probe_every);
        if health
            .last_warning
            .is_none_or(|at| now.duration_since(at) > Duration::from_secs(30))
        {
            health.last_warning = Some(now);
            tracing::warn!(
                error = why,
                "Redis is unreachable: rate limits are enforced per process until it is back"
            );
        }
        drop(health);
        self.fallback.check_at(key, limit, now)
    }
}

/// One connection, multiplexed, made again after a failure. A failed
/// attempt is not retried in the background: the limiter's own probe asks
/// for the next one, so a Redis that returns is found within a probe or two
/// rather than after the manager's default backoff (up to 6 s between tries).
fn connection_config() -> redis::aio::ConnectionManagerConfig {
    redis::aio::ConnectionManagerConfig::new()
        .set_number_of_retries(0)
        .set_connection_timeout(Some(REDIS_TIMEOUT))
        .set_response_timeout(Some(REDIS_TIMEOUT))
}

/// The limiter the app uses.
pub enum Limiter {
    /// Limits kept in this process.
    Local(LocalLimiter),
    /// Limits shared through Redis.
    Redis(Box<RedisLimiter>),
}

impl Limiter {
    /// A per-minute limiter: in Redis when a URL is given, else in-process.
    pub fn per_minute(redis_url: Option<&SecretString>, prefix: &str) -> Result<Self, String> {
        let minute = Duration::from_secs(60);
        Ok(match redis_url {
            Some(url) => Self::Redis(Box::new(RedisLimiter::new(url, prefix, minute)?)),
            None => Self::Local(LocalLimiter::new(minute)),
        })
    }

    /// Whether the limiter is falling back to per-process limits because
    /// Redis did not answer its last call.
    pub fn degraded(&self) -> bool {
        match self {
            Self::Local(_) => false,
            Self::Redis(redis) => redis.degraded(),
        }
    }

    /// Counts one request for `key`, allowing `limit` per minute.
    pub async fn check(&self, key: &str, limit: u32) -> Decision {
        match self {
            Self::Local(local) => local.check_at(key, limit, Instant::now()),
            Self::Redis(redis) => redis.check(key, limit).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn a_burst_of_the_limit_passes_and_the_next_request_waits_one_interval() {
        let limiter = LocalLimiter::new(MINUTE);
        let t0 = Instant::now();
        let remaining: Vec<u32> = (0..5)
            .map(|_| limiter.check_at("ip", 5, t0))
            .map(|d| {
                assert!(d.allowed);
                d.remaining
            })
            .collect();
        assert_eq!(remaining, vec![4, 3, 2, 1, 0]);
        let refused = limiter.check_at("ip", 5, t0);
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after, Duration::from_secs(12));
        assert!(
            !limiter
                .check_at("ip", 5, t0 + Duration::from_secs(11))
                .allowed
        );
        assert!(
            limiter
                .check_at("ip", 5, t0 + Duration::from_secs(12))
                .allowed
        );
    }

    #[test]
    fn keys_are_limited_independently() {
        let limiter = LocalLimiter::new(MINUTE);
        let t0 = Instant::now();
        assert!(limiter.check_at("a", 1, t0).allowed);
        assert!(!limiter.check_at("a", 1, t0).allowed);
        assert!(limiter.check_at("b", 1, t0).allowed);
    }

    #[test]
    fn the_full_allowance_returns_after_one_period() {
        let limiter = LocalLimiter::new(MINUTE);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at("k", 3, t0).allowed);
        }
        let later = limiter.check_at("k", 3, t0 + MINUTE);
        assert!(later.allowed);
        assert_eq!(later.remaining, 2);
    }

    #[test]
    fn a_zero_limit_refuses_everything() {
        let limiter = LocalLimiter::new(MINUTE);
        assert!(!limiter.check_at("k", 0, Instant::now()).allowed);
    }

    /// A Redis of the test's own on a free port, so that it can be stopped.
    struct OwnRedis {
        port: u16,
        server: Option<std::process::Child>,
    }

    impl OwnRedis {
        fn new() -> Self {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let mut redis = Self { port, server: None };
            redis.start();
            redis
        }

        fn url(&self) -> SecretString {
            format!("redis://127.0.0.1:{}", self.port).into()
        }

        fn start(&mut self) {
            let port = self.port.to_string();
            let args = [
                "--port",
                &port,
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ];
            let server = std::process::Command::new("redis-server")
                .args(args)
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("redis-server (Debian's package) on the PATH");
            self.server = Some(server);
            let deadline = Instant::now() + Duration::from_secs(10);
            while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
                assert!(Instant::now() < deadline, "redis-server did not listen");
                std::thread::sleep(Duration::from_millis(20));
            }
        }

        fn stop(&mut self) {
            if let Some(mut server) = self.server.take() {
                server.kill().expect("stop redis-server");
                server.wait().expect("redis-server gone");
            }
        }
    }

    impl Drop for OwnRedis {
        fn drop(&mut self) {
            self.stop();
        }
    }

    #[tokio::test]
    async fn a_redis_that_stops_is_passed_over_and_found_again_when_it_returns() {
        let mut redis = OwnRedis::new();
        let limiter = RedisLimiter::new(&redis.url(), "rl-test", MINUTE)
            .expect("limiter")
            .probing_every(Duration::from_millis(100));
        assert!(limiter.check("k", 1000).await.allowed);
        assert!(!limiter.degraded(), "Redis answers");

        redis.stop();
        assert!(limiter.check("k", 1000).await.allowed);
        assert!(limiter.degraded(), "Redis gone: limits per process");
        // While it is down no request waits for it (the manager's own
        // retries used to hold each one for the whole 500 ms timeout).
        let started = Instant::now();
        for _ in 0..20 {
            assert!(limiter.check("k", 1000).await.allowed);
        }
        let took = started.elapsed();
        assert!(took < Duration::from_secs(2), "20 checks took {took:?}");

        redis.start();
        let deadline = Instant::now() + Duration::from_secs(5);
        while limiter.degraded() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
            limiter.check("k", 1000).await;
        }
        assert!(!limiter.degraded(), "Redis found again within 5 s");
        // Shared again: the key's TAT is in the new Redis.
        let mut connection = redis::Client::open(redis.url().expose_secret())
            .expect("client")
            .get_multiplexed_async_connection()
            .await
            .expect("connection");
        let tat: Option<String> = redis::cmd("GET")
            .arg("rl-test:rl:k")
            .query_async(&mut connection)
            .await
            .expect("GET");
        assert!(tat.is_some(), "the limit is kept in Redis again");
    }
}
