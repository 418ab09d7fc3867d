//! The rules from a Stripe subscription to a tier: which fields matter, which
//! statuses pay, and how long a failed renewal keeps the tier.

use chrono::NaiveDateTime;
use serde_json::Value;
use shared_types::{SubscriptionStatus, Tier};

/// What billing reads from a Stripe subscription object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionFacts {
    /// `sub_...`.
    pub id: String,
    /// `cus_...`.
    pub customer: String,
    /// The first item's price, `price_...`.
    pub price_id: String,
    /// Stripe's status.
    pub status: SubscriptionStatus,
    /// When the current period ends (Unix seconds).
    pub current_period_end: Option<i64>,
    /// Whether it ends rather than renews at the period end.
    pub cancel_at_period_end: bool,
    /// The user id the checkout put in the metadata.
    pub user_id: Option<i64>,
}

impl SubscriptionFacts {
    /// Reads a subscription object. The period end is read from the object
    /// or, as in Stripe API versions from 2025-03-31, from its first item.
    pub fn from_object(object: &Value) -> Result<Self, String> {
        let text = |value: &Value, what: &str| {
            value
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("the subscription has no {what}"))
        };
        let item = &object["items"]["data"][0];
        // An expanded customer is an object with its id.
        let customer = match &object["customer"] {
            Value::Object(c) => c.get("id").cloned().unwrap_or_default(),
            other => other.clone(),
        };
        Ok(Self {
            id: text(&object["id"], "id")?,
            customer: text(&customer, "customer")?,
            price_id: text(&item["price"]["id"], "price")?,
            status: text(&object["status"], "status")?.parse()?,
            current_period_end: object["current_period_end"]
                .as_i64()
                .or_else(|| item["current_period_end"].as_i64()),
            cancel_at_period_end: object["cancel_at_period_end"].as_bool().unwrap_or(false),
            user_id: object["metadata"]["user_id"]
                .as_str()
                .and_then(|id| id.parse().ok()),
        })
    }
}

/// The tier a subscription gives at `now`, and when that ends (`None`: not
/// before Stripe says otherwise). Active and trialing subscriptions give
/// their tier; past-due ones keep it for `grace` from when they fell due;
/// every other status gives nothing.
pub fn entitlement(
    tier: Tier,
    status: SubscriptionStatus,
    past_due_since: Option<NaiveDateTime>,
    grace: chrono::Duration,
    now: NaiveDateTime,
) -> Option<(Tier, Option<NaiveDateTime>)> {
    match status {
        SubscriptionStatus::Active | SubscriptionStatus::Trialing => Some((tier, None)),
        SubscriptionStatus::PastDue => {
            let end = past_due_since.unwrap_or(now) + grace;
            (now < end).then_some((tier, Some(end)))
        }
        _ => None,
    }
}

/// The best of several entitlements: the highest tier, and for that tier
/// the longest-lasting; free when there is none.
pub fn best(
    entitlements: impl IntoIterator<Item = (Tier, Option<NaiveDateTime>)>,
) -> (Tier, Option<NaiveDateTime>) {
    let rank = |tier: Tier| Tier::ALL.iter().position(|t| *t == tier).unwrap_or(0);
    // `None` (open-ended) outlasts any end.
    let lasting = |end: Option<NaiveDateTime>| end.map_or(NaiveDateTime::MAX, |e| e);
    entitlements
        .into_iter()
        .max_by_key(|(tier, end)| (rank(*tier), lasting(*end)))
        .unwrap_or((Tier::Free, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(secs: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(secs, 0)
            .expect("valid")
            .naive_utc()
    }

    #[test]
    fn reads_a_subscription_of_either_api_version() {
        let old = json!({
            "id": "sub_1", "object": "subscription", "customer": "cus_1", "status": "active",
            "current_period_end": 2000, "cancel_at_period_end": true,
            "metadata": {"user_id": "7"},
            "items": {"object": "list", "data": [{"price": {"id": "price_pro"}}]}
        });
        let facts = SubscriptionFacts::from_object(&old).expect("reads");
        assert_eq!(
            facts,
            SubscriptionFacts {
                id: "sub_1".into(),
                customer: "cus_1".into(),
                price_id: "price_pro".into(),
                status: SubscriptionStatus::Active,
                current_period_end: Some(2000),
                cancel_at_period_end: true,
                user_id: Some(7),
            }
        );
        let new = json!({
            "id": "sub_1", "customer": {"id": "cus_1"}, "status": "past_due",
            "items": {"data": [{"price": {"id": "price_pro"}, "current_period_end": 3000}]}
        });
        let facts = SubscriptionFacts::from_object(&new).expect("reads");
        assert_eq!(
            (
                facts.customer.as_str(),
                facts.current_period_end,
                facts.user_id
            ),
            ("cus_1", Some(3000), None)
        );
        assert!(SubscriptionFacts::from_object(&json!({"id": "sub_1"})).is_err());
        let odd = json!({"id": "sub_1", "customer": "cus_1", "status": "weird",
                         "items": {"data": [{"price": {"id": "p"}}]}});
        assert!(SubscriptionFacts::from_object(&odd).is_err());
    }

    #[test]
    fn only_paying_statuses_give_the_tier() {
        let grace = chrono::Duration::days(3);
        let now = at(1_000_000);
        for status in [SubscriptionStatus::Active, SubscriptionStatus::Trialing] {
            assert_eq!(
                entitlement(Tier::Pro, status, None, grace, now),
                Some((Tier::Pro, None))
            );
        }
        for status in [
            SubscriptionStatus::Canceled,
            SubscriptionStatus::Unpaid,
            SubscriptionStatus::Incomplete,
            SubscriptionStatus::IncompleteExpired,
            SubscriptionStatus::Paused,
        ] {
            assert_eq!(entitlement(Tier::Pro, status, None, grace, now), None);
        }
    }

    #[test]
    fn past_due_keeps_the_tier_through_the_grace_period_only() {
        let grace = chrono::Duration::days(3);
        let since = at(1_000_000);
        let end = since + grace;
        let past_due = |now| {
            entitlement(
                Tier::Pro,
                SubscriptionStatus::PastDue,
                Some(since),
                grace,
                now,
            )
        };
        assert_eq!(past_due(since), Some((Tier::Pro, Some(end))));
        assert_eq!(
            past_due(end - chrono::Duration::seconds(1)),
            Some((Tier::Pro, Some(end)))
        );
        assert_eq!(past_due(end), None);
    }

    #[test]
    fn the_best_entitlement_wins() {
        let soon = Some(at(10));
        assert_eq!(best([]), (Tier::Free, None));
        assert_eq!(
            best([(Tier::Pro, None), (Tier::Enterprise, soon)]),
            (Tier::Enterprise, soon)
        );
        assert_eq!(
            best([(Tier::Pro, soon), (Tier::Pro, None)]),
            (Tier::Pro, None)
        );
    }
}
