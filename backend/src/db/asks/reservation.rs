//! Reserving: the reservation's types, and its writing on SQLite (a
//! transaction of one statement per table).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text, Timestamp};

use super::Id;
use super::prepared::{Prepared, Statement, bound};
use crate::db::quota;

/// What a reservation writes.
pub struct Reserve {
    /// Who asks.
    pub user_id: i64,
    /// The quota period's key.
    pub period: String,
    /// The plan's monthly limit (`None`: unlimited).
    pub limit: Option<u32>,
    /// When the question counts: the first model the ask tries, and the door.
    pub count: Option<Opening>,
    /// For the app: the conversation turn to store.
    pub store: Option<Turn>,
    /// When set, the account the caller's token describes, checked here
    /// instead of read before.
    pub account: Option<Account>,
    /// The time stamped on every row.
    pub now: NaiveDateTime,
}

/// The account as the caller's access token describes it. The reservation
/// writes nothing unless the account exists with this tier in force and is
/// not suspended ([`ReserveError::AccountChanged`]), and reads the active
/// resume's text when wanted: the ask needs no read before it reserves.
pub struct Account {
    /// The tier the caller's route and limit were chosen for.
    pub tier: &'static str,
    /// Whether to read the active resume's text.
    pub resume: bool,
}

/// The open ask's description (for the sweep's ledger row).
pub struct Opening {
    /// The provider first tried.
    pub provider: String,
    /// The model first tried.
    pub model: String,
    /// `app` or `api`.
    pub via: &'static str,
}

/// The question to store.
pub struct Turn {
    /// The conversation continued, or `None` for a new one.
    pub continuing: Option<i64>,
    /// A new conversation's title.
    pub title: String,
    /// The question.
    pub question: String,
}

/// What a reservation wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reserved {
    /// The open ask, when a question was counted.
    pub open: Option<i64>,
    /// The period's count after this question, when one was counted.
    pub counted: Option<quota::Counted>,
    /// The stored turn (the app only).
    pub stored: Option<StoredTurn>,
    /// The active resume's text, when the account was checked here and the
    /// resume wanted.
    pub resume: Option<String>,
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
    /// The account is not as the caller's token describes it (its tier
    /// changed, it was suspended or deleted): read it, then reserve again.
    #[error("the account changed since the token was issued")]
    AccountChanged,
    /// A query failed.
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// The tier in force of the account `u` at `p.at` (or `s.at`, the row
/// named), reckoned as `UserRow::tier` does (free once a payment grace
/// period has run out).
macro_rules! tier_in_force {
    () => {
        tier_in_force!("p")
    };
    ($row:literal) => {
        concat!(
            "CASE WHEN u.tier_expires_at <= ",
            $row,
            ".at THEN 'free' ELSE u.subscription_tier END"
        )
    };
}

statement! {
    /// A row when the account has the tier `p.tier` in force and is not
    /// suspended, with the active resume's text when `p.want_resume`.
    SQLITE_ACCOUNT = (
        "user_id, tier, at, want_resume",
        concat!(
            "SELECT (SELECT r.text FROM resumes r
            WHERE r.user_id = u.id AND r.is_active AND p.want_resume) AS resume
        FROM users u, p
        WHERE u.id = p.user_id AND u.suspended_at IS NULL AND ",
            tier_in_force!(),
            " = p.tier"
        ),
    );
}

#[derive(QueryableByName)]
struct AccountRow {
    #[diesel(sql_type = Nullable<Text>)]
    resume: Option<String>,
}

statement! {
    /// Counts the question if the user is under the plan's limit plus the
    /// questions an admin granted for the period (`lim` NULL: unlimited): one
    /// upsert whose update is conditional, so concurrent askers on any number
    /// of replicas can never push the count past the limit. A plan with a limit
    /// of 0 answers only granted questions, and a grant makes the row, so with
    /// no row there is nothing to insert.
    SQLITE_COUNT = (
        "user_id, period, lim",
        "INSERT INTO quota_usage (user_id, period, used)
        SELECT user_id, period, 1 FROM p WHERE lim IS NULL OR lim > 0 OR EXISTS
            (SELECT 1 FROM quota_usage q WHERE q.user_id = p.user_id AND q.period = p.period)
        ON CONFLICT (user_id, period) DO UPDATE SET used = quota_usage.used + 1
        WHERE (SELECT lim IS NULL OR quota_usage.used < quota_usage.granted + lim FROM p)
        RETURNING used, granted",
    );
}
statement! {
    SQLITE_OPEN = (
        "user_id, period, provider, model, via, at",
        "INSERT INTO open_asks (user_id, period, provider, model, via, created_at)
        SELECT user_id, period, provider, model, via, at FROM p WHERE true
        RETURNING id",
    );
}
statement! {
    SQLITE_CONVERSATION = (
        "user_id, title, at",
        "INSERT INTO conversations (user_id, title, created_at, updated_at)
        SELECT user_id, title, at, at FROM p WHERE true
        RETURNING id",
    );
}
statement! {
    SQLITE_TURN = (
        "conversation_id, user_id, question, at",
        "INSERT INTO messages (conversation_id, user_id, role, content, model, status, created_at)
        SELECT conversation_id, user_id, 'user', question, NULL, 'complete', at FROM p
        UNION ALL
        SELECT conversation_id, user_id, 'assistant', '', NULL, 'writing', at FROM p
        RETURNING id, role",
    );
}

#[derive(QueryableByName)]
struct TurnRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    role: String,
}

pub(super) fn reserve_on_sqlite(
    conn: &mut SqliteConnection,
    r: &Reserve,
) -> Result<Reserved, ReserveError> {
    let resume = match &r.account {
        Some(account) => {
            let params = (
                bound::<BigInt, _>(r.user_id),
                bound::<Text, _>(account.tier),
                bound::<Timestamp, _>(r.now),
                bound::<Bool, _>(account.resume),
            );
            Prepared::new(SQLITE_ACCOUNT, params)
                .get_result::<AccountRow>(conn)
                .optional()?
                .ok_or(ReserveError::AccountChanged)?
                .resume
        }
        None => None,
    };
    let (open, counted) = match &r.count {
        Some(o) => {
            let limit = r.limit.map(|l| i32::try_from(l).unwrap_or(i32::MAX));
            let params = (
                bound::<BigInt, _>(r.user_id),
                bound::<Text, _>(r.period.as_str()),
                bound::<Nullable<Integer>, _>(limit),
            );
            let counted: quota::Counted = Prepared::new(SQLITE_COUNT, params)
                .get_result(conn)
                .optional()?
                .ok_or(ReserveError::QuotaExceeded)?;
            let params = (
                bound::<BigInt, _>(r.user_id),
                bound::<Text, _>(r.period.as_str()),
                bound::<Text, _>(o.provider.as_str()),
                bound::<Text, _>(o.model.as_str()),
                bound::<Text, _>(o.via),
                bound::<Timestamp, _>(r.now),
            );
            let open: Id = Prepared::new(SQLITE_OPEN, params).get_result(conn)?;
            (Some(open.id), Some(counted))
        }
        None => (None, None),
    };
    let Some(turn) = &r.store else {
        return Ok(Reserved {
            open,
            counted,
            stored: None,
            resume,
        });
    };
    let conversation_id = match turn.continuing {
        Some(id) => id,
        None => {
            let params = (
                bound::<BigInt, _>(r.user_id),
                bound::<Text, _>(turn.title.as_str()),
                bound::<Timestamp, _>(r.now),
            );
            Prepared::new(SQLITE_CONVERSATION, params)
                .get_result::<Id>(conn)?
                .id
        }
    };
    let params = (
        bound::<BigInt, _>(conversation_id),
        bound::<BigInt, _>(r.user_id),
        bound::<Text, _>(turn.question.as_str()),
        bound::<Timestamp, _>(r.now),
    );
    let rows: Vec<TurnRow> = Prepared::new(SQLITE_TURN, params).load(conn)?;
    let id_of = |role: &str| rows.iter().find(|row| row.role == role).map(|row| row.id);
    let (Some(question_id), Some(answer_id)) = (id_of("user"), id_of("assistant")) else {
        return Err(diesel::result::Error::NotFound.into());
    };
    Ok(Reserved {
        open,
        counted,
        stored: Some(StoredTurn {
            conversation_id,
            new_conversation: turn.continuing.is_none(),
            question_id,
            answer_id,
        }),
        resume,
    })
}
