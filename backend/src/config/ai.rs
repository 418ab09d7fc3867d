//! The AI providers' variables.

use std::time::Duration;

use secrecy::SecretString;

use super::{ConfigError, flag, parse};
use crate::ai::settings::{AiSettings, Endpoint, PROVIDER_ENV, ProviderSettings};

/// Each provider's `{PREFIX}_API_KEY` and `{PREFIX}_BASE_URL`, the demo
/// provider, the catalogue file, and the upstream timeouts and retries.
pub(super) fn read(get: &impl Fn(&str) -> Option<String>) -> Result<AiSettings, ConfigError> {
    let mut ai = AiSettings::default();
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
        let Some(key) = get(&format!("{prefix}_API_KEY")).filter(|k| !k.trim().is_empty()) else {
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
        ai.read_timeout = Duration::from_secs(parse("MENTOR_UPSTREAM_READ_TIMEOUT_SECS", &secs)?);
    }
    if let Some(retries) = get("MENTOR_UPSTREAM_RETRIES") {
        ai.retries = parse("MENTOR_UPSTREAM_RETRIES", &retries)?;
    }
    if let Some(tokens) = get("MENTOR_MAX_OUTPUT_TOKENS") {
        ai.max_output_tokens = parse("MENTOR_MAX_OUTPUT_TOKENS", &tokens)?;
    }
    Ok(ai)
}
