//! Queries on `conversations` and `messages`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use shared_types::MessageStatus;

use super::Db;
use super::models::{ConversationRow, MessageRow};
use super::schema::conversations::dsl as c;
use super::schema::messages::dsl as m;

/// Creates a conversation; returns its id.
pub fn insert(conn: &mut Db, user_id: i64, title: &str, at: NaiveDateTime) -> QueryResult<i64> {
    diesel::insert_into(c::conversations)
        .values((
            c::user_id.eq(user_id),
            c::title.eq(title),
            c::created_at.eq(at),
            c::updated_at.eq(at),
        ))
        .returning(c::id)
        .get_result(conn)
}

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

/// Marks the conversation as changed now.
pub fn touch(conn: &mut Db, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(c::conversations.filter(c::id.eq(id)))
        .set(c::updated_at.eq(at))
        .execute(conn)
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

/// Writes a question and the empty answer to fill later, in one statement;
/// returns their ids (question, answer).
pub fn insert_turn(
    conn: &mut Db,
    conversation_id: i64,
    question: &str,
    at: NaiveDateTime,
) -> QueryResult<(i64, i64)> {
    let row = |role: &'static str, content: &str, status: MessageStatus| {
        (
            m::conversation_id.eq(conversation_id),
            m::role.eq(role),
            m::content.eq(content.to_string()),
            m::model.eq(None::<String>),
            m::status.eq(status.as_str()),
            m::created_at.eq(at),
        )
    };
    let insert = || {
        diesel::insert_into(m::messages)
            .values(vec![
                row("user", question, MessageStatus::Complete),
                row("assistant", "", MessageStatus::Writing),
            ])
            .returning(m::id)
    };
    // Both engines take a multi-row insert; the multi-backend type does
    // not express it, so it runs on the concrete connection.
    let mut ids: Vec<i64> = match conn {
        Db::Pg(pg) => insert().get_results(pg)?,
        Db::Sqlite(sqlite) => insert().get_results(sqlite)?,
    };
    ids.sort_unstable();
    match ids[..] {
        [question, answer] => Ok((question, answer)),
        _ => Err(diesel::result::Error::NotFound),
    }
}

/// Stores an answer's final text, model and completeness.
pub fn finish_message(
    conn: &mut Db,
    id: i64,
    content: &str,
    model: &str,
    status: MessageStatus,
) -> QueryResult<usize> {
    diesel::update(m::messages.filter(m::id.eq(id)))
        .set((
            m::content.eq(content),
            m::model.eq(Some(model)),
            m::status.eq(status.as_str()),
        ))
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
