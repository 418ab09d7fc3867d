//! Stable error codes and the JSON error body every failed request returns.
//!
//! The extension matches on [`ErrorCode`]; the backend maps each code to its
//! HTTP status with [`ErrorCode::status`], so a code never travels with two
//! different statuses.

use serde::{Deserialize, Serialize};

/// A machine-readable reason for a failed request, serialised in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is malformed, a field is missing or has the wrong type.
    InvalidRequest,
    /// The email address is not a valid address.
    InvalidEmail,
    /// The password does not meet the password rules.
    WeakPassword,
    /// The request body is larger than the route accepts.
    PayloadTooLarge,
    /// No route or resource with that path.
    NotFound,
    /// The route exists but not for this HTTP method.
    MethodNotAllowed,
    /// An account with this email already exists.
    EmailTaken,
    /// Unknown email or wrong password (deliberately indistinguishable).
    InvalidCredentials,
    /// The current password given to confirm a change is wrong.
    WrongPassword,
    /// The request carries no bearer token.
    MissingToken,
    /// The access or refresh token is invalid, expired or revoked.
    InvalidToken,
    /// The caller is signed in but may not do this.
    Forbidden,
    /// Too many failed sign-ins; the account is locked for a while.
    AccountLocked,
    /// An administrator suspended the account.
    AccountSuspended,
    /// Too many requests in a short time; retry after the given delay.
    RateLimited,
    /// This month's question quota is used up.
    QuotaExceeded,
    /// No model id like this in the catalogue.
    UnknownModel,
    /// The model exists but the caller's tier may not use it.
    ModelNotAllowed,
    /// The operator has turned the model off for now.
    ModelDisabled,
    /// No AI provider is configured on the server.
    NoProvider,
    /// The AI provider failed (after retries and fallbacks).
    UpstreamError,
    /// The AI provider did not answer in time.
    UpstreamTimeout,
    /// A dependency (the database) is not reachable. The extension also uses
    /// it when it cannot reach the backend at all.
    ServiceUnavailable,
    /// The operator has not configured Stripe, so plans cannot be bought.
    BillingNotConfigured,
    /// Stripe failed or could not be reached.
    PaymentProviderError,
    /// The upload is not a PDF, DOCX, TXT or Markdown file.
    UnsupportedMediaType,
    /// The document has no text that can be read (scanned, encrypted,
    /// empty, or garbled); paste the text instead.
    UnreadableDocument,
    /// A JSON Resume document breaks the schema; `problems` says where.
    InvalidDocument,
    /// The user already has as many resumes as allowed.
    ResumeLimitReached,
    /// The plan's job saves for today are used up.
    JobLimitReached,
    /// Matching needs an active resume, and the user has none.
    NoActiveResume,
    /// The user already has as many API keys as allowed.
    ApiKeyLimitReached,
    /// The caller's plan does not include this (upgrade for it).
    PlanRequired,
    /// The AI provider refused the user's own key.
    ProviderKeyInvalid,
    /// The operator has not set up storage for users' provider keys.
    ByokNotConfigured,
    /// The link from an email is not valid (unknown, or for something else).
    InvalidLink,
    /// The link from an email was already used, or has expired; ask for a
    /// new one.
    LinkExpired,
    /// The address is already verified.
    AlreadyVerified,
    /// This needs a verified email address first (see the mail we sent).
    EmailUnverified,
    /// An unexpected server fault; details are in the server log.
    Internal,
}

impl ErrorCode {
    /// The HTTP status code that goes with this error code.
    pub const fn status(self) -> u16 {
        match self {
            Self::InvalidRequest | Self::InvalidEmail | Self::WeakPassword | Self::InvalidLink => {
                400
            }
            Self::InvalidCredentials | Self::MissingToken | Self::InvalidToken => 401,
            Self::WrongPassword
            | Self::Forbidden
            | Self::AccountSuspended
            | Self::PlanRequired
            | Self::EmailUnverified
            | Self::ModelNotAllowed => 403,
            // As OpenAI answers an unknown model (`model_not_found`).
            Self::NotFound | Self::UnknownModel => 404,
            Self::MethodNotAllowed => 405,
            Self::EmailTaken
            | Self::ResumeLimitReached
            | Self::NoActiveResume
            | Self::ApiKeyLimitReached
            | Self::AlreadyVerified => 409,
            Self::LinkExpired => 410,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::UnreadableDocument | Self::InvalidDocument | Self::ProviderKeyInvalid => 422,
            Self::AccountLocked
            | Self::RateLimited
            | Self::QuotaExceeded
            | Self::JobLimitReached => 429,
            Self::Internal => 500,
            Self::UpstreamError | Self::PaymentProviderError => 502,
            Self::ServiceUnavailable
            | Self::NoProvider
            | Self::ModelDisabled
            | Self::BillingNotConfigured
            | Self::ByokNotConfigured => 503,
            Self::UpstreamTimeout => 504,
        }
    }

    /// The snake_case string this code serialises to.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidEmail => "invalid_email",
            Self::WeakPassword => "weak_password",
            Self::PayloadTooLarge => "payload_too_large",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::EmailTaken => "email_taken",
            Self::InvalidCredentials => "invalid_credentials",
            Self::WrongPassword => "wrong_password",
            Self::MissingToken => "missing_token",
            Self::InvalidToken => "invalid_token",
            Self::Forbidden => "forbidden",
            Self::AccountLocked => "account_locked",
            Self::AccountSuspended => "account_suspended",
            Self::RateLimited => "rate_limited",
            Self::QuotaExceeded => "quota_exceeded",
            Self::UnknownModel => "unknown_model",
            Self::ModelNotAllowed => "model_not_allowed",
            Self::ModelDisabled => "model_disabled",
            Self::NoProvider => "no_provider",
            Self::UpstreamError => "upstream_error",
            Self::UpstreamTimeout => "upstream_timeout",
            Self::ServiceUnavailable => "service_unavailable",
            Self::BillingNotConfigured => "billing_not_configured",
            Self::PaymentProviderError => "payment_provider_error",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::UnreadableDocument => "unreadable_document",
            Self::InvalidDocument => "invalid_document",
            Self::ResumeLimitReached => "resume_limit_reached",
            Self::JobLimitReached => "job_limit_reached",
            Self::NoActiveResume => "no_active_resume",
            Self::ApiKeyLimitReached => "api_key_limit_reached",
            Self::PlanRequired => "plan_required",
            Self::ProviderKeyInvalid => "provider_key_invalid",
            Self::ByokNotConfigured => "byok_not_configured",
            Self::InvalidLink => "invalid_link",
            Self::LinkExpired => "link_expired",
            Self::AlreadyVerified => "already_verified",
            Self::EmailUnverified => "email_unverified",
            Self::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every error response: `{"error": "<code>", "message": "<text>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The stable code to match on.
    pub error: ErrorCode,
    /// A sentence for people; its wording may change.
    pub message: String,
}

/// A value of a document that breaks its schema, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldProblem {
    /// The JSON pointer of the value ("/work/0/startDate").
    pub pointer: String,
    /// What is wrong, for a person.
    pub message: String,
}

/// The body of an `invalid_document` error: [`ErrorBody`]'s fields and
/// every problem found, not only the first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentErrorBody {
    /// `invalid_document`.
    pub error: ErrorCode,
    /// A sentence for people; its wording may change.
    pub message: String,
    /// Each value that breaks the schema.
    pub problems: Vec<FieldProblem>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_str_matches_the_serde_name_for_every_code() {
        let all = [
            ErrorCode::InvalidRequest,
            ErrorCode::InvalidEmail,
            ErrorCode::WeakPassword,
            ErrorCode::PayloadTooLarge,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::EmailTaken,
            ErrorCode::InvalidCredentials,
            ErrorCode::WrongPassword,
            ErrorCode::MissingToken,
            ErrorCode::InvalidToken,
            ErrorCode::Forbidden,
            ErrorCode::AccountLocked,
            ErrorCode::AccountSuspended,
            ErrorCode::RateLimited,
            ErrorCode::QuotaExceeded,
            ErrorCode::UnknownModel,
            ErrorCode::ModelNotAllowed,
            ErrorCode::ModelDisabled,
            ErrorCode::NoProvider,
            ErrorCode::UpstreamError,
            ErrorCode::UpstreamTimeout,
            ErrorCode::ServiceUnavailable,
            ErrorCode::BillingNotConfigured,
            ErrorCode::PaymentProviderError,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::UnreadableDocument,
            ErrorCode::InvalidDocument,
            ErrorCode::ResumeLimitReached,
            ErrorCode::JobLimitReached,
            ErrorCode::NoActiveResume,
            ErrorCode::ApiKeyLimitReached,
            ErrorCode::PlanRequired,
            ErrorCode::ProviderKeyInvalid,
            ErrorCode::ByokNotConfigured,
            ErrorCode::Internal,
        ];
        for code in all {
            let json = serde_json::to_string(&code).expect("serialises");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: ErrorCode = serde_json::from_str(&json).expect("parses");
            assert_eq!(back, code);
        }
    }

    #[test]
    fn error_body_has_the_documented_shape() {
        let body = ErrorBody {
            error: ErrorCode::EmailTaken,
            message: "taken".into(),
        };
        let value = serde_json::to_value(&body).expect("serialises");
        assert_eq!(
            value,
            serde_json::json!({"error": "email_taken", "message": "taken"})
        );
    }
}
