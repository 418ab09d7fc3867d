//! Reading the settings: defaults, refusals, and secrets kept out of `Debug`.

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
    let err = settings(&[("JWT_SECRET", SECRET), ("DATABASE_URL", "mysql://x")]).expect_err("bad");
    assert!(err.to_string().contains("DATABASE_URL"), "{err}");
    let err =
        settings(&[("JWT_SECRET", SECRET), ("MENTOR_DB_POOL_SIZE", "many")]).expect_err("bad");
    assert!(err.to_string().contains("MENTOR_DB_POOL_SIZE"), "{err}");
}

#[test]
fn trusted_proxies_are_addresses_and_the_old_blanket_flag_is_refused() {
    let s = settings(&[("JWT_SECRET", SECRET), ("MENTOR_TRUST_PROXY", "0")]).expect("valid");
    assert!(s.trusted_proxies.is_empty());
    let s = settings(&[
        ("JWT_SECRET", SECRET),
        ("MENTOR_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"),
        ("MENTOR_PROXY_HEADER", "Forwarded"),
    ])
    .expect("valid");
    assert_eq!(
        s.trusted_proxies,
        TrustedProxies::parse("10.0.0.0/8,127.0.0.1", ProxyHeader::Forwarded).expect("valid")
    );
    let old = settings(&[("JWT_SECRET", SECRET), ("MENTOR_TRUST_PROXY", "1")])
        .expect_err("refused")
        .to_string();
    assert!(old.contains("MENTOR_TRUSTED_PROXIES"), "{old}");
    for (name, value) in [
        ("MENTOR_TRUSTED_PROXIES", "nginx"),
        ("MENTOR_PROXY_HEADER", "x-real-ip"),
    ] {
        let err = settings(&[("JWT_SECRET", SECRET), (name, value)]).expect_err("refused");
        assert!(err.to_string().contains(name), "{err}");
    }
}

#[test]
fn an_origin_list_may_allow_any_firefox_installation() {
    let s = settings(&[
        ("JWT_SECRET", SECRET),
        (
            "MENTOR_ALLOWED_ORIGINS",
            "chrome-extension://abcdefgh,moz-extension://*",
        ),
    ])
    .expect("valid");
    assert!(s.allowed_origins.allows("chrome-extension://abcdefgh"));
    assert!(!s.allowed_origins.allows("chrome-extension://someoneelse"));
    assert!(
        s.allowed_origins
            .allows("moz-extension://1b2c3d4e-0000-4000-8000-000000000000")
    );
    assert!(!s.allowed_origins.allows("https://moz-extension.example"));
}
