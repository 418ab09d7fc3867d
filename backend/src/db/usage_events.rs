//! Queries on `usage_events`, the ledger.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Db;
use super::models::NewUsageEvent;
use super::schema::usage_events::dsl as u;

/// Records one ask.
pub fn insert(conn: &mut Db, event: &NewUsageEvent) -> QueryResult<usize> {
    diesel::insert_into(u::usage_events)
        .values(event)
        .execute(conn)
}

/// One ledger row as the usage report reads it.
#[derive(Debug, Clone, Queryable)]
pub struct LedgerEntry {
    /// When.
    pub created_at: NaiveDateTime,
    /// Prompt tokens.
    pub input_tokens: i64,
    /// Answer tokens.
    pub output_tokens: i64,
    /// Cost in pico-dollars.
    pub cost_pico: i64,
    /// Whether it counted against the quota.
    pub charged: bool,
}

/// The user's ledger rows since `since`, oldest first.
pub fn since(conn: &mut Db, user_id: i64, since: NaiveDateTime) -> QueryResult<Vec<LedgerEntry>> {
    u::usage_events
        .filter(u::user_id.eq(user_id))
        .filter(u::created_at.ge(since))
        .select((
            u::created_at,
            u::input_tokens,
            u::output_tokens,
            u::cost_pico,
            u::charged,
        ))
        .order(u::created_at.asc())
        .load(conn)
}
