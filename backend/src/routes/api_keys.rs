//! `/api/v1/api-keys`: the signed-in user's personal API keys. These routes
//! take an access token only: an API key cannot make or list keys.

use actix_web::{HttpResponse, web};
use shared_types::{ApiKeyInfo, CreateApiKeyRequest, CreatedApiKey, ErrorBody};

use crate::audit::Origin;
use crate::error::ApiError;
use crate::extractors::{AuthUser, Json};
use crate::keys::api_keys;
use crate::state::AppState;

/// Creates a key and shows it this once.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "keys", security(("bearer" = [])),
    request_body = CreateApiKeyRequest,
    responses(
        (status = 201, body = CreatedApiKey),
        (status = 400, description = "invalid_request", body = ErrorBody),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "plan_required: the plan has no API keys; account_suspended; email_unverified (when MENTOR_REQUIRE_VERIFIED_EMAIL is on)", body = ErrorBody),
        (status = 409, description = "api_key_limit_reached", body = ErrorBody),
    ))]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    body: Json<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    if state.require_verified_email {
        state.accounts.require_verified(user.id).await?;
    }
    let catalogue = state.ask.catalogue();
    let created = api_keys::create(
        &state.pool,
        &catalogue,
        user.id.0,
        body.into_inner(),
        &origin,
    )
    .await?;
    Ok(HttpResponse::Created().json(created))
}

/// The user's keys (never the keys themselves), newest first.
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "keys", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<ApiKeyInfo>),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "account_suspended", body = ErrorBody),
    ))]
pub async fn list(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api_keys::list(&state.pool, user.id.0).await?))
}

/// Deletes a key; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "keys", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The key's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "account_suspended", body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
    ))]
pub async fn delete(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    api_keys::delete(&state.pool, user.id.0, id.into_inner(), &origin).await?;
    Ok(HttpResponse::NoContent().finish())
}
