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
//! resume_ai_parse = true            # a model may build resumes' structure
//! ```

mod builtin;

use std::path::Path;

use serde::Deserialize;
use shared_types::money::{format_pico_usd, parse_usd_to_pico};
use shared_types::{ModelInfo, Plan, Tier};

use crate::db::model_settings::ModelOverride;
use builtin::{BUILTIN, PROVIDERS};

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
    resume_ai_parse: Option<bool>,
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
            if let Some(allowed) = p.resume_ai_parse {
                plan.resume_ai_parse = allowed;
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
mod tests;
