//! `/api/v1/provider-keys`: the signed-in user's own AI provider keys. These
//! routes take an access token only (never an API key), and answer 503
//! `byok_not_configured` until the operator sets `MENTOR_MASTER_KEY`.

use actix_web::{HttpResponse, web};
use shared_types::{
    ErrorBody, ProviderKeyInfo, ProviderKeySettings, ProviderKeys, PutProviderKeyRequest,
};

use crate::audit::Origin;
use crate::error::ApiError;
use crate::extractors::{AuthUser, Json};
use crate::state::AppState;

/// The user's keys (never the keys themselves) and the fallback setting.
#[utoipa::path(get, path = "/api/v1/provider-keys", tag = "keys", security(("bearer" = [])),
    responses(
        (status = 200, body = ProviderKeys),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "account_suspended", body = ErrorBody),
        (status = 503, description = "byok_not_configured", body = ErrorBody),
    ))]
pub async fn list(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let catalogue = state.ask.catalogue();
    Ok(HttpResponse::Ok().json(state.byok.list(user.id.0, &catalogue).await?))
}

/// Turns answering with the platform's key, when the user's is refused, on
/// or off.
#[utoipa::path(patch, path = "/api/v1/provider-keys", tag = "keys", security(("bearer" = [])),
    request_body = ProviderKeySettings,
    responses(
        (status = 200, body = ProviderKeys),
        (status = 400, description = "invalid_request", body = ErrorBody),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "account_suspended", body = ErrorBody),
        (status = 503, description = "byok_not_configured", body = ErrorBody),
    ))]
pub async fn settings(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<ProviderKeySettings>,
) -> Result<HttpResponse, ApiError> {
    let catalogue = state.ask.catalogue();
    let keys = state
        .byok
        .set_fallback(user.id.0, body.fallback_to_platform, &catalogue)
        .await?;
    Ok(HttpResponse::Ok().json(keys))
}

/// Checks a key with the provider (one cheap call) and saves it: `verified`,
/// or `unverified` if the provider was busy or unreachable. A refused key is
/// not saved.
#[utoipa::path(put, path = "/api/v1/provider-keys/{provider}", tag = "keys", security(("bearer" = [])),
    params(("provider" = String, Path, description = "openai, anthropic, gemini, deepseek, groq or xai")),
    request_body = PutProviderKeyRequest,
    responses(
        (status = 200, body = ProviderKeyInfo),
        (status = 400, description = "invalid_request: a malformed key", body = ErrorBody),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "plan_required: the plan cannot bring keys; account_suspended", body = ErrorBody),
        (status = 422, description = "provider_key_invalid: the provider refused the key (not saved)", body = ErrorBody),
        (status = 503, description = "byok_not_configured", body = ErrorBody),
    ))]
pub async fn put(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    provider: web::Path<String>,
    body: Json<PutProviderKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let catalogue = state.ask.catalogue();
    let info = state
        .byok
        .put(
            user.id.0,
            &provider,
            body.into_inner().api_key,
            &catalogue,
            &origin,
        )
        .await?;
    Ok(HttpResponse::Ok().json(info))
}

/// Checks a saved key with the provider again.
#[utoipa::path(post, path = "/api/v1/provider-keys/{provider}/verify", tag = "keys", security(("bearer" = [])),
    params(("provider" = String, Path, description = "openai, anthropic, gemini, deepseek, groq or xai")),
    responses(
        (status = 200, description = "The key with what the check found (`invalid` if refused)", body = ProviderKeyInfo),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "account_suspended", body = ErrorBody),
        (status = 404, description = "not_found: no key for this provider, or no such provider", body = ErrorBody),
        (status = 503, description = "byok_not_configured", body = ErrorBody),
    ))]
pub async fn verify(
    state: web::Data<AppState>,
    user: AuthUser,
    provider: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.byok.verify(user.id.0, &provider).await?))
}

/// Deletes a key.
#[utoipa::path(delete, path = "/api/v1/provider-keys/{provider}", tag = "keys", security(("bearer" = [])),
    params(("provider" = String, Path, description = "openai, anthropic, gemini, deepseek, groq or xai")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "account_suspended", body = ErrorBody),
        (status = 404, description = "not_found: no key for this provider, or no such provider", body = ErrorBody),
        (status = 503, description = "byok_not_configured", body = ErrorBody),
    ))]
pub async fn delete(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    provider: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.byok.delete(user.id.0, &provider, &origin).await?;
    Ok(HttpResponse::NoContent().finish())
}
