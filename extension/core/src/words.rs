//! What the extension says to the user when something fails, from the
//! backend's stable error codes. Where the backend's message carries the
//! detail the user needs (which rule a password breaks, when a lock ends,
//! which server is unreachable), it is shown as it is.

use shared_types::{ErrorBody, ErrorCode};

/// A sentence for the user about `error`.
pub fn user_message(error: &ErrorBody) -> String {
    let fixed = match error.error {
        ErrorCode::InvalidCredentials => "That email and password don't match an account.",
        ErrorCode::WrongPassword => "Your current password isn't right.",
        ErrorCode::EmailTaken => "An account with this email already exists. Sign in instead.",
        ErrorCode::InvalidEmail => "Please enter a valid email address.",
        ErrorCode::MissingToken | ErrorCode::InvalidToken => {
            "You're signed out. Please sign in again."
        }
        ErrorCode::Forbidden => "Your account can't do that.",
        ErrorCode::RateLimited => "You're asking very quickly. Wait a moment and try again.",
        ErrorCode::QuotaExceeded => {
            "You've used all your questions for this month. Upgrade for more."
        }
        ErrorCode::ModelNotAllowed => "Your plan doesn't include that model.",
        ErrorCode::ModelDisabled => "That model is switched off for now. Pick another model.",
        ErrorCode::AccountSuspended => {
            "This account is suspended. Contact the service's support to restore it."
        }
        ErrorCode::UpstreamError => "The AI service failed to answer. Please try again.",
        ErrorCode::UpstreamTimeout => "The AI service took too long to answer. Please try again.",
        ErrorCode::PaymentProviderError => {
            "The payment service didn't answer. Please try again in a moment."
        }
        ErrorCode::BillingNotConfigured => {
            "Upgrades aren't available on this server yet. Please try again later."
        }
        ErrorCode::PayloadTooLarge => "That's too much to send at once (files up to 5 MB).",
        ErrorCode::NoActiveResume => "Add your resume first (Resume tab) to see how you match.",
        ErrorCode::PlanRequired => "Your plan doesn't include this. Upgrade to use it.",
        ErrorCode::ByokNotConfigured => "This server doesn't store your own provider keys.",
        ErrorCode::NotFound => "That's no longer there.",
        ErrorCode::EmailUnverified => {
            "Confirm your email address first: open the link we mailed you, or send a new one from Account."
        }
        ErrorCode::AlreadyVerified => "Your email address is already confirmed.",
        ErrorCode::Internal | ErrorCode::MethodNotAllowed => {
            "Something went wrong on our side. Please try again."
        }
        // The backend's message says what to change or when to come back.
        ErrorCode::InvalidRequest
        | ErrorCode::WeakPassword
        | ErrorCode::AccountLocked
        | ErrorCode::UnknownModel
        | ErrorCode::NoProvider
        | ErrorCode::ServiceUnavailable
        | ErrorCode::UnsupportedMediaType
        | ErrorCode::UnreadableDocument
        | ErrorCode::InvalidDocument
        | ErrorCode::ResumeLimitReached
        | ErrorCode::JobLimitReached
        | ErrorCode::ApiKeyLimitReached
        | ErrorCode::InvalidLink
        | ErrorCode::LinkExpired
        | ErrorCode::ProviderKeyInvalid => return error.message.clone(),
    };
    fixed.to_string()
}

/// Whether the user should be offered an upgrade after `error`.
pub fn suggests_upgrade(error: &ErrorBody) -> bool {
    matches!(
        error.error,
        ErrorCode::QuotaExceeded
            | ErrorCode::ModelNotAllowed
            | ErrorCode::JobLimitReached
            | ErrorCode::PlanRequired
    )
}

/// How full a quota is, for the usage meter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeterLevel {
    /// Under 80 %.
    Normal,
    /// From 80 %: a warning.
    Warning,
    /// Used up: an upgrade prompt.
    Exhausted,
}

/// The meter level for `used` of `limit` (`None` is unlimited).
pub fn meter_level(used: u32, limit: Option<u32>) -> MeterLevel {
    match limit {
        None => MeterLevel::Normal,
        Some(limit) if used >= limit => MeterLevel::Exhausted,
        Some(limit) if u64::from(used) * 5 >= u64::from(limit) * 4 => MeterLevel::Warning,
        Some(_) => MeterLevel::Normal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: ErrorCode, message: &str) -> ErrorBody {
        ErrorBody {
            error: code,
            message: message.into(),
        }
    }

    #[test]
    fn codes_become_plain_sentences() {
        let said = user_message(&body(ErrorCode::InvalidCredentials, "invalid_credentials"));
        assert_eq!(said, "That email and password don't match an account.");
        assert!(user_message(&body(ErrorCode::QuotaExceeded, "x")).contains("Upgrade"));
    }

    #[test]
    fn detailed_server_messages_are_kept() {
        let weak = body(ErrorCode::WeakPassword, "Use at least 12 characters.");
        assert_eq!(user_message(&weak), "Use at least 12 characters.");
        let down = body(ErrorCode::ServiceUnavailable, "Can't reach http://x.");
        assert_eq!(user_message(&down), "Can't reach http://x.");
    }

    #[test]
    fn the_meter_warns_from_80_percent_and_prompts_when_used_up() {
        assert_eq!(meter_level(7, Some(10)), MeterLevel::Normal);
        assert_eq!(meter_level(8, Some(10)), MeterLevel::Warning);
        assert_eq!(meter_level(10, Some(10)), MeterLevel::Exhausted);
        assert_eq!(meter_level(11, Some(10)), MeterLevel::Exhausted);
        assert_eq!(meter_level(1000, None), MeterLevel::Normal);
        assert_eq!(meter_level(0, Some(0)), MeterLevel::Exhausted);
    }

    #[test]
    fn quota_and_model_errors_offer_an_upgrade() {
        assert!(suggests_upgrade(&body(ErrorCode::QuotaExceeded, "")));
        assert!(!suggests_upgrade(&body(ErrorCode::RateLimited, "")));
    }
}
