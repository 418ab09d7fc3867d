//! Why a billing call failed; `crate::error` maps each to its status.

use crate::db::DbError;
use crate::notices::NoticeError;

use super::stripe::StripeError;

/// A failed checkout, portal, webhook or plan lookup.
#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    /// The request or the event is malformed.
    #[error("{0}")]
    InvalidInput(String),
    /// The user has no Stripe customer yet.
    #[error("There is no subscription to manage yet: upgrade first.")]
    NoSubscription,
    /// A valid token for an account deleted since.
    #[error("This account no longer exists.")]
    AccountGone,
    /// Stripe could not be reached or answered oddly (logged when it
    /// happens; the client hears only that the payment provider failed).
    #[error(transparent)]
    Stripe(StripeError),
    /// A notice about the subscription could not be queued.
    #[error(transparent)]
    Notice(#[from] NoticeError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Something that should not happen; the cause is for the log.
    #[error("{0}")]
    Internal(String),
}

impl From<StripeError> for BillingError {
    fn from(error: StripeError) -> Self {
        tracing::error!(%error, "Stripe call failed");
        Self::Stripe(error)
    }
}

impl From<diesel::result::Error> for BillingError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(err))
    }
}
