//! The user's conversations: list, read, delete. Knows nothing of HTTP.

use shared_types::{
    Conversation, ConversationId, ConversationPage, ConversationSummary, Message, UserId,
};

use crate::db::{self, DbError, Pool, Scope, conversations};

/// The most conversations one page holds.
pub const MAX_PAGE: i64 = 100;

/// One page of the user's conversations, newest first.
pub async fn list(
    pool: &Pool,
    user: UserId,
    before: Option<ConversationId>,
    limit: i64,
) -> Result<ConversationPage, DbError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let rows = pool
        .read(Scope::User(user.0), move |conn| {
            conversations::list(conn, user.0, before.map(|b| b.0), limit + 1).map_err(DbError::from)
        })
        .await?;
    let summaries: Vec<ConversationSummary> = rows.iter().map(Into::into).collect();
    let (conversations, next_before) = db::split_page(summaries, limit, |c| c.id);
    Ok(ConversationPage {
        conversations,
        next_before,
    })
}

/// One of the user's conversations with its messages; `None` if not theirs.
pub async fn get(
    pool: &Pool,
    user: UserId,
    id: ConversationId,
) -> Result<Option<Conversation>, DbError> {
    pool.read(Scope::User(user.0), move |conn| {
        let Some(row) = conversations::find_owned(conn, user.0, id.0)? else {
            return Ok(None);
        };
        let messages: Vec<Message> = conversations::messages(conn, row.id)?
            .iter()
            .map(Into::into)
            .collect();
        Ok(Some(Conversation {
            summary: (&row).into(),
            messages,
        }))
    })
    .await
}

/// Deletes one of the user's conversations; whether it existed.
pub async fn delete(pool: &Pool, user: UserId, id: ConversationId) -> Result<bool, DbError> {
    pool.write(Scope::User(user.0), move |conn| {
        Ok(conversations::delete_owned(conn, user.0, id.0)? == 1)
    })
    .await
}
