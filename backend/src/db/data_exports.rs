//! Queries on `data_exports`, and the reads that gather what an export
//! holds.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use super::Db;
use super::models::{AuditRow, ConversationRow, JobRow, MessageRow, ResumeRow, UserRow};
use super::schema::data_exports::dsl as e;
use super::subscriptions::SubscriptionRow;
use super::usage_events::UsageEventRow;
use super::{api_keys, provider_keys, resumes, subscriptions, users};

/// An export without its archive.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::data_exports)]
pub struct ExportRow {
    /// Primary key.
    pub id: i64,
    /// Whose data.
    pub user_id: i64,
    /// `pending`, `ready` or `failed`.
    pub state: String,
    /// When it was asked for.
    pub requested_at: NaiveDateTime,
    /// A pending export is being built until then.
    pub claimed_until: NaiveDateTime,
    /// When the archive was built.
    pub ready_at: Option<NaiveDateTime>,
    /// When the archive goes.
    pub expires_at: Option<NaiveDateTime>,
    /// The archive's size.
    pub size_bytes: Option<i64>,
}

/// Starts an export for the user, unless one was started (and did not fail)
/// since `recent`; returns its id. One statement, so two requests at once
/// on SQLite cannot both pass the check.
pub fn start(
    conn: &mut Db,
    user_id: i64,
    now: NaiveDateTime,
    claimed_until: NaiveDateTime,
    recent: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    diesel::sql_query(
        "INSERT INTO data_exports (user_id, state, requested_at, claimed_until) \
         SELECT $1, 'pending', $2, $3 WHERE NOT EXISTS (\
           SELECT 1 FROM data_exports WHERE user_id = $1 AND state <> 'failed' AND requested_at > $4) \
         RETURNING id",
    )
    .bind::<BigInt, _>(user_id)
    .bind::<Timestamp, _>(now)
    .bind::<Timestamp, _>(claimed_until)
    .bind::<Timestamp, _>(recent)
    .get_result::<Id>(conn)
    .optional()
    .map(|row| row.map(|r| r.id))
}

/// The user's latest export that has not expired.
pub fn latest(conn: &mut Db, user_id: i64, now: NaiveDateTime) -> QueryResult<Option<ExportRow>> {
    e::data_exports
        .filter(e::user_id.eq(user_id))
        .filter(e::expires_at.is_null().or(e::expires_at.gt(now)))
        .select(ExportRow::as_select())
        .order(e::id.desc())
        .first(conn)
        .optional()
}

/// Takes a pending export whose builder's lease ran out (a replica died
/// while building it); `true` when this caller now builds it.
pub fn reclaim(
    conn: &mut Db,
    id: i64,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        e::data_exports
            .filter(e::id.eq(id))
            .filter(e::state.eq("pending"))
            .filter(e::claimed_until.lt(now)),
    )
    .set(e::claimed_until.eq(until))
    .execute(conn)
    .map(|n| n == 1)
}

/// Stores the built archive.
pub fn finish(
    conn: &mut Db,
    id: i64,
    archive: &[u8],
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        e::data_exports
            .filter(e::id.eq(id))
            .filter(e::state.eq("pending")),
    )
    .set((
        e::state.eq("ready"),
        e::archive.eq(Some(archive)),
        e::size_bytes.eq(Some(archive.len() as i64)),
        e::ready_at.eq(Some(now)),
        e::expires_at.eq(Some(expires_at)),
    ))
    .execute(conn)
}

/// Marks an export failed.
pub fn fail(conn: &mut Db, id: i64) -> QueryResult<usize> {
    diesel::update(
        e::data_exports
            .filter(e::id.eq(id))
            .filter(e::state.eq("pending")),
    )
    .set(e::state.eq("failed"))
    .execute(conn)
}

/// A ready export's archive, if it has not expired.
pub fn archive(conn: &mut Db, id: i64, now: NaiveDateTime) -> QueryResult<Option<Vec<u8>>> {
    e::data_exports
        .filter(e::id.eq(id))
        .filter(e::state.eq("ready"))
        .filter(e::expires_at.gt(now))
        .select(e::archive)
        .first::<Option<Vec<u8>>>(conn)
        .optional()
        .map(Option::flatten)
}

/// Deletes expired archives, and failed exports over a day old.
pub fn delete_expired(conn: &mut Db, now: NaiveDateTime) -> QueryResult<usize> {
    let day_ago = now - chrono::Duration::days(1);
    diesel::delete(
        e::data_exports.filter(
            e::expires_at
                .le(now)
                .or(e::state.eq("failed").and(e::requested_at.lt(day_ago))),
        ),
    )
    .execute(conn)
}

/// Everything an export holds about one user.
pub struct Gathered {
    /// The account.
    pub user: UserRow,
    /// Conversations, oldest first.
    pub conversations: Vec<ConversationRow>,
    /// Their messages, oldest first.
    pub messages: Vec<MessageRow>,
    /// Resumes.
    pub resumes: Vec<ResumeRow>,
    /// Saved jobs.
    pub jobs: Vec<JobRow>,
    /// The ledger rows of the user's asks.
    pub usage: Vec<UsageEventRow>,
    /// Questions counted and granted by month: (period, used, granted).
    pub quota: Vec<(String, i32, i32)>,
    /// Subscriptions.
    pub subscriptions: Vec<SubscriptionRow>,
    /// Personal API keys (name, last four, times; never the secret).
    pub api_keys: Vec<api_keys::ApiKeyRow>,
    /// Own provider keys (provider, last four, status; never the key).
    pub provider_keys: Vec<provider_keys::ProviderKeyRow>,
    /// Audit entries by or about the user.
    pub audit: Vec<AuditRow>,
}

/// Reads everything about the user (call it in one transaction, so the
/// parts agree); `None` when the account is gone.
pub fn gather(conn: &mut Db, user_id: i64) -> QueryResult<Option<Gathered>> {
    use super::schema::audit_log::dsl as a;
    use super::schema::conversations::dsl as c;
    use super::schema::jobs::dsl as j;
    use super::schema::messages::dsl as m;
    use super::schema::quota_usage::dsl as q;
    use super::schema::usage_events::dsl as u;
    let Some(user) = users::find(conn, user_id)? else {
        return Ok(None);
    };
    let conversations = c::conversations
        .filter(c::user_id.eq(user_id))
        .select(ConversationRow::as_select())
        .order(c::id.asc())
        .load(conn)?;
    let messages = m::messages
        .inner_join(c::conversations)
        .filter(c::user_id.eq(user_id))
        .select(MessageRow::as_select())
        .order(m::id.asc())
        .load(conn)?;
    let jobs = j::jobs
        .filter(j::user_id.eq(user_id))
        .select(JobRow::as_select())
        .order(j::id.asc())
        .load(conn)?;
    let usage = u::usage_events
        .filter(u::user_id.eq(user_id))
        .select(UsageEventRow::as_select())
        .order(u::id.asc())
        .load(conn)?;
    let quota = q::quota_usage
        .filter(q::user_id.eq(user_id))
        .select((q::period, q::used, q::granted))
        .order(q::period.asc())
        .load(conn)?;
    let audit = a::audit_log
        .filter(
            a::actor_id.eq(user_id).or(a::target_type
                .eq("user")
                .and(a::target_id.eq(user_id.to_string()))),
        )
        .select(AuditRow::as_select())
        .order(a::id.asc())
        .load(conn)?;
    Ok(Some(Gathered {
        conversations,
        messages,
        resumes: resumes::list(conn, user_id)?,
        jobs,
        usage,
        quota,
        subscriptions: subscriptions::for_user(conn, user_id)?,
        api_keys: api_keys::list(conn, user_id)?,
        provider_keys: provider_keys::list(conn, user_id)?,
        audit,
        user,
    }))
}
