//! Folding ledger rows into the daily rollups (`usage_daily`,
//! `usage_daily_users`, `usage_daily_active`, `usage_daily_ttft`), by id, up to a watermark kept
//! in `usage_rollup_state`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Timestamp};

use super::{Db, execute_sql, load_sql, sql_day};

/// The id of the last ledger row folded in.
pub fn watermark(conn: &mut Db) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        last_event_id: i64,
    }
    let rows: Vec<Row> = load_sql(
        conn,
        diesel::sql_query("SELECT last_event_id FROM usage_rollup_state WHERE id = 1"),
    )?;
    Ok(rows.first().map_or(0, |r| r.last_event_id))
}

/// Takes the fold's lock for the rest of the transaction: a no-op write to
/// the state row, which PostgreSQL locks (another replica's fold waits) and
/// for which SQLite takes its write lock at once (no read-to-write upgrade
/// that could fail under contention).
pub fn lock(conn: &mut Db) -> QueryResult<()> {
    execute_sql(
        conn,
        diesel::sql_query(
            "UPDATE usage_rollup_state SET last_event_id = last_event_id WHERE id = 1",
        ),
    )
    .map(drop)
}

/// The highest id to fold in now: at most `batch` rows past `after`, and
/// only up to the last row written before `settled_before` (a later row's
/// transaction may not have committed the rows below it yet).
pub fn next_watermark(
    conn: &mut Db,
    after: i64,
    batch: i64,
    settled_before: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Nullable<BigInt>)]
        hi: Option<i64>,
    }
    let rows: Vec<Row> = load_sql(
        conn,
        diesel::sql_query(
            "SELECT MAX(id) AS hi FROM usage_events \
             WHERE id > $1 AND id <= $2 AND created_at < $3",
        )
        .bind::<BigInt, _>(after)
        .bind::<BigInt, _>(after.saturating_add(batch))
        .bind::<Timestamp, _>(settled_before),
    )?;
    Ok(rows.first().and_then(|r| r.hi))
}

/// Adds the ledger rows with ids in `(after, upto]` to the rollups and
/// moves the watermark to `upto`. Call inside one transaction.
pub fn fold(conn: &mut Db, after: i64, upto: i64) -> QueryResult<()> {
    let day = sql_day(conn, "created_at");
    let statements = [
        // Before `usage_daily_users` takes them in: the user-days new to it.
        format!(
            "INSERT INTO usage_daily_active (day, users) \
             SELECT day, COUNT(*) FROM ( \
               SELECT DISTINCT {day} AS day, user_id FROM usage_events \
               WHERE id > $1 AND id <= $2 AND user_id IS NOT NULL \
             ) n WHERE NOT EXISTS (SELECT 1 FROM usage_daily_users d \
               WHERE d.day = n.day AND d.user_id = n.user_id) \
             GROUP BY day \
             ON CONFLICT (day) DO UPDATE SET users = usage_daily_active.users + excluded.users"
        ),
        format!(
            "INSERT INTO usage_daily (day, provider, model, outcome, charged, asks, \
             input_tokens, output_tokens, cost_pico) \
             SELECT {day}, provider, model, outcome, charged, COUNT(*), \
             CAST(SUM(input_tokens) AS BIGINT), CAST(SUM(output_tokens) AS BIGINT), \
             CAST(SUM(cost_pico) AS BIGINT) \
             FROM usage_events WHERE id > $1 AND id <= $2 GROUP BY 1, 2, 3, 4, 5 \
             ON CONFLICT (day, provider, model, outcome, charged) DO UPDATE SET \
             asks = usage_daily.asks + excluded.asks, \
             input_tokens = usage_daily.input_tokens + excluded.input_tokens, \
             output_tokens = usage_daily.output_tokens + excluded.output_tokens, \
             cost_pico = usage_daily.cost_pico + excluded.cost_pico"
        ),
        format!(
            "INSERT INTO usage_daily_users (day, user_id, asks, cost_pico) \
             SELECT {day}, user_id, COUNT(*), CAST(SUM(cost_pico) AS BIGINT) \
             FROM usage_events WHERE id > $1 AND id <= $2 AND user_id IS NOT NULL \
             GROUP BY 1, 2 \
             ON CONFLICT (day, user_id) DO UPDATE SET \
             asks = usage_daily_users.asks + excluded.asks, \
             cost_pico = usage_daily_users.cost_pico + excluded.cost_pico"
        ),
        format!(
            "INSERT INTO usage_daily_ttft (day, provider, ttft_ms, asks) \
             SELECT {day}, provider, (ttft_ms / 10) * 10, COUNT(*) \
             FROM usage_events WHERE id > $1 AND id <= $2 AND ttft_ms IS NOT NULL \
             GROUP BY 1, 2, 3 \
             ON CONFLICT (day, provider, ttft_ms) DO UPDATE SET \
             asks = usage_daily_ttft.asks + excluded.asks"
        ),
    ];
    for text in statements {
        execute_sql(
            conn,
            diesel::sql_query(text)
                .bind::<BigInt, _>(after)
                .bind::<BigInt, _>(upto),
        )?;
    }
    execute_sql(
        conn,
        diesel::sql_query("UPDATE usage_rollup_state SET last_event_id = $1 WHERE id = 1")
            .bind::<BigInt, _>(upto),
    )?;
    Ok(())
}
