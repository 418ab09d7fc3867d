//! Settings from environment variables, validated once at start.
//!
//! `main` loads a `.env` file (development) before calling [`Settings::from_env`];
//! tests build a [`Settings`] directly. Secrets are [`SecretString`]s, whose
//! `Debug` output is redacted, so a logged `Settings` leaks nothing.
//!
//! This module sits above the domains: each settings type lives with the
//! domain that uses it (`ai::settings`, `auth`, `billing`,
//! `lifecycle::retention`, `mail`, `resumes::sandbox`, `keys::vault`), and
//! only the reading of variables is here, one file per larger group. The
//! types re-exported below are the parts of [`Settings`] that its callers
//! name.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::client_ip::{ProxyHeader, TrustedProxies};

mod ai;
mod billing;
#[cfg(test)]
mod tests;

pub use crate::ai::settings::{AiSettings, Endpoint, PROVIDER_ENV, ProviderSettings, Wire};
pub use crate::auth::AuthSettings;
pub use crate::billing::BillingSettings;
pub use crate::lifecycle::retention::Retention;

/// The shortest `JWT_SECRET` accepted, in bytes.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite://PATH` or `postgres://...`.
    pub database_url: String,
    /// The HS256 signing key for access tokens.
    pub jwt_secret: SecretString,
    /// The listen address, `host:port` (port 0 picks a free one).
    pub bind: String,
    /// Which browser origins may call the API.
    pub allowed_origins: AllowedOrigins,
    /// The reverse proxies whose client-address header is believed
    /// (`MENTOR_TRUSTED_PROXIES`, `MENTOR_PROXY_HEADER`); none by default.
    pub trusted_proxies: TrustedProxies,
    /// Connections in the database pool.
    pub db_pool_size: u32,
    /// Token lifetimes, lockout and auth rate limits.
    pub auth: AuthSettings,
    /// Log as JSON lines (production) instead of human-readable text.
    pub log_json: bool,
    /// AI providers, timeouts and the catalogue file.
    pub ai: AiSettings,
    /// `REDIS_URL`: shares per-minute limits between replicas when set.
    pub redis_url: Option<SecretString>,
    /// `MENTOR_REDIS_PREFIX`: the prefix of every Redis key (default `mentor`),
    /// so that several deployments can share one Redis.
    pub redis_prefix: String,
    /// Stripe subscriptions; `None` (billing routes answer 503) until the
    /// operator sets the `STRIPE_*` variables.
    pub billing: Option<BillingSettings>,
    /// `MENTOR_MAX_RESUMES`: resumes one user may keep (default 10).
    pub max_resumes: u32,
    /// `MENTOR_AUDIT_RETENTION_DAYS`: how long audit entries are kept
    /// (default 365).
    pub audit_retention_days: u32,
    /// How long each plan's conversations are kept.
    pub retention: Retention,
    /// `MENTOR_METRICS_TOKEN`: serves `GET /metrics` to a bearer of it.
    pub metrics_token: Option<SecretString>,
    /// `MENTOR_METRICS_BIND`: serves `GET /metrics`, without a token, on
    /// this separate address (a private interface).
    pub metrics_bind: Option<String>,
    /// How uploaded documents are read: the extractor program (the running
    /// binary unless `MENTOR_EXTRACTOR` names another) and its limits
    /// (`MENTOR_EXTRACT_TIMEOUT_SECS`, `MENTOR_EXTRACT_MEMORY_MB`).
    pub extractor: crate::resumes::sandbox::Limits,
    /// `MENTOR_MASTER_KEY` (and during a rotation `MENTOR_MASTER_KEY_PREVIOUS`):
    /// encrypts the users' own provider keys; without it they cannot be stored.
    pub vault: Option<std::sync::Arc<crate::keys::vault::Vault>>,
    /// `MENTOR_SHUTDOWN_GRACE_SECS`: on SIGTERM, how long answers in
    /// progress may go on before they are cut (default 30).
    pub shutdown_grace: Duration,
    /// `MENTOR_PUBLIC_URL`: where users' browsers reach this server, for
    /// links in mail and Stripe's return pages (default `http://` + the
    /// address bound).
    pub public_url: Option<String>,
    /// How mail leaves: `SMTP_URL`, `MENTOR_MAIL_FROM`, `MENTOR_MAIL_OUTBOX`.
    pub mail: crate::mail::MailSettings,
    /// `MENTOR_REQUIRE_VERIFIED_EMAIL` (default on): subscribing and creating
    /// API keys need a verified address.
    pub require_verified_email: bool,
}

/// The CORS allow-list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// Any `chrome-extension://` or `moz-extension://` origin (the default).
    ExtensionsOnly,
    /// These origins; `moz-extension://*` stands for any Firefox extension
    /// (Firefox gives each installation its own random origin).
    List(Vec<String>),
}

impl AllowedOrigins {
    /// Whether a request from `origin` may read the response.
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            Self::ExtensionsOnly => {
                origin.starts_with("chrome-extension://") || origin.starts_with("moz-extension://")
            }
            Self::List(origins) => origins.iter().any(|o| {
                o == origin
                    || o.strip_suffix('*')
                        .is_some_and(|scheme| scheme.ends_with("://") && origin.starts_with(scheme))
            }),
        }
    }
}

/// Why the settings could not be read; the message says what to set.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `JWT_SECRET` is unset.
    #[error(
        "JWT_SECRET is not set. Set it to a random value of at least {MIN_JWT_SECRET_BYTES} bytes, \
         for example: export JWT_SECRET=\"$(openssl rand -hex 32)\" (or put it in .env)"
    )]
    MissingJwtSecret,
    /// `JWT_SECRET` is too short to be safe.
    #[error(
        "JWT_SECRET is too short ({0} bytes); it must be at least {MIN_JWT_SECRET_BYTES} bytes. \
         Make one with: openssl rand -hex 32"
    )]
    WeakJwtSecret(usize),
    /// A variable has a value that cannot be used.
    #[error("{name} is invalid: {reason}")]
    Invalid {
        /// The variable's name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl Settings {
    /// Settings with every default, for this database and signing key (the
    /// secret's length is checked by [`Settings::from_lookup`], not here).
    pub fn new(database_url: String, jwt_secret: SecretString) -> Self {
        Self {
            database_url,
            jwt_secret,
            bind: "127.0.0.1:8080".into(),
            allowed_origins: AllowedOrigins::ExtensionsOnly,
            trusted_proxies: TrustedProxies::default(),
            db_pool_size: 8,
            auth: AuthSettings::default(),
            log_json: false,
            ai: AiSettings::default(),
            redis_url: None,
            redis_prefix: "mentor".into(),
            billing: None,
            max_resumes: 10,
            audit_retention_days: 365,
            retention: Retention::default(),
            metrics_token: None,
            metrics_bind: None,
            extractor: crate::resumes::sandbox::Limits::new(
                std::env::current_exe().unwrap_or_else(|_| "mentor".into()),
            ),
            vault: None,
            shutdown_grace: Duration::from_secs(30),
            public_url: None,
            mail: crate::mail::MailSettings::default(),
            require_verified_email: true,
        }
    }

    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `get`, which returns a variable's value.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let jwt_secret = get("JWT_SECRET")
            .filter(|s| !s.is_empty())
            .ok_or(ConfigError::MissingJwtSecret)?;
        if jwt_secret.len() < MIN_JWT_SECRET_BYTES {
            return Err(ConfigError::WeakJwtSecret(jwt_secret.len()));
        }
        let allowed_origins = match get("MENTOR_ALLOWED_ORIGINS").filter(|s| !s.trim().is_empty()) {
            None => AllowedOrigins::ExtensionsOnly,
            Some(list) => AllowedOrigins::List(
                list.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_string())
                    .filter(|o| !o.is_empty())
                    .collect(),
            ),
        };
        let mut auth = AuthSettings::default();
        if let Some(limit) = get("MENTOR_AUTH_RATE_PER_MINUTE") {
            auth.auth_requests_per_minute = parse("MENTOR_AUTH_RATE_PER_MINUTE", &limit)?;
        }
        let mut settings = Self::new(
            get("DATABASE_URL").unwrap_or_else(|| "sqlite://mentor.db".into()),
            SecretString::from(jwt_secret),
        );
        settings.allowed_origins = allowed_origins;
        settings.auth = auth;
        settings.ai = ai::read(&get)?;
        settings.trusted_proxies = trusted_proxies(&get)?;
        settings.log_json =
            get("MENTOR_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json"));
        settings.redis_url = get("REDIS_URL")
            .filter(|u| !u.trim().is_empty())
            .map(SecretString::from);
        if let Some(bind) = get("MENTOR_BIND") {
            settings.bind = bind;
        }
        if let Some(size) = get("MENTOR_DB_POOL_SIZE") {
            settings.db_pool_size = parse("MENTOR_DB_POOL_SIZE", &size)?;
        }
        if let Some(prefix) = get("MENTOR_REDIS_PREFIX") {
            settings.redis_prefix = prefix;
        }
        settings.billing = billing::read(&get, &settings.bind)?;
        settings.metrics_token = get("MENTOR_METRICS_TOKEN")
            .filter(|t| !t.trim().is_empty())
            .map(SecretString::from);
        settings.metrics_bind = get("MENTOR_METRICS_BIND").filter(|b| !b.trim().is_empty());
        if let Some(days) = get("MENTOR_AUDIT_RETENTION_DAYS") {
            settings.audit_retention_days = parse("MENTOR_AUDIT_RETENTION_DAYS", &days)?;
        }
        for (name, days) in [
            (
                "MENTOR_RETENTION_FREE_DAYS",
                &mut settings.retention.free_days,
            ),
            (
                "MENTOR_RETENTION_PRO_DAYS",
                &mut settings.retention.pro_days,
            ),
            (
                "MENTOR_RETENTION_ENTERPRISE_DAYS",
                &mut settings.retention.enterprise_days,
            ),
        ] {
            if let Some(value) = get(name).filter(|v| !v.trim().is_empty()) {
                *days = match parse::<u32>(name, value.trim())? {
                    0 => None,
                    n => Some(n),
                };
            }
        }
        if let Some(url) = get("MENTOR_PUBLIC_URL").filter(|u| !u.trim().is_empty()) {
            let url = url.trim().trim_end_matches('/').to_string();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::Invalid {
                    name: "MENTOR_PUBLIC_URL",
                    reason: format!("'{url}' is not an http(s) URL"),
                });
            }
            settings.public_url = Some(url);
        }
        settings.mail.smtp_url = get("SMTP_URL")
            .filter(|u| !u.trim().is_empty())
            .map(|u| SecretString::from(u.trim().to_string()));
        if let Some(from) = get("MENTOR_MAIL_FROM").filter(|f| !f.trim().is_empty()) {
            settings.mail.from = from.trim().to_string();
        }
        if let Some(outbox) = get("MENTOR_MAIL_OUTBOX").filter(|o| !o.trim().is_empty()) {
            settings.mail.outbox = outbox.trim().into();
        }
        if let Some(secs) = get("MENTOR_MAIL_RETRY_SECS") {
            settings.mail.retry_base =
                Duration::from_secs(parse::<u64>("MENTOR_MAIL_RETRY_SECS", &secs)?.max(1));
        }
        if let Some(required) = get("MENTOR_REQUIRE_VERIFIED_EMAIL") {
            settings.require_verified_email = flag(Some(required));
        }
        if let Some(secs) = get("MENTOR_SHUTDOWN_GRACE_SECS") {
            settings.shutdown_grace =
                Duration::from_secs(parse("MENTOR_SHUTDOWN_GRACE_SECS", &secs)?);
        }
        if let Some(max) = get("MENTOR_MAX_RESUMES") {
            settings.max_resumes = parse("MENTOR_MAX_RESUMES", &max)?;
        }
        if let Some(program) = get("MENTOR_EXTRACTOR").filter(|p| !p.trim().is_empty()) {
            settings.extractor.program = program.into();
        }
        if let Some(secs) = get("MENTOR_EXTRACT_TIMEOUT_SECS") {
            let secs: u64 = parse("MENTOR_EXTRACT_TIMEOUT_SECS", &secs)?;
            settings.extractor.timeout = Duration::from_secs(secs.max(1));
            settings.extractor.cpu_seconds = secs.max(1);
        }
        if let Some(n) = get("MENTOR_EXTRACT_CONCURRENCY") {
            settings.extractor.concurrent =
                parse::<usize>("MENTOR_EXTRACT_CONCURRENCY", &n)?.max(1);
        }
        if let Some(mb) = get("MENTOR_EXTRACT_MEMORY_MB") {
            let mb: u64 = parse("MENTOR_EXTRACT_MEMORY_MB", &mb)?;
            settings.extractor.memory_bytes = mb.max(64) * 1024 * 1024;
        }
        settings.vault = crate::keys::vault::Vault::from_lookup(&get)
            .map_err(|reason| ConfigError::Invalid {
                name: "MENTOR_MASTER_KEY",
                reason,
            })?
            .map(std::sync::Arc::new);
        crate::db::DbKind::of_url(&settings.database_url).map_err(|reason| {
            ConfigError::Invalid {
                name: "DATABASE_URL",
                reason,
            }
        })?;
        Ok(settings)
    }

    /// The signing key's bytes.
    pub fn jwt_secret_bytes(&self) -> &[u8] {
        self.jwt_secret.expose_secret().as_bytes()
    }
}

fn flag(value: Option<String>) -> bool {
    value.is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
}

fn parse<T: std::str::FromStr>(name: &'static str, value: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    value
        .trim()
        .parse()
        .map_err(|e: T::Err| ConfigError::Invalid {
            name,
            reason: format!("'{value}': {e}"),
        })
}

/// `MENTOR_TRUSTED_PROXIES` and `MENTOR_PROXY_HEADER`. The old
/// `MENTOR_TRUST_PROXY=1` believed any sender's header, so it is refused
/// with what to set instead.
fn trusted_proxies(get: &impl Fn(&str) -> Option<String>) -> Result<TrustedProxies, ConfigError> {
    if flag(get("MENTOR_TRUST_PROXY")) {
        return Err(ConfigError::Invalid {
            name: "MENTOR_TRUST_PROXY",
            reason: "it is replaced by MENTOR_TRUSTED_PROXIES: the addresses or CIDR ranges \
                     of your reverse proxies, e.g. 10.0.0.0/8"
                .into(),
        });
    }
    let header = match get("MENTOR_PROXY_HEADER") {
        Some(value) if !value.trim().is_empty() => {
            ProxyHeader::parse(&value).map_err(|reason| ConfigError::Invalid {
                name: "MENTOR_PROXY_HEADER",
                reason,
            })?
        }
        _ => ProxyHeader::default(),
    };
    TrustedProxies::parse(&get("MENTOR_TRUSTED_PROXIES").unwrap_or_default(), header).map_err(
        |reason| ConfigError::Invalid {
            name: "MENTOR_TRUSTED_PROXIES",
            reason,
        },
    )
}
