//! The OpenAI-compatible endpoint on the wire: completions plain and
//! streamed (with and without the usage chunk), models, OpenAI-shaped
//! errors (bad key, unknown model, quota with `x-should-retry: false`,
//! per-minute limit with `Retry-After`), the same quota and own-key rules as
//! the app, a ledger row marked `api`, and no conversation stored. The
//! official SDKs run against it in `tests/sdk`.

use diesel::prelude::*;
use mentor::db::schema::{conversations::dsl as c, usage_events::dsl as l};
use mentor_stand_ins::{Scenario, Wire};
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, spawn_app_with_plans, test_key};

const ANSWER: &str = "Hello from the **stand-in**.";

/// A pro user and one of their API keys.
async fn key_holder(app: &TestApp, email: &str) -> (Session, String) {
    let s = app.register(email).await;
    app.set_tier(s.user_id, "pro");
    let created = app
        .request(
            "POST",
            "/api/v1/api-keys",
            Some(&s.access),
            Some(json!({"name": "sdk"})),
        )
        .await;
    let key = created.body["key"].as_str().expect("key").to_string();
    (s, key)
}

async fn complete(app: &TestApp, key: &str, body: Value) -> reqwest::Response {
    app.client
        .post(format!("{}/v1/chat/completions", app.address))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .expect("request")
}

fn hi(extra: Value) -> Value {
    let mut body = json!({"model": "gpt-4o-mini", "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
    ]});
    for (k, v) in extra.as_object().expect("object") {
        body[k] = v.clone();
    }
    body
}

/// `data:` payloads of an SSE body.
fn data_lines(text: &str) -> Vec<String> {
    text.split("\n\n")
        .filter_map(|block| block.strip_prefix("data: "))
        .map(str::to_string)
        .collect()
}

async fn error_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("json");
    let error = &body["error"];
    for field in ["message", "type", "param", "code"] {
        assert!(error.get(field).is_some(), "{field} missing: {body}");
    }
    (status, error.clone())
}

#[tokio::test]
async fn completions_speak_openais_format_and_store_no_conversation() {
    let (app, _dir) = spawn_app_with_plans("").await;
    let (ada, key) = key_holder(&app, "ada@example.com").await;

    let response = complete(&app, &key, hi(json!({"max_tokens": 50}))).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["object"], "chat.completion");
    assert!(body["id"].as_str().expect("id").starts_with("chatcmpl-"));
    assert_eq!(body["model"], "gpt-4o-mini");
    assert_eq!(body["choices"][0]["message"]["content"], ANSWER);
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
    assert_eq!(
        body["usage"],
        json!({"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17})
    );
    // The caller's messages reach the provider as they were sent.
    let sent = &app.fake.received()[0].body;
    assert_eq!(
        sent["messages"][0],
        json!({"role": "system", "content": "Be brief."})
    );
    assert_eq!(
        sent["messages"][1],
        json!({"role": "user", "content": "Hi"})
    );
    assert_eq!(sent["max_tokens"], 50);

    // Streamed, without and with the usage chunk.
    let text = complete(&app, &key, hi(json!({"stream": true})))
        .await
        .text()
        .await
        .expect("body");
    let events = data_lines(&text);
    assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).expect("chunk"))
        .collect();
    assert!(
        chunks
            .iter()
            .all(|c| c["object"] == "chat.completion.chunk" && c.get("usage").is_none())
    );
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let streamed: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(streamed, ANSWER);
    assert_eq!(
        chunks.last().expect("last")["choices"][0]["finish_reason"],
        "stop"
    );

    let text = complete(
        &app,
        &key,
        hi(json!({"stream": true, "stream_options": {"include_usage": true}})),
    )
    .await
    .text()
    .await
    .expect("body");
    let events = data_lines(&text);
    let usage: Value = serde_json::from_str(&events[events.len() - 2]).expect("usage chunk");
    assert_eq!(usage["choices"], json!([]));
    assert_eq!(usage["usage"]["total_tokens"], 17);
    let first: Value = serde_json::from_str(&events[0]).expect("chunk");
    assert_eq!(first["usage"], Value::Null);

    // The access token works too; models list the plan's.
    let models: Value = app
        .client
        .get(format!("{}/v1/models", app.address))
        .bearer_auth(&ada.access)
        .send()
        .await
        .expect("models")
        .json()
        .await
        .expect("json");
    assert_eq!(models["object"], "list");
    assert!(
        models["data"]
            .as_array()
            .expect("data")
            .iter()
            .any(|m| m["id"] == "gpt-4o-mini")
    );

    // Three questions counted, three ledger rows marked api, no conversation.
    let usage = app
        .request("GET", "/api/v1/usage", Some(&ada.access), None)
        .await;
    assert_eq!(usage.body["quota"]["used"], 3);
    let rows: Vec<(String, Option<i64>, bool)> = app.with_db(|conn| {
        l::usage_events
            .select((l::via, l::conversation_id, l::charged))
            .load(conn)
            .expect("ledger")
    });
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|(via, conv, charged)| via == "api" && conv.is_none() && *charged)
    );
    let conversations: i64 =
        app.with_db(|conn| c::conversations.count().get_result(conn).expect("count"));
    assert_eq!(conversations, 0);
}

#[tokio::test]
async fn errors_have_openais_shape_status_and_retry_headers() {
    let (app, _dir) =
        spawn_app_with_plans("[plans.pro]\nmonthly_questions = 1\nper_minute = 3\n").await;
    let (_ada, key) = key_holder(&app, "ada@example.com").await;

    let bad = format!("aim_{}_{}", "0".repeat(16), "0".repeat(64));
    let (status, error) = error_of(complete(&app, &bad, hi(json!({}))).await).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (401, Some("invalid_api_key"))
    );

    let (status, error) =
        error_of(complete(&app, &key, hi(json!({"model": "gpt-nope"}))).await).await;
    assert_eq!(
        (status, error["code"].as_str(), error["param"].as_str()),
        (404, Some("model_not_found"), Some("model"))
    );

    let (status, error) = error_of(
        complete(
            &app,
            &key,
            json!({"model": "gpt-4o-mini", "messages": [{"role": "tool", "content": "x"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, error["type"].as_str()),
        (400, Some("invalid_request_error"))
    );

    // The month's one question, then the quota: no retry is worth it.
    assert_eq!(complete(&app, &key, hi(json!({}))).await.status(), 200);
    let calls = app.fake.received().len();
    let response = complete(&app, &key, hi(json!({}))).await;
    assert_eq!(response.headers()["x-should-retry"], "false");
    let (status, error) = error_of(response).await;
    assert_eq!(
        (status, error["code"].as_str(), error["type"].as_str()),
        (429, Some("insufficient_quota"), Some("insufficient_quota"))
    );
    assert_eq!(
        app.fake.received().len(),
        calls,
        "the provider was not called"
    );

    // The per-minute limit (3: the unknown model, the answer, the quota): 429 with Retry-After.
    let response = complete(&app, &key, hi(json!({}))).await;
    assert!(response.headers().contains_key("retry-after"));
    let (status, error) = error_of(response).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (429, Some("rate_limit_exceeded"))
    );
}

#[tokio::test]
async fn a_failure_after_the_answer_began_is_one_error_event_and_own_keys_apply() {
    let (app, _dir) = spawn_app_with_plans("").await;
    let (ada, key) = key_holder(&app, "ada@example.com").await;
    app.fake
        .queue(Wire::OpenAi, [Scenario::ErrorAfter(vec!["Hel".into()])]);
    let text = complete(&app, &key, hi(json!({"stream": true})))
        .await
        .text()
        .await
        .expect("body");
    let events = data_lines(&text);
    let last: Value = serde_json::from_str(events.last().expect("events")).expect("error event");
    assert_eq!(last["error"]["code"], "upstream_error", "{text}");
    assert!(!text.contains("[DONE]"));

    // With her own OpenAI key, API calls use it and count no question.
    let saved = app
        .request(
            "PUT",
            "/api/v1/provider-keys/openai",
            Some(&ada.access),
            Some(json!({"api_key": "sk-ada-own-key-1234"})),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(complete(&app, &key, hi(json!({}))).await.status(), 200);
    let last = app.fake.received().pop().expect("call");
    assert_eq!(last.api_key.as_deref(), Some("Bearer sk-ada-own-key-1234"));
    assert_ne!(
        last.api_key.as_deref(),
        Some(format!("Bearer {}", test_key("openai")).as_str())
    );
    let usage = app
        .request("GET", "/api/v1/usage", Some(&ada.access), None)
        .await;
    assert_eq!(usage.body["quota"]["used"], 0);
    let byok: Vec<(bool, String)> = app.with_db(|conn| {
        l::usage_events
            .select((l::byok, l::via))
            .order(l::id)
            .load(conn)
            .expect("ledger")
    });
    assert_eq!(byok.last(), Some(&(true, "api".to_string())));
}

/// Sends the head of a POST that announces `length` bytes, and `sent` of
/// them; the status line of what comes back within 3 s (`None`: nothing).
async fn partial_post(app: &TestApp, auth: &str, length: usize, sent: usize) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let head = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: {address}\r\nAuthorization: {auth}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.expect("head");
    socket.write_all(&vec![b' '; sent]).await.expect("body");
    let mut reply = vec![0u8; 1024];
    let read = tokio::time::timeout(std::time::Duration::from_secs(3), socket.read(&mut reply));
    match read.await {
        Ok(Ok(n)) if n > 0 => Some(
            String::from_utf8_lossy(&reply[..n])
                .lines()
                .next()?
                .to_string(),
        ),
        _ => None,
    }
}

#[tokio::test]
async fn the_key_is_checked_before_the_body_is_read() {
    let (app, _plans) = spawn_app_with_plans("").await;
    // 1 MB announced, 1 KB sent: a wrong key is refused without waiting for the rest.
    let wrong = format!("Bearer aim_{}_{}", "0".repeat(16), "0".repeat(64));
    let status = partial_post(&app, &wrong, 1024 * 1024, 1024).await;
    assert_eq!(status.as_deref(), Some("HTTP/1.1 401 Unauthorized"));
    let status = partial_post(&app, "Bearer nonsense", 1024 * 1024, 1024).await;
    assert_eq!(status.as_deref(), Some("HTTP/1.1 401 Unauthorized"));
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let (app, _plans) = spawn_app_with_plans("").await;
    let ada = app.register("ada@example.com").await;
    app.set_tier(ada.user_id, "pro");
    let key = app
        .request(
            "POST",
            "/api/v1/api-keys",
            Some(&ada.access),
            Some(json!({"name": "sdk"})),
        )
        .await
        .body["key"]
        .as_str()
        .expect("key")
        .to_string();
    let status = partial_post(&app, &format!("Bearer {key}"), 3 * 1024 * 1024, 0).await;
    assert_eq!(status.as_deref(), Some("HTTP/1.1 413 Payload Too Large"));
    let huge = json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x".repeat(2_100_000)}]});
    let reply = app
        .client
        .post(format!("{}/v1/chat/completions", app.address))
        .bearer_auth(&key)
        .header("transfer-encoding", "chunked")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter([
            Ok::<_, std::io::Error>(huge.to_string().into_bytes()),
        ])))
        .send()
        .await
        .expect("sent");
    assert_eq!(reply.status(), 413);
}
