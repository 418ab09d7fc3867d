//! The few Stripe API calls billing makes: form-encoded requests with the
//! secret key as bearer token, JSON answers.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

/// A failed Stripe call; the message is for the log, never the client.
#[derive(Debug, thiserror::Error)]
#[error("Stripe {call}: {reason}")]
pub struct StripeError {
    call: &'static str,
    reason: String,
}

impl StripeError {
    /// An answer of an unexpected shape.
    pub fn unexpected(call: &'static str, reason: impl Into<String>) -> Self {
        Self {
            call,
            reason: reason.into(),
        }
    }
}

/// A Stripe API client.
#[derive(Clone)]
pub struct Stripe {
    http: reqwest::Client,
    base: String,
    key: SecretString,
}

#[derive(Deserialize)]
struct Created {
    id: String,
    #[serde(default)]
    url: Option<String>,
}

impl Stripe {
    /// A client for the API at `base` (`https://api.stripe.com`).
    pub fn new(base: &str, key: SecretString) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap_or_default();
        Self {
            http,
            base: base.trim_end_matches('/').to_string(),
            key,
        }
    }

    /// Creates the customer for a user. The idempotency key makes two
    /// concurrent first checkouts get the same customer.
    pub async fn create_customer(&self, user_id: i64, email: &str) -> Result<String, StripeError> {
        let user = user_id.to_string();
        let form = [("email", email), ("metadata[user_id]", &user)];
        let idempotency = format!("mentor-customer-{user_id}");
        let created: Created = self
            .post(
                "create customer",
                "/v1/customers",
                &form,
                Some(&idempotency),
            )
            .await?;
        Ok(created.id)
    }

    /// Creates a subscription Checkout Session; returns its page's URL.
    pub async fn create_checkout_session(
        &self,
        checkout: &Checkout<'_>,
    ) -> Result<String, StripeError> {
        let user = checkout.user_id.to_string();
        let form = [
            ("mode", "subscription"),
            ("customer", checkout.customer),
            ("client_reference_id", &user),
            ("line_items[0][price]", checkout.price),
            ("line_items[0][quantity]", "1"),
            ("success_url", checkout.success_url),
            ("cancel_url", checkout.cancel_url),
            ("metadata[user_id]", &user),
            ("subscription_data[metadata][user_id]", &user),
        ];
        let created: Created = self
            .post(
                "create checkout session",
                "/v1/checkout/sessions",
                &form,
                None,
            )
            .await?;
        created.url.ok_or_else(|| StripeError {
            call: "create checkout session",
            reason: format!("session {} has no url", created.id),
        })
    }

    /// Creates a Customer Portal session; returns its page's URL.
    pub async fn create_portal_session(
        &self,
        customer: &str,
        return_url: &str,
    ) -> Result<String, StripeError> {
        let form = [("customer", customer), ("return_url", return_url)];
        let created: Created = self
            .post(
                "create portal session",
                "/v1/billing_portal/sessions",
                &form,
                None,
            )
            .await?;
        created.url.ok_or_else(|| StripeError {
            call: "create portal session",
            reason: format!("session {} has no url", created.id),
        })
    }

    /// A subscription as Stripe holds it now.
    pub async fn subscription(&self, id: &str) -> Result<Value, StripeError> {
        self.get("retrieve subscription", &format!("/v1/subscriptions/{id}"))
            .await
    }

    /// The ids of the customer's subscriptions that are not over yet
    /// (Stripe's `status=all` list, without the canceled and expired ones).
    pub async fn live_subscriptions(&self, customer: &str) -> Result<Vec<String>, StripeError> {
        #[derive(Deserialize)]
        struct Listed {
            id: String,
            status: String,
        }
        #[derive(Deserialize)]
        struct Page {
            data: Vec<Listed>,
            has_more: bool,
        }
        let mut live = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut path = format!("/v1/subscriptions?customer={customer}&status=all&limit=100");
            if let Some(last) = &after {
                path.push_str(&format!("&starting_after={last}"));
            }
            let page: Page = self.get("list subscriptions", &path).await?;
            after = page.data.last().map(|s| s.id.clone());
            live.extend(
                page.data
                    .into_iter()
                    .filter(|s| !matches!(s.status.as_str(), "canceled" | "incomplete_expired"))
                    .map(|s| s.id),
            );
            if !page.has_more || after.is_none() {
                return Ok(live);
            }
        }
    }

    /// Cancels a subscription at once (no proration, no final invoice).
    /// One Stripe no longer has counts as cancelled.
    pub async fn cancel_subscription(&self, id: &str) -> Result<(), StripeError> {
        self.delete("cancel subscription", &format!("/v1/subscriptions/{id}"))
            .await
    }

    /// Deletes a customer (Stripe keeps its invoices). One Stripe no longer
    /// has counts as deleted.
    pub async fn delete_customer(&self, id: &str) -> Result<(), StripeError> {
        self.delete("delete customer", &format!("/v1/customers/{id}"))
            .await
    }

    /// A price.
    pub async fn price(&self, id: &str) -> Result<Value, StripeError> {
        self.get("retrieve price", &format!("/v1/prices/{id}"))
            .await
    }

    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        call: &'static str,
        path: &str,
        form: &[(&str, &str)],
        idempotency_key: Option<&str>,
    ) -> Result<T, StripeError> {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(self.key.expose_secret())
            .form(form);
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        Self::answer(call, request.send().await).await
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        call: &'static str,
        path: &str,
    ) -> Result<T, StripeError> {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(self.key.expose_secret());
        Self::answer(call, request.send().await).await
    }

    /// A DELETE whose answer only matters as success, or 404 (gone already).
    async fn delete(&self, call: &'static str, path: &str) -> Result<(), StripeError> {
        let sent = self
            .http
            .delete(format!("{}{path}", self.base))
            .bearer_auth(self.key.expose_secret())
            .send()
            .await;
        if sent
            .as_ref()
            .is_ok_and(|r| r.status() == reqwest::StatusCode::NOT_FOUND)
        {
            tracing::info!(call, "Stripe has no such object any more");
            return Ok(());
        }
        Self::answer::<Value>(call, sent).await.map(drop)
    }

    async fn answer<T: serde::de::DeserializeOwned>(
        call: &'static str,
        sent: reqwest::Result<reqwest::Response>,
    ) -> Result<T, StripeError> {
        let fail = |reason: String| StripeError { call, reason };
        let response = sent.map_err(|e| fail(format!("unreachable: {e}")))?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .map_err(|e| fail(format!("HTTP {status}, unreadable body: {e}")))?;
        if !status.is_success() {
            let message = body["error"]["message"].as_str().unwrap_or("no message");
            return Err(fail(format!("HTTP {status}: {message}")));
        }
        serde_json::from_value(body).map_err(|e| fail(format!("unexpected answer: {e}")))
    }
}

/// What a Checkout Session is created with.
pub struct Checkout<'a> {
    /// The user buying.
    pub user_id: i64,
    /// Their Stripe customer.
    pub customer: &'a str,
    /// The tier's price id.
    pub price: &'a str,
    /// Where Stripe sends the browser after paying.
    pub success_url: &'a str,
    /// Where Stripe sends the browser on giving up.
    pub cancel_url: &'a str,
}
