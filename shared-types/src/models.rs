//! `GET /api/v1/models`: the models the caller's tier may use.

use serde::{Deserialize, Serialize};

/// A model as the extension shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelInfo {
    /// The id to pass as `model`.
    pub id: String,
    /// The provider that serves it (`openai`, `anthropic`, ...).
    pub provider: String,
    /// A name for people.
    pub display_name: String,
    /// The context window, in tokens.
    pub context_window: u32,
    /// US dollars per 1,000 input tokens, as a decimal string.
    pub input_usd_per_1k: String,
    /// US dollars per 1,000 output tokens, as a decimal string.
    pub output_usd_per_1k: String,
    /// Whether this is the tier's default.
    pub default: bool,
}

/// The list, in the tier's order of preference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelsResponse {
    /// The models.
    pub models: Vec<ModelInfo>,
}
