//! The analytics queries. Ledger figures come from the daily rollups for
//! the rows folded in so far plus the ledger rows past the watermark (the
//! last few seconds), so a range over a million asks reads thousands of
//! rows. Written in SQL both engines run (see [`load_sql`]).

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Text, Timestamp};

use super::{Db, load_sql as load, sql_day as day};

/// A range of whole days and the ledger watermark to read it at.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    /// The first day.
    pub from: NaiveDate,
    /// The last day, inclusive.
    pub to: NaiveDate,
    /// Ledger rows up to this id are in the rollups.
    pub watermark: i64,
}

impl Span {
    fn days(&self) -> (String, String) {
        (
            self.from.format("%Y-%m-%d").to_string(),
            self.to.format("%Y-%m-%d").to_string(),
        )
    }

    /// The first instant of the span.
    pub fn start(&self) -> NaiveDateTime {
        self.from.and_hms_opt(0, 0, 0).unwrap_or_default()
    }

    /// The first instant after the span.
    pub fn end(&self) -> NaiveDateTime {
        (self.to + TimeDelta::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
    }
}

/// Binds a span's five values in the order every query here uses them:
/// first day, last day, watermark, start and end instants.
macro_rules! bind_span {
    ($query:expr, $span:expr) => {{
        let (from, to) = $span.days();
        $query
            .bind::<Text, _>(from)
            .bind::<Text, _>(to)
            .bind::<BigInt, _>($span.watermark)
            .bind::<Timestamp, _>($span.start())
            .bind::<Timestamp, _>($span.end())
    }};
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

/// The ledger in the span grouped by day, provider, model, outcome and
/// charge: every sum the series and the breakdowns need.
pub fn ledger_groups(conn: &mut Db, span: Span) -> QueryResult<Vec<LedgerGroup>> {
    // SUM of a BIGINT is NUMERIC on PostgreSQL: cast it back.
    let text = format!(
        "SELECT day, provider, model, outcome, charged, CAST(SUM(asks) AS BIGINT) AS asks, \
         CAST(SUM(input_tokens) AS BIGINT) AS input_tokens, \
         CAST(SUM(output_tokens) AS BIGINT) AS output_tokens, \
         CAST(SUM(cost_pico) AS BIGINT) AS cost_pico FROM ( \
           SELECT day, provider, model, outcome, charged, asks, input_tokens, output_tokens, \
             cost_pico FROM usage_daily WHERE day >= $1 AND day <= $2 \
           UNION ALL \
           SELECT {} AS day, provider, model, outcome, charged, 1 AS asks, input_tokens, \
             output_tokens, cost_pico FROM usage_events \
           WHERE id > $3 AND created_at >= $4 AND created_at < $5 \
         ) t GROUP BY 1, 2, 3, 4, 5",
        day(conn, "created_at")
    );
    load(conn, bind_span!(diesel::sql_query(text), span))
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

/// Distinct users who asked, by day: the rollup's count, plus the users
/// past the watermark it has not seen that day.
pub fn active_users(conn: &mut Db, span: Span) -> QueryResult<Vec<DayCount>> {
    let text = format!(
        "SELECT day, CAST(SUM(users) AS BIGINT) AS count FROM ( \
           SELECT day, users FROM usage_daily_active WHERE day >= $1 AND day <= $2 \
           UNION ALL \
           SELECT day, COUNT(*) AS users FROM ( \
             SELECT DISTINCT {} AS day, user_id FROM usage_events \
             WHERE id > $3 AND created_at >= $4 AND created_at < $5 AND user_id IS NOT NULL \
           ) n WHERE NOT EXISTS (SELECT 1 FROM usage_daily_users d \
             WHERE d.day = n.day AND d.user_id = n.user_id) \
           GROUP BY day \
         ) t GROUP BY day",
        day(conn, "created_at")
    );
    load(conn, bind_span!(diesel::sql_query(text), span))
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

/// Times to first token by provider, as a histogram of 10 ms buckets
/// (percentiles are then exact to 10 ms, and the result stays small).
pub fn ttft_histogram(conn: &mut Db, span: Span) -> QueryResult<Vec<TtftCount>> {
    let query = diesel::sql_query(
        "SELECT provider, ttft_ms, CAST(SUM(asks) AS BIGINT) AS count FROM ( \
           SELECT provider, ttft_ms, asks FROM usage_daily_ttft WHERE day >= $1 AND day <= $2 \
           UNION ALL \
           SELECT provider, (ttft_ms / 10) * 10 AS ttft_ms, 1 AS asks FROM usage_events \
           WHERE id > $3 AND created_at >= $4 AND created_at < $5 AND ttft_ms IS NOT NULL \
         ) t GROUP BY 1, 2",
    );
    load(conn, bind_span!(query, span))
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

/// The `limit` users who cost most in the span.
pub fn top_users(conn: &mut Db, span: Span, limit: i64) -> QueryResult<Vec<UserCost>> {
    let query = diesel::sql_query(
        "SELECT t.user_id, u.email, t.asks, t.cost_pico FROM ( \
           SELECT user_id, CAST(SUM(asks) AS BIGINT) AS asks, \
             CAST(SUM(cost_pico) AS BIGINT) AS cost_pico FROM ( \
             SELECT user_id, asks, cost_pico FROM usage_daily_users \
             WHERE day >= $1 AND day <= $2 \
             UNION ALL \
             SELECT user_id, 1 AS asks, cost_pico FROM usage_events \
             WHERE id > $3 AND created_at >= $4 AND created_at < $5 AND user_id IS NOT NULL \
           ) a GROUP BY user_id ORDER BY 3 DESC, 1 LIMIT $6 \
         ) t LEFT JOIN users u ON u.id = t.user_id ORDER BY t.cost_pico DESC, t.user_id",
    );
    load(conn, bind_span!(query, span).bind::<BigInt, _>(limit))
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

/// Subscriptions started on one day at one price.
#[derive(Debug, Clone, QueryableByName)]
pub struct StartedGroup {
    /// `YYYY-MM-DD`.
    #[diesel(sql_type = Text)]
    pub day: String,
    /// Stripe's price id.
    #[diesel(sql_type = Text)]
    pub stripe_price_id: String,
    /// How many.
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// Subscriptions started in `[from, to)`, by day and price.
pub fn started_subscriptions(
    conn: &mut Db,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<StartedGroup>> {
    let text = format!(
        "SELECT {} AS day, stripe_price_id, COUNT(*) AS count FROM subscriptions \
         WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2",
        day(conn, "created_at")
    );
    let query = diesel::sql_query(text)
        .bind::<Timestamp, _>(from)
        .bind::<Timestamp, _>(to);
    load(conn, query)
}

/// Asks, tokens and cost (pico-dollars) of one model.
pub type ModelUsage = (u64, u64, i64);

/// Each model's usage over the span.
pub fn usage_by_model(conn: &mut Db, span: Span) -> QueryResult<Vec<(String, ModelUsage)>> {
    Ok(ledger_groups(conn, span)?
        .into_iter()
        .fold(
            std::collections::BTreeMap::<String, ModelUsage>::new(),
            |mut by_model, g| {
                let count = |n: i64| u64::try_from(n).unwrap_or_default();
                let entry = by_model.entry(g.model).or_default();
                entry.0 += count(g.asks);
                entry.1 += count(g.input_tokens) + count(g.output_tokens);
                entry.2 += g.cost_pico;
                by_model
            },
        )
        .into_iter()
        .collect())
}
