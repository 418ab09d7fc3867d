//! AI providers behind one interface.
//!
//! Every provider turns a [`ChatRequest`] into a stream of [`ChatEvent`]s:
//! text as it arrives, token usage, and a finish marker. The OpenAI-compatible
//! client serves OpenAI, DeepSeek, Groq, xAI and self-hosted servers by base
//! URL; Anthropic and Gemini have their own wire formats; `demo` answers
//! without any network. [`router::AiRouter`] adds retries and fallbacks.

pub mod anthropic;
pub mod catalogue;
pub mod demo;
pub mod gemini;
pub mod http;
pub mod openai;
pub mod router;
pub mod settings;

use std::pin::Pin;

use futures_util::Stream;
use futures_util::future::BoxFuture;
use secrecy::SecretString;
use std::sync::Arc;

use settings::{AiSettings, Wire};

/// Who wrote a message sent to a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatRole {
    /// The user.
    User,
    /// The model, in earlier turns.
    Assistant,
}

impl ChatRole {
    /// The role's name in the OpenAI and Anthropic formats.
    pub fn name(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }
}

/// One earlier or current turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    /// Who wrote it.
    pub role: ChatRole,
    /// What was written.
    pub content: String,
}

/// What is sent to a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatRequest {
    /// The provider's own model name.
    pub model: String,
    /// Instructions and page context.
    pub system: String,
    /// The conversation, ending with the user's question.
    pub messages: Vec<ChatMessage>,
    /// The most tokens the answer may have.
    pub max_output_tokens: u32,
}

/// One normalised event of a provider's stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatEvent {
    /// More answer text.
    Text(String),
    /// Token counts so far; a later event replaces the fields it carries.
    Usage {
        /// Prompt tokens, if this event reports them.
        input: Option<u64>,
        /// Answer tokens, if this event reports them.
        output: Option<u64>,
    },
    /// The provider finished the answer normally.
    Finished,
}

/// A provider's event stream.
pub type ChatStream = Pin<Box<dyn Stream<Item = Result<ChatEvent, ProviderError>> + Send>>;

/// How a provider call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderErrorKind {
    /// No connection could be made.
    Connect,
    /// No response, or no next chunk, within the read timeout.
    Timeout,
    /// The provider answered with this HTTP status.
    Status(u16),
    /// The stream broke off or could not be read.
    Stream,
    /// The provider reported an error inside the stream.
    InStream,
}

/// A failed provider call. The message never contains the API key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{provider}: {message}")]
pub struct ProviderError {
    /// The provider's name.
    pub provider: String,
    /// What kind of failure.
    pub kind: ProviderErrorKind,
    /// What happened.
    pub message: String,
}

impl ProviderError {
    /// A failure of `provider`.
    pub fn new(provider: &str, kind: ProviderErrorKind, message: impl Into<String>) -> Self {
        Self {
            provider: provider.to_string(),
            kind,
            message: message.into(),
        }
    }

    /// Whether trying the same provider again may help.
    pub fn is_retryable(&self) -> bool {
        match self.kind {
            ProviderErrorKind::Connect | ProviderErrorKind::Timeout | ProviderErrorKind::Stream => {
                true
            }
            ProviderErrorKind::Status(code) => code == 429 || code >= 500,
            ProviderErrorKind::InStream => false,
        }
    }
}

/// A source of answers.
pub trait Provider: Send + Sync {
    /// The provider's name, as in the catalogue (`openai`, `anthropic`, ...).
    fn name(&self) -> &str;

    /// Starts an answer. Resolves once the provider has accepted the request
    /// (HTTP status received); the stream then yields the answer.
    fn stream(&self, request: ChatRequest)
    -> BoxFuture<'static, Result<ChatStream, ProviderError>>;

    /// The same provider with a user's own key; `None` if it takes no keys.
    fn with_key(&self, _api_key: SecretString) -> Option<Arc<dyn Provider>> {
        None
    }

    /// One cheap call that proves the key works.
    fn check_key(&self) -> BoxFuture<'static, Result<(), ProviderError>> {
        Box::pin(async { Ok(()) })
    }
}

/// The router over every provider the settings turn on, and every known
/// provider's endpoint for the users' own keys.
pub fn build_router(settings: &AiSettings) -> Result<router::AiRouter, String> {
    let clients =
        http::Clients::new(settings.connect_timeout).map_err(|e| format!("HTTP client: {e}"))?;
    let provider = |name: &str, wire, base: &str, key: SecretString| -> Arc<dyn Provider> {
        let timeout = settings.read_timeout;
        match wire {
            Wire::OpenAi => Arc::new(http::HttpProvider::new(
                name,
                openai::OpenAiWire,
                base,
                key,
                clients.clone(),
                timeout,
            )),
            Wire::Anthropic => Arc::new(http::HttpProvider::new(
                name,
                anthropic::AnthropicWire,
                base,
                key,
                clients.clone(),
                timeout,
            )),
            Wire::Gemini => Arc::new(http::HttpProvider::new(
                name,
                gemini::GeminiWire,
                base,
                key,
                clients.clone(),
                timeout,
            )),
        }
    };
    let mut providers: Vec<Arc<dyn Provider>> = settings
        .providers
        .iter()
        .map(|p| provider(&p.name, p.wire, &p.base_url, p.api_key.clone()))
        .collect();
    if settings.demo {
        providers.push(Arc::new(demo::DemoProvider {
            word_delay: std::time::Duration::from_millis(15),
        }));
    }
    // Key-less templates: a user's key is put in with `with_key`.
    let endpoints = settings
        .endpoints
        .iter()
        .map(|e| {
            provider(
                &e.name,
                e.wire,
                &e.base_url,
                SecretString::from(String::new()),
            )
        })
        .collect();
    let names: Vec<&str> = providers.iter().map(|p| p.name()).collect();
    tracing::info!(providers = ?names, "AI providers");
    Ok(router::AiRouter::new(
        providers,
        endpoints,
        router::RetryPolicy {
            retries: settings.retries,
            backoff: settings.retry_backoff,
            first_event_timeout: settings.read_timeout,
        },
    ))
}

/// A rough token count for text: one token per four characters, rounded up.
/// Used to fit context into a model's window and to estimate usage when a
/// provider could not report it.
pub fn estimate_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}
