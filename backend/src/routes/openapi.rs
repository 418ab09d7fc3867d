//! `GET /api/v1/openapi.json`: the OpenAPI 3 document of every route.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
        super::users::me_get,
        super::users::me_patch,
        super::users::me_delete,
        super::ask::ask,
        super::models::list,
        super::usage::report,
        super::conversations::list,
        super::conversations::get,
        super::conversations::delete,
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
    modifiers(&BearerAuth),
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

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations", responses((status = 200, description = "OpenAPI 3 document")))]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
