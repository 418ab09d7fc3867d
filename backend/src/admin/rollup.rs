//! The task that folds the ledger into the daily rollups analytics read.
//! Every replica may run it: a fold takes a lock in the database and moves
//! a watermark, so each ledger row is folded in exactly once.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::Connection;

use crate::db::{self, DbError, Pool, Scope, usage_rollup};

/// How often the task looks for new ledger rows.
pub const EVERY: Duration = Duration::from_secs(10);
/// Ledger rows younger than this wait for the next fold: a transaction that
/// took a lower id may still be committing. (Settling takes milliseconds.)
pub const SETTLE_SECS: i64 = 30;
/// The most ledger rows one transaction folds: small enough that SQLite's
/// single writer is held for a fraction of a second while a large backlog
/// (after an upgrade) is folded, so asks keep flowing.
const BATCH: i64 = 20_000;

/// Folds every ledger row written before `settled_before` that is not
/// folded yet; returns how many ids were passed.
pub async fn fold_pending(pool: &Pool, settled_before: NaiveDateTime) -> Result<i64, DbError> {
    let mut total = 0;
    loop {
        let folded = pool
            .write(Scope::System, move |conn| {
                conn.transaction(|conn| {
                    usage_rollup::lock(conn)?;
                    let after = usage_rollup::watermark(conn)?;
                    match usage_rollup::next_watermark(conn, after, BATCH, settled_before)? {
                        Some(upto) => {
                            usage_rollup::fold(conn, after, upto)?;
                            Ok(upto - after)
                        }
                        None => Ok::<_, diesel::result::Error>(0),
                    }
                })
                .map_err(DbError::from)
            })
            .await?;
        if folded == 0 {
            return Ok(total);
        }
        total += folded;
    }
}

/// Starts the task (call within a tokio runtime).
pub fn spawn(pool: Pool) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        loop {
            every.tick().await;
            let settled_before = db::now() - TimeDelta::seconds(SETTLE_SECS);
            if let Err(e) = fold_pending(&pool, settled_before).await {
                tracing::warn!(error = %e, "could not fold the ledger into the rollups");
            }
        }
    });
}
