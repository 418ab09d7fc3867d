//! Queries on `conversations` and `messages`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use shared_types::MessageStatus;

use super::Db;
use super::models::{ConversationRow, MessageRow};
use super::schema::conversations::dsl as c;
use super::schema::messages::dsl as m;

/// The user's conversation with this id, if it is theirs.
pub fn find_owned(conn: &mut Db, user_id: i64, id: i64) -> QueryResult<Option<ConversationRow>> {
    c::conversations
        .filter(c::id.eq(id))
        .filter(c::user_id.eq(user_id))
        .select(ConversationRow::as_select())
        .first(conn)
        .optional()
}

/// A page of the user's conversations, newest first, with ids below `before`.
pub fn list(
    conn: &mut Db,
    user_id: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ConversationRow>> {
    let mut query = c::conversations
        .filter(c::user_id.eq(user_id))
        .select(ConversationRow::as_select())
        .order(c::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(c::id.lt(before));
    }
    query.load(conn)
}

/// Deletes the user's conversation (its messages go with it).
pub fn delete_owned(conn: &mut Db, user_id: i64, id: i64) -> QueryResult<usize> {
    diesel::delete(
        c::conversations
            .filter(c::id.eq(id))
            .filter(c::user_id.eq(user_id)),
    )
    .execute(conn)
}

/// The stored status of an answer whose stop was asked for (read back as
/// [`MessageStatus::Writing`] until the writer ends it).
const STOPPING: &str = "stopping";

/// Marks one of the user's answers that is being written as to be stopped.
/// `None` if the message is not one of the user's answers; otherwise
/// whether it was still being written.
pub fn request_stop(conn: &mut Db, user_id: i64, id: i64) -> QueryResult<Option<bool>> {
    let owned = m::messages
        .inner_join(c::conversations)
        .filter(m::id.eq(id))
        .filter(m::role.eq("assistant"))
        .filter(c::user_id.eq(user_id))
        .select(m::status)
        .first::<String>(conn)
        .optional()?;
    let Some(status) = owned else {
        return Ok(None);
    };
    if status != MessageStatus::Writing.as_str() {
        return Ok(Some(status == STOPPING));
    }
    let marked = diesel::update(
        m::messages
            .filter(m::id.eq(id))
            .filter(m::status.eq(MessageStatus::Writing.as_str())),
    )
    .set(m::status.eq(STOPPING))
    .execute(conn)?;
    Ok(Some(marked == 1))
}

/// Which of `ids` were marked to be stopped.
pub fn stop_requested(conn: &mut Db, ids: &[i64]) -> QueryResult<Vec<i64>> {
    m::messages
        .filter(m::id.eq_any(ids))
        .filter(m::status.eq(STOPPING))
        .select(m::id)
        .load(conn)
}

/// Deletes messages by id.
pub fn delete_messages(conn: &mut Db, ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(m::messages.filter(m::id.eq_any(ids))).execute(conn)
}

/// A conversation's messages, oldest first.
pub fn messages(conn: &mut Db, conversation_id: i64) -> QueryResult<Vec<MessageRow>> {
    m::messages
        .filter(m::conversation_id.eq(conversation_id))
        .select(MessageRow::as_select())
        .order(m::id.asc())
        .load(conn)
}

/// The conversation's last `limit` messages, oldest first.
pub fn recent_messages(
    conn: &mut Db,
    conversation_id: i64,
    limit: i64,
) -> QueryResult<Vec<MessageRow>> {
    let mut rows: Vec<MessageRow> = m::messages
        .filter(m::conversation_id.eq(conversation_id))
        .select(MessageRow::as_select())
        .order(m::id.desc())
        .limit(limit)
        .load(conn)?;
    rows.reverse();
    Ok(rows)
}

/// Deletes up to `batch` conversations (with their messages) untouched
/// since `before` whose owner is on `tier` now (a paid tier past its grace
/// counts as free); returns how many went.
pub fn delete_stale(
    conn: &mut Db,
    tier: shared_types::Tier,
    before: NaiveDateTime,
    now: NaiveDateTime,
    batch: i64,
) -> QueryResult<usize> {
    use super::schema::users::dsl as u;
    let stale = c::conversations
        .filter(c::updated_at.lt(before))
        .select(c::id)
        .limit(batch);
    let stale: Vec<i64> = match tier {
        shared_types::Tier::Free => stale
            .filter(
                c::user_id.eq_any(
                    u::users
                        .filter(
                            u::subscription_tier
                                .eq("free")
                                .or(u::tier_expires_at.le(now)),
                        )
                        .select(u::id),
                ),
            )
            .load(conn)?,
        paid => stale
            .filter(
                c::user_id.eq_any(
                    u::users
                        .filter(u::subscription_tier.eq(paid.as_str()))
                        .filter(u::tier_expires_at.is_null().or(u::tier_expires_at.gt(now)))
                        .select(u::id),
                ),
            )
            .load(conn)?,
    };
    if stale.is_empty() {
        return Ok(0);
    }
    diesel::delete(c::conversations.filter(c::id.eq_any(&stale))).execute(conn)
}
