use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn models_lists_what_the_tier_may_use_with_providers_on_and_the_default_first() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    let reply = app
        .request("GET", "/api/v1/models", Some(&s.access), None)
        .await;
    assert_eq!(reply.status, 200);
    let models = reply.body["models"].as_array().expect("models");
    let ids: Vec<&str> = models
        .iter()
        .map(|m| m["id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        ids,
        vec!["gpt-4o-mini", "claude-3-5-haiku-latest", "gemini-2.0-flash"]
    );
    let defaults: Vec<bool> = models
        .iter()
        .map(|m| m["default"].as_bool().unwrap_or_default())
        .collect();
    assert_eq!(defaults, vec![true, false, false]);
    assert_eq!(models[0]["input_usd_per_1k"], "0.00015");
    assert_eq!(models[0]["provider"], "openai");
}

#[tokio::test]
async fn unknown_and_disallowed_models_are_refused_before_anything_is_reserved() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    app.ask(&s.access, json!({"question": "q", "model": "gpt-9"}))
        .await
        .assert_error(404, "unknown_model");
    let reply = app
        .ask(&s.access, json!({"question": "q", "model": "gpt-4o"}))
        .await;
    reply.assert_error(403, "model_not_allowed");
    app.ask(
        &s.access,
        json!({"question": "q", "model": "deepseek-chat"}),
    )
    .await
    .assert_error(503, "no_provider");
    let usage = app
        .request("GET", "/api/v1/usage", Some(&s.access), None)
        .await;
    assert_eq!(usage.body["quota"]["used"], 0);
    assert!(app.fake.received().is_empty());
}

#[tokio::test]
async fn usage_reports_the_period_and_a_daily_breakdown() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    let empty = app
        .request("GET", "/api/v1/usage", Some(&s.access), None)
        .await;
    assert_eq!(empty.status, 200);
    assert_eq!(empty.body["quota"]["used"], 0);
    assert_eq!(empty.body["quota"]["limit"], 10);
    assert_eq!(empty.body["daily"], json!([]));
    for _ in 0..2 {
        app.ask(&s.access, json!({"question": "q"})).await;
    }
    let reply = app
        .request("GET", "/api/v1/usage", Some(&s.access), None)
        .await;
    let body = &reply.body;
    assert_eq!(body["quota"]["used"], 2);
    assert_eq!(
        (
            body["input_tokens"].as_u64(),
            body["output_tokens"].as_u64()
        ),
        (Some(24), Some(10))
    );
    assert_eq!(body["cost_usd"], "0.0000096");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(
        body["daily"],
        json!([{"date": today, "questions": 2, "input_tokens": 24, "output_tokens": 10, "cost_usd": "0.0000096"}])
    );
}
