//! `/api/v1/admin/analytics` and `/api/v1/admin/ledger`: the business in
//! numbers, as JSON or CSV, and the raw ledger as CSV.

use actix_web::{HttpResponse, web};
use bytes::Bytes;
use futures_util::StreamExt;
use serde::Deserialize;
use shared_types::{Analytics, ErrorBody};

use super::{csv_file, wants_csv};
use crate::admin::analytics::{self, Range};
use crate::db::{DbError, Scope, usage_events};
use crate::error::ApiError;
use crate::extractors::AdminUser;
use crate::state::AppState;

/// A range of days.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RangeQuery {
    /// The first day (`YYYY-MM-DD`, UTC); by default 29 days before `to`.
    pub from: Option<String>,
    /// The last day, inclusive; by default today.
    pub to: Option<String>,
    /// `csv` for the daily series as a CSV file.
    pub format: Option<String>,
}

/// The daily series, cost by provider and model, failures, time to first
/// token, tiers, monthly recurring revenue, conversion and top users.
#[utoipa::path(get, path = "/api/v1/admin/analytics", tag = "admin", security(("bearer" = [])), params(RangeQuery),
    responses(
        (status = 200, description = "The analytics; with `format=csv`, the daily series as CSV", body = Analytics),
        (status = 400, description = "invalid_request", body = ErrorBody),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "forbidden: not an admin", body = ErrorBody),
    ))]
pub async fn report(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<RangeQuery>,
) -> Result<HttpResponse, ApiError> {
    let range = Range::parse(query.from.as_deref(), query.to.as_deref())?;
    let csv = wants_csv(query.format.as_deref())?;
    let billing = state.billing.as_ref();
    let report = analytics::build(&state.pool, range, |ids| async move {
        // Without Stripe's answer there is no revenue figure, not a wrong one.
        billing?.monthly_prices(&ids).await.ok()
    })
    .await?;
    if !csv {
        return Ok(HttpResponse::Ok().json(report));
    }
    let rows = report.days.iter().map(|d| {
        vec![
            d.date.clone(),
            d.signups.to_string(),
            d.active_users.to_string(),
            d.questions.to_string(),
            d.failed.to_string(),
            d.input_tokens.to_string(),
            d.output_tokens.to_string(),
            d.cost_usd.clone(),
            d.new_subscriptions.to_string(),
            d.new_mrr_minor.map(|m| m.to_string()).unwrap_or_default(),
        ]
    });
    csv_file(
        "analytics.csv",
        &[
            "date",
            "signups",
            "active_users",
            "questions",
            "failed",
            "input_tokens",
            "output_tokens",
            "cost_usd",
            "new_subscriptions",
            "new_mrr_minor",
        ],
        rows,
    )
}

/// Ledger rows read per database round trip while streaming.
const LEDGER_CHUNK: i64 = 5_000;

/// Every ledger row in the range, oldest first, as a CSV file (streamed, so
/// a long range does not sit in memory).
#[utoipa::path(get, path = "/api/v1/admin/ledger", tag = "admin", security(("bearer" = [])), params(RangeQuery),
    responses(
        (status = 200, description = "A CSV file", content_type = "text/csv"),
        (status = 400, description = "invalid_request", body = ErrorBody),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "forbidden: not an admin", body = ErrorBody),
    ))]
pub async fn ledger(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<RangeQuery>,
) -> Result<HttpResponse, ApiError> {
    let range = Range::parse(query.from.as_deref(), query.to.as_deref())?;
    let (from, to) = (range.start(), range.end());
    let pool = state.pool.clone();
    let header = "id,at,user_id,provider,model,outcome,charged,input_tokens,output_tokens,cost_usd,ttft_ms,total_ms\n";
    let chunks = futures_util::stream::unfold(Some(0_i64), move |after| {
        let pool = pool.clone();
        async move {
            let after = after?;
            let rows = pool
                .read(Scope::System, move |conn| {
                    usage_events::between(conn, from, to, after, LEDGER_CHUNK)
                        .map_err(DbError::from)
                })
                .await;
            let rows = match rows {
                Ok(rows) => rows,
                Err(e) => return Some((Err(ApiError::from(e).into()), None)),
            };
            if rows.is_empty() {
                return None;
            }
            let next = rows.last().map(|r| r.id);
            let mut out = super::safe_csv::SafeCsv::new();
            for row in rows {
                let e = shared_types::LedgerEntry::from(row);
                let record = [
                    e.id.to_string(),
                    e.at,
                    e.user_id.map(|id| id.to_string()).unwrap_or_default(),
                    e.provider,
                    e.model,
                    e.outcome,
                    e.charged.to_string(),
                    e.input_tokens.to_string(),
                    e.output_tokens.to_string(),
                    e.cost_usd,
                    e.ttft_ms.map(|t| t.to_string()).unwrap_or_default(),
                    e.total_ms.to_string(),
                ];
                if let Err(err) = out.row(&record) {
                    return Some((Err(ApiError::internal(err).into()), None));
                }
            }
            match out.into_bytes() {
                Ok(bytes) => Some((Ok(Bytes::from(bytes)), next)),
                Err(err) => Some((Err(ApiError::internal(err).into()), None)),
            }
        }
    });
    let body = futures_util::stream::once(async move {
        Ok::<_, actix_web::Error>(Bytes::from_static(header.as_bytes()))
    })
    .chain(chunks);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"ledger.csv\"",
        ))
        .streaming(body))
}
