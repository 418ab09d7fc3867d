//! The built-in catalogue, the config file's overrides, and the chains they give.

use super::*;

fn only(providers: &'static [&'static str]) -> impl Fn(&str) -> bool {
    move |p| providers.contains(&p)
}

#[test]
fn costs_are_exact_pico_dollars() {
    let catalogue = Catalogue::builtin();
    let mini = catalogue.model("gpt-4o-mini").expect("built in");
    // 1,000 in at $0.00015 + 2,000 out at $0.0006 per 1k = $0.00135.
    assert_eq!(format_pico_usd(mini.cost_pico(1000, 2000)), "0.00135");
    assert_eq!(format_pico_usd(mini.cost_pico(1, 1)), "0.00000075");
}

#[test]
fn the_chain_starts_with_the_request_then_the_tiers_fallbacks_with_providers_on() {
    let catalogue = Catalogue::builtin();
    let chain = catalogue
        .chain(
            Tier::Free,
            Some("gemini-2.0-flash"),
            &only(&["openai", "gemini"]),
        )
        .expect("chain");
    let ids: Vec<&str> = chain.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, vec!["gemini-2.0-flash", "gpt-4o-mini"]);
    let default = catalogue
        .chain(Tier::Free, None, &only(&["anthropic"]))
        .expect("chain");
    assert_eq!(default[0].id, "claude-3-5-haiku-latest");
}

#[test]
fn unknown_disallowed_and_unserved_models_are_told_apart() {
    let catalogue = Catalogue::builtin();
    let on = only(&["openai"]);
    assert_eq!(
        catalogue.chain(Tier::Free, Some("nope"), &on),
        Err(ChainError::Unknown("nope".into()))
    );
    assert_eq!(
        catalogue.chain(Tier::Free, Some("gpt-4o"), &on),
        Err(ChainError::NotAllowed("gpt-4o".into()))
    );
    assert_eq!(
        catalogue.chain(Tier::Free, Some("deepseek-chat"), &on),
        Err(ChainError::NoProvider)
    );
    assert_eq!(
        catalogue.chain(Tier::Free, None, &only(&[])),
        Err(ChainError::NoProvider)
    );
}

#[test]
fn a_toml_file_adds_models_and_overrides_plans() {
    let mut catalogue = Catalogue::builtin();
    catalogue
        .apply_toml(
            r#"
            [[models]]
            id = "llama3-local"
            provider = "openai"
            upstream_model = "llama3:8b"
            input_usd_per_1k = "0.000001"
            output_usd_per_1k = "0"
            context_window = 8192
            tiers = ["free"]

            [plans.free]
            monthly_questions = 3
            fallback_models = ["llama3-local"]

            [plans.pro]
            monthly_questions = "unlimited"
            "#,
        )
        .expect("valid");
    let model = catalogue.model("llama3-local").expect("added");
    assert_eq!(
        (model.upstream_model.as_str(), model.input_pico_per_1k),
        ("llama3:8b", 1_000_000)
    );
    assert_eq!(catalogue.plan(Tier::Free).monthly_questions, Some(3));
    assert_eq!(
        catalogue.plan(Tier::Free).per_minute,
        5,
        "fields left out keep their defaults"
    );
    assert_eq!(catalogue.plan(Tier::Pro).monthly_questions, None);
    let chain = catalogue
        .chain(Tier::Free, None, &only(&["openai"]))
        .expect("chain");
    assert_eq!(chain[0].id, "llama3-local");
}

#[test]
fn bad_toml_is_refused_with_the_reason() {
    for (text, needle) in [
        (
            "[[models]]\nid='x'\nprovider='mars'\ninput_usd_per_1k='0'\noutput_usd_per_1k='0'\ncontext_window=8192\ntiers=['free']",
            "unknown provider",
        ),
        (
            "[[models]]\nid='x'\nprovider='openai'\ninput_usd_per_1k='0.0000000001'\noutput_usd_per_1k='0'\ncontext_window=8192\ntiers=['free']",
            "9 decimals",
        ),
        (
            "[plans.free]\nfallback_models=['nope']",
            "unknown model 'nope'",
        ),
        ("[plans.gold]\nper_minute=1", "unknown Tier"),
        ("[plans.free]\nmonthly_questions='lots'", "unlimited"),
        ("unknown_key = 1", "unknown field"),
    ] {
        let err = Catalogue::builtin().apply_toml(text).expect_err(text);
        assert!(err.contains(needle), "{err} should mention {needle}");
    }
}
