//! Retention by plan: the hourly task deletes conversations (and their
//! messages) that nobody has touched for longer than the owner's plan keeps
//! them. Ledger rows stay, without the link to the conversation.

use shared_types::Tier;

use crate::config::Retention;
use crate::db::{self, DbError, Pool, conversations};

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
                .write(move |conn| {
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
