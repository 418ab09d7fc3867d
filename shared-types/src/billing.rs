//! Subscriptions: the plans on offer, checkout and portal pages, and a
//! user's billing state.

use serde::{Deserialize, Serialize};

use crate::plans::{SubscriptionStatus, Tier};

/// `POST /api/v1/billing/checkout`: the tier to buy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutRequest {
    /// `pro` or `enterprise`.
    pub tier: Tier,
}

/// A Stripe page to open in a new tab (Checkout or the Customer Portal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillingUrl {
    /// The page's address.
    pub url: String,
}

/// `GET /api/v1/users/me/billing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillingStatus {
    /// The tier in force now.
    pub tier: Tier,
    /// The latest subscription's status; `None` if the user never subscribed.
    pub status: Option<SubscriptionStatus>,
    /// When the current period ends (RFC 3339, UTC).
    pub current_period_end: Option<String>,
    /// Whether the subscription ends, rather than renews, at the period end.
    pub cancel_at_period_end: bool,
}

/// A price as Stripe holds it, and as people read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Price {
    /// In the currency's smallest unit (cents).
    pub amount_minor: i64,
    /// ISO 4217, lower case (`usd`).
    pub currency: String,
    /// `month` or `year`.
    pub interval: String,
    /// For display: `$9.00 / month`.
    pub display: String,
}

/// One plan on offer: `GET /api/v1/billing/plans` lists every tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanOffer {
    /// The tier.
    pub tier: Tier,
    /// Its price; `None` for the free tier.
    pub price: Option<Price>,
    /// Questions per calendar month; `None` means unlimited.
    pub monthly_questions: Option<u32>,
    /// Questions per minute.
    pub per_minute: u32,
    /// The models it may use, in order of preference.
    pub models: Vec<String>,
}
