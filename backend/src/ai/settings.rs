//! Which AI providers are on, where each is reached, and the timeouts and
//! retries of every call. Read from the environment by `crate::config`.

use std::time::Duration;

use secrecy::SecretString;

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
