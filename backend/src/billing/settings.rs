//! What billing needs to know: Stripe's keys, the prices of the paid tiers,
//! and where users come back to. Read from the environment by `crate::config`.

use std::time::Duration;

use secrecy::SecretString;

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
