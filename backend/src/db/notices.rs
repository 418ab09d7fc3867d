//! Queries on `notices_sent`: which notice went to whom, for which period.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Db;
use super::schema::notices_sent::dsl as n;

/// Records that `kind` goes to the user for `period`; `false` when it went
/// already (so the caller sends nothing).
pub fn claim(
    conn: &mut Db,
    user_id: i64,
    kind: &str,
    period: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let insert = diesel::insert_into(n::notices_sent)
        .values((
            n::user_id.eq(user_id),
            n::kind.eq(kind),
            n::period.eq(period),
            n::sent_at.eq(now),
        ))
        .on_conflict_do_nothing();
    let inserted = match conn {
        Db::Pg(pg) => insert.execute(pg)?,
        Db::Sqlite(sqlite) => insert.execute(sqlite)?,
    };
    Ok(inserted == 1)
}

/// Forgets notices sent before `before` (their periods are long over).
pub fn delete_before(conn: &mut Db, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(n::notices_sent.filter(n::sent_at.lt(before))).execute(conn)
}
