//! What every handler can reach: the services, built once at start.

use std::sync::Arc;

use crate::ask::AskService;
use crate::auth::Accounts;
use crate::auth::tokens::AccessTokens;
use crate::billing::Billing;
use crate::db::Pool;
use crate::jobs::Jobs;
use crate::keys::provider_keys::Byok;
use crate::live::Live;
use crate::metrics::Metrics;
use crate::rate_limit::Limiter;
use crate::resumes::Resumes;

/// Shared application state, held in `web::Data`.
pub struct AppState {
    /// The database pool (for readiness checks and reads).
    pub pool: Pool,
    /// Account and session rules.
    pub accounts: Accounts,
    /// Questions, answers and quotas.
    pub ask: AskService,
    /// Access-token keys, for the `AuthUser` extractor.
    pub tokens: Arc<AccessTokens>,
    /// Per-minute limits: per client IP on `/auth/*`, per user on asks.
    pub limiter: Limiter,
    /// Requests per minute one client IP may make to `/auth/*`.
    pub auth_requests_per_minute: u32,
    /// The proxies whose client-address header is believed.
    pub trusted_proxies: crate::client_ip::TrustedProxies,
    /// Whether responses carry `Strict-Transport-Security` (the public
    /// address is `https://`).
    pub hsts: bool,
    /// Stripe subscriptions, when configured.
    pub billing: Option<Billing>,
    /// The users' own AI provider keys.
    pub byok: Byok,
    /// Data exports.
    pub exports: crate::lifecycle::export::Exports,
    /// The users' resumes.
    pub resumes: Resumes,
    /// Saved jobs, the skills picture and job match.
    pub jobs: Jobs,
    /// The live catalogue and suspended accounts.
    pub live: Arc<Live>,
    /// The metrics registry.
    pub metrics: Arc<Metrics>,
    /// Whether subscribing and creating API keys need a verified address.
    pub require_verified_email: bool,
    /// The bearer token `GET /metrics` wants on the main address, if any.
    pub metrics_token: Option<secrecy::SecretString>,
}
