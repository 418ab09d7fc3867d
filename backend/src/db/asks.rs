//! The two writes of every ask: reserving (check the account is as the
//! caller's token describes it, count the question, open the ask for the
//! sweep, store the question and its empty answer) and settling
//! (store the answer, write the ledger row, close the ask, give the question
//! back if it was not charged).
//!
//! Each is atomic, and each is written out in SQL for each engine, as
//! statements prepared once per connection ([`Prepared`]): the ask's hot
//! path pays neither diesel's per-call query building nor a fresh parse.
//! On PostgreSQL each phase is one statement (data-modifying `WITH`
//! clauses), so an ask pays one round trip and one commit per phase, and
//! reservations or settles that queue together share one
//! ([`reserve_together`], [`settle_together`]); replicas put PostgreSQL
//! across a network, where round trips are the cost.
//! Only the reservation's commit waits for the flush to disk ([`settle`]
//! says why the settle need not).
//! SQLite has no data-modifying `WITH` and no network, so there each phase
//! is a transaction of one statement per table. The API tests run on both
//! engines and hold them equal.

use std::marker::PhantomData;

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::expression::AsExpression;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamp};

use shared_types::MessageStatus;

use super::models::NewUsageEvent;
use super::{Db, quota};

/// The SQL of a [`Prepared`] statement: its parameters' names, in order,
/// and its body.
trait Statement: Copy + 'static {
    const SQL: (&'static str, &'static str);
}

/// Declares a [`Statement`]: a unit type named as a constant.
macro_rules! statement {
    ($(#[$doc:meta])* $name:ident = ($names:expr, $body:expr $(,)?);) => {
        $(#[$doc])*
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Clone, Copy)]
        struct $name;

        impl Statement for $name {
            const SQL: (&'static str, &'static str) = ($names, $body);
        }
    };
}

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

/// Reserves, atomically: all of it or nothing.
pub fn reserve(conn: &mut Db, r: &Reserve) -> Result<Reserved, ReserveError> {
    let result = match conn {
        Db::Pg(pg) => reserve_in_one_statement(pg, r),
        Db::Sqlite(sqlite) => sqlite.transaction(|sqlite| reserve_on_sqlite(sqlite, r)),
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
        "conversation_id, question, at",
        "INSERT INTO messages (conversation_id, role, content, model, status, created_at)
        SELECT conversation_id, 'user', question, NULL, 'complete', at FROM p
        UNION ALL
        SELECT conversation_id, 'assistant', '', NULL, 'writing', at FROM p
        RETURNING id, role",
    );
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct TurnRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    role: String,
}

fn reserve_on_sqlite(conn: &mut SqliteConnection, r: &Reserve) -> Result<Reserved, ReserveError> {
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

/// The names in `p` of a reservation's parameters ([`ReserveParams`]),
/// for [`RESERVE`] and [`RESERVE_TOGETHER`].
macro_rules! reserve_names {
    () => {
        "user_id, period, counting, lim, provider, model, via, at, storing, title, continuing, \
         question, checking, tier, want_resume"
    };
}

/// A reservation's parameters on PostgreSQL, flat, in the order of
/// `reserve_names!`: what is absent is `false` or empty.
struct ReserveParams<'a> {
    user_id: i64,
    period: &'a str,
    counting: bool,
    lim: Option<i32>,
    provider: &'a str,
    model: &'a str,
    via: &'a str,
    at: NaiveDateTime,
    storing: bool,
    title: &'a str,
    continuing: Option<i64>,
    question: &'a str,
    checking: bool,
    tier: &'a str,
    want_resume: bool,
}

impl Reserve {
    fn params(&self) -> ReserveParams<'_> {
        let (provider, model, via) = self.count.as_ref().map_or(("", "", ""), |o| {
            (o.provider.as_str(), o.model.as_str(), o.via)
        });
        let (continuing, title, question) = self.store.as_ref().map_or((None, "", ""), |t| {
            (t.continuing, t.title.as_str(), t.question.as_str())
        });
        ReserveParams {
            user_id: self.user_id,
            period: &self.period,
            counting: self.count.is_some(),
            lim: self.limit.map(|l| i32::try_from(l).unwrap_or(i32::MAX)),
            provider,
            model,
            via,
            at: self.now,
            storing: self.store.is_some(),
            title,
            continuing,
            question,
            checking: self.account.is_some(),
            tier: self.account.as_ref().map_or("", |a| a.tier),
            want_resume: self.account.as_ref().is_some_and(|a| a.resume),
        }
    }
}

statement! {
    /// The reservation as one statement, reading its parameters from `p`
    /// (see [`Prepared`]). `checking`, `counting` and `storing` switch its
    /// parts on. Nothing is written unless the account is as described
    /// (`account`, SQLite's `SQLITE_ACCOUNT`, when checking) and, when
    /// counting, the quota's upsert took the question (`go`). The upsert is
    /// SQLite's (`SQLITE_COUNT`).
    RESERVE = (
        reserve_names!(),
        concat!(
            ", account AS (
        SELECT NULL::text AS resume FROM p WHERE NOT p.checking
        UNION ALL
        SELECT (SELECT r.text FROM resumes r
            WHERE r.user_id = u.id AND r.is_active AND p.want_resume)
        FROM users u, p
        WHERE p.checking AND u.id = p.user_id AND u.suspended_at IS NULL AND ",
            tier_in_force!(),
            " = p.tier
    ), counted AS (
        INSERT INTO quota_usage (user_id, period, used)
        SELECT p.user_id, p.period, 1 FROM p WHERE p.counting AND EXISTS (SELECT 1 FROM account)
          AND (p.lim IS NULL OR p.lim > 0 OR EXISTS
            (SELECT 1 FROM quota_usage q WHERE q.user_id = p.user_id AND q.period = p.period))
        ON CONFLICT (user_id, period) DO UPDATE SET used = quota_usage.used + 1
        WHERE (SELECT p.lim IS NULL OR quota_usage.used < quota_usage.granted + p.lim FROM p)
        RETURNING used, granted
    ), go AS (
        SELECT 1 FROM p WHERE EXISTS (SELECT 1 FROM account)
          AND (NOT p.counting OR EXISTS (SELECT 1 FROM counted))
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
    SELECT EXISTS (SELECT 1 FROM account) AS matched,
           (SELECT resume FROM account) AS resume,
           EXISTS (SELECT 1 FROM go) AS went,
           (SELECT id FROM opened) AS open_id,
           (SELECT used FROM counted) AS used,
           (SELECT granted FROM counted) AS granted,
           (SELECT id FROM target) AS conversation_id,
           (SELECT id FROM turn WHERE role = 'user') AS question_id,
           (SELECT id FROM turn WHERE role = 'assistant') AS answer_id"
        ),
    );
}

#[derive(QueryableByName)]
struct ReserveRow {
    #[diesel(sql_type = Bool)]
    matched: bool,
    #[diesel(sql_type = Nullable<Text>)]
    resume: Option<String>,
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

fn reserve_in_one_statement(pg: &mut PgConnection, r: &Reserve) -> Result<Reserved, ReserveError> {
    let p = r.params();
    let params = (
        (
            bound::<BigInt, _>(p.user_id),
            bound::<Text, _>(p.period),
            bound::<Bool, _>(p.counting),
            bound::<Nullable<Integer>, _>(p.lim),
            bound::<Text, _>(p.provider),
            bound::<Text, _>(p.model),
        ),
        (
            bound::<Text, _>(p.via),
            bound::<Timestamp, _>(p.at),
            bound::<Bool, _>(p.storing),
            bound::<Text, _>(p.title),
            bound::<Nullable<BigInt>, _>(p.continuing),
            bound::<Text, _>(p.question),
        ),
        (
            bound::<Bool, _>(p.checking),
            bound::<Text, _>(p.tier),
            bound::<Bool, _>(p.want_resume),
        ),
    );
    let row: ReserveRow = Prepared::new(RESERVE, params).get_result(pg)?;
    row.reserved(p.continuing.is_none())
}

impl ReserveRow {
    /// What the reservation wrote, or why it wrote nothing.
    fn reserved(self, new_conversation: bool) -> Result<Reserved, ReserveError> {
        if !self.matched {
            return Err(ReserveError::AccountChanged);
        }
        if !self.went {
            return Err(ReserveError::QuotaExceeded);
        }
        let stored = match (self.conversation_id, self.question_id, self.answer_id) {
            (Some(conversation_id), Some(question_id), Some(answer_id)) => Some(StoredTurn {
                conversation_id,
                new_conversation,
                question_id,
                answer_id,
            }),
            _ => None,
        };
        Ok(Reserved {
            open: self.open_id,
            counted: self
                .used
                .zip(self.granted)
                .map(|(used, granted)| quota::Counted { used, granted }),
            stored,
            resume: self.resume,
        })
    }
}

statement! {
    /// Several users' reservations as one statement ([`reserve_together`]).
    /// `p` holds one array per column of [`RESERVE`]'s; `s` unnests them
    /// into one row per reservation, `n` its place (with the range that
    /// keeps the planner's estimate at one row; see [`SETTLE_TOGETHER`]).
    /// Each row is [`RESERVE`]'s, checked and counted on its own: a
    /// reservation refused (its quota used up, its account changed) writes
    /// nothing and leaves the others be. Each user appears at most once, so
    /// the quota's upsert touches each row once, and what each part wrote is
    /// found again by its user.
    RESERVE_TOGETHER = (
        reserve_names!(),
        concat!(
            ", s AS (
        SELECT r.* FROM p, unnest(p.user_id, p.period, p.counting, p.lim, p.provider, p.model, p.via,
            p.at, p.storing, p.title, p.continuing, p.question, p.checking, p.tier, p.want_resume)
        WITH ORDINALITY AS r (user_id, period, counting, lim, provider, model, via, at, storing,
            title, continuing, question, checking, tier, want_resume, n)
        WHERE r.n > 0 AND r.n < 2147483648
    ), account AS (
        SELECT s.n, NULL::text AS resume FROM s WHERE NOT s.checking
        UNION ALL
        SELECT s.n, (SELECT r.text FROM resumes r
            WHERE r.user_id = u.id AND r.is_active AND s.want_resume)
        FROM s JOIN users u ON u.id = s.user_id
        WHERE s.checking AND u.suspended_at IS NULL AND ",
            tier_in_force!("s"),
            " = s.tier
    ), counted AS (
        INSERT INTO quota_usage (user_id, period, used)
        SELECT s.user_id, s.period, 1 FROM s JOIN account a ON a.n = s.n
        WHERE s.counting AND (s.lim IS NULL OR s.lim > 0 OR EXISTS
            (SELECT 1 FROM quota_usage q WHERE q.user_id = s.user_id AND q.period = s.period))
        ON CONFLICT (user_id, period) DO UPDATE SET used = quota_usage.used + 1
        WHERE (SELECT s.lim IS NULL OR quota_usage.used < quota_usage.granted + s.lim FROM s
            WHERE s.user_id = quota_usage.user_id AND s.period = quota_usage.period)
        RETURNING user_id, used, granted
    ), go AS (
        SELECT s.n FROM s JOIN account a ON a.n = s.n
        WHERE NOT s.counting OR EXISTS (SELECT 1 FROM counted c WHERE c.user_id = s.user_id)
    ), opened AS (
        INSERT INTO open_asks (user_id, period, provider, model, via, created_at)
        SELECT s.user_id, s.period, s.provider, s.model, s.via, s.at
        FROM s JOIN counted c ON c.user_id = s.user_id
        RETURNING id, user_id
    ), conversation AS (
        INSERT INTO conversations (user_id, title, created_at, updated_at)
        SELECT s.user_id, s.title, s.at, s.at FROM s JOIN go ON go.n = s.n
        WHERE s.storing AND s.continuing IS NULL
        RETURNING id, user_id
    ), target AS (
        SELECT s.n, c.id FROM s JOIN conversation c ON c.user_id = s.user_id
        UNION ALL
        SELECT s.n, s.continuing FROM s JOIN go ON go.n = s.n
        WHERE s.storing AND s.continuing IS NOT NULL
    ), turn AS (
        INSERT INTO messages (conversation_id, role, content, model, status, created_at)
        SELECT t.id, m.role, CASE WHEN m.role = 'user' THEN s.question ELSE '' END, NULL, m.status, s.at
        FROM s JOIN target t ON t.n = s.n,
            (VALUES ('user', 'complete'), ('assistant', 'writing')) AS m (role, status)
        RETURNING id, role, conversation_id
    )
    SELECT s.n, a.n IS NOT NULL AS matched, a.resume, go.n IS NOT NULL AS went,
           o.id AS open_id, c.used, c.granted, t.id AS conversation_id,
           (SELECT id FROM turn WHERE turn.conversation_id = t.id AND turn.role = 'user') AS question_id,
           (SELECT id FROM turn WHERE turn.conversation_id = t.id AND turn.role = 'assistant') AS answer_id
    FROM s
    LEFT JOIN account a ON a.n = s.n
    LEFT JOIN go ON go.n = s.n
    LEFT JOIN opened o ON o.user_id = s.user_id
    LEFT JOIN counted c ON c.user_id = s.user_id
    LEFT JOIN target t ON t.n = s.n
    ORDER BY s.n"
        ),
    );
}

#[derive(QueryableByName)]
struct ReservedRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(embed)]
    row: ReserveRow,
}

/// Reserves for several users on PostgreSQL in one statement, so in one
/// commit: each as [`reserve`] would, answered in their order. No user may
/// appear twice. The statement is atomic: an error of any reservation's
/// (a foreign key, say) writes none of them.
pub fn reserve_together(
    pg: &mut PgConnection,
    reserves: &[Reserve],
) -> QueryResult<Vec<Result<Reserved, ReserveError>>> {
    let mut users: Vec<i64> = reserves.iter().map(|r| r.user_id).collect();
    users.sort_unstable();
    if users.windows(2).any(|w| w[0] == w[1]) {
        return Err(diesel::result::Error::QueryBuilderError(
            "a user may reserve once in a group".into(),
        ));
    }
    let all: Vec<ReserveParams> = reserves.iter().map(Reserve::params).collect();
    fn column<'a, T>(all: &[ReserveParams<'a>], f: impl Fn(&ReserveParams<'a>) -> T) -> Vec<T> {
        all.iter().map(f).collect()
    }
    let params = (
        (
            bound::<Array<BigInt>, _>(column(&all, |p| p.user_id)),
            bound::<Array<Text>, _>(column(&all, |p| p.period)),
            bound::<Array<Bool>, _>(column(&all, |p| p.counting)),
            bound::<Array<Nullable<Integer>>, _>(column(&all, |p| p.lim)),
            bound::<Array<Text>, _>(column(&all, |p| p.provider)),
            bound::<Array<Text>, _>(column(&all, |p| p.model)),
        ),
        (
            bound::<Array<Text>, _>(column(&all, |p| p.via)),
            bound::<Array<Timestamp>, _>(column(&all, |p| p.at)),
            bound::<Array<Bool>, _>(column(&all, |p| p.storing)),
            bound::<Array<Text>, _>(column(&all, |p| p.title)),
            bound::<Array<Nullable<BigInt>>, _>(column(&all, |p| p.continuing)),
            bound::<Array<Text>, _>(column(&all, |p| p.question)),
        ),
        (
            bound::<Array<Bool>, _>(column(&all, |p| p.checking)),
            bound::<Array<Text>, _>(column(&all, |p| p.tier)),
            bound::<Array<Bool>, _>(column(&all, |p| p.want_resume)),
        ),
    );
    let rows: Vec<ReservedRow> = Prepared::new(RESERVE_TOGETHER, params).load(pg)?;
    let in_order = rows.len() == reserves.len() && rows.iter().zip(1..).all(|(r, n)| r.n == n);
    if !in_order {
        return Err(diesel::result::Error::NotFound);
    }
    Ok(rows
        .into_iter()
        .zip(&all)
        .map(|(r, p)| r.row.reserved(p.continuing.is_none()))
        .collect())
}

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

/// Settles, atomically; returns the questions used and granted in the
/// period afterwards. The question goes back only if the ledger row says it
/// was not charged and the ask was still open (the sweep gives back the
/// questions of asks it takes; not twice).
///
/// The conversation is touched first: that locks its row, so it cannot be
/// deleted before the ledger row links it, and if it went already the row
/// is written without the link. The ledger row is never lost to a
/// conversation deleted meanwhile.
///
/// On PostgreSQL, a settle that closes its open ask commits without waiting
/// for the log to reach the disk (`synchronous_commit = off` for its
/// transaction alone): the reservation's commit did wait, so the open ask
/// is on disk. Should PostgreSQL crash before the settle's commit is
/// flushed (within 3 × `wal_writer_delay`, 0.6 s by default), the open ask
/// comes back, and the sweep gives its question back and writes its ledger
/// row: the call still has exactly one, outcome `abandoned` rather than
/// the tokens it used, and the stored answer reads as failed. A settle
/// with no open ask (the user's own key) waits for the flush, as before.
/// The answer is visible to every reader at the commit either way.
pub fn settle(conn: &mut Db, s: &Settle) -> QueryResult<(i32, i32)> {
    match conn {
        Db::Pg(pg) => settle_in_one_statement(pg, s),
        Db::Sqlite(sqlite) => sqlite.transaction(|sqlite| settle_on_sqlite(sqlite, s)),
    }
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

fn settle_on_sqlite(conn: &mut SqliteConnection, s: &Settle) -> QueryResult<(i32, i32)> {
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

fn settle_in_one_statement(pg: &mut PgConnection, s: &Settle) -> QueryResult<(i32, i32)> {
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

/// A bound parameter of a [`Prepared`] statement.
fn bound<ST, T: AsExpression<ST>>(value: T) -> T::Expression
where
    ST: diesel::sql_types::SqlType + diesel::sql_types::SingleValue,
{
    value.as_expression()
}

/// A statement of raw SQL that each connection parses and plans once.
/// Diesel keeps prepared statements for the queries it builds (though it
/// builds their SQL again on most calls), but never for `sql_query`; on
/// PostgreSQL planning the one-statement phases cost about 0.5 ms, more than
/// running them. Here each parameter is bound once, as a column of a one-row
/// `VALUES` named `p` that starts a `WITH` list; the statement's body reads
/// them as `p.name` and either goes on with the list (starting with a comma)
/// or is the statement itself. Each statement is a type of its own
/// ([`statement!`]), so diesel's statement cache finds it by type, without
/// writing out its SQL on every call.
struct Prepared<S, P> {
    statement: PhantomData<S>,
    params: P,
}

impl<S: Statement, P> Prepared<S, P> {
    fn new(_: S, params: P) -> Self {
        Self {
            statement: PhantomData,
            params,
        }
    }
}

impl<DB: Backend, S: Statement, P: QueryFragment<DB>> QueryFragment<DB> for Prepared<S, P> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let (names, body) = S::SQL;
        out.push_sql("WITH p (");
        out.push_sql(names);
        out.push_sql(") AS (VALUES (");
        self.params.walk_ast(out.reborrow())?;
        out.push_sql("))\n");
        out.push_sql(body);
        Ok(())
    }
}

impl<S: Statement, P: QueryId> QueryId for Prepared<S, P> {
    type QueryId = (S, P::QueryId);
    const HAS_STATIC_QUERY_ID: bool = P::HAS_STATIC_QUERY_ID;
}

impl<S, P> Query for Prepared<S, P> {
    type SqlType = diesel::sql_types::Untyped;
}

impl<S, P, C> RunQueryDsl<C> for Prepared<S, P> {}
