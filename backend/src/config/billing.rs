//! Billing's variables: all four `STRIPE_*` keys and prices, or none.

use std::time::Duration;

use secrecy::SecretString;

use super::{ConfigError, parse};
use crate::billing::BillingSettings;

/// The variables that turn billing on; all or none must be set.
const STRIPE_REQUIRED: [&str; 4] = [
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_PRICE_PRO",
    "STRIPE_PRICE_ENTERPRISE",
];

/// `STRIPE_*`, `MENTOR_PUBLIC_URL` and `MENTOR_BILLING_GRACE_DAYS`; `None`
/// (billing off) when no `STRIPE_*` variable is set.
pub(super) fn read(
    get: &impl Fn(&str) -> Option<String>,
    bind: &str,
) -> Result<Option<BillingSettings>, ConfigError> {
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
    Ok(Some(BillingSettings {
        secret_key: SecretString::from(required("STRIPE_SECRET_KEY")),
        webhook_secret: SecretString::from(required("STRIPE_WEBHOOK_SECRET")),
        price_pro: required("STRIPE_PRICE_PRO"),
        price_enterprise: required("STRIPE_PRICE_ENTERPRISE"),
        api_base: url("STRIPE_API_BASE", "https://api.stripe.com".into())?,
        public_url: url("MENTOR_PUBLIC_URL", format!("http://{bind}"))?,
        grace_period: Duration::from_secs(grace_days * 24 * 3600),
    }))
}
