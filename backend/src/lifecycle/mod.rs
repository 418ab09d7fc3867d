//! An account's life beyond signing in: taking its data away, and its end
//! (deletion, and conversations past the plan's retention). The notices
//! mailed about it are [`crate::notices`].

pub mod deletion;
pub mod export;
pub mod retention;

use crate::billing::BillingError;
use crate::db::DbError;

/// Why an export or a deletion failed.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// An export was started within the hour.
    #[error("An export was started within the last hour; download that one, or try again later.")]
    ExportTooSoon {
        /// When the next one may start.
        retry_after_secs: u64,
    },
    /// No export, or the last one expired.
    #[error("No export yet (or the last one expired); start one.")]
    NoExport,
    /// A download link whose signature does not match (forged or altered).
    #[error("This download link is not valid. Start a new export from your account.")]
    ForgedLink,
    /// A download link past its expiry.
    #[error("This download link has expired. Start a new export from your account.")]
    LinkExpired,
    /// A valid token for an account deleted since.
    #[error("This account no longer exists.")]
    AccountGone,
    /// Stripe could not end the account's subscriptions (nothing was deleted).
    #[error(transparent)]
    Billing(#[from] BillingError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for LifecycleError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(err))
    }
}
