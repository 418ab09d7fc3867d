//! HTTP routes, one file per resource. Handlers parse, authorise, call the
//! domain and map the result; the rules live in the domain modules.

pub mod auth;
pub mod health;
pub mod openapi;
pub mod users;

use actix_web::{HttpRequest, web};
use shared_types::ErrorCode;

use crate::error::ApiError;

/// The largest JSON body the account routes accept.
pub const JSON_LIMIT_BYTES: usize = 64 * 1024;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(json_config())
        .service(web::resource("/health").get(health::health))
        .service(web::resource("/ready").get(health::ready))
        .service(
            web::scope("/api/v1")
                .service(web::resource("/openapi.json").get(openapi::document))
                .service(auth::scope())
                .service(
                    web::resource("/users/me")
                        .get(users::me_get)
                        .patch(users::me_patch)
                        .delete(users::me_delete),
                ),
        );
}

/// JSON bodies: at most [`JSON_LIMIT_BYTES`]; errors in our format.
fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT_BYTES)
        .error_handler(|err, _req: &HttpRequest| json_error(&err).into())
}

fn json_error(err: &actix_web::error::JsonPayloadError) -> ApiError {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::Overflow { .. } | E::OverflowKnownLength { .. } => ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "The request body is larger than {} KB.",
                JSON_LIMIT_BYTES / 1024
            ),
        ),
        E::ContentType => {
            ApiError::invalid("The request body must be JSON (Content-Type: application/json).")
        }
        E::Deserialize(e) => ApiError::invalid(format!("The JSON body is invalid: {e}")),
        other => ApiError::invalid(format!("The request body could not be read: {other}")),
    }
}
