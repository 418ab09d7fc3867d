//! `/api/v1/auth/*`: register, sign in, refresh, sign out, and the mailed
//! links (verify the address, reset a forgotten password). Rate limited per
//! client IP.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{HttpResponse, Scope, web};
use shared_types::{
    ErrorBody, ErrorCode, ForgotPasswordRequest, LoginRequest, RefreshRequest, RegisterRequest,
    ResetPasswordRequest, TokenRequest, TokenResponse, User,
};

use crate::audit::Origin;
use crate::error::ApiError;
use crate::extractors::{AuthUser, Json, client_ip};
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
        .service(web::resource("/logout-all").post(logout_all))
        .service(web::resource("/verify-email").post(verify_email))
        .service(web::resource("/resend-verification").post(resend_verification))
        .service(web::resource("/forgot-password").post(forgot_password))
        .service(web::resource("/reset-password").post(reset_password))
}

/// Reset mails one address may be sent a minute; past it, requests are
/// answered the same but send nothing.
const RESETS_PER_ADDRESS_PER_MINUTE: u32 = 1;
/// Reset requests one client IP may make a minute.
const RESETS_PER_IP_PER_MINUTE: u32 = 10;
/// Verification mails one user may ask for a minute.
const RESENDS_PER_MINUTE: u32 = 1;

async fn limit_per_ip(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(state) = req.app_data::<web::Data<AppState>>() {
        let key = format!("auth-ip:{}", client_ip(req.request()));
        let decision = state
            .limiter
            .check(&key, state.auth_requests_per_minute)
            .await;
        if !decision.allowed {
            return Err(ApiError::rate_limited(
                "Too many sign-in requests from this address; wait a moment and try again.",
                &decision,
            )
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
    (status = 503, description = "service_unavailable: every password check is busy (Retry-After)", body = ErrorBody),
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
    (status = 503, description = "service_unavailable: every password check is busy (Retry-After)", body = ErrorBody),
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

/// `POST /auth/logout-all?revoke_api_keys=true`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct LogoutAllQuery {
    /// Also delete every personal API key (and mail the user that it did).
    #[serde(default)]
    revoke_api_keys: bool,
}

/// Signs out of every session (every device and the extension), this one
/// included; with `revoke_api_keys=true`, revokes the personal API keys too.
#[utoipa::path(post, path = "/api/v1/auth/logout-all", tag = "auth", security(("bearer" = [])), params(LogoutAllQuery), responses(
    (status = 204, description = "Every session ended"),
    (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
    (status = 429, description = "rate_limited (per client IP)", body = ErrorBody),
))]
pub async fn logout_all(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    query: web::Query<LogoutAllQuery>,
) -> Result<HttpResponse, ApiError> {
    state
        .accounts
        .logout_everywhere(user.id, query.revoke_api_keys, &origin)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Proves the address with the token of the mailed link.
#[utoipa::path(post, path = "/api/v1/auth/verify-email", tag = "auth", request_body = TokenRequest, responses(
    (status = 200, description = "The address is verified", body = User),
    (status = 400, description = "invalid_link: unknown, for another purpose, or the address changed since", body = ErrorBody),
    (status = 409, description = "already_verified", body = ErrorBody),
    (status = 410, description = "link_expired: used already or past its 24 hours", body = ErrorBody),
    (status = 429, description = "rate_limited", body = ErrorBody),
))]
pub async fn verify_email(
    state: web::Data<AppState>,
    origin: Origin,
    body: Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = state
        .accounts
        .verify_email(body.into_inner().token, &origin)
        .await?;
    Ok(HttpResponse::Ok().json(user))
}

/// Mails the signed-in user a new verification link (the older ones stop
/// working).
#[utoipa::path(post, path = "/api/v1/auth/resend-verification", tag = "auth", security(("bearer" = [])), responses(
    (status = 202, description = "A new link is on its way"),
    (status = 401, description = "missing_token or invalid_token", body = ErrorBody),
    (status = 409, description = "already_verified", body = ErrorBody),
    (status = 429, description = "rate_limited: one a minute", body = ErrorBody),
))]
pub async fn resend_verification(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let decision = state
        .limiter
        .check(
            &format!("resend-verification:{}", user.id.0),
            RESENDS_PER_MINUTE,
        )
        .await;
    if !decision.allowed {
        return Err(ApiError::rate_limited(
            "A link was sent a moment ago; check your mail (and its spam folder) before asking again.",
            &decision,
        ));
    }
    state.accounts.resend_verification(user.id).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Mails a reset link if the address has an account. Always answers 202,
/// at once: neither the status nor the time tells whether it has one.
#[utoipa::path(post, path = "/api/v1/auth/forgot-password", tag = "auth", request_body = ForgotPasswordRequest, responses(
    (status = 202, description = "If the address has an account, a reset link is on its way"),
    (status = 400, description = "invalid_request or invalid_email (the address's form; nothing about accounts)", body = ErrorBody),
    (status = 429, description = "rate_limited (per client IP)", body = ErrorBody),
))]
pub async fn forgot_password(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    body: Json<ForgotPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let ip = client_ip(&req);
    let per_ip = state
        .limiter
        .check(&format!("forgot-ip:{ip}"), RESETS_PER_IP_PER_MINUTE)
        .await;
    if !per_ip.allowed {
        return Err(ApiError::rate_limited(
            "Too many reset requests from this address; wait a minute and try again.",
            &per_ip,
        ));
    }
    // The address's form is checked here (it says nothing about accounts);
    // whether it has an account is looked up after answering.
    let email = shared_types::validation::normalize_email(&body.into_inner().email)
        .map_err(|message| ApiError::new(ErrorCode::InvalidEmail, message))?;
    let state = state.clone();
    actix_web::rt::spawn(async move {
        // The address hashed: the limiter's keys may sit in Redis.
        let key = crate::auth::tokens::hash_refresh_token(&email);
        let per_address = state
            .limiter
            .check(
                &format!("forgot-email:{key}"),
                RESETS_PER_ADDRESS_PER_MINUTE,
            )
            .await;
        if per_address.allowed {
            state.accounts.forgot_password(email).await;
        }
    });
    Ok(HttpResponse::Accepted().finish())
}

/// Sets a new password with the token of the mailed link; every session is
/// signed out and the user is told by mail.
#[utoipa::path(post, path = "/api/v1/auth/reset-password", tag = "auth", request_body = ResetPasswordRequest, responses(
    (status = 204, description = "The password is changed; every session is signed out"),
    (status = 400, description = "invalid_request, invalid_link or weak_password", body = ErrorBody),
    (status = 410, description = "link_expired: used already or past its 30 minutes", body = ErrorBody),
    (status = 429, description = "rate_limited", body = ErrorBody),
))]
pub async fn reset_password(
    state: web::Data<AppState>,
    origin: Origin,
    body: Json<ResetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let ResetPasswordRequest {
        token,
        new_password,
    } = body.into_inner();
    state
        .accounts
        .reset_password(token, new_password, &origin)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
