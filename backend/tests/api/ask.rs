//! Asking through each provider's wire format, as JSON and as a stream,
//! with usage, cost and the ledger recorded.

use diesel::prelude::*;
use mentor::db::schema::{messages, usage_events};
use mentor_stand_ins::{Scenario, Wire};
use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_app_with, test_key};

type LedgerRow = (String, String, i64, i64, i64, String, bool, Option<i32>);

fn ledger(app: &crate::helpers::TestApp) -> Vec<LedgerRow> {
    app.with_db(|conn| {
        usage_events::table
            .select((
                usage_events::provider,
                usage_events::model,
                usage_events::input_tokens,
                usage_events::output_tokens,
                usage_events::cost_pico,
                usage_events::outcome,
                usage_events::charged,
                usage_events::ttft_ms,
            ))
            .order(usage_events::id.asc())
            .load(conn)
            .expect("ledger")
    })
}

#[tokio::test]
async fn a_json_ask_returns_the_answer_with_usage_exact_cost_and_quota() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    let reply = app
        .ask(&s.access, json!({"question": "What should I learn next?"}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = &reply.body;
    assert_eq!(body["answer"], "Hello from the **stand-in**.");
    assert_eq!(body["model"], "gpt-4o-mini");
    // 12 input tokens at $0.00015/1k + 5 output at $0.0006/1k.
    assert_eq!(body["usage"]["input_tokens"], 12);
    assert_eq!(body["usage"]["output_tokens"], 5);
    assert_eq!(body["usage"]["cost_usd"], "0.0000048");
    assert_eq!(body["usage"]["quota"]["used"], 1);
    assert_eq!(body["usage"]["quota"]["limit"], 10);
    assert!(
        body["usage"]["quota"]["period_end"]
            .as_str()
            .is_some_and(|t| t.ends_with("-01T00:00:00Z"))
    );
    assert_eq!(reply.header("x-ratelimit-limit"), Some("5"));
    assert_eq!(reply.header("x-ratelimit-remaining"), Some("4"));

    let rows = ledger(&app);
    assert_eq!(rows.len(), 1);
    let (provider, model, input, output, cost, outcome, charged, ttft) = rows[0].clone();
    assert_eq!(
        (
            provider.as_str(),
            model.as_str(),
            input,
            output,
            cost,
            outcome.as_str(),
            charged
        ),
        ("openai", "gpt-4o-mini", 12, 5, 4_800_000, "ok", true)
    );
    assert!(ttft.is_some());
    let stored: Vec<(String, String, String)> = app.with_db(|conn| {
        messages::table
            .select((messages::role, messages::content, messages::status))
            .order(messages::id.asc())
            .load(conn)
            .expect("messages")
    });
    assert_eq!(
        stored,
        vec![
            (
                "user".into(),
                "What should I learn next?".into(),
                "complete".into()
            ),
            (
                "assistant".into(),
                "Hello from the **stand-in**.".into(),
                "complete".into()
            ),
        ]
    );
}

#[tokio::test]
async fn a_streamed_ask_sends_meta_deltas_usage_and_done() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    let (reply, events) = app.ask_stream(&s.access, json!({"question": "Hi"})).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("text/event-stream"));
    assert!(reply.header("x-ratelimit-remaining").is_some());
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec!["meta", "delta", "delta", "delta", "usage", "done"]
    );
    assert_eq!(events[0].1["model"], "gpt-4o-mini");
    assert!(events[0].1["conversation_id"].is_i64() && events[0].1["message_id"].is_i64());
    let text: String = events[1..4]
        .iter()
        .map(|(_, d)| d["text"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(text, "Hello from the **stand-in**.");
    assert_eq!(events[4].1["quota"]["used"], 1);
    assert_eq!(events[4].1["cost_usd"], "0.0000048");
}

async fn ask_model(
    model: &str,
    wire: Wire,
    chunks: &[&str],
    input: u64,
    output: u64,
) -> (Value, Vec<mentor_stand_ins::Received>) {
    let app = spawn_app().await;
    app.fake
        .queue(wire, [Scenario::answer(chunks, input, output)]);
    let s = app.register("ada@example.com").await;
    let reply = app
        .ask(
            &s.access,
            json!({"question": "Am I a fit?", "model": model,
                   "context": {"url": "https://jobs.example/42", "selection": "Five years of Rust"}}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    (reply.body, app.fake.received())
}

#[tokio::test]
async fn openai_compatible_streams_are_read_and_ask_for_usage() {
    let (body, received) =
        ask_model("gpt-4o-mini", Wire::OpenAi, &["Yes", ", mostly."], 30, 4).await;
    assert_eq!(
        (
            body["answer"].as_str(),
            body["usage"]["input_tokens"].as_u64()
        ),
        (Some("Yes, mostly."), Some(30))
    );
    let request = &received[0];
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(
        request.api_key.as_deref(),
        Some(format!("Bearer {}", test_key("openai")).as_str())
    );
    assert_eq!(request.body["stream"], true);
    assert_eq!(request.body["stream_options"]["include_usage"], true);
    assert_eq!(request.body["model"], "gpt-4o-mini");
    let system = request.body["messages"][0]["content"]
        .as_str()
        .unwrap_or_default();
    assert!(
        system.contains("career mentor")
            && system.contains("Five years of Rust")
            && system.contains("jobs.example/42")
    );
    assert_eq!(
        request.body["messages"][1],
        json!({"role": "user", "content": "Am I a fit?"})
    );
}

#[tokio::test]
async fn anthropic_streams_are_read_with_usage_from_start_and_delta_events() {
    let (body, received) = ask_model(
        "claude-3-5-haiku-latest",
        Wire::Anthropic,
        &["Quite", " well."],
        40,
        7,
    )
    .await;
    assert_eq!(body["answer"], "Quite well.");
    assert_eq!(
        (
            body["usage"]["input_tokens"].as_u64(),
            body["usage"]["output_tokens"].as_u64()
        ),
        (Some(40), Some(7))
    );
    // $0.0008/1k in, $0.004/1k out: 40 * 0.0000008 + 7 * 0.000004 = 0.00006.
    assert_eq!(body["usage"]["cost_usd"], "0.00006");
    let request = &received[0];
    assert_eq!(request.path, "/v1/messages");
    assert_eq!(
        request.api_key.as_deref(),
        Some(test_key("anthropic").as_str())
    );
    assert_eq!(request.body["stream"], true);
    assert!(
        request.body["system"]
            .as_str()
            .is_some_and(|s| s.contains("Five years of Rust"))
    );
    assert!(request.body["max_tokens"].as_u64().is_some());
}

#[tokio::test]
async fn gemini_streams_are_read_with_usage_metadata() {
    let (body, received) = ask_model(
        "gemini-2.0-flash",
        Wire::Gemini,
        &["Absolutely", "!"],
        21,
        3,
    )
    .await;
    assert_eq!(body["answer"], "Absolutely!");
    assert_eq!(
        (
            body["usage"]["input_tokens"].as_u64(),
            body["usage"]["output_tokens"].as_u64()
        ),
        (Some(21), Some(3))
    );
    let request = &received[0];
    assert_eq!(
        request.path,
        "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse"
    );
    assert_eq!(
        request.api_key.as_deref(),
        Some(test_key("gemini").as_str())
    );
    assert_eq!(
        request.body["contents"][0]["parts"][0]["text"],
        "Am I a fit?"
    );
    assert!(
        request.body["systemInstruction"]["parts"][0]["text"]
            .as_str()
            .is_some_and(|s| s.contains("jobs.example/42"))
    );
}

#[tokio::test]
async fn a_follow_up_continues_the_conversation_with_its_history() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    let first = app
        .ask(&s.access, json!({"question": "First question"}))
        .await;
    let conversation = first.body["conversation_id"].clone();
    app.fake
        .queue(Wire::OpenAi, [Scenario::answer(&["Second answer"], 50, 2)]);
    let second = app
        .ask(
            &s.access,
            json!({"question": "And then?", "conversation_id": conversation}),
        )
        .await;
    assert_eq!(
        (second.status, &second.body["conversation_id"]),
        (200, &conversation)
    );
    let sent = &app.fake.received()[1].body["messages"];
    let turns: Vec<(&str, &str)> = sent.as_array().expect("messages")[1..]
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap_or_default(),
                m["content"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        turns,
        vec![
            ("user", "First question"),
            ("assistant", "Hello from the **stand-in**."),
            ("user", "And then?")
        ]
    );
}

#[tokio::test]
async fn the_demo_provider_answers_only_when_enabled_and_says_it_is_a_demo() {
    let app = spawn_app_with(|s| {
        s.ai.providers.clear();
        s.ai.demo = true;
    })
    .await;
    let s = app.register("ada@example.com").await;
    let reply = app.ask(&s.access, json!({"question": "Hello?"})).await;
    assert_eq!(
        (reply.status, &reply.body["model"]),
        (200, &json!("demo")),
        "{}",
        reply.body
    );
    let answer = reply.body["answer"].as_str().unwrap_or_default();
    assert!(answer.contains("demo answer"), "{answer}");
    assert!(
        !answer.contains("API_KEY"),
        "users see no operator settings: {answer}"
    );
    assert_eq!(reply.body["usage"]["cost_usd"], "0");
}

#[tokio::test]
async fn with_no_provider_asks_answer_503_in_words_for_users() {
    let app = spawn_app_with(|s| s.ai.providers.clear()).await;
    let s = app.register("ada@example.com").await;
    let reply = app.ask(&s.access, json!({"question": "Hello?"})).await;
    reply.assert_error(503, "no_provider");
    let message = reply.body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("not connected to an AI model"),
        "{message}"
    );
    assert!(
        !message.contains("API_KEY"),
        "the variables are for the operator's log: {message}"
    );
    assert!(ledger(&app).is_empty(), "nothing was reserved");
}

#[tokio::test]
async fn questions_are_validated() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    app.ask(&s.access, json!({"question": "   "}))
        .await
        .assert_error(400, "invalid_request");
    app.ask(&s.access, json!({"question": "x".repeat(8001)}))
        .await
        .assert_error(400, "invalid_request");
    app.ask(&s.access, json!({"question": "x".repeat(8000)}))
        .await;
    app.ask(&s.access, json!({}))
        .await
        .assert_error(400, "invalid_request");
    app.ask(
        &s.access,
        json!({"question": "q", "context": {"page_text": "p".repeat(600 * 1024)}}),
    )
    .await
    .assert_error(413, "payload_too_large");
    app.ask(
        &s.access,
        json!({"question": "q", "conversation_id": 999_999}),
    )
    .await
    .assert_error(404, "not_found");
    app.request("POST", "/api/v1/ask", None, Some(json!({"question": "q"})))
        .await
        .assert_error(401, "missing_token");
    // A still-valid token whose account was deleted.
    app.request(
        "DELETE",
        "/api/v1/users/me",
        Some(&s.access),
        Some(json!({"password": crate::helpers::PASSWORD})),
    )
    .await;
    app.ask(&s.access, json!({"question": "q"}))
        .await
        .assert_error(401, "invalid_token");
}

#[tokio::test]
async fn long_page_text_is_trimmed_to_the_models_context_window() {
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("mentor.toml");
    std::fs::write(
        &config,
        r#"
        [[models]]
        id = "tiny"
        provider = "openai"
        upstream_model = "tiny-upstream"
        input_usd_per_1k = "0.001"
        output_usd_per_1k = "0.002"
        context_window = 4096
        tiers = ["free"]
        "#,
    )
    .expect("write config");
    let app = spawn_app_with(|s| s.ai.config_file = Some(config.clone())).await;
    let s = app.register("ada@example.com").await;
    let reply = app
        .ask(
            &s.access,
            json!({"question": "Summarise", "model": "tiny",
            "context": {"page_text": "word ".repeat(50_000)}}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let sent = &app.fake.received()[0].body;
    assert_eq!(sent["model"], "tiny-upstream");
    let system = sent["messages"][0]["content"].as_str().unwrap_or_default();
    assert!(
        system.ends_with("[…trimmed]"),
        "the page text was cut and marked"
    );
    let window_chars = (4096 - 1024) * 4;
    assert!(
        system.chars().count() < window_chars,
        "{} chars",
        system.chars().count()
    );
    // 12 in at $0.001/1k + 5 out at $0.002/1k, from the file's prices.
    assert_eq!(reply.body["usage"]["cost_usd"], "0.000022");
}
