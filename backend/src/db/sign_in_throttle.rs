//! Failed sign-ins per key (`account:<sha256 of the address>`, `ip:<ip>`):
//! how many, since when, and until when the key is blocked.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Db;
use super::schema::sign_in_throttle as t;

/// The latest time any of `keys` is blocked until, if one is blocked past `now`.
pub fn blocked_until(
    conn: &mut Db,
    keys: &[&str],
    now: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    t::table
        .filter(t::key.eq_any(keys))
        .filter(t::blocked_until.gt(now))
        .select(diesel::dsl::max(t::blocked_until))
        .first::<Option<NaiveDateTime>>(conn)
}

/// Counts one failure for `key`, atomically, forgetting failures if the last
/// one was before `forget_before`; returns the new count.
pub fn record_failure(
    conn: &mut Db,
    key: &str,
    now: NaiveDateTime,
    forget_before: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::delete(
        t::table
            .filter(t::key.eq(key))
            .filter(t::last_failure_at.lt(forget_before)),
    )
    .execute(conn)?;
    // The multi-backend type has no upsert: make sure the row is there (on
    // the concrete connection), then count in one statement.
    let create = || {
        diesel::insert_into(t::table)
            .values((
                t::key.eq(key),
                t::failures.eq(0),
                t::last_failure_at.eq(now),
            ))
            .on_conflict_do_nothing()
    };
    match conn {
        Db::Pg(pg) => create().execute(pg)?,
        Db::Sqlite(sqlite) => create().execute(sqlite)?,
    };
    diesel::update(t::table.find(key))
        .set((t::failures.eq(t::failures + 1), t::last_failure_at.eq(now)))
        .returning(t::failures)
        .get_result(conn)
}

/// Blocks `key` until `until`.
pub fn block(conn: &mut Db, key: &str, until: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(t::table.find(key))
        .set(t::blocked_until.eq(Some(until)))
        .execute(conn)
}

/// Forgets `key`'s failures (a success, or a password reset).
pub fn clear(conn: &mut Db, key: &str) -> QueryResult<usize> {
    diesel::delete(t::table.find(key)).execute(conn)
}

/// Deletes keys whose last failure was before `before` and that are not
/// blocked past it.
pub fn sweep(conn: &mut Db, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        t::table
            .filter(t::last_failure_at.lt(before))
            .filter(t::blocked_until.is_null().or(t::blocked_until.lt(before))),
    )
    .execute(conn)
}
