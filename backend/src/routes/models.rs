//! `GET /api/v1/models`: the models the caller's tier may use.

use actix_web::{HttpResponse, web};
use shared_types::{ErrorBody, ModelsResponse};

use crate::error::ApiError;
use crate::extractors::AuthUser;
use crate::state::AppState;

/// The caller's models in the tier's order; the first is the default.
#[utoipa::path(get, path = "/api/v1/models", tag = "ask", security(("bearer" = [])),
    responses((status = 200, body = ModelsResponse), (status = 401, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let tier = state.accounts.me(user.id).await?.subscription_tier;
    let ask = &state.ask;
    let catalogue = ask.catalogue();
    let models = catalogue
        .available(tier, &|provider| ask.provider_on(provider))
        .into_iter()
        .enumerate()
        .map(|(i, model)| model.info(i == 0))
        .collect();
    Ok(HttpResponse::Ok().json(ModelsResponse { models }))
}
