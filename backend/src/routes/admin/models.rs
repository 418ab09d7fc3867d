//! `/api/v1/admin/models...`: the catalogue with this month's usage; the
//! kill switch, tiers and prices.

use actix_web::{HttpResponse, web};
use shared_types::{AdminModel, AdminModelPatch, ErrorBody};

use super::by;
use crate::admin::models;
use crate::audit::Origin;
use crate::error::ApiError;
use crate::extractors::{AdminUser, Json};
use crate::state::AppState;

/// Every model with its settings and this month's usage.
#[utoipa::path(get, path = "/api/v1/admin/models", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<AdminModel>),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "forbidden: not an admin", body = ErrorBody),
    ))]
pub async fn list(state: web::Data<AppState>, _admin: AdminUser) -> Result<HttpResponse, ApiError> {
    let ask = &state.ask;
    let list = models::list(&state.pool, &state.live, &|p| ask.provider_on(p)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Turns a model on or off, or changes its tiers or prices, for every
/// replica within seconds (kept in the database, over the catalogue file).
#[utoipa::path(patch, path = "/api/v1/admin/models/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "The model's id")),
    request_body = AdminModelPatch,
    responses(
        (status = 200, description = "The model after the change", body = AdminModel),
        (status = 400, description = "invalid_request", body = ErrorBody),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "forbidden: not an admin", body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
    ))]
pub async fn update(
    state: web::Data<AppState>,
    admin: AdminUser,
    origin: Origin,
    id: web::Path<String>,
    body: Json<AdminModelPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    models::update(
        &state.pool,
        &state.live,
        by(&admin, origin),
        &id,
        body.into_inner(),
    )
    .await?;
    let ask = &state.ask;
    let list = models::list(&state.pool, &state.live, &|p| ask.provider_on(p)).await?;
    let model = list
        .into_iter()
        .find(|m| m.id == id)
        .ok_or_else(|| ApiError::internal("a changed model is missing from the catalogue"))?;
    Ok(HttpResponse::Ok().json(model))
}
