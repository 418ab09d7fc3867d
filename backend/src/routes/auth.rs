//! `/api/v1/auth/*`: register, sign in, refresh, sign out. Rate limited per
//! client IP.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{HttpResponse, Scope, web};
use shared_types::{
    ErrorBody, ErrorCode, LoginRequest, RefreshRequest, RegisterRequest, TokenResponse,
};

use crate::audit::Origin;
use crate::error::ApiError;
use crate::extractors::{Json, client_ip};
use crate::state::AppState;

/// The `/auth` scope with its rate limit.
pub fn scope() -> Scope<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::scope("/auth")
        .wrap(from_fn(limit_per_ip))
        .service(web::resource("/register").post(register))
        .service(web::resource("/login").post(login))
        .service(web::resource("/refresh").post(refresh))
        .service(web::resource("/logout").post(logout))
}

async fn limit_per_ip(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(state) = req.app_data::<web::Data<AppState>>() {
        let key = format!("auth-ip:{}", client_ip(req.request(), state.trust_proxy));
        let decision = state
            .limiter
            .check(&key, state.auth_requests_per_minute)
            .await;
        if !decision.allowed {
            return Err(ApiError::new(
                ErrorCode::RateLimited,
                "Too many sign-in requests from this address; wait a moment and try again.",
            )
            .retry_after(decision.retry_after.as_secs_f64().ceil() as u64)
            .into());
        }
    }
    next.call(req).await
}

/// Creates an account and returns its first token pair.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest, responses(
    (status = 201, body = TokenResponse),
    (status = 400, description = "invalid_request, invalid_email or weak_password", body = ErrorBody),
    (status = 409, description = "email_taken", body = ErrorBody),
    (status = 413, description = "payload_too_large", body = ErrorBody),
    (status = 429, description = "rate_limited", body = ErrorBody),
))]
pub async fn register(
    state: web::Data<AppState>,
    origin: Origin,
    body: Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let tokens = state.accounts.register(body.into_inner(), &origin).await?;
    tracing::info!(user_id = tokens.user.id.0, "account registered");
    Ok(HttpResponse::Created().json(tokens))
}

/// Signs in with email and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = TokenResponse),
    (status = 400, description = "invalid_request or invalid_email", body = ErrorBody),
    (status = 401, description = "invalid_credentials", body = ErrorBody),
    (status = 429, description = "account_locked or rate_limited, with Retry-After", body = ErrorBody),
))]
pub async fn login(
    state: web::Data<AppState>,
    origin: Origin,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let tokens = state.accounts.login(body.into_inner(), &origin).await?;
    Ok(HttpResponse::Ok().json(tokens))
}

/// Trades a refresh token for a new pair; the old token stops working.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, body = TokenResponse),
    (status = 401, description = "invalid_token: unknown, expired, revoked or reused", body = ErrorBody),
))]
pub async fn refresh(
    state: web::Data<AppState>,
    origin: Origin,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let tokens = state
        .accounts
        .refresh(body.into_inner().refresh_token, &origin)
        .await?;
    Ok(HttpResponse::Ok().json(tokens))
}

/// Revokes a refresh token.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest, responses(
    (status = 204, description = "Signed out"),
    (status = 401, description = "invalid_token", body = ErrorBody),
))]
pub async fn logout(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    state
        .accounts
        .logout(body.into_inner().refresh_token)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
