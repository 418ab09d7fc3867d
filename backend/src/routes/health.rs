//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::db::{DbError, Scope};
use crate::error::ApiError;
use crate::state::AppState;

/// Liveness: the process answers. Touches no dependency.
#[utoipa::path(get, path = "/health", tag = "operations", responses((status = 200, description = "The process is up")))]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Readiness: the database answers a query.
#[utoipa::path(get, path = "/ready", tag = "operations", responses(
    (status = 200, description = "Ready to serve"),
    (status = 503, description = "The database is unreachable", body = shared_types::ErrorBody),
))]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .pool
        .read(Scope::System, |conn| {
            conn.batch_execute("SELECT 1")
                .map_err(|e| DbError::Unavailable(e.to_string()))
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
}
