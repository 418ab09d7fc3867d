//! Roles and subscription tiers.

use serde::{Deserialize, Serialize};

/// What a user may administer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// An ordinary user of the extension.
    User,
    /// An operator with access to admin routes.
    Admin,
}

/// The subscription tier that sets a user's quotas and models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// The default tier of every new account.
    Free,
    /// The paid individual tier.
    Pro,
    /// The paid organisation tier.
    Enterprise,
}

string_enum!(Role { User => "user", Admin => "admin" });

/// What a tier buys: its monthly question quota, its per-minute limit, and
/// the order in which its models are tried (the first available one is the
/// default; the rest are fallbacks when a provider fails).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plan {
    /// The tier this plan belongs to.
    pub tier: Tier,
    /// Questions per calendar month (UTC); `None` means unlimited.
    pub monthly_questions: Option<u32>,
    /// Questions per minute.
    pub per_minute: u32,
    /// Model ids in order of preference.
    pub fallback_models: Vec<String>,
    /// New jobs a user may save per UTC day; `None` means unlimited.
    #[serde(default)]
    pub job_saves_per_day: Option<u32>,
    /// Whether the plan may create and use personal API keys.
    #[serde(default)]
    pub api_keys: bool,
    /// Whether the plan may bring its own AI provider keys.
    #[serde(default)]
    pub byok: bool,
    /// Whether a model may build a resume's structure (on platform tokens,
    /// not the plan's questions); without it, the parser builds it alone.
    #[serde(default = "on")]
    pub resume_ai_parse: bool,
}

fn on() -> bool {
    true
}

impl Plan {
    /// The built-in plan of a tier (the operator's config file may override it).
    pub fn default_for(tier: Tier) -> Self {
        let models = |ids: &[&str]| ids.iter().map(|id| id.to_string()).collect();
        match tier {
            Tier::Free => Self {
                tier,
                monthly_questions: Some(10),
                per_minute: 5,
                job_saves_per_day: Some(50),
                api_keys: false,
                byok: false,
                resume_ai_parse: true,
                fallback_models: models(&[
                    "gpt-4o-mini",
                    "claude-3-5-haiku-latest",
                    "gemini-2.0-flash",
                    "deepseek-chat",
                    "llama-3.3-70b-versatile",
                    "grok-3-mini",
                    "demo",
                ]),
            },
            Tier::Pro => Self {
                tier,
                monthly_questions: Some(500),
                per_minute: 15,
                job_saves_per_day: Some(500),
                api_keys: true,
                byok: true,
                resume_ai_parse: true,
                fallback_models: models(&[
                    "gpt-4o",
                    "claude-sonnet-4-0",
                    "gemini-2.5-pro",
                    "gpt-4o-mini",
                    "deepseek-chat",
                    "grok-3-mini",
                    "demo",
                ]),
            },
            Tier::Enterprise => Self {
                tier,
                monthly_questions: None,
                per_minute: 60,
                job_saves_per_day: None,
                api_keys: true,
                byok: true,
                resume_ai_parse: true,
                fallback_models: models(&[
                    "claude-sonnet-4-0",
                    "gpt-4o",
                    "gemini-2.5-pro",
                    "gpt-4o-mini",
                    "deepseek-chat",
                    "grok-3-mini",
                    "demo",
                ]),
            },
        }
    }
}
string_enum!(Tier { Free => "free", Pro => "pro", Enterprise => "enterprise" });

/// A Stripe subscription's status, as Stripe names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    /// Created, first payment not yet made.
    Incomplete,
    /// The first payment was never made.
    IncompleteExpired,
    /// In a free trial.
    Trialing,
    /// Paid up.
    Active,
    /// A renewal payment failed; Stripe is retrying.
    PastDue,
    /// Ended.
    Canceled,
    /// Retries ran out without payment.
    Unpaid,
    /// A trial ended without a payment method.
    Paused,
}
string_enum!(SubscriptionStatus {
    Incomplete => "incomplete",
    IncompleteExpired => "incomplete_expired",
    Trialing => "trialing",
    Active => "active",
    PastDue => "past_due",
    Canceled => "canceled",
    Unpaid => "unpaid",
    Paused => "paused",
});

impl Tier {
    /// Every tier, cheapest first.
    pub const ALL: [Tier; 3] = [Tier::Free, Tier::Pro, Tier::Enterprise];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_and_roles_round_trip_through_their_names() {
        for tier in [Tier::Free, Tier::Pro, Tier::Enterprise] {
            assert_eq!(tier.as_str().parse::<Tier>(), Ok(tier));
            assert_eq!(
                serde_json::to_string(&tier).expect("serialises"),
                format!("\"{tier}\"")
            );
        }
        for role in [Role::User, Role::Admin] {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("gold".parse::<Tier>().is_err());
    }
}
