//! `GET /api/v1/usage`: the caller's quota, tokens and cost.

use actix_web::{HttpResponse, web};
use shared_types::{ErrorBody, UsageReport};

use crate::error::ApiError;
use crate::extractors::AuthUser;
use crate::state::AppState;
use crate::usage;

/// This period's questions, tokens and cost, and the last 30 days by day.
#[utoipa::path(get, path = "/api/v1/usage", tag = "ask", security(("bearer" = [])),
    responses((status = 200, body = UsageReport), (status = 401, body = ErrorBody)))]
pub async fn report(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let tier = state.accounts.me(user.id).await?.subscription_tier;
    let catalogue = state.ask.catalogue();
    let plan = catalogue.plan(tier);
    Ok(HttpResponse::Ok().json(usage::report(&state.pool, user.id, plan).await?))
}
