//! `/api/v1/billing/*`, the Stripe webhook, `/api/v1/users/me/billing`, and
//! the small pages Stripe sends the browser back to.

use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, web};
use shared_types::{BillingStatus, BillingUrl, CheckoutRequest, ErrorBody, ErrorCode, PlanOffer};

use crate::billing::{self, Billing};
use crate::error::ApiError;
use crate::extractors::{AuthUser, Json};
use crate::state::AppState;

/// The largest webhook body accepted (Stripe's events are a few KB).
pub const WEBHOOK_LIMIT_BYTES: usize = 256 * 1024;

fn configured(state: &AppState) -> Result<&Billing, ApiError> {
    state.billing.as_ref().ok_or_else(|| {
        ApiError::new(
            ErrorCode::BillingNotConfigured,
            "Billing is not configured on this server.",
        )
    })
}

/// Every tier: its price, quotas, per-minute limit and models. With
/// billing off it still answers, without prices, so clients can show what
/// each plan gives.
#[utoipa::path(get, path = "/api/v1/billing/plans", tag = "billing", responses(
    (status = 200, body = [PlanOffer]),
    (status = 502, description = "payment_provider_error: Stripe failed or could not be reached", body = ErrorBody),
))]
pub async fn plans(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let catalogue = state.live.catalogue();
    let offers = Billing::plans(state.billing.as_ref(), &catalogue).await?;
    Ok(HttpResponse::Ok().json(offers))
}

/// Starts a Stripe Checkout for a paid tier; open the returned page.
#[utoipa::path(post, path = "/api/v1/billing/checkout", tag = "billing", security(("bearer" = [])),
    request_body = CheckoutRequest, responses(
    (status = 200, body = BillingUrl),
    (status = 400, description = "invalid_request: not a paid tier", body = ErrorBody),
    (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
    (status = 403, description = "email_unverified (when MENTOR_REQUIRE_VERIFIED_EMAIL is on)", body = ErrorBody),
    (status = 502, description = "payment_provider_error: Stripe failed or could not be reached", body = ErrorBody),
    (status = 503, description = "billing_not_configured", body = ErrorBody),
))]
pub async fn checkout(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CheckoutRequest>,
) -> Result<HttpResponse, ApiError> {
    let billing = configured(&state)?;
    if state.require_verified_email {
        state.accounts.require_verified(user.id).await?;
    }
    let url = billing.checkout(user.id.0, body.tier).await?;
    Ok(HttpResponse::Ok().json(BillingUrl { url }))
}

/// Opens the Stripe Customer Portal for the caller's subscription.
#[utoipa::path(post, path = "/api/v1/billing/portal", tag = "billing", security(("bearer" = [])), responses(
    (status = 200, body = BillingUrl),
    (status = 404, description = "not_found: never subscribed, so there is no subscription to manage", body = ErrorBody),
    (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
    (status = 502, description = "payment_provider_error: Stripe failed or could not be reached", body = ErrorBody),
    (status = 503, description = "billing_not_configured", body = ErrorBody),
))]
pub async fn portal(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let url = configured(&state)?.portal(user.id.0).await?;
    Ok(HttpResponse::Ok().json(BillingUrl { url }))
}

/// The caller's tier and subscription.
#[utoipa::path(get, path = "/api/v1/users/me/billing", tag = "billing", security(("bearer" = [])), responses(
    (status = 200, body = BillingStatus),
    (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
))]
pub async fn me(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(billing::status(&state.pool, user.id.0).await?))
}

/// Stripe's events, signed with the endpoint's secret. A repeat of an event
/// already applied is answered 200 and changes nothing.
#[utoipa::path(post, path = "/api/v1/webhooks/stripe", tag = "billing", request_body = String, responses(
    (status = 200, description = "Applied, or applied before"),
    (status = 400, description = "invalid_request: bad signature or event", body = ErrorBody),
    (status = 503, description = "billing_not_configured", body = ErrorBody),
))]
pub async fn webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let billing = configured(&state)?;
    let signature = req
        .headers()
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let delivery = billing.webhook(signature, &body).await;
    // The type is read only from a verified event: a forged body cannot
    // invent label values.
    let (kind, result) = match &delivery {
        Ok(d) => (
            serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["type"].as_str().map(str::to_string))
                .unwrap_or_else(|| "unknown".into()),
            if *d == billing::Delivery::Repeated {
                "repeated"
            } else {
                "applied"
            },
        ),
        Err(_) => ("unverified".to_string(), "refused"),
    };
    state
        .metrics
        .stripe_events
        .with_label_values(&[&kind, result])
        .inc();
    let delivery = delivery?;
    Ok(HttpResponse::Ok().json(
        serde_json::json!({"received": true, "repeat": delivery == billing::Delivery::Repeated}),
    ))
}

/// Where Stripe sends the browser after a payment.
pub async fn success_page() -> HttpResponse {
    page(
        "Thank you",
        "Your subscription is being set up. Return to the AI Mentor extension: your new plan shows there within a few seconds.",
    )
}

/// Where Stripe sends the browser when the user leaves Checkout or the portal.
pub async fn cancel_page() -> HttpResponse {
    page(
        "Back to AI Mentor",
        "Nothing was charged here. You can close this tab and return to the AI Mentor extension.",
    )
}

fn page(title: &str, text: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .insert_header((
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; \
             base-uri 'none'; form-action 'none'",
        ))
        .body(format!(
            "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width\"><title>{title} – AI Mentor</title>\
             <style>body{{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}}</style>\
             <h1>{title}</h1><p>{text}</p></html>"
        ))
}
