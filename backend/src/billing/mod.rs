//! Subscriptions through Stripe: Checkout to subscribe, the Customer Portal
//! to manage, and signed webhook events that set the user's tier.
//!
//! The tier lives on the user row, so the next ask (which reads that row)
//! sees a change at once. Each event id is applied at most once, and an
//! event older than the one a subscription last reflected changes nothing.

mod error;
mod settings;
pub mod signature;
pub mod stripe;
pub mod subscription;

pub use error::BillingError;
pub use settings::BillingSettings;

use chrono::NaiveDateTime;
use diesel::Connection;
use secrecy::ExposeSecret;
use serde_json::Value;
use shared_types::{BillingStatus, PlanOffer, Price, SubscriptionStatus, Tier};
use tokio::sync::RwLock;

use crate::ai::catalogue::Catalogue;
use crate::audit::{self, Action, Actor, Event, Origin};
use crate::db::subscriptions::{self as db, SubscriptionChange};
use crate::db::{self as database, Db, Pool, Scope, users};
use crate::notices::{self, Notice, Notices};
use stripe::{Checkout, Stripe, StripeError};
use subscription::SubscriptionFacts;

/// Checkout, portal, plans and webhooks.
pub struct Billing {
    settings: BillingSettings,
    stripe: Stripe,
    pool: Pool,
    /// Started, ended and failed-payment mail.
    notices: Notices,
    /// Prices read from Stripe, by price id (a price never changes at
    /// Stripe: a new price gets a new id).
    prices: RwLock<Vec<(String, Price)>>,
}

/// A Stripe price as monthly revenue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyPrice {
    /// Stripe's price id.
    pub id: String,
    /// Per month, in the currency's smallest unit.
    pub monthly_minor: i64,
    /// ISO 4217, lower case.
    pub currency: String,
}

/// What a webhook delivery came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Applied now.
    Applied,
    /// This event id was applied before.
    Repeated,
}

impl Billing {
    /// Billing with these settings.
    pub fn new(settings: BillingSettings, pool: Pool, notices: Notices) -> Self {
        let stripe = Stripe::new(&settings.api_base, settings.secret_key.clone());
        Self {
            settings,
            stripe,
            pool,
            notices,
            prices: RwLock::default(),
        }
    }

    /// Every tier with its price (with billing on), quotas and models, as
    /// the live `catalogue` has them.
    pub async fn plans(
        billing: Option<&Self>,
        catalogue: &Catalogue,
    ) -> Result<Vec<PlanOffer>, BillingError> {
        let mut offers = Vec::new();
        for tier in Tier::ALL {
            let price = match billing.and_then(|b| b.price_id(tier).map(|id| (b, id))) {
                Some((billing, id)) => Some(billing.price(id).await?),
                None => None,
            };
            let plan = catalogue.plan(tier);
            offers.push(PlanOffer {
                tier,
                price,
                monthly_questions: plan.monthly_questions,
                per_minute: plan.per_minute,
                models: plan.fallback_models.clone(),
            });
        }
        Ok(offers)
    }

    /// A Checkout page for `tier`, creating the user's customer the first time.
    pub async fn checkout(&self, user_id: i64, tier: Tier) -> Result<String, BillingError> {
        let price = self.price_id(tier).ok_or_else(|| {
            BillingError::InvalidInput("Choose a paid tier: pro or enterprise.".into())
        })?;
        let customer = self.customer(user_id).await?;
        let success_url = format!("{}/billing/success", self.settings.public_url);
        let cancel_url = format!("{}/billing/cancel", self.settings.public_url);
        let url = self
            .stripe
            .create_checkout_session(&Checkout {
                user_id,
                customer: &customer,
                price,
                success_url: &success_url,
                cancel_url: &cancel_url,
            })
            .await?;
        tracing::info!(user_id, %tier, "checkout started");
        Ok(url)
    }

    /// A Customer Portal page for the user's subscription.
    pub async fn portal(&self, user_id: i64) -> Result<String, BillingError> {
        let user = self.user(user_id).await?;
        let customer = user
            .stripe_customer_id
            .ok_or(BillingError::NoSubscription)?;
        let return_url = format!("{}/billing/cancel", self.settings.public_url);
        Ok(self
            .stripe
            .create_portal_session(&customer, &return_url)
            .await?)
    }

    /// Ends the customer at Stripe when its account is deleted: every
    /// subscription not over yet is cancelled at once, then the customer is
    /// deleted. Each step may be repeated safely.
    pub async fn forget_customer(&self, customer: &str) -> Result<(), BillingError> {
        for subscription in self.stripe.live_subscriptions(customer).await? {
            self.stripe.cancel_subscription(&subscription).await?;
            tracing::info!(%subscription, "subscription cancelled with its account");
        }
        self.stripe.delete_customer(customer).await?;
        tracing::info!(%customer, "Stripe customer deleted with its account");
        Ok(())
    }

    /// Verifies and applies one webhook delivery.
    pub async fn webhook(&self, signature: &str, payload: &[u8]) -> Result<Delivery, BillingError> {
        let secret = self.settings.webhook_secret.expose_secret().as_bytes();
        let now = chrono::Utc::now().timestamp();
        if let Err(reason) = signature::verify(signature, payload, secret, now) {
            tracing::warn!(%reason, "Stripe webhook refused");
            return Err(BillingError::InvalidInput(
                "The Stripe-Signature does not match.".into(),
            ));
        }
        let event: Value = serde_json::from_slice(payload)
            .map_err(|e| BillingError::InvalidInput(format!("The event is not JSON: {e}")))?;
        let (Some(id), Some(kind), Some(created)) = (
            event["id"].as_str().map(str::to_string),
            event["type"].as_str().map(str::to_string),
            event["created"].as_i64(),
        ) else {
            return Err(BillingError::InvalidInput(
                "The event has no id, type or created time.".into(),
            ));
        };
        let seen = id.clone();
        if self
            .pool
            .read(Scope::System, move |conn| {
                Ok::<_, BillingError>(db::event_seen(conn, &seen)?)
            })
            .await?
        {
            return Ok(Delivery::Repeated);
        }
        let object = &event["data"]["object"];
        // What the event says about which subscription, fetched first: no
        // network call happens inside the database transaction.
        let (facts, reference) = match kind.as_str() {
            "customer.subscription.created"
            | "customer.subscription.updated"
            | "customer.subscription.deleted" => (
                Some(SubscriptionFacts::from_object(object).map_err(BillingError::InvalidInput)?),
                None,
            ),
            "checkout.session.completed" => {
                let reference = object["client_reference_id"]
                    .as_str()
                    .and_then(|id| id.parse::<i64>().ok())
                    .zip(object["customer"].as_str().map(str::to_string));
                (
                    self.fetch(object["subscription"].as_str()).await?,
                    reference,
                )
            }
            "invoice.paid" | "invoice.payment_failed" => {
                let subscription = object["subscription"]
                    .as_str()
                    .or_else(|| object["parent"]["subscription_details"]["subscription"].as_str());
                (self.fetch(subscription).await?, None)
            }
            _ => (None, None),
        };
        let tiers = self.tiers();
        let grace = chrono::Duration::from_std(self.settings.grace_period)
            .unwrap_or(chrono::Duration::days(3));
        let failed_invoice = (kind == "invoice.payment_failed")
            .then(|| object["id"].as_str().unwrap_or_default().to_string());
        let notices = self.notices.clone();
        let (delivery, noticed) = self
            .pool
            .write(Scope::System, move |conn| {
                conn.transaction(|conn| {
                    let now = database::now();
                    if !db::record_event(conn, &id, &kind, now)? {
                        return Ok((Delivery::Repeated, false));
                    }
                    if let Some((user_id, customer)) = &reference {
                        db::set_customer(conn, *user_id, customer)?;
                    }
                    let Some(facts) = &facts else {
                        return Ok((Delivery::Applied, false));
                    };
                    let Some(applied) = apply(conn, facts, created, &tiers, grace, now)? else {
                        return Ok((Delivery::Applied, false));
                    };
                    let mut noticed = false;
                    if let Some(notice) = notices::subscription_notice(
                        applied.status_before,
                        facts.status,
                        applied.tier,
                    ) {
                        noticed |= notices.queue(conn, applied.user_id, notice, &facts.id)?;
                    }
                    if let Some(invoice) = &failed_invoice {
                        let notice = Notice::PaymentFailed(applied.tier);
                        noticed |= notices.queue(conn, applied.user_id, notice, invoice)?;
                    }
                    Ok::<_, BillingError>((Delivery::Applied, noticed))
                })
            })
            .await?;
        if noticed {
            self.notices.wake();
        }
        Ok(delivery)
    }

    async fn fetch(
        &self,
        subscription: Option<&str>,
    ) -> Result<Option<SubscriptionFacts>, BillingError> {
        let Some(id) = subscription else {
            return Ok(None);
        };
        let object = self.stripe.subscription(id).await?;
        SubscriptionFacts::from_object(&object)
            .map(Some)
            .map_err(|e| StripeError::unexpected("retrieve subscription", e).into())
    }

    /// The price id for each paid tier.
    fn tiers(&self) -> Vec<(String, Tier)> {
        vec![
            (self.settings.price_pro.clone(), Tier::Pro),
            (self.settings.price_enterprise.clone(), Tier::Enterprise),
        ]
    }

    fn price_id(&self, tier: Tier) -> Option<&str> {
        match tier {
            Tier::Free => None,
            Tier::Pro => Some(&self.settings.price_pro),
            Tier::Enterprise => Some(&self.settings.price_enterprise),
        }
    }

    async fn price(&self, id: &str) -> Result<Price, BillingError> {
        if let Some((_, price)) = self.prices.read().await.iter().find(|(p, _)| p == id) {
            return Ok(price.clone());
        }
        let object = self.stripe.price(id).await?;
        let price = price_of(&object)
            .map_err(|e| BillingError::from(StripeError::unexpected("retrieve price", e)))?;
        self.prices
            .write()
            .await
            .push((id.to_string(), price.clone()));
        Ok(price)
    }

    /// What each price brings per month, in its currency's smallest unit:
    /// yearly prices count a twelfth, weekly ones 52/12.
    pub async fn monthly_prices(&self, ids: &[String]) -> Result<Vec<MonthlyPrice>, BillingError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let price = self.price(id).await?;
            let monthly_minor = match price.interval.as_str() {
                "year" => price.amount_minor / 12,
                "week" => price.amount_minor * 52 / 12,
                "day" => price.amount_minor * 365 / 12,
                _ => price.amount_minor,
            };
            out.push(MonthlyPrice {
                id: id.clone(),
                monthly_minor,
                currency: price.currency,
            });
        }
        Ok(out)
    }

    async fn user(&self, user_id: i64) -> Result<database::models::UserRow, BillingError> {
        self.pool
            .read(Scope::User(user_id), move |conn| {
                Ok::<_, BillingError>(users::find(conn, user_id)?)
            })
            .await?
            .ok_or(BillingError::AccountGone)
    }

    /// The user's Stripe customer, created on first use.
    async fn customer(&self, user_id: i64) -> Result<String, BillingError> {
        let user = self.user(user_id).await?;
        if let Some(customer) = user.stripe_customer_id {
            return Ok(customer);
        }
        let created = self.stripe.create_customer(user_id, &user.email).await?;
        let stored = self
            .pool
            .write(Scope::User(user_id), move |conn| {
                Ok::<_, BillingError>(db::set_customer(conn, user_id, &created)?)
            })
            .await?;
        stored.ok_or_else(|| BillingError::Internal("the customer id was not stored".into()))
    }
}

/// What applying an event did to a subscription.
struct Applied {
    user_id: i64,
    /// The subscription's status before (`None`: new to us).
    status_before: Option<SubscriptionStatus>,
    /// The subscription's tier.
    tier: Tier,
}

/// Writes what `facts` says about a subscription, unless a newer event was
/// applied to it already, then sets its user's tier from all their
/// subscriptions. `None` when nothing changed (an older event, or no known
/// user: an account deleted since, say).
fn apply(
    conn: &mut Db,
    facts: &SubscriptionFacts,
    event_at: i64,
    tiers: &[(String, Tier)],
    grace: chrono::Duration,
    now: NaiveDateTime,
) -> diesel::QueryResult<Option<Applied>> {
    let existing = db::find(conn, &facts.id)?;
    if existing
        .as_ref()
        .is_some_and(|row| row.last_event_at > event_at)
    {
        tracing::info!(subscription = %facts.id, event_at, "older Stripe event ignored");
        return Ok(None);
    }
    let user_id = match existing.as_ref().map(|row| row.user_id) {
        Some(id) => Some(id),
        None => match db::user_by_customer(conn, &facts.customer)? {
            Some(user) => Some(user.id),
            None => facts.user_id,
        },
    };
    let (user_id, tier_before) = match user_id
        .map(|id| users::find(conn, id))
        .transpose()?
        .flatten()
    {
        Some(user) => (user.id, user.tier()),
        None => {
            tracing::warn!(subscription = %facts.id, customer = %facts.customer, "Stripe subscription of no known user");
            return Ok(None);
        }
    };
    let status_before = existing.as_ref().and_then(|row| row.status.parse().ok());
    let subscribed = tiers
        .iter()
        .find(|(price, _)| *price == facts.price_id)
        .map_or_else(
            || {
                tracing::warn!(price = %facts.price_id, "Stripe price of no tier; counted as free");
                Tier::Free
            },
            |(_, tier)| *tier,
        );
    let past_due_since = (facts.status == SubscriptionStatus::PastDue).then(|| {
        existing
            .as_ref()
            .and_then(|row| row.past_due_since)
            .unwrap_or_else(|| unix(event_at).unwrap_or(now))
    });
    db::upsert(
        conn,
        &SubscriptionChange {
            user_id,
            stripe_subscription_id: &facts.id,
            stripe_price_id: &facts.price_id,
            tier: subscribed.as_str(),
            status: facts.status.as_str(),
            current_period_end: facts.current_period_end.and_then(unix),
            cancel_at_period_end: facts.cancel_at_period_end,
            past_due_since,
            last_event_at: event_at,
            updated_at: now,
        },
        now,
    )?;
    let entitlements = db::for_user(conn, user_id)?.into_iter().filter_map(|row| {
        subscription::entitlement(
            row.tier.parse().ok()?,
            row.status.parse().ok()?,
            row.past_due_since,
            grace,
            now,
        )
    });
    let (tier, expires_at) = subscription::best(entitlements);
    db::set_tier(conn, user_id, tier.as_str(), expires_at, now)?;
    let event = Event::new(Actor::Stripe, Action::SubscriptionChanged)
        .on_user(user_id)
        .details(serde_json::json!({
            "subscription": facts.id,
            "status": facts.status.as_str(),
            "tier_before": tier_before.as_str(),
            "tier_after": tier.as_str(),
        }));
    audit::record(conn, &Origin::default(), event)?;
    tracing::info!(user_id, subscription = %facts.id, status = %facts.status, %tier, "subscription applied");
    Ok(Some(Applied {
        user_id,
        status_before,
        tier: subscribed,
    }))
}

/// The user's tier and latest subscription.
pub async fn status(pool: &Pool, user_id: i64) -> Result<BillingStatus, BillingError> {
    pool.read(Scope::User(user_id), move |conn| {
        let user = users::find(conn, user_id)?.ok_or(BillingError::AccountGone)?;
        let latest = db::for_user(conn, user_id)?.into_iter().next();
        Ok(BillingStatus {
            tier: user.tier(),
            status: latest.as_ref().and_then(|row| row.status.parse().ok()),
            current_period_end: latest
                .as_ref()
                .and_then(|row| row.current_period_end)
                .map(database::rfc3339),
            cancel_at_period_end: latest.is_some_and(|row| row.cancel_at_period_end),
        })
    })
    .await
}

fn unix(secs: i64) -> Option<NaiveDateTime> {
    chrono::DateTime::from_timestamp(secs, 0).map(|t| t.naive_utc())
}

/// A Stripe price object as a [`Price`].
fn price_of(object: &Value) -> Result<Price, String> {
    let amount_minor = object["unit_amount"]
        .as_i64()
        .ok_or("the price has no unit_amount")?;
    let currency = object["currency"]
        .as_str()
        .ok_or("the price has no currency")?
        .to_ascii_lowercase();
    let interval = object["recurring"]["interval"]
        .as_str()
        .ok_or("the price is not recurring")?
        .to_string();
    let display = format!("{} / {interval}", money(amount_minor, &currency));
    Ok(Price {
        amount_minor,
        currency,
        interval,
        display,
    })
}

/// `900, "usd"` as `$9.00`; currencies without a symbol here as `9.00 CHF`.
pub fn money(amount_minor: i64, currency: &str) -> String {
    // Stripe's zero-decimal currencies among the common ones.
    let decimals = if matches!(currency, "jpy" | "krw" | "vnd" | "clp") {
        0
    } else {
        2
    };
    let scale = 10_i64.pow(decimals);
    let number = if decimals == 0 {
        amount_minor.to_string()
    } else {
        format!(
            "{}.{:02}",
            amount_minor / scale,
            (amount_minor % scale).abs()
        )
    };
    match currency {
        "usd" => format!("${number}"),
        "eur" => format!("€{number}"),
        "gbp" => format!("£{number}"),
        "jpy" => format!("¥{number}"),
        other => format!("{number} {}", other.to_ascii_uppercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prices_read_as_people_write_them() {
        let price = price_of(&json!({
            "id": "price_pro", "object": "price", "unit_amount": 900, "currency": "usd",
            "recurring": {"interval": "month"}
        }))
        .expect("reads");
        assert_eq!(price.display, "$9.00 / month");
        assert_eq!(money(2_950, "eur"), "€29.50");
        assert_eq!(money(1_000, "jpy"), "¥1000");
        assert_eq!(money(1_205, "chf"), "12.05 CHF");
        assert!(price_of(&json!({"unit_amount": 900, "currency": "usd"})).is_err());
    }
}
