//! Stripe billing against the Stripe stand-in: configuration, checkout and
//! portal requests, signed webhooks (tampered, stale, replayed, out of
//! order), and the whole path from a used-up free quota to Pro and back.

use std::time::Duration;

use mentor::billing::signature;
use mentor::config::BillingSettings;
use mentor_stand_ins::FakeStripe;
use mentor_stand_ins::stripe::{event, subscription_object};
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app, spawn_app_with};

const WEBHOOK_SECRET: &str = "whsec_test_mentor";
const SECRET_KEY: &str = "sk_test_mentor";
const DAY: i64 = 24 * 3600;

pub(crate) struct Billed {
    pub(crate) app: TestApp,
    pub(crate) stripe: FakeStripe,
    _dir: tempfile::TempDir,
}

/// An app with billing on, whose free tier has 2 questions a month and no
/// per-minute limit in the way.
pub(crate) async fn spawn_billed() -> Billed {
    let stripe = FakeStripe::start();
    stripe.put_price("price_pro", 900, "usd");
    stripe.put_price("price_enterprise", 2_900, "usd");
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("mentor.toml");
    std::fs::write(
        &config,
        "[plans.free]\nmonthly_questions = 2\nper_minute = 1000\n[plans.pro]\nper_minute = 1000\n",
    )
    .expect("config");
    let api_base = stripe.url().to_string();
    let app = spawn_app_with(|s| {
        s.ai.config_file = Some(config);
        s.metrics_bind = Some("127.0.0.1:0".into());
        s.billing = Some(BillingSettings {
            secret_key: SecretString::from(SECRET_KEY),
            webhook_secret: SecretString::from(WEBHOOK_SECRET),
            price_pro: "price_pro".into(),
            price_enterprise: "price_enterprise".into(),
            api_base,
            public_url: "https://mentor.example".into(),
            grace_period: Duration::from_secs(3 * DAY as u64),
        });
    })
    .await;
    Billed {
        app,
        stripe,
        _dir: dir,
    }
}

/// `sub_1`, on the Pro price, its period ending 30 days after `t`.
pub(crate) fn pro_sub(customer: &str, status: &str, t: i64) -> Value {
    subscription_object("sub_1", customer, "price_pro", status, t + 30 * DAY, false)
}

pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Billed {
    /// Posts `event` signed as Stripe would, at `signed_at`.
    async fn deliver_at(&self, event: &Value, signed_at: i64) -> Reply {
        let payload = serde_json::to_vec(event).expect("json");
        let header = signature::sign(&payload, WEBHOOK_SECRET.as_bytes(), signed_at);
        self.deliver_raw(payload, &header).await
    }

    pub(crate) async fn deliver(&self, event: &Value) -> Reply {
        self.deliver_at(event, now()).await
    }

    async fn deliver_raw(&self, payload: Vec<u8>, header: &str) -> Reply {
        let response = self
            .app
            .client
            .post(format!("{}/api/v1/webhooks/stripe", self.app.address))
            .header("stripe-signature", header)
            .header("content-type", "application/json")
            .body(payload)
            .send()
            .await
            .expect("sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.json().await.unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
        }
    }

    pub(crate) async fn billing(&self, token: &str) -> Value {
        let reply = self
            .app
            .request("GET", "/api/v1/users/me/billing", Some(token), None)
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body
    }

    async fn checkout(&self, token: &str, tier: &str) -> Reply {
        self.app
            .request(
                "POST",
                "/api/v1/billing/checkout",
                Some(token),
                Some(json!({"tier": tier})),
            )
            .await
    }

    /// Registers a user and runs a checkout so they have a customer.
    pub(crate) async fn customer(&self, email: &str) -> (crate::helpers::Session, String) {
        let session = self.app.register(email).await;
        let reply = self.checkout(&session.access, "pro").await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let customer = self
            .stripe
            .received()
            .iter()
            .rev()
            .find(|r| r.path == "/v1/checkout/sessions")
            .and_then(|r| r.field("customer").map(str::to_string))
            .expect("a checkout");
        (session, customer)
    }
}

#[tokio::test]
async fn without_stripe_settings_billing_routes_answer_503_and_the_rest_works() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    // The plans still say what each tier gives, with no price.
    let plans = app
        .request("GET", "/api/v1/billing/plans", None, None)
        .await;
    assert_eq!(plans.status, 200, "{}", plans.body);
    let tiers: Vec<(&str, &Value)> = plans
        .body
        .as_array()
        .expect("plans")
        .iter()
        .map(|p| (p["tier"].as_str().unwrap_or_default(), &p["price"]))
        .collect();
    assert_eq!(
        tiers,
        [
            ("free", &Value::Null),
            ("pro", &Value::Null),
            ("enterprise", &Value::Null)
        ]
    );
    assert!(
        plans.body[1]["models"]
            .as_array()
            .is_some_and(|m| !m.is_empty())
    );
    for (method, path, token) in [
        ("POST", "/api/v1/billing/checkout", Some(s.access.as_str())),
        ("POST", "/api/v1/billing/portal", Some(s.access.as_str())),
        ("POST", "/api/v1/webhooks/stripe", None),
    ] {
        let body = (path == "/api/v1/billing/checkout").then(|| json!({"tier": "pro"}));
        app.request(method, path, token, body)
            .await
            .assert_error(503, "billing_not_configured");
    }
    let billing = app
        .request("GET", "/api/v1/users/me/billing", Some(&s.access), None)
        .await;
    assert_eq!(
        billing.body,
        json!({"tier": "free", "status": null, "current_period_end": null, "cancel_at_period_end": false})
    );
    assert_eq!(
        app.ask(&s.access, json!({"question": "q"})).await.status,
        200
    );
}

#[tokio::test]
async fn plans_list_every_tier_with_stripe_prices() {
    let billed = spawn_billed().await;
    let reply = billed
        .app
        .request("GET", "/api/v1/billing/plans", None, None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let plans = reply.body.as_array().expect("list");
    let tiers: Vec<&str> = plans
        .iter()
        .map(|p| p["tier"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(tiers, ["free", "pro", "enterprise"]);
    assert_eq!(plans[0]["price"], Value::Null);
    assert_eq!(plans[0]["monthly_questions"], 2);
    assert_eq!(plans[1]["price"]["display"], "$9.00 / month");
    assert_eq!(plans[2]["price"]["amount_minor"], 2_900);
    assert!(plans[1]["models"].as_array().is_some_and(|m| !m.is_empty()));
    // Prices are read from Stripe once.
    billed
        .app
        .request("GET", "/api/v1/billing/plans", None, None)
        .await;
    let price_reads = billed
        .stripe
        .received()
        .iter()
        .filter(|r| r.path.starts_with("/v1/prices/"))
        .count();
    assert_eq!(price_reads, 2);
}

#[tokio::test]
async fn checkout_creates_the_customer_once_and_sends_what_stripe_needs() {
    let billed = spawn_billed().await;
    let s = billed.app.register("ada@example.com").await;
    let first = billed.checkout(&s.access, "pro").await;
    assert_eq!(first.status, 200, "{}", first.body);
    let url = first.body["url"].as_str().expect("url");
    assert!(
        url.starts_with(&format!("{}/c/pay/cs_test_", billed.stripe.url())),
        "{url}"
    );
    let second = billed.checkout(&s.access, "enterprise").await;
    assert_eq!(second.status, 200);

    let received = billed.stripe.received();
    let customers: Vec<_> = received
        .iter()
        .filter(|r| r.path == "/v1/customers")
        .collect();
    assert_eq!(customers.len(), 1, "one customer, reused");
    assert_eq!(customers[0].field("email"), Some("ada@example.com"));
    assert_eq!(
        customers[0].idempotency_key.as_deref(),
        Some(format!("mentor-customer-{}", s.user_id).as_str())
    );
    let sessions: Vec<_> = received
        .iter()
        .filter(|r| r.path == "/v1/checkout/sessions")
        .collect();
    assert_eq!(sessions.len(), 2);
    let user = s.user_id.to_string();
    let session = sessions[0];
    assert_eq!(session.method, "POST");
    assert_eq!(
        session.authorization.as_deref(),
        Some(format!("Bearer {SECRET_KEY}").as_str())
    );
    assert_eq!(session.field("mode"), Some("subscription"));
    assert_eq!(session.field("client_reference_id"), Some(user.as_str()));
    assert_eq!(session.field("line_items[0][price]"), Some("price_pro"));
    assert_eq!(session.field("line_items[0][quantity]"), Some("1"));
    assert!(
        session
            .field("customer")
            .is_some_and(|c| c.starts_with("cus_test"))
    );
    assert_eq!(
        session.field("success_url"),
        Some("https://mentor.example/billing/success")
    );
    assert_eq!(
        session.field("cancel_url"),
        Some("https://mentor.example/billing/cancel")
    );
    assert_eq!(
        sessions[1].field("line_items[0][price]"),
        Some("price_enterprise")
    );
    assert_eq!(sessions[0].field("customer"), sessions[1].field("customer"));

    billed
        .checkout(&s.access, "free")
        .await
        .assert_error(400, "invalid_request");
    billed
        .checkout(&s.access, "gold")
        .await
        .assert_error(400, "invalid_request");
    billed
        .checkout("not-a-token", "pro")
        .await
        .assert_error(401, "invalid_token");
}

#[tokio::test]
async fn the_portal_needs_a_customer_and_returns_stripes_page() {
    let billed = spawn_billed().await;
    let s = billed.app.register("ada@example.com").await;
    let portal = |token: String| {
        let app = &billed.app;
        async move {
            app.request("POST", "/api/v1/billing/portal", Some(&token), None)
                .await
        }
    };
    portal(s.access.clone())
        .await
        .assert_error(404, "not_found");
    billed.checkout(&s.access, "pro").await;
    let reply = portal(s.access.clone()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        reply.body["url"]
            .as_str()
            .is_some_and(|u| u.contains("/p/session/bps_test"))
    );
    let sent = billed.stripe.received();
    let request = sent
        .iter()
        .find(|r| r.path == "/v1/billing_portal/sessions")
        .expect("portal");
    assert!(
        request
            .field("customer")
            .is_some_and(|c| c.starts_with("cus_"))
    );
    assert_eq!(
        request.field("return_url"),
        Some("https://mentor.example/billing/cancel")
    );
}

#[tokio::test]
async fn webhooks_with_a_bad_signature_are_refused_and_change_nothing() {
    let billed = spawn_billed().await;
    let (s, customer) = billed.customer("ada@example.com").await;
    let sub = pro_sub(&customer, "active", now());
    let good = event("evt_1", "customer.subscription.created", now(), sub);
    let payload = serde_json::to_vec(&good).expect("json");
    let header = signature::sign(&payload, WEBHOOK_SECRET.as_bytes(), now());

    // Tampered: the same signature over another body.
    let mut tampered = good.clone();
    tampered["data"]["object"]["items"]["data"][0]["price"]["id"] = json!("price_enterprise");
    billed
        .deliver_raw(serde_json::to_vec(&tampered).expect("json"), &header)
        .await
        .assert_error(400, "invalid_request");
    // Another secret.
    let forged = signature::sign(&payload, b"whsec_forged", now());
    billed
        .deliver_raw(payload.clone(), &forged)
        .await
        .assert_error(400, "invalid_request");
    // Stale: signed six minutes ago.
    billed
        .deliver_at(&good, now() - 360)
        .await
        .assert_error(400, "invalid_request");
    // No header at all.
    billed
        .deliver_raw(payload.clone(), "")
        .await
        .assert_error(400, "invalid_request");
    assert_eq!(billed.billing(&s.access).await["tier"], "free");

    // The genuine delivery is applied.
    let reply = billed.deliver_raw(payload, &header).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(billed.billing(&s.access).await["tier"], "pro");
}

#[tokio::test]
async fn a_replayed_event_is_answered_200_and_applied_once() {
    let billed = spawn_billed().await;
    let (s, customer) = billed.customer("ada@example.com").await;
    let t = now();
    let active = pro_sub(&customer, "active", t);
    let created = event("evt_1", "customer.subscription.created", t - 10, active);
    assert_eq!(billed.deliver(&created).await.body["repeat"], false);
    // A later cancellation, then a replay of the first event.
    let canceled = pro_sub(&customer, "canceled", t);
    billed
        .deliver(&event(
            "evt_2",
            "customer.subscription.deleted",
            t,
            canceled,
        ))
        .await;
    let replay = billed.deliver(&created).await;
    assert_eq!(
        (replay.status, replay.body["repeat"].clone()),
        (200, json!(true))
    );
    assert_eq!(billed.billing(&s.access).await["tier"], "free");
    let recorded: i64 = billed.app.with_db(|conn| {
        use diesel::{QueryDsl, RunQueryDsl};
        use mentor::db::schema::stripe_events::dsl::*;
        stripe_events.count().get_result(conn).expect("count")
    });
    assert_eq!(recorded, 2);
    // Each applied event left one audit row, by Stripe, with the tiers.
    let audited: Vec<(String, String)> = billed.app.with_db(|conn| {
        use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
        use mentor::db::schema::audit_log::dsl::*;
        audit_log
            .filter(action.eq("billing.subscription_changed"))
            .order(id.asc())
            .select((actor_type, details))
            .load(conn)
            .expect("audit rows")
    });
    let tiers: Vec<(String, Value)> = audited
        .into_iter()
        .map(|(who, d)| (who, serde_json::from_str(&d).expect("json")))
        .collect();
    assert_eq!(tiers.len(), 2);
    assert_eq!(tiers[0].0, "stripe");
    assert_eq!(
        (&tiers[0].1["tier_before"], &tiers[0].1["tier_after"]),
        (&json!("free"), &json!("pro"))
    );
    assert_eq!(tiers[1].1["tier_after"], "free");
    assert_eq!(tiers[1].1["status"], "canceled");

    // The metrics count each delivery by its verified type and result.
    let base = billed.app.metrics_address.clone().expect("metrics address");
    let text = billed
        .app
        .client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("body");
    for line in [
        r#"mentor_stripe_webhook_events_total{result="applied",type="customer.subscription.created"} 1"#,
        r#"mentor_stripe_webhook_events_total{result="repeated",type="customer.subscription.created"} 1"#,
        r#"mentor_stripe_webhook_events_total{result="applied",type="customer.subscription.deleted"} 1"#,
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
    }
}

#[tokio::test]
async fn an_older_event_arriving_late_never_overwrites_newer_state() {
    let billed = spawn_billed().await;
    let (s, customer) = billed.customer("ada@example.com").await;
    let t = now();
    let canceled = pro_sub(&customer, "canceled", t);
    let active = pro_sub(&customer, "active", t);
    // Stripe sent created (t-60) then deleted (t); they arrive the other way round.
    billed
        .deliver(&event(
            "evt_new",
            "customer.subscription.deleted",
            t,
            canceled,
        ))
        .await;
    let late = billed
        .deliver(&event(
            "evt_old",
            "customer.subscription.created",
            t - 60,
            active,
        ))
        .await;
    assert_eq!(late.status, 200);
    let billing = billed.billing(&s.access).await;
    assert_eq!(
        (billing["tier"].clone(), billing["status"].clone()),
        (json!("free"), json!("canceled"))
    );
}

#[tokio::test]
async fn past_due_keeps_the_tier_for_the_grace_period_then_falls_to_free() {
    let billed = spawn_billed().await;
    let (s, customer) = billed.customer("ada@example.com").await;
    let t = now();
    let sub = |status: &str| pro_sub(&customer, status, t);
    billed
        .deliver(&event(
            "evt_1",
            "customer.subscription.created",
            t - 100,
            sub("active"),
        ))
        .await;
    // The renewal payment failed: the invoice event names the subscription,
    // whose current state is fetched from Stripe.
    billed.stripe.put_subscription(sub("past_due"));
    let invoice = json!({"id": "in_1", "object": "invoice", "customer": customer,
                         "parent": {"subscription_details": {"subscription": "sub_1"}}});
    let reply = billed
        .deliver(&event(
            "evt_2",
            "invoice.payment_failed",
            t - 50,
            invoice.clone(),
        ))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let billing = billed.billing(&s.access).await;
    assert_eq!(
        (billing["tier"].clone(), billing["status"].clone()),
        (json!("pro"), json!("past_due"))
    );

    // Four days on (moved back in the database), the grace period is over.
    billed.app.with_db(|conn| {
        use diesel::{ExpressionMethods, RunQueryDsl};
        use mentor::db::schema::users::dsl::*;
        let past = chrono::Utc::now().naive_utc() - chrono::Duration::days(1);
        diesel::update(users)
            .set(tier_expires_at.eq(Some(past)))
            .execute(conn)
            .expect("update");
    });
    assert_eq!(billed.billing(&s.access).await["tier"], "free");
    billed.app.ask(&s.access, json!({"question": "q"})).await;
    billed.app.ask(&s.access, json!({"question": "q"})).await;
    billed
        .app
        .ask(&s.access, json!({"question": "q"}))
        .await
        .assert_error(429, "quota_exceeded");

    // Paid after all: the tier is back at once.
    billed.stripe.put_subscription(sub("active"));
    billed
        .deliver(&event("evt_3", "invoice.paid", t, invoice))
        .await;
    assert_eq!(billed.billing(&s.access).await["tier"], "pro");
    assert_eq!(
        billed
            .app
            .ask(&s.access, json!({"question": "q"}))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn the_whole_path_from_a_used_up_free_quota_to_pro_and_back() {
    let billed = spawn_billed().await;
    let app = &billed.app;
    let s = app.register("ada@example.com").await;
    for _ in 0..2 {
        assert_eq!(
            app.ask(&s.access, json!({"question": "q"})).await.status,
            200
        );
    }
    app.ask(&s.access, json!({"question": "q"}))
        .await
        .assert_error(429, "quota_exceeded");

    // Checkout, then Stripe reports the completed session.
    let checkout = billed.checkout(&s.access, "pro").await;
    assert_eq!(checkout.status, 200, "{}", checkout.body);
    let session = billed
        .stripe
        .received()
        .into_iter()
        .find(|r| r.path == "/v1/checkout/sessions")
        .expect("session");
    let customer = session.field("customer").expect("customer").to_string();
    let t = now();
    let period_end = t + 30 * DAY;
    billed.stripe.put_subscription(subscription_object(
        "sub_1",
        &customer,
        "price_pro",
        "active",
        period_end,
        false,
    ));
    let completed = event(
        "evt_1",
        "checkout.session.completed",
        t - 30,
        json!({
            "id": "cs_test_1", "object": "checkout.session", "mode": "subscription",
            "client_reference_id": s.user_id.to_string(), "customer": customer, "subscription": "sub_1",
            "payment_status": "paid", "status": "complete"
        }),
    );
    let reply = billed.deliver(&completed).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        billed
            .stripe
            .received()
            .iter()
            .any(|r| r.method == "GET" && r.path == "/v1/subscriptions/sub_1")
    );

    // The same token (still saying free) asks again, within the pro quota.
    assert_eq!(
        app.ask(&s.access, json!({"question": "q"})).await.status,
        200
    );
    let usage = app
        .request("GET", "/api/v1/usage", Some(&s.access), None)
        .await;
    assert_eq!(usage.body["quota"]["limit"], 500, "{}", usage.body);
    let billing = billed.billing(&s.access).await;
    assert_eq!(billing["tier"], "pro");
    assert_eq!(billing["status"], "active");
    assert_eq!(billing["cancel_at_period_end"], false);
    assert!(
        billing["current_period_end"]
            .as_str()
            .is_some_and(|e| e.ends_with('Z'))
    );

    // Cancel at period end: still pro until Stripe deletes the subscription.
    let canceling =
        subscription_object("sub_1", &customer, "price_pro", "active", period_end, true);
    billed
        .deliver(&event(
            "evt_2",
            "customer.subscription.updated",
            t - 20,
            canceling.clone(),
        ))
        .await;
    let billing = billed.billing(&s.access).await;
    assert_eq!(
        (
            billing["tier"].clone(),
            billing["cancel_at_period_end"].clone()
        ),
        (json!("pro"), json!(true))
    );
    let mut ended = canceling;
    ended["status"] = json!("canceled");
    billed
        .deliver(&event(
            "evt_3",
            "customer.subscription.deleted",
            t - 10,
            ended,
        ))
        .await;
    assert_eq!(billed.billing(&s.access).await["tier"], "free");
    app.ask(&s.access, json!({"question": "q"}))
        .await
        .assert_error(429, "quota_exceeded");
    // And /users/me says so too.
    let me = app
        .request("GET", "/api/v1/users/me", Some(&s.access), None)
        .await;
    assert_eq!(me.body["subscription_tier"], "free");
}

#[tokio::test]
async fn the_return_pages_tell_the_user_to_go_back_to_the_extension() {
    let billed = spawn_billed().await;
    for path in ["/billing/success", "/billing/cancel"] {
        let response = billed
            .app
            .client
            .get(format!("{}{path}", billed.app.address))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap_or_default()
                .starts_with("text/html")
        );
        let text = response.text().await.expect("text");
        assert!(text.contains("extension"), "{text}");
    }
}

#[tokio::test]
async fn stripe_out_of_reach_is_a_502_payment_provider_error() {
    let Billed { app, stripe, _dir } = spawn_billed().await;
    stripe.stop().await;
    let s = app.register("ada@example.com").await;
    app.request(
        "POST",
        "/api/v1/billing/checkout",
        Some(&s.access),
        Some(json!({"tier": "pro"})),
    )
    .await
    .assert_error(502, "payment_provider_error");
    app.request("GET", "/api/v1/billing/plans", None, None)
        .await
        .assert_error(502, "payment_provider_error");
}

#[tokio::test]
async fn an_oversized_webhook_body_is_413_in_the_error_format() {
    let billed = spawn_billed().await;
    let payload = vec![b' '; 300 * 1024];
    let header = signature::sign(&payload, WEBHOOK_SECRET.as_bytes(), now());
    billed
        .deliver_raw(payload, &header)
        .await
        .assert_error(413, "payload_too_large");
}

#[tokio::test]
async fn analytics_price_live_subscriptions_at_stripes_prices() {
    let billed = spawn_billed().await;
    let root = billed.app.admin("root@example.com").await;
    let t = now();
    for (i, email) in ["ada@example.com", "bob@example.com"].iter().enumerate() {
        let (_, customer) = billed.customer(email).await;
        let sub = subscription_object(
            &format!("sub_{i}"),
            &customer,
            "price_pro",
            "active",
            t + 30 * DAY,
            false,
        );
        let created = event(&format!("evt_{i}"), "customer.subscription.created", t, sub);
        assert_eq!(billed.deliver(&created).await.status, 200);
    }
    let report = billed
        .app
        .request("GET", "/api/v1/admin/analytics", Some(&root.access), None)
        .await;
    assert_eq!(report.status, 200, "{}", report.body);
    let body = &report.body;
    assert_eq!(
        body["revenue"],
        json!({"currency": "usd", "mrr_minor": 1_800, "mrr": "$18.00"})
    );
    let today = body["days"]
        .as_array()
        .expect("days")
        .last()
        .expect("today")
        .clone();
    assert_eq!(today["new_subscriptions"], 2);
    assert_eq!(today["new_mrr_minor"], 1_800);
    let pro = body["tiers"]
        .as_array()
        .expect("tiers")
        .iter()
        .find(|t| t["tier"] == "pro")
        .expect("pro")
        .clone();
    assert_eq!(
        (pro["users"].as_u64(), pro["subscribed"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(body["converted_in_range"], 2);
}
