//! Sends a question down a chain of models: retries a model on failures that
//! may pass (429, 5xx, connection errors, timeouts) with exponential backoff,
//! then falls back to the next model. A model counts as answering once its
//! first stream event arrives; after that, failures end the answer instead.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;

use super::catalogue::ModelSpec;
use super::{ChatEvent, ChatRequest, ChatStream, Provider, ProviderError, ProviderErrorKind};

/// Retry rules.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Extra attempts per model after the first.
    pub retries: u32,
    /// The first pause; each further pause doubles.
    pub backoff: Duration,
    /// How long to wait for the first event.
    pub first_event_timeout: Duration,
}

/// An answer that has begun.
pub struct Started {
    /// The model answering.
    pub model: ModelSpec,
    /// Its first event.
    pub first: ChatEvent,
    /// The rest of its stream.
    pub rest: ChatStream,
    /// The prompt's estimated tokens, for when the provider reports none.
    pub prompt_tokens_estimate: u64,
}

/// Every model failed before answering: the last one tried, and its error.
#[derive(Debug)]
pub struct Failed {
    /// The last model tried (`None` if no model could be tried).
    pub model: Option<ModelSpec>,
    /// Its last error.
    pub error: ProviderError,
}

/// The providers that are on, by name.
pub struct AiRouter {
    providers: HashMap<String, Arc<dyn Provider>>,
    /// Every known provider without a key, for the users' own keys.
    endpoints: HashMap<String, Arc<dyn Provider>>,
    retry: RetryPolicy,
}

impl AiRouter {
    /// A router over these providers.
    pub fn new(
        providers: Vec<Arc<dyn Provider>>,
        endpoints: Vec<Arc<dyn Provider>>,
        retry: RetryPolicy,
    ) -> Self {
        let by_name = |list: Vec<Arc<dyn Provider>>| {
            list.into_iter()
                .map(|p| (p.name().to_string(), p))
                .collect()
        };
        Self {
            providers: by_name(providers),
            endpoints: by_name(endpoints),
            retry,
        }
    }

    /// `provider` at its configured address with a user's own key; `None`
    /// for a provider that takes no keys.
    pub fn with_user_key(
        &self,
        provider: &str,
        api_key: secrecy::SecretString,
    ) -> Option<Arc<dyn Provider>> {
        self.endpoints.get(provider)?.with_key(api_key)
    }

    /// Whether a provider is configured.
    pub fn has(&self, provider: &str) -> bool {
        self.providers.contains_key(provider)
    }

    /// Whether no provider at all is configured.
    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    /// Starts an answer from the first model in `chain` that begins one;
    /// `request_for` builds each model's request.
    pub async fn start(
        &self,
        chain: &[ModelSpec],
        request_for: impl Fn(&ModelSpec) -> ChatRequest,
    ) -> Result<Started, Failed> {
        self.start_with(chain, |name| self.providers.get(name).cloned(), request_for)
            .await
    }

    /// As [`AiRouter::start`], with `provider_for` choosing who serves each
    /// model (a user's own key, say).
    pub async fn start_with(
        &self,
        chain: &[ModelSpec],
        provider_for: impl Fn(&str) -> Option<Arc<dyn Provider>>,
        request_for: impl Fn(&ModelSpec) -> ChatRequest,
    ) -> Result<Started, Failed> {
        let mut last = Failed {
            model: None,
            error: ProviderError::new("router", ProviderErrorKind::Connect, "no model to try"),
        };
        for model in chain {
            let Some(provider) = provider_for(&model.provider) else {
                continue;
            };
            for attempt in 0..=self.retry.retries {
                if attempt > 0 {
                    tokio::time::sleep(self.retry.backoff * 2u32.saturating_pow(attempt - 1)).await;
                }
                let request = request_for(model);
                let prompt_tokens_estimate = super::estimate_tokens(&request.system)
                    + request
                        .messages
                        .iter()
                        .map(|m| super::estimate_tokens(&m.content))
                        .sum::<u64>();
                match self.begin(provider.as_ref(), request).await {
                    Ok((first, rest)) => {
                        return Ok(Started {
                            model: model.clone(),
                            first,
                            rest,
                            prompt_tokens_estimate,
                        });
                    }
                    Err(error) => {
                        tracing::warn!(model = %model.id, attempt, error = %error, "AI provider attempt failed");
                        let retry = error.is_retryable();
                        last = Failed {
                            model: Some(model.clone()),
                            error,
                        };
                        if !retry {
                            break;
                        }
                    }
                }
            }
        }
        Err(last)
    }

    async fn begin(
        &self,
        provider: &dyn Provider,
        request: ChatRequest,
    ) -> Result<(ChatEvent, ChatStream), ProviderError> {
        let mut stream = provider.stream(request).await?;
        let timeout = || {
            ProviderError::new(
                provider.name(),
                ProviderErrorKind::Timeout,
                "no answer began in time",
            )
        };
        match tokio::time::timeout(self.retry.first_event_timeout, stream.next()).await {
            Err(_) => Err(timeout()),
            Ok(None) => Err(ProviderError::new(
                provider.name(),
                ProviderErrorKind::Stream,
                "the stream ended at once",
            )),
            Ok(Some(Err(error))) => Err(error),
            Ok(Some(Ok(first))) => Ok((first, stream)),
        }
    }
}
