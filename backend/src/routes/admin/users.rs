//! `/api/v1/admin/users...`: find users, see one, set a tier by hand,
//! suspend, grant questions, sign out everywhere, delete.

use actix_web::{HttpResponse, web};
use shared_types::{
    AdminUserDetail, AdminUserPage, AdminUserPatch, ErrorBody, GrantRequest, SessionsRevoked,
};

use super::by;
use crate::admin::users::{self, ListQuery};
use crate::audit::Origin;
use crate::error::ApiError;
use crate::extractors::{AdminUser, Json};
use crate::state::AppState;

/// Users, searched, filtered and sorted.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", security(("bearer" = [])), params(ListQuery),
    responses(
        (status = 200, body = AdminUserPage),
        (status = 400, description = "invalid_request", body = ErrorBody),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "forbidden: not an admin", body = ErrorBody),
    ))]
pub async fn list(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = users::list(&state.pool, query.into_inner()).await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn detail(state: &AppState, id: i64) -> Result<HttpResponse, ApiError> {
    let catalogue = state.live.catalogue();
    Ok(HttpResponse::Ok().json(users::detail(&state.pool, &catalogue, id).await?))
}

/// A user's profile, subscription, quota, costs and last asks.
#[utoipa::path(get, path = "/api/v1/admin/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The user's id")),
    responses(
        (status = 200, body = AdminUserDetail),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "forbidden: not an admin", body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
    ))]
pub async fn get(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    detail(&state, id.into_inner()).await
}

/// Sets the tier by hand (with an optional end) or suspends or restores
/// the user; a suspended user gets 403 `account_suspended` everywhere and
/// loses their sessions.
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The user's id")),
    request_body = AdminUserPatch,
    responses(
        (status = 200, description = "The user after the change", body = AdminUserDetail),
        (status = 400, description = "invalid_request", body = ErrorBody),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "forbidden: not an admin, or suspending the admin's own account", body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
    ))]
pub async fn update(
    state: web::Data<AppState>,
    admin: AdminUser,
    origin: Origin,
    id: web::Path<i64>,
    body: Json<AdminUserPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let patch = body.into_inner();
    let suspension = patch.suspended.is_some();
    users::update(&state.pool, by(&admin, origin), id, patch).await?;
    if suspension {
        // This replica refuses the user's tokens at once; the others within
        // the refresh interval.
        state.live.reload(&state.pool).await?;
    }
    detail(&state, id).await
}

/// Grants extra questions for this month.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/grant", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The user's id")),
    request_body = GrantRequest,
    responses(
        (status = 200, description = "The user after the grant", body = AdminUserDetail),
        (status = 400, description = "invalid_request", body = ErrorBody),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "forbidden: not an admin", body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
    ))]
pub async fn grant(
    state: web::Data<AppState>,
    admin: AdminUser,
    origin: Origin,
    id: web::Path<i64>,
    body: Json<GrantRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    users::grant(&state.pool, by(&admin, origin), id, body.questions).await?;
    detail(&state, id).await
}

/// Signs the user out everywhere: every refresh token is revoked (access
/// tokens already issued run out within their lifetime).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/revoke-sessions", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The user's id")),
    responses(
        (status = 200, body = SessionsRevoked),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "forbidden: not an admin", body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
    ))]
pub async fn revoke_sessions(
    state: web::Data<AppState>,
    admin: AdminUser,
    origin: Origin,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let revoked = users::revoke_sessions(&state.pool, by(&admin, origin), id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(SessionsRevoked {
        sessions_revoked: u32::try_from(revoked).unwrap_or(u32::MAX),
    }))
}

/// Deletes the account and everything it owns.
#[utoipa::path(delete, path = "/api/v1/admin/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "forbidden: not an admin, or the admin's own account", body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
        (status = 502, description = "payment_provider_error: Stripe could not be reached; nothing was deleted", body = ErrorBody),
    ))]
pub async fn delete(
    state: web::Data<AppState>,
    admin: AdminUser,
    origin: Origin,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    users::delete(
        &state.pool,
        state.billing.as_ref(),
        by(&admin, origin),
        id.into_inner(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
