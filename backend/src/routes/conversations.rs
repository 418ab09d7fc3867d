//! `/api/v1/conversations`: the caller's conversations.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use shared_types::{
    Conversation, ConversationId, ConversationPage, ErrorBody, ErrorCode, MessageId,
};

use crate::conversations;
use crate::error::ApiError;
use crate::extractors::AuthUser;
use crate::state::AppState;

/// Paging of the list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Conversations per page, 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// Only conversations older than this id (from `next_before`).
    pub before: Option<i64>,
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "No conversation with this id.")
}

/// The caller's conversations, newest first.
#[utoipa::path(get, path = "/api/v1/conversations", tag = "conversations", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = ConversationPage), (status = 401, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = conversations::list(
        &state.pool,
        user.id,
        query.before.map(ConversationId),
        query.limit.unwrap_or(20),
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One conversation with its messages, oldest first.
#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The conversation id")),
    responses((status = 200, body = Conversation), (status = 404, description = "not_found", body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let conversation = conversations::get(&state.pool, user.id, ConversationId(id.into_inner()))
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(conversation))
}

/// Deletes one conversation and its messages (the ledger keeps its costs).
#[utoipa::path(delete, path = "/api/v1/conversations/{id}", tag = "conversations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The conversation id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "not_found", body = ErrorBody)))]
pub async fn delete(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    if !conversations::delete(&state.pool, user.id, ConversationId(id.into_inner())).await? {
        return Err(not_found());
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Stops an answer while it is being written: it ends where it got to, is
/// kept (marked `stopped`) and is charged as far as it got. A client that
/// merely goes away does not stop an answer; this does. Stopping an answer
/// that has ended changes nothing.
#[utoipa::path(post, path = "/api/v1/messages/{id}/stop", tag = "conversations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The answer's message id (`message_id` of the stream's `meta` event)")),
    responses((status = 204, description = "The answer stops (or had ended)"),
        (status = 401, body = ErrorBody),
        (status = 404, description = "not_found: no answer of the caller's with this id", body = ErrorBody)))]
pub async fn stop(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    if !state.ask.stop(user.id, MessageId(id.into_inner())).await? {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "No answer with this id.",
        ));
    }
    Ok(HttpResponse::NoContent().finish())
}
