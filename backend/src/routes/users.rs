//! `/api/v1/users/me`: the signed-in user's own account.

use actix_web::{HttpResponse, web};
use shared_types::{DeleteMeRequest, ErrorBody, UpdateMeRequest, User};

use crate::audit::Origin;
use crate::error::ApiError;
use crate::extractors::{AuthUser, Json};
use crate::state::AppState;

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])), responses(
    (status = 200, body = User),
    (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
))]
pub async fn me_get(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.accounts.me(user.id).await?))
}

/// Changes the display name, the password or the sign-in address (the last
/// two with the current password; a new address must be verified again).
#[utoipa::path(patch, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])), request_body = UpdateMeRequest, responses(
    (status = 200, body = User),
    (status = 400, description = "invalid_request, invalid_email or weak_password", body = ErrorBody),
    (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
    (status = 403, description = "wrong_password", body = ErrorBody),
    (status = 409, description = "email_taken", body = ErrorBody),
))]
pub async fn me_patch(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    body: Json<UpdateMeRequest>,
) -> Result<HttpResponse, ApiError> {
    let updated = state
        .accounts
        .update_me(user.id, user.session, body.into_inner(), &origin)
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// Deletes the caller's account and everything it owns.
#[utoipa::path(delete, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])), request_body = DeleteMeRequest, responses(
    (status = 204, description = "Deleted"),
    (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
    (status = 403, description = "wrong_password", body = ErrorBody),
))]
pub async fn me_delete(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    body: Json<DeleteMeRequest>,
) -> Result<HttpResponse, ApiError> {
    state
        .accounts
        .delete_me(user.id, body.into_inner(), &origin)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
