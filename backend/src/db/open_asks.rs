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
