//! The two writes of every ask: reserving (count the question, open the
//! ask for the sweep, store the question and its empty answer) and settling
//! (store the answer, write the ledger row, close the ask, give the question
//! back if it was not charged).
//!
//! Each is atomic. On PostgreSQL each is one statement (data-modifying
//! `WITH` clauses), so an ask pays one round trip and one commit per phase;
//! replicas put PostgreSQL across a network, where round trips are the cost.
//! SQLite has no data-modifying `WITH` and no network, so there each phase
//! is a transaction of the per-table queries, which stay the one definition
//! of each rule; the API tests run on both engines and hold them equal.

use chrono::NaiveDateTime;
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text, Timestamp};

use shared_types::MessageStatus;

use super::models::NewUsageEvent;
use super::{Db, conversations, open_asks, quota, usage_events};

/// What a reservation writes.
pub struct Reserve<'a> {
    /// Who asks.
    pub user_id: i64,
    /// The quota period's key.
    pub period: &'a str,
    /// The plan's monthly limit (`None`: unlimited).
    pub limit: Option<u32>,
    /// When the question counts: the first model the ask tries, and the door.
    pub count: Option<Opening<'a>>,
    /// For the app: the conversation turn to store.
    pub store: Option<Turn<'a>>,
    /// The time stamped on every row.
    pub now: NaiveDateTime,
}

/// The open ask's description (for the sweep's ledger row).
pub struct Opening<'a> {
    /// The provider first tried.
    pub provider: &'a str,
    /// The model first tried.
    pub model: &'a str,
    /// `app` or `api`.
    pub via: &'a str,
}

/// The question to store.
pub struct Turn<'a> {
    /// The conversation continued, or `None` for a new one.
    pub continuing: Option<i64>,
    /// A new conversation's title.
    pub title: &'a str,
    /// The question.
    pub question: &'a str,
}

/// What a reservation wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reserved {
    /// The open ask, when a question was counted.
    pub open: Option<i64>,
    /// The period's count after this question, when one was counted.
    pub counted: Option<quota::Counted>,
    /// The stored turn (the app only).
    pub stored: Option<StoredTurn>,
}

/// The rows an app ask writes before it is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredTurn {
    /// The conversation (new or continued).
    pub conversation_id: i64,
    /// Whether the reservation created it.
    pub new_conversation: bool,
    /// The question's message.
    pub question_id: i64,
    /// The empty answer's message, filled when settling.
    pub answer_id: i64,
}

/// Why a reservation wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ReserveError {
    /// The month's questions are used up.
    #[error("the quota is used up")]
    QuotaExceeded,
    /// The conversation continued was deleted meanwhile.
    #[error("the conversation is gone")]
    ConversationGone,
    /// A query failed.
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// Reserves, atomically: all of it or nothing.
pub fn reserve(conn: &mut Db, r: &Reserve<'_>) -> Result<Reserved, ReserveError> {
    let result = match conn {
        // A limit of 0 counts only granted questions, which the plain
        // upsert cannot express; such plans take the general path.
        Db::Pg(pg) if r.limit != Some(0) => reserve_in_one_statement(pg, r),
        _ => conn.transaction(|conn| reserve_step_by_step(conn, r)),
    };
    result.map_err(|e| match e {
        // The only foreign key a reservation can miss is the conversation's.
        ReserveError::Query(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ForeignKeyViolation,
            _,
        )) => ReserveError::ConversationGone,
        e => e,
    })
}

fn reserve_step_by_step(conn: &mut Db, r: &Reserve<'_>) -> Result<Reserved, ReserveError> {
    let (open, counted) = match &r.count {
        Some(o) => {
            let counted = quota::reserve(conn, r.user_id, r.period, r.limit)?
                .ok_or(ReserveError::QuotaExceeded)?;
            let open =
                open_asks::insert(conn, r.user_id, r.period, o.provider, o.model, o.via, r.now)?;
            (Some(open), Some(counted))
        }
        None => (None, None),
    };
    let Some(turn) = &r.store else {
        return Ok(Reserved {
            open,
            counted,
            stored: None,
        });
    };
    let conversation_id = match turn.continuing {
        Some(id) => id,
        None => conversations::insert(conn, r.user_id, turn.title, r.now)?,
    };
    let (question_id, answer_id) =
        conversations::insert_turn(conn, conversation_id, turn.question, r.now)?;
    Ok(Reserved {
        open,
        counted,
        stored: Some(StoredTurn {
            conversation_id,
            new_conversation: turn.continuing.is_none(),
            question_id,
            answer_id,
        }),
    })
}

/// The reservation as one statement, reading its parameters from `p`
/// (see [`Prepared`]). `counting` and `storing` switch its parts on; when
/// counting, nothing is written unless the quota's upsert took the question
/// (`go`). The upsert is `quota::reserve`'s.
const RESERVE_PARAMS: &str = "user_id, period, counting, lim, provider, model, via, at, storing, title, continuing, question";
const RESERVE_SQL: &str = "
counted AS (
    INSERT INTO quota_usage (user_id, period, used)
    SELECT p.user_id, p.period, 1 FROM p WHERE p.counting
    ON CONFLICT (user_id, period) DO UPDATE SET used = quota_usage.used + 1
    WHERE (SELECT p.lim IS NULL OR quota_usage.used < quota_usage.granted + p.lim FROM p)
    RETURNING used, granted
), go AS (
    SELECT 1 FROM p WHERE NOT p.counting OR EXISTS (SELECT 1 FROM counted)
), opened AS (
    INSERT INTO open_asks (user_id, period, provider, model, via, created_at)
    SELECT p.user_id, p.period, p.provider, p.model, p.via, p.at FROM p, counted
    RETURNING id
), conversation AS (
    INSERT INTO conversations (user_id, title, created_at, updated_at)
    SELECT p.user_id, p.title, p.at, p.at FROM p, go WHERE p.storing AND p.continuing IS NULL
    RETURNING id
), target AS (
    SELECT id FROM conversation
    UNION ALL
    SELECT p.continuing FROM p, go WHERE p.storing AND p.continuing IS NOT NULL
), turn AS (
    INSERT INTO messages (conversation_id, role, content, model, status, created_at)
    SELECT target.id, m.role, CASE WHEN m.role = 'user' THEN p.question ELSE '' END, NULL, m.status, p.at
    FROM p, target, (VALUES ('user', 'complete'), ('assistant', 'writing')) AS m (role, status)
    RETURNING id, role
)
SELECT EXISTS (SELECT 1 FROM go) AS went,
       (SELECT id FROM opened) AS open_id,
       (SELECT used FROM counted) AS used,
       (SELECT granted FROM counted) AS granted,
       (SELECT id FROM target) AS conversation_id,
       (SELECT id FROM turn WHERE role = 'user') AS question_id,
       (SELECT id FROM turn WHERE role = 'assistant') AS answer_id";

#[derive(QueryableByName)]
struct ReserveRow {
    #[diesel(sql_type = Bool)]
    went: bool,
    #[diesel(sql_type = Nullable<BigInt>)]
    open_id: Option<i64>,
    #[diesel(sql_type = Nullable<Integer>)]
    used: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    granted: Option<i32>,
    #[diesel(sql_type = Nullable<BigInt>)]
    conversation_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    question_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    answer_id: Option<i64>,
}

fn reserve_in_one_statement(
    pg: &mut PgConnection,
    r: &Reserve<'_>,
) -> Result<Reserved, ReserveError> {
    let limit = r.limit.map(|l| i32::try_from(l).unwrap_or(i32::MAX));
    let (provider, model, via) = r
        .count
        .as_ref()
        .map_or(("", "", ""), |o| (o.provider, o.model, o.via));
    let (continuing, title, question) = r
        .store
        .as_ref()
        .map_or((None, "", ""), |t| (t.continuing, t.title, t.question));
    let params = (
        (
            bound::<BigInt, _>(r.user_id),
            bound::<Text, _>(r.period),
            bound::<Bool, _>(r.count.is_some()),
            bound::<Nullable<Integer>, _>(limit),
            bound::<Text, _>(provider),
            bound::<Text, _>(model),
        ),
        (
            bound::<Text, _>(via),
            bound::<Timestamp, _>(r.now),
            bound::<Bool, _>(r.store.is_some()),
            bound::<Text, _>(title),
            bound::<Nullable<BigInt>, _>(continuing),
            bound::<Text, _>(question),
        ),
    );
    let row: ReserveRow = Prepared::new(RESERVE_PARAMS, params, RESERVE_SQL).get_result(pg)?;
    if !row.went {
        return Err(ReserveError::QuotaExceeded);
    }
    let stored = match (row.conversation_id, row.question_id, row.answer_id) {
        (Some(conversation_id), Some(question_id), Some(answer_id)) => Some(StoredTurn {
            conversation_id,
            new_conversation: continuing.is_none(),
            question_id,
            answer_id,
        }),
        _ => None,
    };
    Ok(Reserved {
        open: row.open_id,
        counted: row
            .used
            .zip(row.granted)
            .map(|(used, granted)| quota::Counted { used, granted }),
        stored,
    })
}

/// What settling writes.
pub struct Settle<'a> {
    /// The ledger row; its conversation is linked here, if it still exists.
    pub ledger: &'a NewUsageEvent,
    /// The quota period the question was counted in.
    pub period: &'a str,
    /// The open ask to close, when a question was counted.
    pub open: Option<i64>,
    /// For the app: the answer to store.
    pub answer: Option<Answered<'a>>,
}

/// The app's answer.
pub struct Answered<'a> {
    /// The conversation, touched (and linked from the ledger) if it exists.
    pub conversation_id: i64,
    /// The answer's message.
    pub message_id: i64,
    /// Its text, whole or as far as it got.
    pub text: &'a str,
    /// The model that wrote it.
    pub model: &'a str,
    /// How it ended.
    pub status: MessageStatus,
}

/// Settles, atomically; returns the questions used and granted in the
/// period afterwards. The question goes back only if the ledger row says it
/// was not charged and the ask was still open (the sweep gives back the
/// questions of asks it takes; not twice).
///
/// The conversation is touched first: that locks its row, so it cannot be
/// deleted before the ledger row links it, and if it went already the row
/// is written without the link. The ledger row is never lost to a
/// conversation deleted meanwhile.
pub fn settle(conn: &mut Db, s: &Settle<'_>) -> QueryResult<(i32, i32)> {
    match conn {
        Db::Pg(pg) => settle_in_one_statement(pg, s),
        _ => conn.transaction(|conn| settle_step_by_step(conn, s)),
    }
}

fn settle_step_by_step(conn: &mut Db, s: &Settle<'_>) -> QueryResult<(i32, i32)> {
    let mut ledger = s.ledger.clone();
    ledger.conversation_id = None;
    if let Some(a) = &s.answer {
        if conversations::touch(conn, a.conversation_id, ledger.created_at)? == 1 {
            ledger.conversation_id = Some(a.conversation_id);
        }
        conversations::finish_message(conn, a.message_id, a.text, a.model, a.status)?;
    }
    usage_events::insert(conn, &ledger)?;
    let user_id = ledger.user_id.unwrap_or_default();
    let was_open = match s.open {
        Some(id) => open_asks::close(conn, id)?,
        None => false,
    };
    if was_open && !ledger.charged {
        quota::release(conn, user_id, s.period)?;
    }
    quota::used(conn, user_id, s.period)
}

/// Settling as one statement, reading its parameters from `p` (see
/// [`Prepared`]). `touched` runs before the ledger's insert reads it, and
/// its row lock holds off a delete of the conversation until the commit.
/// Every data-modifying part runs whether or not the final select reads
/// it, and every part sees the same snapshot, so the final counts read the
/// release's result when there is one.
const SETTLE_PARAMS: &str = "user_id, period, provider, model, input_tokens, output_tokens, cost_pico, ttft_ms, \
     total_ms, outcome, charged, at, byok, via, conversation_id, message_id, answer, status, open_id";
const SETTLE_SQL: &str = "
touched AS (
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
       COALESCE((SELECT granted FROM counts), 0) AS granted";

#[derive(QueryableByName)]
struct SettleRow {
    #[diesel(sql_type = Integer)]
    used: i32,
    #[diesel(sql_type = Integer)]
    granted: i32,
}

fn settle_in_one_statement(pg: &mut PgConnection, s: &Settle<'_>) -> QueryResult<(i32, i32)> {
    let l = s.ledger;
    let (conversation_id, message_id, text, status) =
        s.answer.as_ref().map_or((None, None, "", ""), |a| {
            (
                Some(a.conversation_id),
                Some(a.message_id),
                a.text,
                a.status.as_str(),
            )
        });
    let params = (
        (
            bound::<Nullable<BigInt>, _>(l.user_id),
            bound::<Text, _>(s.period),
            bound::<Text, _>(l.provider.as_str()),
            bound::<Text, _>(l.model.as_str()),
            bound::<BigInt, _>(l.input_tokens),
            bound::<BigInt, _>(l.output_tokens),
            bound::<BigInt, _>(l.cost_pico),
            bound::<Nullable<Integer>, _>(l.ttft_ms),
            bound::<Integer, _>(l.total_ms),
            bound::<Text, _>(l.outcome.as_str()),
        ),
        (
            bound::<Bool, _>(l.charged),
            bound::<Timestamp, _>(l.created_at),
            bound::<Bool, _>(l.byok),
            bound::<Text, _>(l.via.as_str()),
            bound::<Nullable<BigInt>, _>(conversation_id),
            bound::<Nullable<BigInt>, _>(message_id),
            bound::<Text, _>(text),
            bound::<Text, _>(status),
            bound::<Nullable<BigInt>, _>(s.open),
        ),
    );
    let row: SettleRow = Prepared::new(SETTLE_PARAMS, params, SETTLE_SQL).get_result(pg)?;
    Ok((row.used, row.granted))
}

/// A bound parameter of a [`Prepared`] statement.
fn bound<ST, T: AsExpression<ST>>(value: T) -> T::Expression
where
    ST: diesel::sql_types::SqlType + diesel::sql_types::SingleValue,
{
    value.as_expression()
}

/// A statement of raw SQL that PostgreSQL parses and plans once per
/// connection. Diesel keeps prepared statements for the queries it builds,
/// but never for `sql_query`, and planning one of these statements cost
/// about 0.5 ms, more than running it. Here each parameter is bound once, as
/// a column of a one-row `VALUES` named `p` that starts the `WITH` list, and
/// `body` (the rest of the list and the final select) reads them as
/// `p.name`; the SQL text is the same on every call, so diesel's statement
/// cache keeps it.
struct Prepared<P> {
    names: &'static str,
    params: P,
    body: &'static str,
}

impl<P> Prepared<P> {
    fn new(names: &'static str, params: P, body: &'static str) -> Self {
        Self {
            names,
            params,
            body,
        }
    }
}

impl<P: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<P> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH p (");
        out.push_sql(self.names);
        out.push_sql(") AS (VALUES (");
        self.params.walk_ast(out.reborrow())?;
        out.push_sql(")),");
        out.push_sql(self.body);
        Ok(())
    }
}

impl<P> QueryId for Prepared<P> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<P> Query for Prepared<P> {
    type SqlType = diesel::sql_types::Untyped;
}

impl<P> RunQueryDsl<PgConnection> for Prepared<P> {}
