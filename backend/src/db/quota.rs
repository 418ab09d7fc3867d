//! Queries on `quota_usage`: the monthly question counters.

use diesel::prelude::*;

use super::Db;
use super::schema::quota_usage::dsl as q;

/// Counts one question if the user is under `limit` plus the questions an
/// admin granted for the period (`None`: unlimited);
/// returns the new count (with the questions granted), or `None` when the
/// limit is reached. One
/// statement (an upsert whose update is conditional), so concurrent askers
/// on any number of replicas can never push the count past the limit, and
/// the ask pays one round trip for it.
pub fn reserve(
    conn: &mut Db,
    user_id: i64,
    period: &str,
    limit: Option<u32>,
) -> QueryResult<Option<Counted>> {
    let limit = limit.map(|l| i32::try_from(l).unwrap_or(i32::MAX));
    if limit == Some(0) {
        // A new row would start at 1; a granted question needs the row,
        // which the grant made.
        let (used, granted) = self::used(conn, user_id, period)?;
        if used >= granted {
            return Ok(None);
        }
    }
    // ON CONFLICT ... DO UPDATE ... WHERE is SQL both engines speak; the
    // multi-backend type does not express it, so it is written out.
    let query = diesel::sql_query(
        "INSERT INTO quota_usage (user_id, period, used) VALUES ($1, $2, 1) \
         ON CONFLICT (user_id, period) DO UPDATE SET used = quota_usage.used + 1 \
         WHERE $3 IS NULL OR quota_usage.used < quota_usage.granted + $3 \
         RETURNING used, granted",
    )
    .bind::<diesel::sql_types::BigInt, _>(user_id)
    .bind::<diesel::sql_types::Text, _>(period)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Integer>, _>(limit);
    query.get_result::<Counted>(conn).optional()
}

/// A question just counted: the period's count now, and the extra
/// questions an admin granted for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Counted {
    /// Questions counted in the period, this one included.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub used: i32,
    /// Extra questions granted for the period.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub granted: i32,
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
