//! The model catalogue and the plans: which models exist, what they cost,
//! which tiers may use them, and each tier's quota, rate and model order.
//!
//! Built-in defaults, overridable by the TOML file named in `MENTOR_CONFIG`:
//!
//! ```toml
//! [[models]]                        # adds a model, or replaces one by id
//! id = "llama3-local"
//! provider = "openai"               # openai, anthropic, gemini, deepseek, groq, xai, demo
//! upstream_model = "llama3:8b"      # the provider's name for it (default: id)
//! display_name = "Llama 3 (self-hosted)"
//! input_usd_per_1k = "0"            # at most 9 decimals
//! output_usd_per_1k = "0"
//! context_window = 8192
//! tiers = ["free", "pro", "enterprise"]
//!
//! [plans.free]                      # any field may be left out
//! monthly_questions = 20            # or "unlimited"
//! per_minute = 5
//! fallback_models = ["llama3-local", "gpt-4o-mini"]
//! job_saves_per_day = 50            # or "unlimited"
//! api_keys = false                  # may create personal API keys
//! byok = false                      # may bring their own provider keys
//! ```

use std::path::Path;

use serde::Deserialize;
use shared_types::money::{format_pico_usd, parse_usd_to_pico};
use shared_types::{ModelInfo, Plan, Tier};

use crate::db::model_settings::ModelOverride;

/// A model the backend can route to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec {
    /// The id clients use.
    pub id: String,
    /// The provider that serves it.
    pub provider: String,
    /// The provider's own name for it.
    pub upstream_model: String,
    /// A name for people.
    pub display_name: String,
    /// Pico-dollars per 1,000 input tokens (a multiple of 1,000).
    pub input_pico_per_1k: i64,
    /// Pico-dollars per 1,000 output tokens (a multiple of 1,000).
    pub output_pico_per_1k: i64,
    /// The context window in tokens.
    pub context_window: u32,
    /// The tiers that may use it.
    pub tiers: Vec<Tier>,
    /// Whether it may be used now (an admin's kill switch).
    pub enabled: bool,
}

impl ModelSpec {
    /// The exact cost of an answer, in pico-dollars.
    pub fn cost_pico(&self, input_tokens: u64, output_tokens: u64) -> i64 {
        let tokens = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        (tokens(input_tokens).saturating_mul(self.input_pico_per_1k / 1000))
            .saturating_add(tokens(output_tokens).saturating_mul(self.output_pico_per_1k / 1000))
    }

    /// This model with an admin's change applied, if any.
    pub fn with(mut self, change: Option<&ModelOverride>) -> Self {
        let Some(o) = change else {
            return self;
        };
        self.enabled = o.enabled;
        if let Some(tiers) = &o.tiers {
            self.tiers = tiers.clone();
        }
        if let Some(price) = o.input_pico_per_1k {
            self.input_pico_per_1k = price;
        }
        if let Some(price) = o.output_pico_per_1k {
            self.output_pico_per_1k = price;
        }
        self
    }

    /// The API view, marking whether it is the tier's default.
    pub fn info(&self, default: bool) -> ModelInfo {
        ModelInfo {
            id: self.id.clone(),
            provider: self.provider.clone(),
            display_name: self.display_name.clone(),
            context_window: self.context_window,
            input_usd_per_1k: format_pico_usd(self.input_pico_per_1k),
            output_usd_per_1k: format_pico_usd(self.output_pico_per_1k),
            default,
        }
    }
}

/// Why no model chain could be made for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainError {
    /// No model with this id.
    Unknown(String),
    /// The tier may not use this model.
    NotAllowed(String),
    /// The model's provider, or every allowed model's, is not configured.
    NoProvider,
    /// An admin turned the model off.
    Disabled(String),
}

/// Models and plans.
#[derive(Debug, Clone)]
pub struct Catalogue {
    models: Vec<ModelSpec>,
    plans: Vec<Plan>,
}

const ALL: &[Tier] = &Tier::ALL;
const PAID: &[Tier] = &[Tier::Pro, Tier::Enterprise];

/// A built-in model, with prices as decimal dollars per 1,000 tokens.
struct Builtin {
    id: &'static str,
    provider: &'static str,
    name: &'static str,
    input: &'static str,
    output: &'static str,
    context: u32,
    tiers: &'static [Tier],
}

/// Built-in models (list prices when written; the config file overrides them).
const BUILTIN: &[Builtin] = &[
    Builtin {
        id: "gpt-4o-mini",
        provider: "openai",
        name: "GPT-4o mini",
        input: "0.00015",
        output: "0.0006",
        context: 128_000,
        tiers: ALL,
    },
    Builtin {
        id: "gpt-4o",
        provider: "openai",
        name: "GPT-4o",
        input: "0.0025",
        output: "0.01",
        context: 128_000,
        tiers: PAID,
    },
    Builtin {
        id: "claude-3-5-haiku-latest",
        provider: "anthropic",
        name: "Claude 3.5 Haiku",
        input: "0.0008",
        output: "0.004",
        context: 200_000,
        tiers: ALL,
    },
    Builtin {
        id: "claude-sonnet-4-0",
        provider: "anthropic",
        name: "Claude Sonnet 4",
        input: "0.003",
        output: "0.015",
        context: 200_000,
        tiers: PAID,
    },
    Builtin {
        id: "gemini-2.0-flash",
        provider: "gemini",
        name: "Gemini 2.0 Flash",
        input: "0.0001",
        output: "0.0004",
        context: 1_048_576,
        tiers: ALL,
    },
    Builtin {
        id: "gemini-2.5-pro",
        provider: "gemini",
        name: "Gemini 2.5 Pro",
        input: "0.00125",
        output: "0.01",
        context: 1_048_576,
        tiers: PAID,
    },
    Builtin {
        id: "deepseek-chat",
        provider: "deepseek",
        name: "DeepSeek V3",
        input: "0.00027",
        output: "0.0011",
        context: 64_000,
        tiers: ALL,
    },
    Builtin {
        id: "llama-3.3-70b-versatile",
        provider: "groq",
        name: "Llama 3.3 70B (Groq)",
        input: "0.00059",
        output: "0.00079",
        context: 128_000,
        tiers: ALL,
    },
    Builtin {
        id: "grok-3-mini",
        provider: "xai",
        name: "Grok 3 mini",
        input: "0.0003",
        output: "0.0005",
        context: 131_072,
        tiers: ALL,
    },
    Builtin {
        id: "demo",
        provider: "demo",
        name: "Demo (no AI provider configured)",
        input: "0",
        output: "0",
        context: 8_192,
        tiers: ALL,
    },
];

/// The providers a model may name.
pub const PROVIDERS: &[&str] = &[
    "openai",
    "anthropic",
    "gemini",
    "deepseek",
    "groq",
    "xai",
    "demo",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    models: Vec<FileModel>,
    #[serde(default)]
    plans: std::collections::BTreeMap<String, FilePlan>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileModel {
    id: String,
    provider: String,
    upstream_model: Option<String>,
    display_name: Option<String>,
    input_usd_per_1k: String,
    output_usd_per_1k: String,
    context_window: u32,
    tiers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePlan {
    monthly_questions: Option<QuestionLimit>,
    per_minute: Option<u32>,
    fallback_models: Option<Vec<String>>,
    job_saves_per_day: Option<QuestionLimit>,
    api_keys: Option<bool>,
    byok: Option<bool>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum QuestionLimit {
    Count(u32),
    Word(String),
}

impl QuestionLimit {
    /// The limit, `None` for "unlimited".
    fn count(self, field: &str) -> Result<Option<u32>, String> {
        match self {
            Self::Count(n) => Ok(Some(n)),
            Self::Word(w) if w == "unlimited" => Ok(None),
            Self::Word(w) => Err(format!(
                "{field}: '{w}' is neither a number nor \"unlimited\""
            )),
        }
    }
}

impl Catalogue {
    /// The built-in models and plans.
    pub fn builtin() -> Self {
        let models = BUILTIN
            .iter()
            .map(|b| ModelSpec {
                id: b.id.into(),
                provider: b.provider.into(),
                upstream_model: b.id.into(),
                display_name: b.name.into(),
                input_pico_per_1k: parse_usd_to_pico(b.input).unwrap_or_default(),
                output_pico_per_1k: parse_usd_to_pico(b.output).unwrap_or_default(),
                context_window: b.context,
                tiers: b.tiers.to_vec(),
                enabled: true,
            })
            .collect();
        Self {
            models,
            plans: Tier::ALL.iter().map(|&t| Plan::default_for(t)).collect(),
        }
    }

    /// The built-ins, overridden by the TOML file at `path` when given.
    pub fn load(path: Option<&Path>) -> Result<Self, String> {
        let mut catalogue = Self::builtin();
        if let Some(path) = path {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            catalogue
                .apply_toml(&text)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(catalogue)
    }

    /// Applies a TOML override (see the module documentation).
    pub fn apply_toml(&mut self, text: &str) -> Result<(), String> {
        let file: FileConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        for m in file.models {
            let spec = model_from_file(m)?;
            match self
                .models
                .iter_mut()
                .find(|existing| existing.id == spec.id)
            {
                Some(existing) => *existing = spec,
                None => self.models.push(spec),
            }
        }
        for (tier_name, p) in file.plans {
            let tier: Tier = tier_name.parse()?;
            let plan = self.plan_mut(tier);
            if let Some(limit) = p.monthly_questions {
                plan.monthly_questions = limit.count("monthly_questions")?;
            }
            if let Some(limit) = p.job_saves_per_day {
                plan.job_saves_per_day = limit.count("job_saves_per_day")?;
            }
            if let Some(allowed) = p.api_keys {
                plan.api_keys = allowed;
            }
            if let Some(allowed) = p.byok {
                plan.byok = allowed;
            }
            if let Some(rate) = p.per_minute {
                plan.per_minute = rate;
            }
            if let Some(models) = p.fallback_models {
                plan.fallback_models = models;
            }
        }
        for plan in &self.plans {
            if let Some(unknown) = plan
                .fallback_models
                .iter()
                .find(|id| self.model(id).is_none())
            {
                return Err(format!(
                    "plans.{}.fallback_models names unknown model '{unknown}'",
                    plan.tier
                ));
            }
        }
        Ok(())
    }

    fn plan_mut(&mut self, tier: Tier) -> &mut Plan {
        let index = self
            .plans
            .iter()
            .position(|p| p.tier == tier)
            .unwrap_or_default();
        &mut self.plans[index]
    }

    /// The plan of a tier.
    pub fn plan(&self, tier: Tier) -> &Plan {
        self.plans
            .iter()
            .find(|p| p.tier == tier)
            .unwrap_or(&self.plans[0])
    }

    /// The model with this id.
    pub fn model(&self, id: &str) -> Option<&ModelSpec> {
        self.models.iter().find(|m| m.id == id)
    }

    /// Every model, enabled or not.
    pub fn models(&self) -> &[ModelSpec] {
        &self.models
    }

    /// This catalogue with admins' changes applied (changes to models it
    /// does not have are ignored: the file may have dropped them).
    pub fn with_overrides(&self, overrides: &[ModelOverride]) -> Self {
        let mut out = self.clone();
        for model in &mut out.models {
            let found = overrides.iter().find(|o| o.model_id == model.id);
            *model = model.clone().with(found);
        }
        out
    }

    /// The models a tier may use whose provider is on: the plan's order
    /// first, then any other allowed model.
    pub fn available(&self, tier: Tier, enabled: &dyn Fn(&str) -> bool) -> Vec<&ModelSpec> {
        let usable = |m: &&ModelSpec| m.enabled && m.tiers.contains(&tier) && enabled(&m.provider);
        let plan = self.plan(tier);
        let mut list: Vec<&ModelSpec> = plan
            .fallback_models
            .iter()
            .filter_map(|id| self.model(id))
            .filter(usable)
            .collect();
        for m in self.models.iter().filter(usable) {
            if !list.iter().any(|l| l.id == m.id) {
                list.push(m);
            }
        }
        list
    }

    /// The models to try for a question, in order: the requested model (or
    /// the tier's default), then the tier's fallbacks.
    pub fn chain(
        &self,
        tier: Tier,
        requested: Option<&str>,
        enabled: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<ModelSpec>, ChainError> {
        let plan = self.plan(tier);
        let fallbacks = plan
            .fallback_models
            .iter()
            .filter_map(|id| self.model(id))
            .filter(|m| m.enabled && m.tiers.contains(&tier) && enabled(&m.provider));
        let mut chain: Vec<ModelSpec> = Vec::new();
        if let Some(id) = requested {
            let model = self
                .model(id)
                .ok_or_else(|| ChainError::Unknown(id.to_string()))?;
            if !model.enabled {
                return Err(ChainError::Disabled(id.to_string()));
            }
            if !model.tiers.contains(&tier) {
                return Err(ChainError::NotAllowed(id.to_string()));
            }
            if !enabled(&model.provider) {
                return Err(ChainError::NoProvider);
            }
            chain.push(model.clone());
        }
        for m in fallbacks {
            if !chain.iter().any(|c| c.id == m.id) {
                chain.push(m.clone());
            }
        }
        if chain.is_empty() {
            // No fallback is on: use any allowed model whose provider is.
            chain.extend(self.available(tier, enabled).into_iter().take(1).cloned());
        }
        if chain.is_empty() {
            return Err(ChainError::NoProvider);
        }
        Ok(chain)
    }
}

fn model_from_file(m: FileModel) -> Result<ModelSpec, String> {
    let context = |field: &str| format!("model '{}': {field}", m.id);
    if !PROVIDERS.contains(&m.provider.as_str()) {
        return Err(format!(
            "{}: unknown provider '{}' (one of {})",
            context("provider"),
            m.provider,
            PROVIDERS.join(", ")
        ));
    }
    let price = |field: &str, text: &str| -> Result<i64, String> {
        price_pico_per_1k(text).map_err(|e| format!("{}: {e}", context(field)))
    };
    let tiers = m
        .tiers
        .iter()
        .map(|t| t.parse::<Tier>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", context("tiers")))?;
    if m.context_window < 1024 {
        return Err(format!(
            "{}: at least 1024 tokens",
            context("context_window")
        ));
    }
    Ok(ModelSpec {
        input_pico_per_1k: price("input_usd_per_1k", &m.input_usd_per_1k)?,
        output_pico_per_1k: price("output_usd_per_1k", &m.output_usd_per_1k)?,
        upstream_model: m.upstream_model.unwrap_or_else(|| m.id.clone()),
        display_name: m.display_name.unwrap_or_else(|| m.id.clone()),
        provider: m.provider,
        context_window: m.context_window,
        tiers,
        id: m.id,
        enabled: true,
    })
}

/// A price per 1,000 tokens in decimal dollars (`"0.0025"`), as pico-dollars;
/// at most 9 decimals so that the price of one token is a whole pico-dollar.
pub fn price_pico_per_1k(text: &str) -> Result<i64, String> {
    let pico = parse_usd_to_pico(text)?;
    if pico % 1000 != 0 {
        return Err("at most 9 decimals".into());
    }
    Ok(pico)
}

#[cfg(test)]
mod tests {
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
}
