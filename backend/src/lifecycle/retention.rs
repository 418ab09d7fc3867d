//! Retention by plan: the hourly task deletes conversations (and their
//! messages) that nobody has touched for longer than the owner's plan keeps
//! them. Ledger rows stay, without the link to the conversation.

use shared_types::Tier;

use crate::db::{self, DbError, Pool, Scope, conversations};

/// How long conversations are kept, by the owner's plan, in days since
/// their last message (`None`: for ever). `MENTOR_RETENTION_FREE_DAYS`
/// (default 183), `MENTOR_RETENTION_PRO_DAYS` (730) and
/// `MENTOR_RETENTION_ENTERPRISE_DAYS` (unlimited); 0 means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// The free plan.
    pub free_days: Option<u32>,
    /// Pro.
    pub pro_days: Option<u32>,
    /// Enterprise.
    pub enterprise_days: Option<u32>,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            free_days: Some(183),
            pro_days: Some(730),
            enterprise_days: None,
        }
    }
}

impl Retention {
    /// The days `tier` keeps conversations, if limited.
    pub fn days(&self, tier: Tier) -> Option<u32> {
        match tier {
            Tier::Free => self.free_days,
            Tier::Pro => self.pro_days,
            Tier::Enterprise => self.enterprise_days,
        }
    }
}

/// Conversations deleted per transaction, so a first run on a large
/// database never holds the writer for long.
const BATCH: i64 = 500;

/// Deletes every conversation past its plan's retention; returns how many.
pub async fn apply(pool: &Pool, retention: Retention) -> Result<usize, DbError> {
    let mut deleted = 0;
    for tier in Tier::ALL {
        let Some(days) = retention.days(tier) else {
            continue;
        };
        loop {
            let went = pool
                .write(Scope::System, move |conn| {
                    let now = db::now();
                    let before = now - chrono::Duration::days(i64::from(days));
                    Ok::<_, DbError>(conversations::delete_stale(conn, tier, before, now, BATCH)?)
                })
                .await?;
            deleted += went;
            if went < BATCH as usize {
                break;
            }
        }
    }
    Ok(deleted)
}
