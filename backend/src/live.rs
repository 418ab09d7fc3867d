//! What admins change while the service runs, kept in the database and seen
//! by every replica: the model catalogue with their overrides (kill switch,
//! tiers, prices) and the suspended accounts.
//!
//! Each replica re-reads both every [`REFRESH`] (two small indexed queries);
//! the replica that makes a change reloads at once. Readers never wait: the
//! current values sit behind atomic pointers.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;

use crate::ai::catalogue::Catalogue;
use crate::db::{DbError, Pool, Scope, model_settings, users};

/// How often each replica re-reads the settings.
pub const REFRESH: Duration = Duration::from_secs(2);

/// The live catalogue and suspended accounts.
pub struct Live {
    /// The catalogue from the built-ins and the TOML file.
    base: Catalogue,
    /// `base` with the admins' overrides.
    catalogue: ArcSwap<Catalogue>,
    suspended: ArcSwap<HashSet<i64>>,
}

impl Live {
    /// Starts from the file's catalogue, with no overrides and nobody
    /// suspended until the first [`Live::reload`].
    pub fn new(base: Catalogue) -> Self {
        Self {
            catalogue: ArcSwap::from_pointee(base.clone()),
            base,
            suspended: ArcSwap::default(),
        }
    }

    /// The catalogue in force.
    pub fn catalogue(&self) -> Arc<Catalogue> {
        self.catalogue.load_full()
    }

    /// The catalogue without the admins' overrides.
    pub fn base(&self) -> &Catalogue {
        &self.base
    }

    /// Whether the account is suspended (as of the last reload).
    pub fn is_suspended(&self, user_id: i64) -> bool {
        self.suspended.load().contains(&user_id)
    }

    /// Reads the overrides and the suspended accounts again.
    pub async fn reload(&self, pool: &Pool) -> Result<(), DbError> {
        let (overrides, suspended) = pool
            .read(Scope::System, |conn| {
                Ok::<_, DbError>((model_settings::all(conn)?, users::suspended_ids(conn)?))
            })
            .await?;
        self.catalogue
            .store(Arc::new(self.base.with_overrides(&overrides)));
        self.suspended
            .store(Arc::new(suspended.into_iter().collect()));
        Ok(())
    }

    /// Reloads every [`REFRESH`] for as long as the server runs.
    pub fn spawn_refresh(self: &Arc<Self>, pool: Pool) {
        let live = Arc::clone(self);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(REFRESH);
            loop {
                every.tick().await;
                if let Err(e) = live.reload(&pool).await {
                    tracing::warn!(error = %e, "could not reload the live settings");
                }
            }
        });
    }
}
