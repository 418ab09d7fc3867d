//! Queries on `quota_usage`: the monthly question counters.

use diesel::prelude::*;

use super::Db;
use super::schema::quota_usage::dsl as q;

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
