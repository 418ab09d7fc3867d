//! The sweep: an ask that counted a question and whose process died before
//! settling (a crash, `kill -9`, a lost machine) leaves its `open_asks`
//! row. Once the row is older than [`ABANDONED_AFTER`] (answers are cut at
//! [`super::run::MAX_ANSWER`], so no live ask is that old), the sweep gives
//! the question back and writes the ask's ledger row (outcome `abandoned`,
//! not charged; the tokens are unknown). Every replica may run it: taking a
//! row deletes it, so each is swept once, and a settle that comes late
//! finds its row gone and gives nothing back twice.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::Connection;

use crate::db::models::NewUsageEvent;
use crate::db::{self, DbError, Pool, Scope, open_asks, quota as quota_db, usage_events};

/// How old an open ask must be to count as abandoned.
pub const ABANDONED_AFTER: TimeDelta = TimeDelta::minutes(10);
/// How often the sweep runs.
const EVERY: Duration = Duration::from_secs(60);
/// Open asks swept per transaction.
const BATCH: i64 = 500;

/// Sweeps the asks opened before `cutoff`; returns how many.
pub async fn sweep(pool: &Pool, cutoff: NaiveDateTime) -> Result<usize, DbError> {
    let mut total = 0;
    loop {
        let swept = pool
            .write(Scope::System, move |conn| {
                conn.transaction(|conn| {
                    let now = db::now();
                    let taken = open_asks::take_older_than(conn, cutoff, BATCH)?;
                    for ask in &taken {
                        quota_db::release(conn, ask.user_id, &ask.period)?;
                        let waited = (now - ask.created_at).num_milliseconds();
                        usage_events::insert(
                            conn,
                            &NewUsageEvent {
                                user_id: Some(ask.user_id),
                                conversation_id: None,
                                provider: ask.provider.clone(),
                                model: ask.model.clone(),
                                input_tokens: 0,
                                output_tokens: 0,
                                cost_pico: 0,
                                ttft_ms: None,
                                total_ms: i32::try_from(waited).unwrap_or(i32::MAX),
                                outcome: "abandoned".into(),
                                charged: false,
                                created_at: now,
                                byok: false,
                                via: ask.via.clone(),
                            },
                        )?;
                    }
                    Ok::<_, diesel::result::Error>(taken.len())
                })
                .map_err(DbError::from)
            })
            .await?;
        total += swept;
        if swept < BATCH as usize {
            return Ok(total);
        }
    }
}

/// Starts the sweep (call within a tokio runtime).
pub fn spawn(pool: Pool) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        loop {
            every.tick().await;
            match sweep(&pool, db::now() - ABANDONED_AFTER).await {
                Ok(0) => {}
                Ok(swept) => tracing::warn!(
                    swept,
                    "gave back the questions of asks that never settled (their process stopped)"
                ),
                Err(e) => tracing::warn!(error = %e, "could not sweep abandoned asks"),
            }
        }
    });
}
