//! Queries on `usage_events`, the ledger.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Db;
use super::models::NewUsageEvent;
use super::schema::usage_events::dsl as u;

/// Records one ask. Nothing here can refuse the row for what the user
/// deleted meanwhile: `user_id` has no foreign key (deleting an account
/// sets it to NULL), and a caller links `conversation_id` only when it holds
/// the conversation's row lock (the settle touches the conversation first).
pub fn insert(conn: &mut Db, event: &NewUsageEvent) -> QueryResult<()> {
    diesel::insert_into(u::usage_events)
        .values(event)
        .execute(conn)
        .map(drop)
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

/// A ledger row as the admin console shows it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::usage_events)]
pub struct UsageEventRow {
    /// Primary key.
    pub id: i64,
    /// Who asked (`None` once the account is deleted).
    pub user_id: Option<i64>,
    /// The provider.
    pub provider: String,
    /// The model.
    pub model: String,
    /// Prompt tokens.
    pub input_tokens: i64,
    /// Answer tokens.
    pub output_tokens: i64,
    /// Cost in pico-dollars.
    pub cost_pico: i64,
    /// Time to first token.
    pub ttft_ms: Option<i32>,
    /// Time to the end.
    pub total_ms: i32,
    /// How it ended.
    pub outcome: String,
    /// Whether it counted against the quota.
    pub charged: bool,
    /// When.
    pub created_at: NaiveDateTime,
}

impl From<UsageEventRow> for shared_types::LedgerEntry {
    fn from(row: UsageEventRow) -> Self {
        Self {
            id: row.id,
            at: super::rfc3339(row.created_at),
            user_id: row.user_id,
            provider: row.provider,
            model: row.model,
            outcome: row.outcome,
            charged: row.charged,
            input_tokens: row.input_tokens,
            output_tokens: row.output_tokens,
            cost_usd: shared_types::money::format_pico_usd(row.cost_pico),
            ttft_ms: row.ttft_ms,
            total_ms: row.total_ms,
        }
    }
}

/// The user's newest ledger rows.
pub fn recent(conn: &mut Db, user_id: i64, limit: i64) -> QueryResult<Vec<UsageEventRow>> {
    u::usage_events
        .filter(u::user_id.eq(user_id))
        .select(UsageEventRow::as_select())
        .order(u::id.desc())
        .limit(limit)
        .load(conn)
}

/// Ledger rows in `[from, to)`, oldest first, from `after_id` on. Walks the
/// primary key (ids grow with time), so the ask path carries no index on
/// `created_at` for the sake of exports.
pub fn between(
    conn: &mut Db,
    from: NaiveDateTime,
    to: NaiveDateTime,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<UsageEventRow>> {
    u::usage_events
        .filter(u::created_at.ge(from))
        .filter(u::created_at.lt(to))
        .filter(u::id.gt(after_id))
        .select(UsageEventRow::as_select())
        .order(u::id.asc())
        .limit(limit)
        .load(conn)
}

/// What the user's asks cost since `since` (all time with `None`), in
/// pico-dollars.
pub fn cost_since(conn: &mut Db, user_id: i64, since: Option<NaiveDateTime>) -> QueryResult<i64> {
    use diesel::dsl::sql;
    use diesel::sql_types::{BigInt, Nullable};
    // SUM of a BIGINT is NUMERIC on PostgreSQL: cast it back.
    let mut query = u::usage_events
        .filter(u::user_id.eq(user_id))
        .select(sql::<Nullable<BigInt>>("CAST(SUM(cost_pico) AS BIGINT)"))
        .into_boxed();
    if let Some(since) = since {
        query = query.filter(u::created_at.ge(since));
    }
    Ok(query.first::<Option<i64>>(conn)?.unwrap_or_default())
}
