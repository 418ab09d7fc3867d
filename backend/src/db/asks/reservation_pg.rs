//! Reserving on PostgreSQL: one statement of data-modifying `WITH` clauses,
//! and [`reserve_together`] for the reservations that queue while one is
//! written.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamp};

use super::prepared::{Prepared, Statement, bound};
use super::reservation::{Reserve, ReserveError, Reserved, StoredTurn};
use crate::db::quota;

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
        INSERT INTO messages (conversation_id, user_id, role, content, model, status, created_at)
        SELECT target.id, p.user_id, m.role, CASE WHEN m.role = 'user' THEN p.question ELSE '' END, NULL, m.status, p.at
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

pub(super) fn reserve_in_one_statement(
    pg: &mut PgConnection,
    r: &Reserve,
) -> Result<Reserved, ReserveError> {
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
        INSERT INTO messages (conversation_id, user_id, role, content, model, status, created_at)
        SELECT t.id, s.user_id, m.role, CASE WHEN m.role = 'user' THEN s.question ELSE '' END, NULL, m.status, s.at
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
