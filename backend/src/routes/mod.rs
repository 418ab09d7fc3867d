//! HTTP routes, one file per resource. Handlers parse, authorise, call the
//! domain and map the result; the rules live in the domain modules.

pub mod account_pages;
pub mod admin;
pub mod api_keys;
pub mod ask;
pub mod auth;
pub mod billing;
pub mod conversations;
pub mod dashboard;
pub mod health;
pub mod jobs;
pub mod metrics;
pub mod models;
pub mod openai_compat;
pub mod openapi;
pub mod provider_keys;
pub mod resume_documents;
pub mod resumes;
pub mod usage;
pub mod users;

use actix_web::{HttpRequest, web};
use shared_types::ErrorCode;

use crate::error::ApiError;

/// The largest JSON body the account routes accept.
pub const JSON_LIMIT_BYTES: usize = 64 * 1024;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(json_config())
        .app_data(
            web::PathConfig::default()
                .error_handler(|err, _| ApiError::new(ErrorCode::NotFound, err.to_string()).into()),
        )
        .app_data(
            web::QueryConfig::default().error_handler(|err, _| {
                ApiError::invalid(format!("Bad query string: {err}")).into()
            }),
        )
        .service(web::resource("/health").get(health::health))
        .service(web::resource("/metrics").get(metrics::scrape_with_token))
        .service(web::resource("/ready").get(health::ready))
        .service(web::resource("/billing/success").get(billing::success_page))
        .service(web::resource("/billing/cancel").get(billing::cancel_page))
        .configure(dashboard::configure)
        .configure(account_pages::configure)
        .service(
            web::scope("/v1")
                .service(web::resource("/chat/completions").post(openai_compat::chat_completions))
                .service(web::resource("/models").get(openai_compat::models))
                .service(web::resource("/models/{id}").get(openai_compat::model)),
        )
        .service(
            web::scope("/api/v1")
                .service(web::resource("/openapi.json").get(openapi::document))
                .service(admin::scope())
                .service(auth::scope())
                .service(web::resource("/users/me/billing").get(billing::me))
                .service(web::resource("/billing/plans").get(billing::plans))
                .service(web::resource("/billing/checkout").post(billing::checkout))
                .service(web::resource("/billing/portal").post(billing::portal))
                .service(
                    web::resource("/webhooks/stripe")
                        .app_data(web::PayloadConfig::new(billing::WEBHOOK_LIMIT_BYTES))
                        .post(billing::webhook),
                )
                .service(
                    web::resource("/users/me")
                        .get(users::me_get)
                        .patch(users::me_patch)
                        .delete(users::me_delete),
                )
                .service(
                    web::resource("/users/me/export")
                        .post(users::export_start)
                        .get(users::export_status),
                )
                .service(web::resource("/exports/{id}/download").get(users::export_download))
                .service(
                    web::resource("/ask")
                        .app_data(json_config().limit(ask::ASK_JSON_LIMIT_BYTES))
                        .post(ask::ask),
                )
                .service(
                    web::resource("/resumes")
                        .post(resumes::create)
                        .get(resumes::list),
                )
                .service(
                    web::resource("/resumes/{id}")
                        // A corrected text is as long as a pasted one.
                        .app_data(json_config().limit(resumes::PASTE_LIMIT_BYTES))
                        .get(resumes::get)
                        .patch(resumes::update)
                        .delete(resumes::delete),
                )
                .service(web::resource("/resumes/{id}/activate").post(resumes::activate))
                .service(
                    web::resource("/resumes/{id}/document")
                        .app_data(json_config().limit(resumes::PASTE_LIMIT_BYTES))
                        .get(resume_documents::get)
                        .put(resume_documents::put),
                )
                .service(
                    web::resource("/resumes/{id}/document/parse").post(resume_documents::parse),
                )
                .service(
                    web::resource("/jobs")
                        .app_data(json_config().limit(jobs::JOB_JSON_LIMIT_BYTES))
                        .post(jobs::save)
                        .get(jobs::list),
                )
                .service(web::resource("/jobs/delete").post(jobs::delete_many))
                .service(
                    web::resource("/jobs/{id}")
                        .get(jobs::get)
                        .patch(jobs::update)
                        .delete(jobs::delete),
                )
                .service(web::resource("/jobs/{id}/match").get(jobs::match_saved))
                .service(
                    web::resource("/match")
                        .app_data(json_config().limit(jobs::JOB_JSON_LIMIT_BYTES))
                        .post(jobs::match_posting),
                )
                .service(web::resource("/skills/analysis").get(jobs::analysis))
                .service(web::resource("/models").get(models::list))
                .service(
                    web::resource("/api-keys")
                        .post(api_keys::create)
                        .get(api_keys::list),
                )
                .service(web::resource("/api-keys/{id}").delete(api_keys::delete))
                .service(
                    web::resource("/provider-keys")
                        .get(provider_keys::list)
                        .patch(provider_keys::settings),
                )
                .service(
                    web::resource("/provider-keys/{provider}")
                        .put(provider_keys::put)
                        .delete(provider_keys::delete),
                )
                .service(
                    web::resource("/provider-keys/{provider}/verify").post(provider_keys::verify),
                )
                .service(web::resource("/usage").get(usage::report))
                .service(web::resource("/conversations").get(conversations::list))
                .service(
                    web::resource("/conversations/{id}")
                        .get(conversations::get)
                        .delete(conversations::delete),
                )
                .service(web::resource("/messages/{id}/stop").post(conversations::stop)),
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
        E::Overflow { limit } | E::OverflowKnownLength { limit, .. } => ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("The request body is larger than {} KB.", limit / 1024),
        ),
        E::ContentType => {
            ApiError::invalid("The request body must be JSON (Content-Type: application/json).")
        }
        E::Deserialize(e) => ApiError::invalid(format!("The JSON body is invalid: {e}")),
        other => ApiError::invalid(format!("The request body could not be read: {other}")),
    }
}
