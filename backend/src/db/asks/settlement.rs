//! Settling: the settle's types, and its writing on each engine, with
//! [`settle_together`] for the settles that queue while one is written.

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamp};
use shared_types::MessageStatus;

use super::Id;
use super::prepared::{Prepared, Statement, bound};
use crate::db::models::NewUsageEvent;

/// What settling writes.
pub struct Settle {
    /// The ledger row; its conversation is linked here, if it still exists.
    pub ledger: NewUsageEvent,
    /// The quota period the question was counted in.
    pub period: String,
    /// The open ask to close, when a question was counted.
    pub open: Option<i64>,
    /// For the app: the answer to store.
    pub answer: Option<Answered>,
}

/// The app's answer.
pub struct Answered {
    /// The conversation, touched (and linked from the ledger) if it exists.
    pub conversation_id: i64,
    /// The answer's message.
    pub message_id: i64,
    /// Its text, whole or as far as it got.
    pub text: String,
    /// The model that wrote it.
    pub model: String,
    /// How it ended.
    pub status: MessageStatus,
}

/// The names in `p` of a ledger row's columns (all but its conversation,
/// which each engine links in its own way), in the order of
/// `ledger_params!`.
macro_rules! ledger_names {
    () => {
        "user_id, provider, model, input_tokens, output_tokens, cost_pico, ttft_ms, total_ms, \
         outcome, charged, at, byok, via"
    };
}

/// A ledger row's columns (a `&NewUsageEvent`) as bound parameters, in the
/// order of `ledger_names!`: one list for both engines' settle. A macro
/// because the tuple's type is long to write and backend-neutral.
macro_rules! ledger_params {
    ($l:expr) => {{
        let l: &NewUsageEvent = $l;
        (
            (
                bound::<Nullable<BigInt>, _>(l.user_id),
                bound::<Text, _>(l.provider.as_str()),
                bound::<Text, _>(l.model.as_str()),
                bound::<BigInt, _>(l.input_tokens),
                bound::<BigInt, _>(l.output_tokens),
                bound::<BigInt, _>(l.cost_pico),
                bound::<Nullable<Integer>, _>(l.ttft_ms),
            ),
            (
                bound::<Integer, _>(l.total_ms),
                bound::<Text, _>(l.outcome.as_str()),
                bound::<Bool, _>(l.charged),
                bound::<Timestamp, _>(l.created_at),
                bound::<Bool, _>(l.byok),
                bound::<Text, _>(l.via.as_str()),
            ),
        )
    }};
}

statement! {
    SQLITE_TOUCH = (
        "id, at",
        "UPDATE conversations SET updated_at = p.at FROM p WHERE conversations.id = p.id
        RETURNING conversations.id",
    );
}
statement! {
    SQLITE_ANSWER = (
        "id, answer, model, status",
        "UPDATE messages SET content = p.answer, model = p.model, status = p.status FROM p
        WHERE messages.id = p.id",
    );
}
statement! {
    SQLITE_LEDGER = (
        concat!(ledger_names!(), ", conversation_id"),
        "INSERT INTO usage_events (user_id, provider, model, input_tokens, output_tokens,
            cost_pico, ttft_ms, total_ms, outcome, charged, created_at, byok, via, conversation_id)
        SELECT * FROM p WHERE true",
    );
}
statement! {
    SQLITE_CLOSE = (
        "id",
        "DELETE FROM open_asks WHERE id = (SELECT id FROM p) RETURNING id",
    );
}
statement! {
    SQLITE_RELEASE = (
        "user_id, period",
        "UPDATE quota_usage SET used = quota_usage.used - 1 FROM p
        WHERE quota_usage.user_id = p.user_id AND quota_usage.period = p.period AND quota_usage.used > 0",
    );
}
statement! {
    SQLITE_COUNTS = (
        "user_id, period",
        "SELECT q.used, q.granted FROM quota_usage q, p
        WHERE q.user_id = p.user_id AND q.period = p.period",
    );
}

pub(super) fn settle_on_sqlite(conn: &mut SqliteConnection, s: &Settle) -> QueryResult<(i32, i32)> {
    let l = &s.ledger;
    let mut linked = None;
    if let Some(a) = &s.answer {
        let params = (
            bound::<BigInt, _>(a.conversation_id),
            bound::<Timestamp, _>(l.created_at),
        );
        linked = Prepared::new(SQLITE_TOUCH, params)
            .get_result::<Id>(conn)
            .optional()?
            .map(|touched| touched.id);
        let params = (
            bound::<BigInt, _>(a.message_id),
            bound::<Text, _>(a.text.as_str()),
            bound::<Text, _>(a.model.as_str()),
            bound::<Text, _>(a.status.as_str()),
        );
        Prepared::new(SQLITE_ANSWER, params).execute(conn)?;
    }
    let params = (ledger_params!(l), bound::<Nullable<BigInt>, _>(linked));
    Prepared::new(SQLITE_LEDGER, params).execute(conn)?;
    let was_open = match s.open {
        Some(id) => Prepared::new(SQLITE_CLOSE, bound::<BigInt, _>(id))
            .get_result::<Id>(conn)
            .optional()?
            .is_some(),
        None => false,
    };
    let user = (
        bound::<BigInt, _>(l.user_id.unwrap_or_default()),
        bound::<Text, _>(s.period.as_str()),
    );
    if was_open && !l.charged {
        Prepared::new(SQLITE_RELEASE, user).execute(conn)?;
    }
    let counts: Option<SettleRow> = Prepared::new(SQLITE_COUNTS, user)
        .get_result(conn)
        .optional()?;
    Ok(counts.map_or((0, 0), |c| (c.used, c.granted)))
}

statement! {
    /// Settling as one statement, reading its parameters from `p` (see
    /// [`Prepared`]). `touched` runs before the ledger's insert reads it, and
    /// its row lock holds off a delete of the conversation until the commit.
    /// Every data-modifying part runs whether or not the final select reads
    /// it, and every part sees the same snapshot, so the final counts read the
    /// release's result when there is one. `unflushed` (which the final select
    /// must read, or it would not run) commits without waiting for the flush
    /// when the settle closed an open ask; see [`settle`].
    SETTLE = (
        concat!(
            ledger_names!(),
            ", period, conversation_id, message_id, answer, status, open_id"
        ),
        ", touched AS (
        UPDATE conversations SET updated_at = p.at FROM p
        WHERE conversations.id = p.conversation_id
        RETURNING conversations.id
    ), answered AS (
        UPDATE messages SET content = p.answer, model = p.model, status = p.status FROM p
        WHERE messages.id = p.message_id
        RETURNING messages.id
    ), ledger AS (
        INSERT INTO usage_events (user_id, conversation_id, provider, model, input_tokens,
            output_tokens, cost_pico, ttft_ms, total_ms, outcome, charged, created_at, byok, via)
        SELECT p.user_id, (SELECT id FROM touched), p.provider, p.model, p.input_tokens,
            p.output_tokens, p.cost_pico, p.ttft_ms, p.total_ms, p.outcome, p.charged, p.at, p.byok, p.via
        FROM p
        RETURNING id
    ), closed AS (
        DELETE FROM open_asks USING p WHERE open_asks.id = p.open_id RETURNING open_asks.id
    ), unflushed AS (
        SELECT set_config('synchronous_commit', 'off', true) FROM closed
    ), released AS (
        UPDATE quota_usage SET used = quota_usage.used - 1 FROM p
        WHERE quota_usage.user_id = p.user_id AND quota_usage.period = p.period
          AND quota_usage.used > 0 AND NOT p.charged AND EXISTS (SELECT 1 FROM closed)
        RETURNING quota_usage.used, quota_usage.granted
    ), counts AS (
        SELECT used, granted FROM released
        UNION ALL
        SELECT q.used, q.granted FROM quota_usage q, p
        WHERE q.user_id = p.user_id AND q.period = p.period AND NOT EXISTS (SELECT 1 FROM released)
    )
    SELECT COALESCE((SELECT used FROM counts), 0) AS used,
           COALESCE((SELECT granted FROM counts), 0) AS granted,
           EXISTS (SELECT 1 FROM unflushed) AS unflushed",
    );
}

#[derive(QueryableByName)]
struct SettleRow {
    #[diesel(sql_type = Integer)]
    used: i32,
    #[diesel(sql_type = Integer)]
    granted: i32,
}

pub(super) fn settle_in_one_statement(
    pg: &mut PgConnection,
    s: &Settle,
) -> QueryResult<(i32, i32)> {
    let (conversation_id, message_id, text, status) =
        s.answer.as_ref().map_or((None, None, "", ""), |a| {
            (
                Some(a.conversation_id),
                Some(a.message_id),
                a.text.as_str(),
                a.status.as_str(),
            )
        });
    let params = (
        ledger_params!(&s.ledger),
        (
            bound::<Text, _>(s.period.as_str()),
            bound::<Nullable<BigInt>, _>(conversation_id),
            bound::<Nullable<BigInt>, _>(message_id),
            bound::<Text, _>(text),
            bound::<Text, _>(status),
            bound::<Nullable<BigInt>, _>(s.open),
        ),
    );
    let row: SettleRow = Prepared::new(SETTLE, params).get_result(pg)?;
    Ok((row.used, row.granted))
}

statement! {
    /// Several settles as one statement ([`settle_together`]). `p` holds one
    /// array per column of [`SETTLE`]'s; `s` unnests them into one row per
    /// settle, `n` its place. As [`SETTLE`], with what a group needs besides:
    /// a conversation with several answers settling is touched once, a
    /// user's questions given back are counted together, and the commit
    /// skips the wait for the flush only if every settle closed an open ask.
    ///
    /// Each connection plans it once, for any number of settles, so the
    /// planner cannot know how many rows `unnest` gives; it guesses 10, and
    /// a plan made while the tables were small then scans them whole instead
    /// of looking each row up by key (measured: thousands of whole scans of
    /// `conversations` and `messages` in one bench run). The always-true
    /// range on `n` makes it expect one row, and the lateral join keeps the
    /// quota rows' lookup per settle, so every table is reached by its key
    /// however big it grows.
    SETTLE_TOGETHER = (
        concat!(
            ledger_names!(),
            ", period, conversation_id, message_id, answer, status, open_id"
        ),
        ", s AS (
        SELECT r.* FROM p, unnest(p.user_id, p.provider, p.model, p.input_tokens, p.output_tokens,
            p.cost_pico, p.ttft_ms, p.total_ms, p.outcome, p.charged, p.at, p.byok, p.via, p.period,
            p.conversation_id, p.message_id, p.answer, p.status, p.open_id)
        WITH ORDINALITY AS r (user_id, provider, model, input_tokens, output_tokens, cost_pico,
            ttft_ms, total_ms, outcome, charged, at, byok, via, period, conversation_id, message_id,
            answer, status, open_id, n)
        WHERE r.n > 0 AND r.n < 2147483648
    ), touched AS (
        UPDATE conversations SET updated_at = s.at FROM s
        WHERE conversations.id = s.conversation_id
        RETURNING conversations.id
    ), answered AS (
        UPDATE messages SET content = s.answer, model = s.model, status = s.status FROM s
        WHERE messages.id = s.message_id
        RETURNING messages.id
    ), ledger AS (
        INSERT INTO usage_events (user_id, conversation_id, provider, model, input_tokens,
            output_tokens, cost_pico, ttft_ms, total_ms, outcome, charged, created_at, byok, via)
        SELECT s.user_id, touched.id, s.provider, s.model, s.input_tokens, s.output_tokens,
            s.cost_pico, s.ttft_ms, s.total_ms, s.outcome, s.charged, s.at, s.byok, s.via
        FROM s LEFT JOIN touched ON touched.id = s.conversation_id
        ORDER BY s.n
        RETURNING id
    ), closed AS (
        DELETE FROM open_asks USING s WHERE open_asks.id = s.open_id RETURNING open_asks.id
    ), unflushed AS (
        SELECT set_config('synchronous_commit', 'off', true)
        WHERE (SELECT count(*) FROM closed) = (SELECT count(*) FROM s)
    ), released AS (
        UPDATE quota_usage SET used = GREATEST(quota_usage.used - back.questions, 0)
        FROM (
            SELECT s.user_id, s.period, count(*)::int AS questions
            FROM s JOIN closed ON closed.id = s.open_id
            WHERE NOT s.charged
            GROUP BY s.user_id, s.period
        ) back
        WHERE quota_usage.user_id = back.user_id AND quota_usage.period = back.period
          AND quota_usage.used > 0
        RETURNING quota_usage.user_id, quota_usage.period, quota_usage.used, quota_usage.granted
    )
    SELECT s.n, COALESCE(released.used, q.used, 0) AS used,
           COALESCE(released.granted, q.granted, 0) AS granted,
           EXISTS (SELECT 1 FROM unflushed) AS unflushed
    FROM s
    LEFT JOIN released ON released.user_id = s.user_id AND released.period = s.period
    LEFT JOIN LATERAL (
        SELECT used, granted FROM quota_usage WHERE user_id = s.user_id AND period = s.period
        OFFSET 0
    ) q ON true
    ORDER BY s.n",
    );
}

#[derive(QueryableByName)]
struct SettledRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Integer)]
    used: i32,
    #[diesel(sql_type = Integer)]
    granted: i32,
}

/// Settles several asks on PostgreSQL in one statement, so in one commit:
/// each as [`settle`] would, answered in their order. A user with more than
/// one settle here hears the counts after all of them.
pub fn settle_together(pg: &mut PgConnection, settles: &[Settle]) -> QueryResult<Vec<(i32, i32)>> {
    fn column<'a, T>(settles: &'a [Settle], f: impl Fn(&'a Settle) -> T) -> Vec<T> {
        settles.iter().map(f).collect()
    }
    let answer = |f: fn(&Answered) -> Option<i64>| move |s: &Settle| s.answer.as_ref().and_then(f);
    let params = (
        (
            bound::<Array<Nullable<BigInt>>, _>(column(settles, |s| s.ledger.user_id)),
            bound::<Array<Text>, _>(column(settles, |s| s.ledger.provider.as_str())),
            bound::<Array<Text>, _>(column(settles, |s| s.ledger.model.as_str())),
            bound::<Array<BigInt>, _>(column(settles, |s| s.ledger.input_tokens)),
            bound::<Array<BigInt>, _>(column(settles, |s| s.ledger.output_tokens)),
            bound::<Array<BigInt>, _>(column(settles, |s| s.ledger.cost_pico)),
            bound::<Array<Nullable<Integer>>, _>(column(settles, |s| s.ledger.ttft_ms)),
        ),
        (
            bound::<Array<Integer>, _>(column(settles, |s| s.ledger.total_ms)),
            bound::<Array<Text>, _>(column(settles, |s| s.ledger.outcome.as_str())),
            bound::<Array<Bool>, _>(column(settles, |s| s.ledger.charged)),
            bound::<Array<Timestamp>, _>(column(settles, |s| s.ledger.created_at)),
            bound::<Array<Bool>, _>(column(settles, |s| s.ledger.byok)),
            bound::<Array<Text>, _>(column(settles, |s| s.ledger.via.as_str())),
        ),
        (
            bound::<Array<Text>, _>(column(settles, |s| s.period.as_str())),
            bound::<Array<Nullable<BigInt>>, _>(column(
                settles,
                answer(|a| Some(a.conversation_id)),
            )),
            bound::<Array<Nullable<BigInt>>, _>(column(settles, answer(|a| Some(a.message_id)))),
            bound::<Array<Text>, _>(column(settles, |s| {
                s.answer.as_ref().map_or("", |a| a.text.as_str())
            })),
            bound::<Array<Text>, _>(column(settles, |s| {
                s.answer.as_ref().map_or("", |a| a.status.as_str())
            })),
            bound::<Array<Nullable<BigInt>>, _>(column(settles, |s| s.open)),
        ),
    );
    let rows: Vec<SettledRow> = Prepared::new(SETTLE_TOGETHER, params).load(pg)?;
    let in_order = rows.len() == settles.len() && rows.iter().zip(1..).all(|(row, n)| row.n == n);
    if !in_order {
        return Err(diesel::result::Error::NotFound);
    }
    Ok(rows
        .into_iter()
        .map(|row| (row.used, row.granted))
        .collect())
}
