//! `/api/v1/admin/...`: the operator's routes. Every handler takes an
//! [`AdminUser`](crate::extractors::AdminUser), whose role is checked in the
//! database on each request.

pub mod analytics;
pub mod audit;
pub mod models;
mod safe_csv;
pub mod users;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{Next, from_fn};
use actix_web::{FromRequest, HttpMessage, HttpResponse, Scope, web};

use crate::admin::users::By;
use crate::audit::{Actor, Origin};
use crate::error::ApiError;
use crate::extractors::AdminUser;

/// The `/admin` scope: the caller must be an admin before anything else
/// (a body or a query) is read, so a non-admin always gets 403, whatever
/// they send.
pub fn scope() -> Scope<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::scope("/admin")
        .wrap(from_fn(require_admin))
        .service(web::resource("/audit").get(audit::audit_log))
        .service(web::resource("/users").get(users::list))
        .service(
            web::resource("/users/{id}")
                .get(users::get)
                .patch(users::update)
                .delete(users::delete),
        )
        .service(web::resource("/users/{id}/grant").post(users::grant))
        .service(web::resource("/users/{id}/revoke-sessions").post(users::revoke_sessions))
        .service(web::resource("/models").get(models::list))
        .service(web::resource("/models/{id}").patch(models::update))
        .service(web::resource("/analytics").get(analytics::report))
        .service(web::resource("/ledger").get(analytics::ledger))
}

async fn require_admin(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let admin = AdminUser::extract(req.request()).await?;
    req.extensions_mut().insert(admin);
    next.call(req).await
}

/// Whether `format` asks for CSV (`csv`) rather than JSON (absent or `json`).
pub(crate) fn wants_csv(format: Option<&str>) -> Result<bool, ApiError> {
    match format {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(other) => Err(ApiError::invalid(format!(
            "Unknown format '{other}': json or csv."
        ))),
    }
}

/// A CSV file download of `header` then `rows` ([`safe_csv::SafeCsv`]).
pub(crate) fn csv_file(
    name: &str,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<HttpResponse, ApiError> {
    let mut out = safe_csv::SafeCsv::new();
    out.row(header).map_err(ApiError::internal)?;
    for row in rows {
        out.row(&row).map_err(ApiError::internal)?;
    }
    let body = out.into_bytes().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body))
}

/// The admin acting, for the audit log.
pub(crate) fn by(admin: &AdminUser, origin: Origin) -> By {
    By {
        actor: Actor::User {
            id: Some(admin.id.0),
            email: admin.email.clone(),
        },
        admin_id: admin.id.0,
        origin,
    }
}
