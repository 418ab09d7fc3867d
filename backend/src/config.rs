//! Settings from environment variables, validated once at start.
//!
//! `main` loads a `.env` file (development) before calling [`Settings::from_env`];
//! tests build a [`Settings`] directly. Secrets are [`SecretString`]s, whose
//! `Debug` output is redacted, so a logged `Settings` leaks nothing.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

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
    /// Whether to believe `X-Forwarded-For` / `Forwarded` for the client IP
    /// (only behind a reverse proxy that sets them).
    pub trust_proxy: bool,
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

/// How long conversations are kept, by the owner's plan, in days since
/// their last message (`None`: for ever). `MENTOR_RETENTION_FREE_DAYS`
/// (default 183), `MENTOR_RETENTION_PRO_DAYS` (730) and
/// `MENTOR_RETENTION_ENTERPRISE_DAYS` (unlimited); 0 means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// The free plan.
    pub free_days: Option<u32>,
    /// Pro.
    pub pro_days: Option<u32>,
    /// Enterprise.
    pub enterprise_days: Option<u32>,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            free_days: Some(183),
            pro_days: Some(730),
            enterprise_days: None,
        }
    }
}

impl Retention {
    /// The days `tier` keeps conversations, if limited.
    pub fn days(&self, tier: shared_types::Tier) -> Option<u32> {
        match tier {
            shared_types::Tier::Free => self.free_days,
            shared_types::Tier::Pro => self.pro_days,
            shared_types::Tier::Enterprise => self.enterprise_days,
        }
    }
}

/// Stripe billing settings.
#[derive(Debug, Clone)]
pub struct BillingSettings {
    /// `STRIPE_SECRET_KEY`.
    pub secret_key: SecretString,
    /// `STRIPE_WEBHOOK_SECRET`: signs the webhook events (`whsec_...`).
    pub webhook_secret: SecretString,
    /// `STRIPE_PRICE_PRO`: the Pro tier's price id.
    pub price_pro: String,
    /// `STRIPE_PRICE_ENTERPRISE`: the Enterprise tier's price id.
    pub price_enterprise: String,
    /// `STRIPE_API_BASE`: Stripe's API (tests point it at a stand-in).
    pub api_base: String,
    /// `MENTOR_PUBLIC_URL`: where users' browsers reach this server, for
    /// the pages Stripe sends them back to (default `http://` + the bind address).
    pub public_url: String,
    /// `MENTOR_BILLING_GRACE_DAYS`: how long a paid tier outlives a failed
    /// renewal payment (default 3 days).
    pub grace_period: Duration,
}

/// The variables that turn billing on; all or none must be set.
const STRIPE_REQUIRED: [&str; 4] = [
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_PRICE_PRO",
    "STRIPE_PRICE_ENTERPRISE",
];

impl BillingSettings {
    fn from_lookup(
        get: &impl Fn(&str) -> Option<String>,
        bind: &str,
    ) -> Result<Option<Self>, ConfigError> {
        let value = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let missing: Vec<&str> = STRIPE_REQUIRED
            .into_iter()
            .filter(|name| value(name).is_none())
            .collect();
        if missing.len() == STRIPE_REQUIRED.len() {
            return Ok(None);
        }
        if !missing.is_empty() {
            return Err(ConfigError::Invalid {
                name: "STRIPE_SECRET_KEY",
                reason: format!(
                    "billing needs all of {}; missing {}",
                    STRIPE_REQUIRED.join(", "),
                    missing.join(", ")
                ),
            });
        }
        let url = |name: &'static str, default: String| -> Result<String, ConfigError> {
            let url = value(name).unwrap_or(default);
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::Invalid {
                    name,
                    reason: format!("'{url}' is not an http(s) URL"),
                });
            }
            Ok(url.trim_end_matches('/').to_string())
        };
        let grace_days: u64 = match value("MENTOR_BILLING_GRACE_DAYS") {
            Some(days) => parse("MENTOR_BILLING_GRACE_DAYS", &days)?,
            None => 3,
        };
        let required = |name| value(name).unwrap_or_default();
        Ok(Some(Self {
            secret_key: SecretString::from(required("STRIPE_SECRET_KEY")),
            webhook_secret: SecretString::from(required("STRIPE_WEBHOOK_SECRET")),
            price_pro: required("STRIPE_PRICE_PRO"),
            price_enterprise: required("STRIPE_PRICE_ENTERPRISE"),
            api_base: url("STRIPE_API_BASE", "https://api.stripe.com".into())?,
            public_url: url("MENTOR_PUBLIC_URL", format!("http://{bind}"))?,
            grace_period: Duration::from_secs(grace_days * 24 * 3600),
        }))
    }
}

/// A provider wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// OpenAI Chat Completions (OpenAI, DeepSeek, Groq, xAI, self-hosted).
    OpenAi,
    /// Anthropic Messages.
    Anthropic,
    /// Google Gemini.
    Gemini,
}

/// One configured AI provider.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    /// The provider's catalogue name.
    pub name: String,
    /// How to talk to it.
    pub wire: Wire,
    /// Its API base URL.
    pub base_url: String,
    /// Its API key.
    pub api_key: SecretString,
}

/// Where a known provider is reached, with or without a platform key (users'
/// own keys go here too; they cannot choose another address).
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The provider's catalogue name.
    pub name: String,
    /// How to talk to it.
    pub wire: Wire,
    /// Its API base URL (`{PREFIX}_BASE_URL` or the provider's own).
    pub base_url: String,
}

/// The providers the environment can configure: name, variable prefix,
/// default base URL, wire format.
pub const PROVIDER_ENV: &[(&str, &str, &str, Wire)] = &[
    (
        "openai",
        "OPENAI",
        "https://api.openai.com/v1",
        Wire::OpenAi,
    ),
    (
        "anthropic",
        "ANTHROPIC",
        "https://api.anthropic.com",
        Wire::Anthropic,
    ),
    (
        "gemini",
        "GEMINI",
        "https://generativelanguage.googleapis.com",
        Wire::Gemini,
    ),
    (
        "deepseek",
        "DEEPSEEK",
        "https://api.deepseek.com/v1",
        Wire::OpenAi,
    ),
    (
        "groq",
        "GROQ",
        "https://api.groq.com/openai/v1",
        Wire::OpenAi,
    ),
    ("xai", "XAI", "https://api.x.ai/v1", Wire::OpenAi),
];

/// AI provider settings.
#[derive(Debug, Clone)]
pub struct AiSettings {
    /// Providers with a key, in [`PROVIDER_ENV`] order.
    pub providers: Vec<ProviderSettings>,
    /// Every provider in [`PROVIDER_ENV`], for the users' own keys.
    pub endpoints: Vec<Endpoint>,
    /// Whether the demo provider is on (`MENTOR_DEMO_PROVIDER=1`).
    pub demo: bool,
    /// `MENTOR_CONFIG`: a TOML file overriding models and plans.
    pub config_file: Option<std::path::PathBuf>,
    /// Time to open a connection to a provider.
    pub connect_timeout: Duration,
    /// Time to wait for a response, its first event, or the next chunk.
    pub read_timeout: Duration,
    /// Extra attempts per model on retryable failures.
    pub retries: u32,
    /// The first pause between attempts (doubles each time).
    pub retry_backoff: Duration,
    /// The most tokens an answer may have.
    pub max_output_tokens: u32,
}

impl Default for AiSettings {
    fn default() -> Self {
        Self {
            providers: Vec::new(),
            endpoints: PROVIDER_ENV
                .iter()
                .map(|&(name, _, base_url, wire)| Endpoint {
                    name: name.into(),
                    wire,
                    base_url: base_url.into(),
                })
                .collect(),
            demo: false,
            config_file: None,
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(60),
            retries: 2,
            retry_backoff: Duration::from_millis(250),
            max_output_tokens: 1024,
        }
    }
}

impl AiSettings {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut ai = Self::default();
        ai.endpoints.clear();
        for &(name, prefix, default_base, wire) in PROVIDER_ENV {
            let base_url = get(&format!("{prefix}_BASE_URL"))
                .filter(|u| !u.trim().is_empty())
                .unwrap_or_else(|| default_base.to_string());
            ai.endpoints.push(Endpoint {
                name: name.to_string(),
                wire,
                base_url: base_url.clone(),
            });
            let Some(key) = get(&format!("{prefix}_API_KEY")).filter(|k| !k.trim().is_empty())
            else {
                continue;
            };
            ai.providers.push(ProviderSettings {
                name: name.to_string(),
                wire,
                base_url,
                api_key: SecretString::from(key.trim().to_string()),
            });
        }
        ai.demo = flag(get("MENTOR_DEMO_PROVIDER"));
        ai.config_file = get("MENTOR_CONFIG")
            .filter(|p| !p.trim().is_empty())
            .map(Into::into);
        if let Some(secs) = get("MENTOR_UPSTREAM_CONNECT_TIMEOUT_SECS") {
            ai.connect_timeout =
                Duration::from_secs(parse("MENTOR_UPSTREAM_CONNECT_TIMEOUT_SECS", &secs)?);
        }
        if let Some(secs) = get("MENTOR_UPSTREAM_READ_TIMEOUT_SECS") {
            ai.read_timeout =
                Duration::from_secs(parse("MENTOR_UPSTREAM_READ_TIMEOUT_SECS", &secs)?);
        }
        if let Some(retries) = get("MENTOR_UPSTREAM_RETRIES") {
            ai.retries = parse("MENTOR_UPSTREAM_RETRIES", &retries)?;
        }
        if let Some(tokens) = get("MENTOR_MAX_OUTPUT_TOKENS") {
            ai.max_output_tokens = parse("MENTOR_MAX_OUTPUT_TOKENS", &tokens)?;
        }
        Ok(ai)
    }
}

/// The CORS allow-list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// Any `chrome-extension://` or `moz-extension://` origin (the default).
    ExtensionsOnly,
    /// Exactly these origins.
    List(Vec<String>),
}

impl AllowedOrigins {
    /// Whether a request from `origin` may read the response.
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            Self::ExtensionsOnly => {
                origin.starts_with("chrome-extension://") || origin.starts_with("moz-extension://")
            }
            Self::List(origins) => origins.iter().any(|o| o == origin),
        }
    }
}

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
            trust_proxy: false,
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
        settings.ai = AiSettings::from_lookup(&get)?;
        settings.trust_proxy = flag(get("MENTOR_TRUST_PROXY"));
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
        settings.billing = BillingSettings::from_lookup(&get, &settings.bind)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_missing_secret_names_the_variable_and_how_to_make_one() {
        let err = settings(&[]).expect_err("must fail");
        let text = err.to_string();
        assert!(matches!(err, ConfigError::MissingJwtSecret));
        assert!(
            text.contains("JWT_SECRET") && text.contains("openssl rand"),
            "{text}"
        );
    }

    #[test]
    fn a_short_secret_is_refused() {
        let err = settings(&[("JWT_SECRET", "too-short")]).expect_err("must fail");
        assert!(matches!(err, ConfigError::WeakJwtSecret(9)), "{err}");
    }

    #[test]
    fn defaults_are_sqlite_localhost_and_extension_origins() {
        let s = settings(&[("JWT_SECRET", SECRET)]).expect("valid");
        assert_eq!(s.database_url, "sqlite://mentor.db");
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.allowed_origins, AllowedOrigins::ExtensionsOnly);
        assert!(s.allowed_origins.allows("chrome-extension://abcdef"));
        assert!(s.allowed_origins.allows("moz-extension://1234-5678"));
        assert!(!s.allowed_origins.allows("https://evil.example"));
    }

    #[test]
    fn an_origin_list_replaces_the_default() {
        let s = settings(&[
            ("JWT_SECRET", SECRET),
            (
                "MENTOR_ALLOWED_ORIGINS",
                "chrome-extension://abc, https://app.example/",
            ),
        ])
        .expect("valid");
        assert!(s.allowed_origins.allows("https://app.example"));
        assert!(s.allowed_origins.allows("chrome-extension://abc"));
        assert!(!s.allowed_origins.allows("chrome-extension://other"));
    }

    #[test]
    fn billing_is_off_without_stripe_settings_and_refuses_half_of_them() {
        assert!(
            settings(&[("JWT_SECRET", SECRET)])
                .expect("valid")
                .billing
                .is_none()
        );
        let err = settings(&[("JWT_SECRET", SECRET), ("STRIPE_SECRET_KEY", "sk_test_1")])
            .expect_err("half configured");
        let text = err.to_string();
        assert!(
            text.contains("STRIPE_WEBHOOK_SECRET") && text.contains("STRIPE_PRICE_PRO"),
            "{text}"
        );
    }

    #[test]
    fn billing_settings_have_defaults_and_keep_their_secrets() {
        let s = settings(&[
            ("JWT_SECRET", SECRET),
            ("STRIPE_SECRET_KEY", "sk_test_secret"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_secret"),
            ("STRIPE_PRICE_PRO", "price_pro"),
            ("STRIPE_PRICE_ENTERPRISE", "price_ent"),
            ("MENTOR_PUBLIC_URL", "https://mentor.example/"),
        ])
        .expect("valid");
        let billing = s.billing.as_ref().expect("on");
        assert_eq!(billing.api_base, "https://api.stripe.com");
        assert_eq!(billing.public_url, "https://mentor.example");
        assert_eq!(billing.grace_period, Duration::from_secs(3 * 24 * 3600));
        let debug = format!("{s:?}");
        assert!(!debug.contains("sk_test_secret") && !debug.contains("whsec_secret"));
    }

    #[test]
    fn the_secret_never_shows_in_debug_output() {
        let s = settings(&[("JWT_SECRET", SECRET)]).expect("valid");
        assert!(!format!("{s:?}").contains(SECRET));
    }

    #[test]
    fn a_provider_is_on_only_with_a_key_and_its_base_url_can_be_moved() {
        let s = settings(&[
            ("JWT_SECRET", SECRET),
            ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1"),
            ("ANTHROPIC_API_KEY", "sk-ant-test"),
            ("GROQ_API_KEY", "gsk-test"),
            ("GROQ_BASE_URL", "http://127.0.0.1:9/groq"),
        ])
        .expect("valid");
        let names: Vec<(&str, &str)> =
            s.ai.providers
                .iter()
                .map(|p| (p.name.as_str(), p.base_url.as_str()))
                .collect();
        assert_eq!(
            names,
            vec![
                ("anthropic", "https://api.anthropic.com"),
                ("groq", "http://127.0.0.1:9/groq")
            ]
        );
        assert!(!s.ai.demo);
        assert!(
            !format!("{s:?}").contains("sk-ant-test"),
            "keys never print"
        );
    }

    #[test]
    fn unsupported_database_urls_and_bad_numbers_are_refused() {
        let err =
            settings(&[("JWT_SECRET", SECRET), ("DATABASE_URL", "mysql://x")]).expect_err("bad");
        assert!(err.to_string().contains("DATABASE_URL"), "{err}");
        let err =
            settings(&[("JWT_SECRET", SECRET), ("MENTOR_DB_POOL_SIZE", "many")]).expect_err("bad");
        assert!(err.to_string().contains("MENTOR_DB_POOL_SIZE"), "{err}");
    }
}
