//! The analytics queries: aggregates over the ledger, the users and the
//! subscriptions in a time range. Written in SQL both engines run (`$n`
//! placeholders, numbered in order of first use, which SQLite also binds by
//! position); only the expression that takes a timestamp's day differs.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::query_dsl::LoadQuery;
use diesel::sql_types::{BigInt, Bool, Integer, Text, Timestamp};

use super::Db;

/// Runs a raw query on whichever engine the connection is.
fn load<T, Q>(conn: &mut Db, query: Q) -> QueryResult<Vec<T>>
where
    Q: for<'a> LoadQuery<'a, PgConnection, T> + for<'a> LoadQuery<'a, SqliteConnection, T>,
{
    match conn {
        Db::Pg(pg) => query.load(pg),
        Db::Sqlite(sqlite) => query.load(sqlite),
    }
}

/// `YYYY-MM-DD` of a timestamp column.
fn day(conn: &Db, column: &str) -> String {
    match conn {
        Db::Pg(_) => format!("to_char({column}, 'YYYY-MM-DD')"),
        // SQLite keeps timestamps as `YYYY-MM-DD HH:MM:SS[.f]` text.
        Db::Sqlite(_) => format!("substr({column}, 1, 10)"),
    }
}

/// Ledger totals of one day, provider, model, outcome and charge.
#[derive(Debug, Clone, QueryableByName)]
pub struct LedgerGroup {
    /// `YYYY-MM-DD`.
    #[diesel(sql_type = Text)]
    pub day: String,
    /// The provider.
    #[diesel(sql_type = Text)]
    pub provider: String,
    /// The model.
    #[diesel(sql_type = Text)]
    pub model: String,
    /// How the asks ended.
    #[diesel(sql_type = Text)]
    pub outcome: String,
    /// Whether they counted.
    #[diesel(sql_type = Bool)]
    pub charged: bool,
    /// How many.
    #[diesel(sql_type = BigInt)]
    pub asks: i64,
    /// Input tokens.
    #[diesel(sql_type = BigInt)]
    pub input_tokens: i64,
    /// Output tokens.
    #[diesel(sql_type = BigInt)]
    pub output_tokens: i64,
    /// Cost in pico-dollars.
    #[diesel(sql_type = BigInt)]
    pub cost_pico: i64,
}

/// The ledger in `[from, to)` grouped by day, provider, model, outcome and
/// charge: every sum the series and the breakdowns need, in one scan.
pub fn ledger_groups(
    conn: &mut Db,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<LedgerGroup>> {
    // SUM of a BIGINT is NUMERIC on PostgreSQL: cast it back.
    let text = format!(
        "SELECT {} AS day, provider, model, outcome, charged, COUNT(*) AS asks, \
         CAST(SUM(input_tokens) AS BIGINT) AS input_tokens, \
         CAST(SUM(output_tokens) AS BIGINT) AS output_tokens, \
         CAST(SUM(cost_pico) AS BIGINT) AS cost_pico \
         FROM usage_events WHERE created_at >= $1 AND created_at < $2 \
         GROUP BY 1, 2, 3, 4, 5",
        day(conn, "created_at")
    );
    let query = diesel::sql_query(text)
        .bind::<Timestamp, _>(from)
        .bind::<Timestamp, _>(to);
    load(conn, query)
}

/// A count by day.
#[derive(Debug, Clone, QueryableByName)]
pub struct DayCount {
    /// `YYYY-MM-DD`.
    #[diesel(sql_type = Text)]
    pub day: String,
    /// How many.
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// Distinct users who asked, by day.
pub fn active_users(
    conn: &mut Db,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<DayCount>> {
    let text = format!(
        "SELECT {} AS day, COUNT(DISTINCT user_id) AS count FROM usage_events \
         WHERE created_at >= $1 AND created_at < $2 GROUP BY 1",
        day(conn, "created_at")
    );
    let query = diesel::sql_query(text)
        .bind::<Timestamp, _>(from)
        .bind::<Timestamp, _>(to);
    load(conn, query)
}

/// Accounts created, by day.
pub fn signups(
    conn: &mut Db,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<DayCount>> {
    let text = format!(
        "SELECT {} AS day, COUNT(*) AS count FROM users \
         WHERE created_at >= $1 AND created_at < $2 GROUP BY 1",
        day(conn, "created_at")
    );
    let query = diesel::sql_query(text)
        .bind::<Timestamp, _>(from)
        .bind::<Timestamp, _>(to);
    load(conn, query)
}

/// How many asks of one provider had one time to first token.
#[derive(Debug, Clone, QueryableByName)]
pub struct TtftCount {
    /// The provider.
    #[diesel(sql_type = Text)]
    pub provider: String,
    /// Milliseconds.
    #[diesel(sql_type = Integer)]
    pub ttft_ms: i32,
    /// How many.
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// Times to first token by provider, as a histogram of exact milliseconds
/// (percentiles are then exact, and the result stays small).
pub fn ttft_histogram(
    conn: &mut Db,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<TtftCount>> {
    let query = diesel::sql_query(
        "SELECT provider, ttft_ms, COUNT(*) AS count FROM usage_events \
         WHERE created_at >= $1 AND created_at < $2 AND ttft_ms IS NOT NULL GROUP BY 1, 2",
    )
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to);
    load(conn, query)
}

/// One user's asks and cost.
#[derive(Debug, Clone, QueryableByName)]
pub struct UserCost {
    /// The user.
    #[diesel(sql_type = BigInt)]
    pub user_id: i64,
    /// Their email, if the account still exists.
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub email: Option<String>,
    /// Asks.
    #[diesel(sql_type = BigInt)]
    pub asks: i64,
    /// Cost in pico-dollars.
    #[diesel(sql_type = BigInt)]
    pub cost_pico: i64,
}

/// The `limit` users who cost most in the range.
pub fn top_users(
    conn: &mut Db,
    from: NaiveDateTime,
    to: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<UserCost>> {
    let query = diesel::sql_query(
        "SELECT t.user_id, u.email, t.asks, t.cost_pico FROM \
         (SELECT user_id, COUNT(*) AS asks, CAST(SUM(cost_pico) AS BIGINT) AS cost_pico \
          FROM usage_events WHERE created_at >= $1 AND created_at < $2 \
          GROUP BY user_id ORDER BY 3 DESC, 1 LIMIT $3) t \
         LEFT JOIN users u ON u.id = t.user_id ORDER BY t.cost_pico DESC, t.user_id",
    )
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to)
    .bind::<BigInt, _>(limit);
    load(conn, query)
}

/// Users on one tier now.
#[derive(Debug, Clone, QueryableByName)]
pub struct TierGroup {
    /// The tier in force (a lapsed grace period counts as free).
    #[diesel(sql_type = Text)]
    pub tier: String,
    /// Users on it.
    #[diesel(sql_type = BigInt)]
    pub users: i64,
    /// Of them, those who signed up in the range.
    #[diesel(sql_type = BigInt)]
    pub signed_up_in_range: i64,
}

/// Users by the tier in force at `now`, and how many of each signed up in
/// `[from, to)`.
pub fn tiers(
    conn: &mut Db,
    now: NaiveDateTime,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<TierGroup>> {
    let query = diesel::sql_query(
        "SELECT CASE WHEN tier_expires_at IS NOT NULL AND tier_expires_at <= $1 \
         THEN 'free' ELSE subscription_tier END AS tier, COUNT(*) AS users, \
         COALESCE(SUM(CASE WHEN created_at >= $2 AND created_at < $3 THEN 1 ELSE 0 END), 0) \
         AS signed_up_in_range FROM users GROUP BY 1",
    )
    .bind::<Timestamp, _>(now)
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to);
    load(conn, query)
}

/// Live subscriptions of one tier at one Stripe price.
#[derive(Debug, Clone, QueryableByName)]
pub struct PriceGroup {
    /// The tier.
    #[diesel(sql_type = Text)]
    pub tier: String,
    /// Stripe's price id.
    #[diesel(sql_type = Text)]
    pub stripe_price_id: String,
    /// How many.
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// Subscriptions that bill (active, trialing or past due), by tier and price.
pub fn live_subscriptions(conn: &mut Db) -> QueryResult<Vec<PriceGroup>> {
    load(
        conn,
        diesel::sql_query(
            "SELECT tier, stripe_price_id, COUNT(*) AS count FROM subscriptions \
             WHERE status IN ('active', 'trialing', 'past_due') GROUP BY 1, 2",
        ),
    )
}

/// Asks, tokens and cost (pico-dollars) of one model.
pub type ModelUsage = (u64, u64, i64);

/// Each model's usage since `since`.
pub fn usage_by_model(
    conn: &mut Db,
    since: NaiveDateTime,
) -> QueryResult<Vec<(String, ModelUsage)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        model: String,
        #[diesel(sql_type = BigInt)]
        asks: i64,
        #[diesel(sql_type = BigInt)]
        tokens: i64,
        #[diesel(sql_type = BigInt)]
        cost_pico: i64,
    }
    let query = diesel::sql_query(
        "SELECT model, COUNT(*) AS asks, \
         CAST(SUM(input_tokens + output_tokens) AS BIGINT) AS tokens, \
         CAST(SUM(cost_pico) AS BIGINT) AS cost_pico \
         FROM usage_events WHERE created_at >= $1 GROUP BY 1",
    )
    .bind::<Timestamp, _>(since);
    let rows: Vec<Row> = load(conn, query)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let count = |n: i64| u64::try_from(n).unwrap_or_default();
            (r.model, (count(r.asks), count(r.tokens), r.cost_pico))
        })
        .collect())
}
