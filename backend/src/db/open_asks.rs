//! Queries on `open_asks`: asks that counted a question and have not
//! settled yet (see `ask::sweep`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Db;
use super::schema::open_asks::dsl as o;

/// A row of `open_asks`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::open_asks)]
pub struct OpenAskRow {
    /// Primary key.
    pub id: i64,
    /// Who asked.
    pub user_id: i64,
    /// The quota period the question was counted in.
    pub period: String,
    /// The provider first tried.
    pub provider: String,
    /// The model first tried.
    pub model: String,
    /// `app` or `api`.
    pub via: String,
    /// When the question was counted.
    pub created_at: NaiveDateTime,
}

/// Records an ask that counted a question; returns its id.
pub fn insert(
    conn: &mut Db,
    user_id: i64,
    period: &str,
    provider: &str,
    model: &str,
    via: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(o::open_asks)
        .values((
            o::user_id.eq(user_id),
            o::period.eq(period),
            o::provider.eq(provider),
            o::model.eq(model),
            o::via.eq(via),
            o::created_at.eq(now),
        ))
        .returning(o::id)
        .get_result(conn)
}

/// Closes an ask; returns whether it was still open (the sweep had not
/// taken it).
pub fn close(conn: &mut Db, id: i64) -> QueryResult<bool> {
    diesel::delete(o::open_asks.find(id))
        .execute(conn)
        .map(|n| n == 1)
}

/// Takes (deletes and returns) up to `limit` asks opened before `cutoff`.
pub fn take_older_than(
    conn: &mut Db,
    cutoff: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OpenAskRow>> {
    let ids: Vec<i64> = o::open_asks
        .filter(o::created_at.lt(cutoff))
        .select(o::id)
        .order(o::id)
        .limit(limit)
        .load(conn)?;
    diesel::delete(o::open_asks.filter(o::id.eq_any(ids)))
        .returning(o::open_asks::all_columns())
        .get_results(conn)
}
