//! Queries on `quota_usage`: the monthly question counters.

use diesel::prelude::*;

use super::Db;
use super::schema::quota_usage::dsl as q;

/// Counts one question if the user is under `limit` plus the questions an
/// admin granted for the period (`None`: unlimited);
/// returns the new count, or `None` when the limit is reached. One
/// conditional UPDATE, so concurrent askers on any number of replicas can
/// never push the count past the limit.
pub fn reserve(
    conn: &mut Db,
    user_id: i64,
    period: &str,
    limit: Option<u32>,
) -> QueryResult<Option<i32>> {
    // Both engines support ON CONFLICT; the multi-backend type does not
    // express it, so the insert runs on the concrete connection.
    let create = || {
        diesel::insert_into(q::quota_usage)
            .values((q::user_id.eq(user_id), q::period.eq(period), q::used.eq(0)))
            .on_conflict_do_nothing()
    };
    match conn {
        Db::Pg(pg) => create().execute(pg)?,
        Db::Sqlite(sqlite) => create().execute(sqlite)?,
    };
    let row = q::quota_usage
        .filter(q::user_id.eq(user_id))
        .filter(q::period.eq(period));
    let increment = q::used.eq(q::used + 1);
    match limit {
        Some(limit) => {
            let limit = i32::try_from(limit).unwrap_or(i32::MAX);
            diesel::update(row.filter(q::used.lt(q::granted + limit)))
                .set(increment)
                .returning(q::used)
                .get_result(conn)
                .optional()
        }
        None => diesel::update(row)
            .set(increment)
            .returning(q::used)
            .get_result(conn)
            .map(Some),
    }
}

/// Gives one question back (an answer that failed).
pub fn release(conn: &mut Db, user_id: i64, period: &str) -> QueryResult<usize> {
    diesel::update(
        q::quota_usage
            .filter(q::user_id.eq(user_id))
            .filter(q::period.eq(period))
            .filter(q::used.gt(0)),
    )
    .set(q::used.eq(q::used - 1))
    .execute(conn)
}

/// Questions counted in a period, and the extra questions granted for it.
pub fn used(conn: &mut Db, user_id: i64, period: &str) -> QueryResult<(i32, i32)> {
    q::quota_usage
        .filter(q::user_id.eq(user_id))
        .filter(q::period.eq(period))
        .select((q::used, q::granted))
        .first(conn)
        .optional()
        .map(Option::unwrap_or_default)
}

/// Grants `extra` more questions for the period; returns the total granted.
pub fn grant(conn: &mut Db, user_id: i64, period: &str, extra: i32) -> QueryResult<i32> {
    let create = || {
        diesel::insert_into(q::quota_usage)
            .values((q::user_id.eq(user_id), q::period.eq(period), q::used.eq(0)))
            .on_conflict_do_nothing()
    };
    match conn {
        Db::Pg(pg) => create().execute(pg)?,
        Db::Sqlite(sqlite) => create().execute(sqlite)?,
    };
    diesel::update(
        q::quota_usage
            .filter(q::user_id.eq(user_id))
            .filter(q::period.eq(period)),
    )
    .set(q::granted.eq(q::granted + extra))
    .returning(q::granted)
    .get_result(conn)
}
