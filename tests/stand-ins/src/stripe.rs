//! A Stripe API stand-in: customers (created and deleted), Checkout
//! Sessions, Customer Portal sessions, subscriptions (retrieved, listed by
//! customer, cancelled) and prices. It takes Stripe's
//! form-encoded requests with a bearer secret key, answers Stripe-shaped
//! JSON (errors included), and records every request for assertions.
//! Checkout and portal URLs point at small pages it serves itself.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

/// A request the Stripe stand-in received.
#[derive(Debug, Clone)]
pub struct StripeRequest {
    /// `GET`, `POST` or `DELETE`.
    pub method: String,
    /// The path, such as `/v1/customers`.
    pub path: String,
    /// The form fields, in order.
    pub form: Vec<(String, String)>,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The `Idempotency-Key` header.
    pub idempotency_key: Option<String>,
}

impl StripeRequest {
    /// A form field's value.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Objects {
    next: u64,
    customers: HashMap<String, Value>,
    /// Idempotency key -> the customer it created.
    idempotent: HashMap<String, String>,
    subscriptions: HashMap<String, Value>,
    prices: HashMap<String, Value>,
    received: Vec<StripeRequest>,
}

struct State {
    url: String,
    objects: Mutex<Objects>,
}

impl State {
    fn objects(&self) -> std::sync::MutexGuard<'_, Objects> {
        self.objects.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running Stripe stand-in.
pub struct FakeStripe {
    state: Arc<State>,
    handle: actix_web::dev::ServerHandle,
}

impl FakeStripe {
    /// Starts on a free port. Must be called within a tokio runtime.
    pub fn start() -> Self {
        Self::start_on("127.0.0.1:0").unwrap_or_else(|e| panic!("Stripe stand-in failed: {e}"))
    }

    /// Starts on `addr`.
    pub fn start_on(addr: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        let state = Arc::new(State {
            url: format!("http://{}", listener.local_addr()?),
            objects: Mutex::default(),
        });
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/v1/customers", web::post().to(create_customer))
                .route("/v1/customers/{id}", web::delete().to(delete_customer))
                .route("/v1/subscriptions", web::get().to(list_subscriptions))
                .route(
                    "/v1/subscriptions/{id}",
                    web::delete().to(cancel_subscription),
                )
                .route("/v1/checkout/sessions", web::post().to(create_checkout))
                .route("/v1/billing_portal/sessions", web::post().to(create_portal))
                .route("/v1/subscriptions/{id}", web::get().to(subscription))
                .route("/v1/prices/{id}", web::get().to(price))
                .route("/c/pay/{id}", web::get().to(hosted_page))
                .route("/p/session/{id}", web::get().to(hosted_page))
                .route("/_stand-in/requests", web::get().to(list_received))
        })
        .listen(listener)?
        .workers(1)
        .disable_signals()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Ok(Self { state, handle })
    }

    /// `http://127.0.0.1:PORT`, the `STRIPE_API_BASE` to configure.
    pub fn url(&self) -> &str {
        &self.state.url
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<StripeRequest> {
        self.state.objects().received.clone()
    }

    /// Adds a monthly recurring price.
    pub fn put_price(&self, id: &str, unit_amount: i64, currency: &str) {
        let price = json!({
            "id": id, "object": "price", "active": true, "currency": currency,
            "unit_amount": unit_amount, "type": "recurring",
            "recurring": {"interval": "month", "interval_count": 1}
        });
        self.state.objects().prices.insert(id.to_string(), price);
    }

    /// Adds or replaces a subscription (as [`subscription_object`] builds).
    pub fn put_subscription(&self, subscription: Value) {
        let id = subscription["id"].as_str().unwrap_or_default().to_string();
        self.state.objects().subscriptions.insert(id, subscription);
    }

    /// A subscription as the stand-in holds it now.
    pub fn subscription(&self, id: &str) -> Option<Value> {
        self.state.objects().subscriptions.get(id).cloned()
    }

    /// Whether the customer exists (created and not deleted).
    pub fn has_customer(&self, id: &str) -> bool {
        self.state.objects().customers.contains_key(id)
    }

    /// Stops the server.
    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}

/// A subscription object as Stripe's API (2025 versions) shapes it.
pub fn subscription_object(
    id: &str,
    customer: &str,
    price: &str,
    status: &str,
    period_end: i64,
    cancel_at_period_end: bool,
) -> Value {
    json!({
        "id": id, "object": "subscription", "customer": customer, "status": status,
        "cancel_at_period_end": cancel_at_period_end, "metadata": {},
        "items": {"object": "list", "data": [{
            "id": format!("si_{id}"), "object": "subscription_item",
            "price": {"id": price, "object": "price"},
            "current_period_start": period_end - 30 * 24 * 3600,
            "current_period_end": period_end
        }]}
    })
}

/// A webhook event wrapping `object`.
pub fn event(id: &str, kind: &str, created: i64, object: Value) -> Value {
    json!({
        "id": id, "object": "event", "type": kind, "created": created,
        "api_version": "2025-08-27.basil", "livemode": false,
        "data": {"object": object}
    })
}

/// Records the request; answers Stripe's 401 when it carries no secret key.
fn record(state: &State, req: &HttpRequest, form: Vec<(String, String)>) -> Option<HttpResponse> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let authorization = header("authorization");
    state.objects().received.push(StripeRequest {
        method: req.method().to_string(),
        path: req.path().to_string(),
        form,
        authorization: authorization.clone(),
        idempotency_key: header("idempotency-key"),
    });
    match authorization {
        Some(key) if key.starts_with("Bearer sk_") => None,
        _ => Some(error(
            401,
            "invalid_request_error",
            None,
            "Invalid API Key provided.",
        )),
    }
}

fn error(status: u16, kind: &str, code: Option<&str>, message: &str) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status).unwrap_or_default();
    HttpResponse::build(status)
        .json(json!({"error": {"type": kind, "code": code, "message": message}}))
}

/// Stripe's answer for an id it does not know.
fn no_such(status: u16, kind: &str, id: &str) -> HttpResponse {
    error(
        status,
        "invalid_request_error",
        Some("resource_missing"),
        &format!("No such {kind}: '{id}'"),
    )
}

fn missing(param: &str) -> HttpResponse {
    error(
        400,
        "invalid_request_error",
        Some("parameter_missing"),
        &format!("Missing required param: {param}."),
    )
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn create_customer(
    req: HttpRequest,
    state: web::Data<State>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let form = form.into_inner();
    if let Some(refused) = record(&state, &req, form.clone()) {
        return refused;
    }
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut objects = state.objects();
    if let Some(id) = key.as_ref().and_then(|k| objects.idempotent.get(k)) {
        return HttpResponse::Ok().json(&objects.customers[id]);
    }
    objects.next += 1;
    let id = format!("cus_test{}", objects.next);
    let customer = json!({
        "id": id, "object": "customer", "email": field(&form, "email"),
        "metadata": {"user_id": field(&form, "metadata[user_id]")}
    });
    objects.customers.insert(id.clone(), customer.clone());
    if let Some(key) = key {
        objects.idempotent.insert(key, id);
    }
    HttpResponse::Ok().json(customer)
}

async fn create_checkout(
    req: HttpRequest,
    state: web::Data<State>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let form = form.into_inner();
    if let Some(refused) = record(&state, &req, form.clone()) {
        return refused;
    }
    for param in ["mode", "line_items[0][price]", "success_url"] {
        if field(&form, param).is_none() {
            return missing(param);
        }
    }
    let mut objects = state.objects();
    let customer = field(&form, "customer").unwrap_or_default();
    if !objects.customers.contains_key(customer) {
        return no_such(400, "customer", customer);
    }
    let price = field(&form, "line_items[0][price]").unwrap_or_default();
    if !objects.prices.contains_key(price) {
        return no_such(400, "price", price);
    }
    objects.next += 1;
    let id = format!("cs_test_{}", objects.next);
    HttpResponse::Ok().json(json!({
        "id": id, "object": "checkout.session", "mode": field(&form, "mode"),
        "customer": customer, "client_reference_id": field(&form, "client_reference_id"),
        "status": "open", "payment_status": "unpaid",
        "success_url": field(&form, "success_url"), "cancel_url": field(&form, "cancel_url"),
        "url": format!("{}/c/pay/{id}", state.url)
    }))
}

async fn create_portal(
    req: HttpRequest,
    state: web::Data<State>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let form = form.into_inner();
    if let Some(refused) = record(&state, &req, form.clone()) {
        return refused;
    }
    let Some(customer) = field(&form, "customer") else {
        return missing("customer");
    };
    let mut objects = state.objects();
    objects.next += 1;
    let id = format!("bps_test{}", objects.next);
    HttpResponse::Ok().json(json!({
        "id": id, "object": "billing_portal.session", "customer": customer,
        "return_url": field(&form, "return_url"),
        "url": format!("{}/p/session/{id}", state.url)
    }))
}

async fn subscription(
    req: HttpRequest,
    state: web::Data<State>,
    id: web::Path<String>,
) -> HttpResponse {
    retrieve(&req, &state, "subscription", &id, |objects| {
        &objects.subscriptions
    })
}

/// `DELETE /v1/customers/{id}`: Stripe's deleted-customer stub.
async fn delete_customer(
    req: HttpRequest,
    state: web::Data<State>,
    id: web::Path<String>,
) -> HttpResponse {
    if let Some(refused) = record(&state, &req, Vec::new()) {
        return refused;
    }
    match state.objects().customers.remove(id.as_str()) {
        Some(_) => {
            HttpResponse::Ok().json(json!({"id": *id, "object": "customer", "deleted": true}))
        }
        None => no_such(404, "customer", &id),
    }
}

/// `GET /v1/subscriptions?customer=…&status=all`: one page, oldest first.
async fn list_subscriptions(
    req: HttpRequest,
    state: web::Data<State>,
    query: web::Query<Vec<(String, String)>>,
) -> HttpResponse {
    let query = query.into_inner();
    if let Some(refused) = record(&state, &req, query.clone()) {
        return refused;
    }
    let customer = field(&query, "customer");
    let all = field(&query, "status") == Some("all");
    let mut data: Vec<Value> = state
        .objects()
        .subscriptions
        .values()
        .filter(|s| customer.is_none_or(|c| s["customer"] == c))
        .filter(|s| all || s["status"] != "canceled")
        .cloned()
        .collect();
    data.sort_by_key(|s| s["id"].as_str().unwrap_or_default().to_string());
    HttpResponse::Ok().json(json!({
        "object": "list", "url": "/v1/subscriptions", "has_more": false, "data": data
    }))
}

/// `DELETE /v1/subscriptions/{id}`: cancels at once.
async fn cancel_subscription(
    req: HttpRequest,
    state: web::Data<State>,
    id: web::Path<String>,
) -> HttpResponse {
    if let Some(refused) = record(&state, &req, Vec::new()) {
        return refused;
    }
    let mut objects = state.objects();
    let Some(subscription) = objects.subscriptions.get_mut(id.as_str()) else {
        return no_such(404, "subscription", &id);
    };
    if subscription["status"] == "canceled" {
        return error(
            400,
            "invalid_request_error",
            None,
            "A canceled subscription can only update its cancellation_details and metadata.",
        );
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    subscription["status"] = json!("canceled");
    subscription["canceled_at"] = json!(now);
    subscription["ended_at"] = json!(now);
    HttpResponse::Ok().json(subscription.clone())
}

async fn price(req: HttpRequest, state: web::Data<State>, id: web::Path<String>) -> HttpResponse {
    retrieve(&req, &state, "price", &id, |objects| &objects.prices)
}

/// `GET /v1/<kind>s/{id}`: the stored object, or Stripe's 404.
fn retrieve(
    req: &HttpRequest,
    state: &State,
    kind: &str,
    id: &str,
    stored: impl Fn(&Objects) -> &HashMap<String, Value>,
) -> HttpResponse {
    if let Some(refused) = record(state, req, Vec::new()) {
        return refused;
    }
    match stored(&state.objects()).get(id) {
        Some(object) => HttpResponse::Ok().json(object),
        None => no_such(404, kind, id),
    }
}

async fn hosted_page(id: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><title>Stripe stand-in</title><h1>Stripe stand-in</h1><p>Session {id}</p>"
        ))
}

/// `GET /_stand-in/requests`: what was received, for browser tests.
async fn list_received(state: web::Data<State>) -> HttpResponse {
    let received: Vec<Value> = state
        .objects()
        .received
        .iter()
        .map(|r| {
            let form: serde_json::Map<String, Value> = r
                .form
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            json!({"method": r.method, "path": r.path, "form": form})
        })
        .collect();
    HttpResponse::Ok().json(received)
}
