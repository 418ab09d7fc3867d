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
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text, Timestamp};

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
    let open = match &r.count {
        Some(o) => {
            quota::reserve(conn, r.user_id, r.period, r.limit)?
                .ok_or(ReserveError::QuotaExceeded)?;
            Some(open_asks::insert(
                conn, r.user_id, r.period, o.provider, o.model, o.via, r.now,
            )?)
        }
        None => None,
    };
    let Some(turn) = &r.store else {
        return Ok(Reserved { open, stored: None });
    };
    let conversation_id = match turn.continuing {
        Some(id) => id,
        None => conversations::insert(conn, r.user_id, turn.title, r.now)?,
    };
    let (question_id, answer_id) =
        conversations::insert_turn(conn, conversation_id, turn.question, r.now)?;
    Ok(Reserved {
        open,
        stored: Some(StoredTurn {
            conversation_id,
            new_conversation: turn.continuing.is_none(),
            question_id,
            answer_id,
        }),
    })
}

/// The reservation as one statement. `$count` and `$store` switch its
/// parts on; when counting, nothing is written unless the quota's upsert
/// took the question (`go`). The upsert is `quota::reserve`'s.
const RESERVE_SQL: &str = "
WITH counted AS (
    INSERT INTO quota_usage (user_id, period, used)
    SELECT $1, $2, 1 WHERE $3
    ON CONFLICT (user_id, period) DO UPDATE SET used = quota_usage.used + 1
    WHERE $4::integer IS NULL OR quota_usage.used < quota_usage.granted + $4
    RETURNING used
), go AS (
    SELECT 1 WHERE NOT $3 OR EXISTS (SELECT 1 FROM counted)
), opened AS (
    INSERT INTO open_asks (user_id, period, provider, model, via, created_at)
    SELECT $1, $2, $5, $6, $7, $8 FROM counted
    RETURNING id
), conversation AS (
    INSERT INTO conversations (user_id, title, created_at, updated_at)
    SELECT $1, $10, $8, $8 FROM go WHERE $9 AND $11::bigint IS NULL
    RETURNING id
), target AS (
    SELECT id FROM conversation
    UNION ALL
    SELECT $11 FROM go WHERE $9 AND $11 IS NOT NULL
), turn AS (
    INSERT INTO messages (conversation_id, role, content, model, complete, created_at)
    SELECT target.id, m.role, m.content, NULL, m.complete, $8
    FROM target, (VALUES ('user', $12, TRUE), ('assistant', '', FALSE)) AS m (role, content, complete)
    RETURNING id, role
)
SELECT EXISTS (SELECT 1 FROM go) AS went,
       (SELECT id FROM opened) AS open_id,
       (SELECT id FROM target) AS conversation_id,
       (SELECT id FROM turn WHERE role = 'user') AS question_id,
       (SELECT id FROM turn WHERE role = 'assistant') AS answer_id";

#[derive(QueryableByName)]
struct ReserveRow {
    #[diesel(sql_type = Bool)]
    went: bool,
    #[diesel(sql_type = Nullable<BigInt>)]
    open_id: Option<i64>,
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
    let row: ReserveRow = diesel::sql_query(RESERVE_SQL)
        .bind::<BigInt, _>(r.user_id)
        .bind::<Text, _>(r.period)
        .bind::<Bool, _>(r.count.is_some())
        .bind::<Nullable<Integer>, _>(limit)
        .bind::<Text, _>(provider)
        .bind::<Text, _>(model)
        .bind::<Text, _>(via)
        .bind::<Timestamp, _>(r.now)
        .bind::<Bool, _>(r.store.is_some())
        .bind::<Text, _>(title)
        .bind::<Nullable<BigInt>, _>(continuing)
        .bind::<Text, _>(question)
        .get_result(pg)?;
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
    /// Whether it ended normally.
    pub complete: bool,
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
        conversations::finish_message(conn, a.message_id, a.text, a.model, a.complete)?;
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

/// Settling as one statement. `touched` runs before the ledger's insert
/// reads it, and its row lock holds off a delete of the conversation until
/// the commit. Every data-modifying part runs whether or not the final
/// select reads it, and every part sees the same snapshot, so the final
/// counts read the release's result when there is one.
const SETTLE_SQL: &str = "
WITH touched AS (
    UPDATE conversations SET updated_at = $12 WHERE id = $15 RETURNING id
), answered AS (
    UPDATE messages SET content = $17, model = $4, complete = $18 WHERE id = $16
    RETURNING id
), ledger AS (
    INSERT INTO usage_events (user_id, conversation_id, provider, model, input_tokens,
        output_tokens, cost_pico, ttft_ms, total_ms, outcome, charged, created_at, byok, via)
    VALUES ($1, (SELECT id FROM touched), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
    RETURNING id
), closed AS (
    DELETE FROM open_asks WHERE id = $19 RETURNING id
), released AS (
    UPDATE quota_usage SET used = used - 1
    WHERE user_id = $1 AND period = $2 AND used > 0
      AND NOT $11 AND EXISTS (SELECT 1 FROM closed)
    RETURNING used, granted
), counts AS (
    SELECT used, granted FROM released
    UNION ALL
    SELECT used, granted FROM quota_usage
    WHERE user_id = $1 AND period = $2 AND NOT EXISTS (SELECT 1 FROM released)
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
    let (conversation_id, message_id, text, complete) =
        s.answer.as_ref().map_or((None, None, "", false), |a| {
            (
                Some(a.conversation_id),
                Some(a.message_id),
                a.text,
                a.complete,
            )
        });
    let row: SettleRow = diesel::sql_query(SETTLE_SQL)
        .bind::<Nullable<BigInt>, _>(l.user_id)
        .bind::<Text, _>(s.period)
        .bind::<Text, _>(&l.provider)
        .bind::<Text, _>(&l.model)
        .bind::<BigInt, _>(l.input_tokens)
        .bind::<BigInt, _>(l.output_tokens)
        .bind::<BigInt, _>(l.cost_pico)
        .bind::<Nullable<Integer>, _>(l.ttft_ms)
        .bind::<Integer, _>(l.total_ms)
        .bind::<Text, _>(&l.outcome)
        .bind::<Bool, _>(l.charged)
        .bind::<Timestamp, _>(l.created_at)
        .bind::<Bool, _>(l.byok)
        .bind::<Text, _>(&l.via)
        .bind::<Nullable<BigInt>, _>(conversation_id)
        .bind::<Nullable<BigInt>, _>(message_id)
        .bind::<Text, _>(text)
        .bind::<Bool, _>(complete)
        .bind::<Nullable<BigInt>, _>(s.open)
        .get_result(pg)?;
    Ok((row.used, row.granted))
}
