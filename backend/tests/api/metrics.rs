//! `GET /metrics`: off by default, behind its token or on its own address,
//! parsed by a Prometheus text parser, counting what happened.

use std::collections::BTreeSet;

use prometheus_parse::{Scrape, Value as Sample};
use secrecy::SecretString;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const TOKEN: &str = "metrics-token-for-tests";

async fn scrape(app: &TestApp, base: &str, token: Option<&str>) -> (u16, String) {
    let mut request = app.client.get(format!("{base}/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("scrape");
    (
        response.status().as_u16(),
        response.text().await.expect("body"),
    )
}

fn parse(text: &str) -> Scrape {
    Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("Prometheus text format")
}

/// The value of the sample named `name` whose labels include `labels`.
fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            Sample::Counter(v) | Sample::Gauge(v) | Sample::Untyped(v) => v,
            Sample::Histogram(ref buckets) => buckets.last().map_or(0.0, |b| b.count),
            Sample::Summary(_) => f64::NAN,
        })
}

#[tokio::test]
async fn metrics_are_off_unless_the_operator_turns_them_on() {
    let app = spawn_app().await;
    let (status, _) = scrape(&app, &app.address, None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_token_guards_the_metrics_and_an_ask_is_counted_without_user_labels() {
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("mentor.toml");
    std::fs::write(&config, "[plans.free]\nper_minute = 1\n").expect("config");
    let app = spawn_app_with(|s| {
        s.metrics_token = Some(SecretString::from(TOKEN));
        s.ai.config_file = Some(config);
    })
    .await;
    assert_eq!(scrape(&app, &app.address, None).await.0, 401);
    assert_eq!(scrape(&app, &app.address, Some("not-it")).await.0, 401);

    let s = app.register("ada@example.com").await;
    let ok = app.ask(&s.access, json!({"question": "What next?"})).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let refused = app.ask(&s.access, json!({"question": "And then?"})).await;
    refused.assert_error(429, "rate_limited");

    let (status, text) = scrape(&app, &app.address, Some(TOKEN)).await;
    assert_eq!(status, 200);
    let m = parse(&text);
    let model = ok.body["model"].as_str().expect("model");
    let labels = [("provider", "openai"), ("model", model)];
    assert_eq!(
        value(
            &m,
            "mentor_asks_total",
            &[labels[0], labels[1], ("outcome", "ok")]
        ),
        Some(1.0)
    );
    assert!(
        value(
            &m,
            "mentor_ask_tokens_total",
            &[labels[0], labels[1], ("direction", "output")]
        )
        .unwrap_or(0.0)
            > 0.0
    );
    assert!(value(&m, "mentor_ask_cost_usd_total", &labels).unwrap_or(0.0) > 0.0);
    assert_eq!(
        value(&m, "mentor_ask_duration_seconds_count", &labels),
        Some(1.0)
    );
    assert_eq!(
        value(&m, "mentor_ask_prepare_seconds_count", &[]),
        Some(1.0)
    );
    assert_eq!(
        value(&m, "mentor_ask_refusals_total", &[("reason", "rate_limit")]),
        Some(1.0)
    );
    assert_eq!(
        value(
            &m,
            "mentor_http_requests_total",
            &[
                ("route", "/api/v1/ask"),
                ("method", "POST"),
                ("status", "200")
            ]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &m,
            "mentor_http_requests_total",
            &[
                ("route", "/api/v1/ask"),
                ("method", "POST"),
                ("status", "429")
            ]
        ),
        Some(1.0)
    );
    assert!(
        value(
            &m,
            "mentor_db_connections",
            &[("pool", "readers"), ("state", "idle")]
        )
        .is_some()
    );
    assert_eq!(value(&m, "mentor_redis_fallback", &[]), Some(0.0));
    assert!(value(&m, "mentor_db_pool_wait_seconds_count", &[]).unwrap_or(0.0) > 0.0);

    // Route templates, never paths with ids; no user in any label.
    app.request("GET", "/api/v1/conversations/12345", Some(&s.access), None)
        .await;
    let (_, text) = scrape(&app, &app.address, Some(TOKEN)).await;
    assert!(
        text.contains("route=\"/api/v1/conversations/{id}\""),
        "{text}"
    );
    assert!(!text.contains("12345") && !text.contains("ada@example.com"));
    let keys: BTreeSet<String> = parse(&text)
        .samples
        .iter()
        .flat_map(|s| s.labels.keys().cloned())
        .collect();
    let allowed = [
        "route",
        "method",
        "status",
        "provider",
        "model",
        "outcome",
        "direction",
        "reason",
        "pool",
        "state",
        "type",
        "result",
        "le",
    ];
    assert!(
        keys.iter().all(|k| allowed.contains(&k.as_str())),
        "{keys:?}"
    );
}

#[tokio::test]
async fn a_separate_metrics_address_serves_them_without_a_token() {
    let app = spawn_app_with(|s| s.metrics_bind = Some("127.0.0.1:0".into())).await;
    let base = app.metrics_address.clone().expect("metrics address");
    app.register("ada@example.com").await;
    let (status, text) = scrape(&app, &base, None).await;
    assert_eq!(status, 200);
    let m = parse(&text);
    assert_eq!(
        value(
            &m,
            "mentor_http_requests_total",
            &[
                ("route", "/api/v1/auth/register"),
                ("method", "POST"),
                ("status", "201")
            ]
        ),
        Some(1.0)
    );
    // The public address still has no /metrics without a token.
    assert_eq!(scrape(&app, &app.address, None).await.0, 404);
}
