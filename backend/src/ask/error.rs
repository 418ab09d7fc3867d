//! Why a question was not answered; `crate::error` maps each to its status.

use crate::ai::{ProviderError, ProviderErrorKind};
use crate::db::DbError;
use crate::keys::provider_keys::ByokError;

/// Why a question was not answered.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    /// The request is malformed.
    #[error("{0}")]
    InvalidInput(String),
    /// No such conversation among the user's.
    #[error("No conversation with this id.")]
    ConversationNotFound,
    /// The token is valid but its account was deleted.
    #[error("This account no longer exists; sign in again.")]
    AccountGone,
    /// No such model.
    #[error("There is no model '{0}'. GET /api/v1/models lists the models you can use.")]
    UnknownModel(String),
    /// The tier may not use the model.
    #[error(
        "Your plan does not include the model '{0}'. Upgrade to use it, or pick another model."
    )]
    ModelNotAllowed(String),
    /// An admin turned the model off.
    #[error(
        "The model '{0}' is switched off for now. Pick another model (GET /api/v1/models lists them)."
    )]
    ModelDisabled(String),
    /// The account is suspended.
    #[error("This account is suspended.")]
    Suspended,
    /// No provider serves the request.
    #[error("{0}")]
    NoProvider(String),
    /// The month's questions are used up.
    #[error(
        "You have used all {limit} questions of your plan this month. They renew on {period_end}; upgrade for more."
    )]
    QuotaExceeded {
        /// The plan's monthly limit.
        limit: u32,
        /// When the quota renews (RFC 3339).
        period_end: String,
    },
    /// Every model in the chain failed before answering.
    #[error(
        "The AI provider could not answer right now; this question was not counted. Try again in a moment."
    )]
    Upstream(ProviderError),
    /// The provider refused the user's own key.
    #[error(
        "{0} refused your own API key, so it is now marked invalid. Replace it in your account, or turn on falling back to AI Mentor's key."
    )]
    ProviderKeyInvalid(String),
    /// The user's own key could not be read.
    #[error(transparent)]
    Byok(#[from] ByokError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for AskError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(err))
    }
}

impl AskError {
    /// Whether an upstream failure was a timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Upstream(e) if e.kind == ProviderErrorKind::Timeout)
    }
}
