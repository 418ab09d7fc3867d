//! `GET /api/v1/admin/audit`: the audit log, as JSON or CSV.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use shared_types::{AuditPage, ErrorBody};

use crate::admin::parse_time;
use crate::audit;
use crate::db::audit::Filter;
use crate::error::ApiError;
use crate::extractors::AdminUser;
use crate::state::AppState;

use super::{csv_file, wants_csv};

/// Which audit entries to show.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// The acting user: an id, or an email.
    pub actor: Option<String>,
    /// What was acted on: `type:id` (such as `user:42`), or an id.
    pub target: Option<String>,
    /// An action, such as `auth.sign_in_failed`.
    pub action: Option<String>,
    /// From this day (`YYYY-MM-DD`, UTC) or time (RFC 3339), inclusive.
    pub from: Option<String>,
    /// Until this day (inclusive) or time (exclusive).
    pub to: Option<String>,
    /// Entries per page, 1 to 500 (default 100).
    pub limit: Option<i64>,
    /// Only entries older than this id (from `next_before`).
    pub before: Option<i64>,
    /// `csv` for a CSV file instead of JSON.
    pub format: Option<String>,
}

fn filter_of(query: &AuditQuery) -> Result<Filter, ApiError> {
    let mut filter = Filter {
        action: query.action.clone().filter(|a| !a.is_empty()),
        before: query.before,
        ..Filter::default()
    };
    if let Some(actor) = query
        .actor
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        match actor.parse::<i64>() {
            Ok(id) => filter.actor_id = Some(id),
            Err(_) => filter.actor_email = Some(actor.to_lowercase()),
        }
    }
    if let Some(target) = query
        .target
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        match target.split_once(':') {
            Some((kind, id)) => {
                filter.target_type = Some(kind.to_string());
                filter.target_id = Some(id.to_string());
            }
            None => filter.target_id = Some(target.to_string()),
        }
    }
    if let Some(from) = &query.from {
        filter.from = Some(parse_time("from", from, false)?);
    }
    if let Some(to) = &query.to {
        filter.to = Some(parse_time("to", to, true)?);
    }
    Ok(filter)
}

/// The audit log, newest first, as JSON or CSV.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", security(("bearer" = [])), params(AuditQuery),
    responses(
        (status = 200, description = "The entries; with `format=csv`, a CSV file", body = AuditPage),
        (status = 400, description = "invalid_request", body = ErrorBody),
        (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
        (status = 403, description = "forbidden: not an admin", body = ErrorBody),
    ))]
pub async fn audit_log(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = filter_of(&query)?;
    let csv = wants_csv(query.format.as_deref())?;
    let page = audit::list(&state.pool, filter, query.limit.unwrap_or(100)).await?;
    if !csv {
        return Ok(HttpResponse::Ok().json(page));
    }
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let rows = page.entries.iter().map(|e| {
        vec![
            e.id.to_string(),
            e.at.clone(),
            e.actor_type.clone(),
            e.actor_id.map(|i| i.to_string()).unwrap_or_default(),
            text(&e.actor_email),
            e.action.clone(),
            text(&e.target_type),
            text(&e.target_id),
            text(&e.ip),
            text(&e.user_agent),
            e.details.to_string(),
        ]
    });
    csv_file(
        "audit.csv",
        &[
            "id",
            "at",
            "actor_type",
            "actor_id",
            "actor_email",
            "action",
            "target_type",
            "target_id",
            "ip",
            "user_agent",
            "details",
        ],
        rows,
    )
}
