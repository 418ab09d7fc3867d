//! The API's one error type.
//!
//! Policy: every failure leaves as `{"error": "<code>", "message": "<text>"}`
//! with the status [`ErrorCode::status`] gives. Client errors say what is
//! wrong; internal errors carry an opaque message, and their cause goes to the
//! log inside the request's span (which holds the request id, also returned in
//! the `X-Request-Id` header).
//!
//! Domains know nothing of HTTP: each returns its own error (`AuthError`,
//! `AskError`, `BillingError`, ...), and the `From` impls here are the one
//! place where each becomes a status, a code and a message.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use shared_types::{DocumentErrorBody, ErrorBody, ErrorCode, FieldProblem};

use crate::db::DbError;

/// A failed request.
#[derive(Debug, Clone)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
    headers: Vec<(&'static str, String)>,
    request_id: Option<String>,
    /// For `invalid_document`: each value that breaks the schema.
    problems: Vec<FieldProblem>,
}

impl ApiError {
    /// An error with a code and a message for the client.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            headers: Vec::new(),
            request_id: None,
            problems: Vec::new(),
        }
    }

    /// 422 `invalid_document`, with where each problem is.
    pub fn invalid_document(problems: Vec<FieldProblem>) -> Self {
        // The first few in the message too, for clients that show only it.
        const SHOWN: usize = 5;
        let mut listed: Vec<String> = problems
            .iter()
            .take(SHOWN)
            .map(|p| {
                let at = if p.pointer.is_empty() {
                    "the document"
                } else {
                    p.pointer.as_str()
                };
                format!("{at} {}", p.message)
            })
            .collect();
        if problems.len() > SHOWN {
            listed.push(format!("and {} more", problems.len() - SHOWN));
        }
        let message = format!(
            "The document is not valid JSON Resume: {}.",
            listed.join("; ")
        );
        Self {
            problems,
            ..Self::new(ErrorCode::InvalidDocument, message)
        }
    }

    /// Adds an `X-Request-Id` header, for errors answered outside the
    /// middleware that stamps every other response.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// 429 `rate_limited`, with `Retry-After` from the limiter's refusal.
    pub fn rate_limited(message: impl Into<String>, refusal: &crate::rate_limit::Decision) -> Self {
        Self::new(ErrorCode::RateLimited, message)
            .retry_after(refusal.retry_after.as_secs_f64().ceil() as u64)
    }

    /// Adds a `Retry-After` header (seconds, at least 1).
    pub fn retry_after(self, secs: u64) -> Self {
        self.with_header("retry-after", secs.max(1).to_string())
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// 403 `account_suspended`.
    pub fn suspended() -> Self {
        Self::new(
            ErrorCode::AccountSuspended,
            "This account is suspended. Contact the service's support to restore it.",
        )
    }

    /// The error's code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The message for the client.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The extra response headers.
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }

    /// A 400 `invalid_request`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message)
    }

    /// A 500 whose cause is logged here and not shown to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            ErrorCode::Internal,
            "Something went wrong on our side. Quote the X-Request-Id header if you report it.",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        for (name, value) in &self.headers {
            response.insert_header((*name, value.as_str()));
        }
        if let Some(id) = &self.request_id {
            response.insert_header(("x-request-id", id.as_str()));
        }
        let mut response = if self.problems.is_empty() {
            response.json(ErrorBody {
                error: self.code,
                message: self.message.clone(),
            })
        } else {
            response.json(DocumentErrorBody {
                error: self.code,
                message: self.message.clone(),
                problems: self.problems.clone(),
            })
        };
        // Also here, for the errors that middleware raise, which leave
        // without passing `startup`'s last step (HSTS is added there).
        crate::security_headers::add(response.headers_mut(), false);
        response
    }
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Unavailable(cause) => {
                tracing::error!(error = %cause, "database unavailable");
                Self::new(
                    ErrorCode::ServiceUnavailable,
                    "The database is not reachable right now; try again shortly.",
                )
                .retry_after(5)
            }
            DbError::Query(cause) => Self::internal(cause),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        DbError::Query(err).into()
    }
}

impl From<crate::auth::AuthError> for ApiError {
    fn from(err: crate::auth::AuthError) -> Self {
        use crate::auth::AuthError as A;
        let message = err.to_string();
        match err {
            A::InvalidEmail(_) => Self::new(ErrorCode::InvalidEmail, message),
            A::WeakPassword(_) => Self::new(ErrorCode::WeakPassword, message),
            A::InvalidInput(_) => Self::new(ErrorCode::InvalidRequest, message),
            A::EmailTaken => Self::new(ErrorCode::EmailTaken, message),
            A::InvalidCredentials => Self::new(ErrorCode::InvalidCredentials, message),
            A::WrongPassword => Self::new(ErrorCode::WrongPassword, message),
            A::Locked { retry_after } => {
                Self::new(ErrorCode::AccountLocked, message).retry_after(retry_after.as_secs())
            }
            A::TooMany { retry_after, .. } => {
                Self::new(ErrorCode::RateLimited, message).retry_after(retry_after.as_secs())
            }
            A::InvalidToken => Self::new(ErrorCode::InvalidToken, message),
            A::InvalidLink => Self::new(ErrorCode::InvalidLink, message),
            A::LinkExpired => Self::new(ErrorCode::LinkExpired, message),
            A::AlreadyVerified => Self::new(ErrorCode::AlreadyVerified, message),
            A::EmailUnverified => Self::new(ErrorCode::EmailUnverified, message),
            A::Suspended => Self::suspended(),
            A::Busy(_) => Self::new(ErrorCode::ServiceUnavailable, message).retry_after(5),
            A::Db(db) => db.into(),
            A::Internal(cause) => Self::internal(cause),
        }
    }
}

impl From<crate::ask::AskError> for ApiError {
    fn from(err: crate::ask::AskError) -> Self {
        use crate::ask::AskError as A;
        let timeout = err.is_timeout();
        let message = err.to_string();
        match err {
            A::InvalidInput(_) => Self::invalid(message),
            A::ConversationNotFound => Self::new(ErrorCode::NotFound, message),
            A::AccountGone => Self::new(ErrorCode::InvalidToken, message),
            A::UnknownModel(_) => Self::new(ErrorCode::UnknownModel, message),
            A::ModelNotAllowed(_) => Self::new(ErrorCode::ModelNotAllowed, message),
            A::ModelDisabled(_) => Self::new(ErrorCode::ModelDisabled, message),
            A::Suspended => Self::suspended(),
            A::NoProvider(_) => Self::new(ErrorCode::NoProvider, message),
            A::QuotaExceeded { .. } => Self::new(ErrorCode::QuotaExceeded, message),
            A::Upstream(_) if timeout => Self::new(ErrorCode::UpstreamTimeout, message),
            A::Upstream(_) => Self::new(ErrorCode::UpstreamError, message),
            A::ProviderKeyInvalid(_) => Self::new(ErrorCode::ProviderKeyInvalid, message),
            A::Byok(e) => e.into(),
            A::Db(db) => db.into(),
        }
    }
}

impl From<crate::keys::provider_keys::ByokError> for ApiError {
    fn from(err: crate::keys::provider_keys::ByokError) -> Self {
        use crate::keys::provider_keys::ByokError as B;
        let message = err.to_string();
        match err {
            B::NotConfigured => Self::new(ErrorCode::ByokNotConfigured, message),
            B::InvalidInput(_) => Self::invalid(message),
            B::PlanRequired => Self::new(ErrorCode::PlanRequired, message),
            B::Refused { .. } => Self::new(ErrorCode::ProviderKeyInvalid, message),
            B::NotFound | B::UnknownProvider(_) => Self::new(ErrorCode::NotFound, message),
            B::Vault(e) => {
                tracing::error!(error = %e, "a stored provider key could not be decrypted");
                Self::internal("a stored provider key could not be decrypted")
            }
            B::Db(db) => db.into(),
        }
    }
}

impl From<crate::admin::AdminError> for ApiError {
    fn from(err: crate::admin::AdminError) -> Self {
        use crate::admin::AdminError as A;
        let message = err.to_string();
        match err {
            A::InvalidInput(_) => Self::invalid(message),
            A::NotFound(_) => Self::new(ErrorCode::NotFound, message),
            A::NotAllowed(_) => Self::new(ErrorCode::Forbidden, message),
            A::Lifecycle(e) => e.into(),
            A::Db(db) => db.into(),
        }
    }
}

impl From<crate::keys::api_keys::KeyError> for ApiError {
    fn from(err: crate::keys::api_keys::KeyError) -> Self {
        use crate::keys::api_keys::KeyError as K;
        let message = err.to_string();
        match err {
            K::InvalidInput(_) => Self::invalid(message),
            K::NotFound => Self::new(ErrorCode::NotFound, message),
            K::LimitReached => Self::new(ErrorCode::ApiKeyLimitReached, message),
            K::PlanRequired => Self::new(ErrorCode::PlanRequired, message),
            K::Invalid => Self::new(ErrorCode::InvalidToken, message),
            K::Db(db) => db.into(),
        }
    }
}

impl From<crate::resumes::ResumeError> for ApiError {
    fn from(err: crate::resumes::ResumeError) -> Self {
        use crate::resumes::ResumeError as R;
        let message = err.to_string();
        match err {
            R::InvalidInput(_) => Self::invalid(message),
            R::NotFound => Self::new(ErrorCode::NotFound, message),
            R::LimitReached(_) => Self::new(ErrorCode::ResumeLimitReached, message),
            R::Unsupported(_) => Self::new(ErrorCode::UnsupportedMediaType, message),
            R::Unreadable(_) => Self::new(ErrorCode::UnreadableDocument, message),
            R::Busy(_) => Self::new(ErrorCode::RateLimited, message).retry_after(5),
            R::AccountGone => Self::new(ErrorCode::InvalidToken, message),
            R::InvalidDocument(problems) => Self::invalid_document(problems),
            R::Render(cause) => Self::internal(cause),
            R::Db(db) => db.into(),
        }
    }
}

impl From<crate::jobs::JobError> for ApiError {
    fn from(err: crate::jobs::JobError) -> Self {
        use crate::jobs::JobError as J;
        let message = err.to_string();
        match err {
            J::InvalidInput(_) => Self::invalid(message),
            J::NotFound => Self::new(ErrorCode::NotFound, message),
            J::LimitReached(_) => Self::new(ErrorCode::JobLimitReached, message),
            J::NoActiveResume => Self::new(ErrorCode::NoActiveResume, message),
            J::AccountGone => Self::new(ErrorCode::InvalidToken, message),
            J::Db(db) => db.into(),
        }
    }
}

impl From<crate::billing::BillingError> for ApiError {
    fn from(err: crate::billing::BillingError) -> Self {
        use crate::billing::BillingError as B;
        let message = err.to_string();
        match err {
            B::InvalidInput(_) => Self::invalid(message),
            B::NoSubscription => Self::new(ErrorCode::NotFound, message),
            B::AccountGone => Self::new(ErrorCode::InvalidToken, message),
            // Logged where it happened (`BillingError::from`).
            B::Stripe(_) => Self::new(
                ErrorCode::PaymentProviderError,
                "The payment provider could not be reached; please try again.",
            ),
            B::Notice(e) => e.into(),
            B::Db(db) => db.into(),
            B::Internal(cause) => Self::internal(cause),
        }
    }
}

impl From<crate::notices::NoticeError> for ApiError {
    fn from(err: crate::notices::NoticeError) -> Self {
        use crate::notices::NoticeError as N;
        match err {
            N::Template(cause) => Self::internal(cause),
            N::Db(db) => db.into(),
        }
    }
}

impl From<crate::lifecycle::LifecycleError> for ApiError {
    fn from(err: crate::lifecycle::LifecycleError) -> Self {
        use crate::lifecycle::LifecycleError as L;
        let message = err.to_string();
        match err {
            L::ExportTooSoon { retry_after_secs } => {
                Self::new(ErrorCode::RateLimited, message).retry_after(retry_after_secs)
            }
            L::NoExport => Self::new(ErrorCode::NotFound, message),
            L::ForgedLink => Self::new(ErrorCode::Forbidden, message),
            L::LinkExpired => Self::new(ErrorCode::LinkExpired, message),
            L::AccountGone => Self::new(ErrorCode::InvalidToken, message),
            L::Billing(e) => e.into(),
            L::Db(db) => db.into(),
        }
    }
}
