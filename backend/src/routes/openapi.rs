//! `GET /api/v1/openapi.json`: the OpenAPI 3 document of every route.

use actix_web::HttpResponse;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

/// The API description, generated from the handlers' annotations.
#[derive(OpenApi)]
#[openapi(
    info(title = "AI Mentor API", description = "Accounts, questions, career context and billing for the AI Mentor extension."),
    paths(
        super::health::health,
        super::health::ready,
        document,
        super::auth::register,
        super::auth::login,
        super::auth::refresh,
        super::auth::logout,
        super::auth::logout_all,
        super::auth::verify_email,
        super::auth::resend_verification,
        super::auth::forgot_password,
        super::auth::reset_password,
        super::users::me_get,
        super::users::me_patch,
        super::users::me_delete,
        super::users::export_start,
        super::users::export_status,
        super::users::export_download,
        super::ask::ask,
        super::models::list,
        super::usage::report,
        super::conversations::list,
        super::conversations::get,
        super::conversations::delete,
        super::conversations::stop,
        super::billing::plans,
        super::billing::checkout,
        super::billing::portal,
        super::billing::me,
        super::billing::webhook,
        super::resumes::create,
        super::resumes::list,
        super::resumes::get,
        super::resumes::update,
        super::resumes::activate,
        super::resumes::delete,
        super::resume_documents::get,
        super::resume_documents::put,
        super::resume_documents::parse,
        super::jobs::save,
        super::jobs::list,
        super::jobs::get,
        super::jobs::update,
        super::jobs::delete,
        super::jobs::delete_many,
        super::jobs::analysis,
        super::jobs::match_saved,
        super::jobs::match_posting,
        super::api_keys::create,
        super::api_keys::list,
        super::api_keys::delete,
        super::provider_keys::list,
        super::provider_keys::settings,
        super::provider_keys::put,
        super::provider_keys::verify,
        super::provider_keys::delete,
        super::admin::audit::audit_log,
        super::admin::users::list,
        super::admin::users::get,
        super::admin::users::update,
        super::admin::users::grant,
        super::admin::users::revoke_sessions,
        super::admin::users::delete,
        super::admin::models::list,
        super::admin::models::update,
        super::admin::analytics::report,
        super::admin::analytics::ledger,
    ),
    modifiers(&BearerAuth, &CommonResponses),
    tags(
        (name = "auth", description = "Sign-up, sign-in and sessions"),
        (name = "users", description = "The signed-in user's account"),
        (name = "ask", description = "Questions, models and usage"),
        (name = "conversations", description = "Conversations kept on the server"),
        (name = "billing", description = "Plans and Stripe subscriptions"),
        (name = "resumes", description = "The user's resumes: upload, text, the active one"),
        (name = "jobs", description = "Saved jobs, the skills picture and job match"),
        (name = "keys", description = "Personal API keys and your own AI provider keys"),
        (name = "admin", description = "The operator's routes (admins only)"),
        (name = "operations", description = "Probes and this document"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The answers any operation of a kind can give, added where a handler's
/// own list leaves them out, so that the document lists every status each
/// route can return: a body or query that does not parse (400), a missing
/// or bad token (401), a path whose id does not parse (404), a body over
/// the limit (413), the database out of reach (503).
struct CommonResponses;

impl CommonResponses {
    fn add(operation: &mut Operation, status: &str, description: &str) {
        let error = Content::new(Some(Ref::from_schema_name("ErrorBody")));
        operation
            .responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description(description)
                        .content("application/json", error)
                        .build(),
                )
            });
    }
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in &mut openapi.paths.paths {
            // Neither reads the database.
            let stateless = path == "/health" || path == "/api/v1/openapi.json";
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let has_body = operation.request_body.is_some();
                let has = |place: ParameterIn| {
                    operation
                        .parameters
                        .iter()
                        .flatten()
                        .any(|p| p.parameter_in == place)
                };
                let (has_query, has_path) = (has(ParameterIn::Query), has(ParameterIn::Path));
                if has_body || has_query {
                    Self::add(
                        operation,
                        "400",
                        "invalid_request: the body or query could not be read (`message` says why)",
                    );
                }
                if has_path {
                    Self::add(
                        operation,
                        "404",
                        "not_found: no such resource, or a malformed id",
                    );
                }
                if operation.security.is_some() {
                    Self::add(operation, "401", "missing_token or invalid_token");
                }
                if has_body {
                    Self::add(
                        operation,
                        "413",
                        "payload_too_large: the body is over the route's limit",
                    );
                }
                if !stateless {
                    Self::add(
                        operation,
                        "503",
                        "service_unavailable: the database cannot be reached; try again shortly",
                    );
                }
            }
        }
    }
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations", responses((status = 200, description = "OpenAPI 3 document")))]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
