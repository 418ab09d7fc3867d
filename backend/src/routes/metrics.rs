//! `GET /metrics` in the Prometheus text format, and the counting of every
//! response by route template, method and status.

use std::time::Instant;

use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use shared_types::ErrorCode;

use crate::error::ApiError;
use crate::state::AppState;

/// Counts a response and its latency under its route template (never its
/// path, which may hold ids). Called by the app's response middleware.
pub fn record_http<B>(res: &ServiceResponse<B>, started: Instant) {
    let req = res.request();
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return;
    };
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let method = req.method().as_str();
    let status = res.status().as_u16().to_string();
    let metrics = &state.metrics;
    metrics
        .http_requests
        .with_label_values(&[route.as_str(), method, status.as_str()])
        .inc();
    metrics
        .http_seconds
        .with_label_values(&[route.as_str(), method])
        .observe(started.elapsed().as_secs_f64());
}

/// The metrics, on the main address: only with `MENTOR_METRICS_TOKEN` as a
/// bearer token, and not found at all when no token is set.
pub async fn scrape_with_token(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some(expected) = &state.metrics_token else {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "No route for GET /metrics.",
        ));
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::MissingToken,
                "The metrics need the metrics bearer token.",
            )
        })?;
    // Compared as digests, so the time taken says nothing about the token.
    if Sha256::digest(given.trim().as_bytes())
        != Sha256::digest(expected.expose_secret().as_bytes())
    {
        return Err(ApiError::new(
            ErrorCode::InvalidToken,
            "That is not the metrics token.",
        ));
    }
    scrape(state).await
}

/// The metrics (the `MENTOR_METRICS_BIND` address serves this without a token).
pub async fn scrape(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let metrics = &state.metrics;
    for (pool, in_use, idle) in state.pool.usage() {
        metrics
            .db_connections
            .with_label_values(&[pool, "in_use"])
            .set(i64::from(in_use));
        metrics
            .db_connections
            .with_label_values(&[pool, "idle"])
            .set(i64::from(idle));
    }
    metrics
        .redis_fallback
        .set(i64::from(state.limiter.degraded()));
    let text = metrics.render().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(prometheus::TEXT_FORMAT)
        .body(text))
}
