//! `/api/v1/users/me`: the signed-in user's own account.

use actix_web::{HttpResponse, web};
use shared_types::{DataExport, DeleteMeRequest, ErrorBody, UpdateMeRequest, User};

use crate::audit::Origin;
use crate::error::ApiError;
use crate::extractors::{AuthUser, Json};
use crate::lifecycle::deletion::{self, DeletedBy};
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
    (status = 429, description = "account_locked: too many wrong passwords for this account (Retry-After)", body = ErrorBody),
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

/// Deletes the caller's account and everything it owns: its Stripe
/// subscriptions are cancelled at once and its customer deleted, every
/// session ends, and the ledger and audit rows that stay lose the person.
#[utoipa::path(delete, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])), request_body = DeleteMeRequest, responses(
    (status = 204, description = "Deleted"),
    (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
    (status = 403, description = "wrong_password", body = ErrorBody),
    (status = 429, description = "account_locked: too many wrong passwords for this account (Retry-After)", body = ErrorBody),
    (status = 502, description = "payment_provider_error: Stripe could not be reached; nothing was deleted", body = ErrorBody),
))]
pub async fn me_delete(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    body: Json<DeleteMeRequest>,
) -> Result<HttpResponse, ApiError> {
    state
        .accounts
        .check_password(user.id, body.into_inner().password, &origin)
        .await?;
    let billing = state.billing.as_ref();
    if !deletion::delete_account(&state.pool, billing, user.id.0, DeletedBy::Owner).await? {
        return Err(ApiError::from(crate::auth::AuthError::InvalidToken));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Starts an export of all the caller's data (at most one an hour): a ZIP
/// of JSON files, built in the background. Ask `GET` for its state.
#[utoipa::path(post, path = "/api/v1/users/me/export", tag = "users", security(("bearer" = [])), responses(
    (status = 202, description = "Started", body = DataExport),
    (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
    (status = 429, description = "rate_limited: one was started within the hour (Retry-After)", body = ErrorBody),
))]
pub async fn export_start(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Accepted().json(state.exports.start(user.id.0).await?))
}

/// The caller's latest export; once ready, its `download_url` works for 24
/// hours without signing in.
#[utoipa::path(get, path = "/api/v1/users/me/export", tag = "users", security(("bearer" = [])), responses(
    (status = 200, body = DataExport),
    (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
    (status = 404, description = "not_found: no export, or the last one expired", body = ErrorBody),
))]
pub async fn export_status(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.exports.status(user.id.0).await?))
}

/// A download link's query.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadQuery {
    /// When the link stops working (Unix seconds).
    pub expires: i64,
    /// The link's signature.
    #[param(max_length = 64)]
    pub signature: String,
}

/// The ZIP of an export, through its signed link (no sign-in).
#[utoipa::path(get, path = "/api/v1/exports/{id}/download", tag = "users",
    params(("id" = i64, Path, description = "The export"), DownloadQuery),
    responses(
        (status = 200, description = "The ZIP", content_type = "application/zip"),
        (status = 403, description = "forbidden: the link's signature does not match", body = ErrorBody),
        (status = 410, description = "link_expired", body = ErrorBody),
    ))]
pub async fn export_download(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<DownloadQuery>,
) -> Result<HttpResponse, ApiError> {
    let zip = state
        .exports
        .download(id.into_inner(), query.expires, &query.signature)
        .await?;
    let name = format!("ai-mentor-data-{}.zip", crate::db::now().format("%Y-%m-%d"));
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .insert_header(("referrer-policy", "no-referrer"))
        .body(zip))
}
