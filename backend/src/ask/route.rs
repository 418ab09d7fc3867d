//! Who answers: the user's own key for the model's provider, or the
//! platform's chain of models.

use shared_types::{ProviderKeyStatus, Tier};

use super::{AskError, AskService, Route};
use crate::ai::catalogue::{Catalogue, ChainError, ModelSpec};
use crate::ai::{ProviderError, ProviderErrorKind};
use crate::keys::provider_keys::{ByokError, SealedKeys};

impl AskService {
    /// Chooses who answers: the user's key for the model's provider, else
    /// the platform's chain.
    pub(super) fn route(
        &self,
        catalogue: &Catalogue,
        tier: Tier,
        requested: Option<&str>,
        keys: Option<&SealedKeys>,
        fallback: bool,
    ) -> Result<Route, AskError> {
        let own = keys.and_then(|keys| {
            let chain = catalogue.chain(tier, requested, &|p| keys.has(p)).ok()?;
            Some((keys, chain.into_iter().next()?))
        });
        if let Some((keys, model)) = own
            && let Some(key) = keys.open(&model.provider).map_err(ByokError::from)?
        {
            if key.status != ProviderKeyStatus::Invalid {
                return Ok(Route::Own(model, key));
            }
            if !fallback {
                return Err(AskError::ProviderKeyInvalid(model.provider));
            }
        }
        self.platform_chain(catalogue, tier, requested)
            .map(Route::Platform)
    }

    /// The models the platform's own keys can answer with, in order.
    pub(super) fn platform_chain(
        &self,
        catalogue: &Catalogue,
        tier: Tier,
        requested: Option<&str>,
    ) -> Result<Vec<ModelSpec>, AskError> {
        catalogue
            .chain(tier, requested, &|p| self.router.has(p))
            .map_err(|e| self.chain_error(e))
    }

    pub(super) fn chain_error(&self, error: ChainError) -> AskError {
        match error {
            ChainError::Unknown(id) => AskError::UnknownModel(id),
            ChainError::NotAllowed(id) => AskError::ModelNotAllowed(id),
            ChainError::Disabled(id) => AskError::ModelDisabled(id),
            ChainError::NoProvider if self.router.is_empty() => {
                tracing::warn!(
                    "a question found no AI provider: set one of OPENAI_API_KEY, ANTHROPIC_API_KEY, \
                     GEMINI_API_KEY, DEEPSEEK_API_KEY, GROQ_API_KEY or XAI_API_KEY (or \
                     MENTOR_DEMO_PROVIDER=1) and restart"
                );
                AskError::NoProvider(
                    "This server is not connected to an AI model yet, so it cannot answer. \
                     Please tell whoever runs it."
                        .into(),
                )
            }
            ChainError::NoProvider => AskError::NoProvider(
                "The provider of this model is not configured on this server; pick another model."
                    .into(),
            ),
        }
    }
}

/// Whether the provider refused the key itself.
pub(super) fn refused(error: &ProviderError) -> bool {
    matches!(error.kind, ProviderErrorKind::Status(401 | 403))
}
