//! Provider failures: retries, fallbacks, errors before and after the first
//! byte, cut streams, stalls; clients that leave mid-answer and users who
//! stop one. A failed answer never costs the user a question. A client that
//! leaves does not end the answer: it is written whole. A stop does, and
//! the answer is charged as far as it got.

use std::time::Duration;

use diesel::prelude::*;
use mentor::db::schema::{conversations, messages, usage_events};
use mentor_stand_ins::{Scenario, Wire};
use serde_json::json;

use crate::helpers::{Session, TestApp, spawn_app, spawn_app_with};

async fn used(app: &TestApp, s: &Session) -> i64 {
    let reply = app
        .request("GET", "/api/v1/usage", Some(&s.access), None)
        .await;
    reply.body["quota"]["used"].as_i64().expect("used")
}

fn outcomes(app: &TestApp) -> Vec<(String, bool)> {
    app.with_db(|conn| {
        usage_events::table
            .select((usage_events::outcome, usage_events::charged))
            .order(usage_events::id.asc())
            .load(conn)
            .expect("ledger")
    })
}

fn answers(app: &TestApp) -> Vec<(String, String)> {
    app.with_db(|conn| {
        messages::table
            .filter(messages::role.eq("assistant"))
            .select((messages::content, messages::status))
            .load(conn)
            .expect("messages")
    })
}

#[tokio::test]
async fn a_429_and_a_500_are_retried_and_the_same_model_answers() {
    let app = spawn_app().await;
    app.fake
        .queue(Wire::OpenAi, [Scenario::Status(429), Scenario::Status(503)]);
    let s = app.register("ada@example.com").await;
    let reply = app.ask(&s.access, json!({"question": "Hi"})).await;
    assert_eq!(
        (reply.status, &reply.body["model"]),
        (200, &json!("gpt-4o-mini")),
        "{}",
        reply.body
    );
    assert_eq!(app.fake.received().len(), 3);
}

#[tokio::test]
async fn when_a_model_keeps_failing_the_next_model_in_the_tiers_list_answers() {
    let app = spawn_app().await;
    app.fake.queue(
        Wire::OpenAi,
        [
            Scenario::Status(500),
            Scenario::Status(500),
            Scenario::Status(500),
        ],
    );
    let s = app.register("ada@example.com").await;
    let reply = app.ask(&s.access, json!({"question": "Hi"})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["model"], "claude-3-5-haiku-latest");
    let wires: Vec<Wire> = app.fake.received().iter().map(|r| r.wire).collect();
    assert_eq!(
        wires,
        vec![Wire::OpenAi, Wire::OpenAi, Wire::OpenAi, Wire::Anthropic]
    );
}

#[tokio::test]
async fn a_client_error_is_not_retried_but_falls_back() {
    let app = spawn_app().await;
    app.fake.queue(Wire::OpenAi, [Scenario::Status(401)]);
    let s = app.register("ada@example.com").await;
    let reply = app.ask(&s.access, json!({"question": "Hi"})).await;
    assert_eq!(
        (reply.status, &reply.body["model"]),
        (200, &json!("claude-3-5-haiku-latest"))
    );
    assert_eq!(app.fake.received().len(), 2);
}

#[tokio::test]
async fn when_every_model_fails_before_answering_the_user_gets_502_and_keeps_the_question() {
    let app = spawn_app().await;
    for wire in [Wire::OpenAi, Wire::Anthropic, Wire::Gemini] {
        app.fake
            .queue(wire, std::iter::repeat_n(Scenario::Status(500), 3));
    }
    let s = app.register("ada@example.com").await;
    let reply = app.ask(&s.access, json!({"question": "Hi"})).await;
    reply.assert_error(502, "upstream_error");
    assert_eq!(
        used(&app, &s).await,
        0,
        "a failed upstream consumes no quota"
    );
    assert_eq!(outcomes(&app), vec![("upstream_error".to_string(), false)]);
    let failed_on: (String, String) = app.with_db(|conn| {
        usage_events::table
            .select((usage_events::provider, usage_events::model))
            .first(conn)
            .expect("ledger row")
    });
    assert_eq!(
        failed_on,
        ("gemini".into(), "gemini-2.0-flash".into()),
        "the last model tried"
    );
    let conversations: i64 =
        app.with_db(|c| conversations::table.count().get_result(c).expect("count"));
    let messages: i64 = app.with_db(|c| messages::table.count().get_result(c).expect("count"));
    assert_eq!(
        (conversations, messages),
        (0, 0),
        "nothing half-written is left"
    );
    // Streaming asks get the same status and body: no answer began.
    for wire in [Wire::OpenAi, Wire::Anthropic, Wire::Gemini] {
        app.fake
            .queue(wire, std::iter::repeat_n(Scenario::Status(500), 3));
    }
    let (reply, events) = app.ask_stream(&s.access, json!({"question": "Hi"})).await;
    assert!(events.is_empty());
    reply.assert_error(502, "upstream_error");
}

#[tokio::test]
async fn an_error_after_the_first_byte_ends_the_stream_with_an_error_event_and_no_charge() {
    let app = spawn_app().await;
    app.fake
        .queue(Wire::OpenAi, [Scenario::ErrorAfter(vec!["Partial".into()])]);
    let s = app.register("ada@example.com").await;
    let (reply, events) = app.ask_stream(&s.access, json!({"question": "Hi"})).await;
    assert_eq!(reply.status, 200);
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, vec!["meta", "delta", "error", "done"]);
    assert_eq!(events[2].1["error"], "upstream_error");
    assert_eq!(used(&app, &s).await, 0);
    assert_eq!(outcomes(&app), vec![("upstream_error".to_string(), false)]);
    assert_eq!(
        answers(&app),
        vec![("Partial".to_string(), "failed".to_string())],
        "what was produced is kept"
    );
}

#[tokio::test]
async fn a_stream_cut_mid_answer_is_reported_and_not_charged() {
    let app = spawn_app().await;
    app.fake.queue(
        Wire::Anthropic,
        [Scenario::CutAfter(vec!["Half an ".into(), "answer".into()])],
    );
    let s = app.register("ada@example.com").await;
    let (_, events) = app
        .ask_stream(
            &s.access,
            json!({"question": "Hi", "model": "claude-3-5-haiku-latest"}),
        )
        .await;
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, vec!["meta", "delta", "delta", "error", "done"]);
    assert_eq!(used(&app, &s).await, 0);
    assert_eq!(
        answers(&app),
        vec![("Half an answer".to_string(), "failed".to_string())]
    );
    // Through JSON the same break is a 502.
    app.fake
        .queue(Wire::Anthropic, [Scenario::CutAfter(vec!["x".into()])]);
    app.ask(
        &s.access,
        json!({"question": "Hi", "model": "claude-3-5-haiku-latest"}),
    )
    .await
    .assert_error(502, "upstream_error");
}

#[tokio::test]
async fn a_stalled_upstream_times_out_with_504_and_no_charge() {
    let app = spawn_app_with(|s| {
        s.ai.providers.retain(|p| p.name == "openai");
        s.ai.read_timeout = Duration::from_millis(300);
        s.ai.retries = 1;
    })
    .await;
    app.fake.queue(
        Wire::OpenAi,
        [
            Scenario::Stall(Duration::from_secs(3)),
            Scenario::Stall(Duration::from_secs(3)),
        ],
    );
    let s = app.register("ada@example.com").await;
    let started = std::time::Instant::now();
    app.ask(&s.access, json!({"question": "Hi"}))
        .await
        .assert_error(504, "upstream_timeout");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "gave up after the read timeouts, not the stall"
    );
    assert_eq!(used(&app, &s).await, 0);
    assert_eq!(
        outcomes(&app),
        vec![("upstream_timeout".to_string(), false)]
    );
}

#[tokio::test]
async fn a_stream_that_stalls_mid_answer_ends_with_upstream_timeout_and_no_charge() {
    let app = spawn_app_with(|s| s.ai.read_timeout = Duration::from_millis(300)).await;
    app.fake.queue(
        Wire::OpenAi,
        [Scenario::StallAfter(
            vec!["Begun".into()],
            Duration::from_secs(3),
        )],
    );
    let s = app.register("ada@example.com").await;
    let (_, events) = app.ask_stream(&s.access, json!({"question": "Hi"})).await;
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, vec!["meta", "delta", "error", "done"]);
    assert_eq!(events[2].1["error"], "upstream_timeout");
    assert_eq!(used(&app, &s).await, 0);
    assert_eq!(
        outcomes(&app),
        vec![("upstream_timeout".to_string(), false)]
    );
}

/// Fifty words, one every 50 ms: time enough to leave or stop mid-answer.
fn long_answer() -> Scenario {
    Scenario::Answer {
        chunks: (0..50).map(|i| format!("word{i} ")).collect(),
        input_tokens: 10,
        output_tokens: 50,
        delay: Duration::from_millis(50),
    }
}

/// Starts a streamed ask and reads it until `word2`; returns the response
/// (still streaming) and the answer's message id from `meta`.
async fn ask_until_word2(app: &TestApp, s: &Session) -> (reqwest::Response, i64) {
    let mut response = app
        .client
        .post(format!("{}/api/v1/ask", app.address))
        .bearer_auth(&s.access)
        .header("accept", "text/event-stream")
        .json(&json!({"question": "Tell me a long story"}))
        .send()
        .await
        .expect("sent");
    let mut seen = String::new();
    while !seen.contains("word2") {
        let chunk = response.chunk().await.expect("chunk").expect("more");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    let meta = seen
        .split("\n\n")
        .find_map(|event| event.strip_prefix("event: meta\ndata: "))
        .expect("meta first");
    let meta: serde_json::Value = serde_json::from_str(meta).expect("meta JSON");
    (response, meta["message_id"].as_i64().expect("message_id"))
}

/// The ledger once the ask has settled.
async fn settled(app: &TestApp) -> Vec<(String, bool)> {
    for _ in 0..100 {
        let rows = outcomes(app);
        if !rows.is_empty() {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the ask never settled");
}

#[tokio::test]
async fn a_client_that_leaves_mid_answer_does_not_stop_it_the_answer_is_stored_whole() {
    let app = spawn_app().await;
    app.fake.queue(Wire::OpenAi, [long_answer()]);
    let s = app.register("ada@example.com").await;
    let (response, message_id) = ask_until_word2(&app, &s).await;
    drop(response);

    // While it is written, the conversation says so.
    let conversation: i64 = app.with_db(|c| {
        messages::table
            .filter(messages::id.eq(message_id))
            .select(messages::conversation_id)
            .first(c)
            .expect("row")
    });
    let path = format!("/api/v1/conversations/{conversation}");
    let reply = app.request("GET", &path, Some(&s.access), None).await;
    assert_eq!(
        reply.body["messages"][1]["status"], "writing",
        "{}",
        reply.body
    );
    assert_eq!(reply.body["messages"][1]["complete"], false);

    assert_eq!(settled(&app).await, vec![("ok".to_string(), true)]);
    assert_eq!(used(&app, &s).await, 1);
    let expected: String = (0..50).map(|i| format!("word{i} ")).collect();
    assert_eq!(answers(&app), vec![(expected, "complete".to_string())]);
    let reply = app.request("GET", &path, Some(&s.access), None).await;
    assert_eq!(reply.body["messages"][1]["status"], "complete");
    assert_eq!(reply.body["messages"][1]["complete"], true);
    let tokens: (i64, i64) = app.with_db(|c| {
        usage_events::table
            .select((usage_events::input_tokens, usage_events::output_tokens))
            .first(c)
            .expect("row")
    });
    assert_eq!(tokens, (10, 50), "the provider's own count, at the end");
}

#[tokio::test]
async fn a_stop_ends_the_answer_where_it_got_to_and_charges_it() {
    let app = spawn_app().await;
    app.fake.queue(Wire::OpenAi, [long_answer()]);
    let s = app.register("ada@example.com").await;
    let (mut response, message_id) = ask_until_word2(&app, &s).await;
    let path = format!("/api/v1/messages/{message_id}/stop");
    let reply = app.request("POST", &path, Some(&s.access), None).await;
    assert_eq!(reply.status, 204, "{}", reply.body);

    // The stream ends with the usage and done, well before word49.
    let mut rest = String::new();
    while let Some(chunk) = response.chunk().await.expect("chunk") {
        rest.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        rest.contains("event: usage") && rest.ends_with("event: done\ndata: {}\n\n"),
        "{rest}"
    );
    assert_eq!(settled(&app).await, vec![("stopped".to_string(), true)]);
    assert_eq!(used(&app, &s).await, 1);
    let stored = answers(&app);
    assert!(stored[0].0.starts_with("word0 word1 word2"), "{stored:?}");
    assert!(
        !stored[0].0.contains("word49"),
        "the upstream was stopped early"
    );
    assert_eq!(stored[0].1, "stopped");
    // The stand-in reports usage only at the end, so tokens were estimated
    // from what was sent: the instructions too, not just the short question.
    let input: i64 = app.with_db(|c| {
        usage_events::table
            .select(usage_events::input_tokens)
            .first(c)
            .expect("row")
    });
    assert!(input > 100, "estimated input tokens: {input}");

    // Stopping it again changes nothing; someone else's answer is not found.
    let again = app.request("POST", &path, Some(&s.access), None).await;
    assert_eq!(again.status, 204);
    assert_eq!(answers(&app)[0].1, "stopped");
    let bob = app.register("bob@example.com").await;
    app.request("POST", &path, Some(&bob.access), None)
        .await
        .assert_error(404, "not_found");
}

#[tokio::test]
async fn a_stop_sent_to_another_replica_reaches_the_one_writing_the_answer() {
    let app = spawn_app().await;
    let replica = crate::helpers::spawn_replica(&app).await;
    app.fake.queue(Wire::OpenAi, [long_answer()]);
    let s = app.register("ada@example.com").await;
    let (response, message_id) = ask_until_word2(&app, &s).await;
    drop(response);
    let stop = app
        .client
        .post(format!("{replica}/api/v1/messages/{message_id}/stop"))
        .bearer_auth(&s.access)
        .send()
        .await
        .expect("sent");
    assert_eq!(stop.status(), 204);
    assert_eq!(settled(&app).await, vec![("stopped".to_string(), true)]);
    let stored = answers(&app);
    assert!(!stored[0].0.contains("word49"), "{stored:?}");
    assert_eq!(stored[0].1, "stopped");
}

#[tokio::test]
async fn an_api_client_that_leaves_cancels_its_answer_which_is_charged() {
    let app = spawn_app().await;
    app.fake.queue(Wire::OpenAi, [long_answer()]);
    let s = app.register("ada@example.com").await;
    let mut response = app
        .client
        .post(format!("{}/v1/chat/completions", app.address))
        .bearer_auth(&s.access)
        .json(&json!({"model": "gpt-4o-mini", "stream": true,
            "messages": [{"role": "user", "content": "Tell me a long story"}]}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let mut seen = String::new();
    while !seen.contains("word2") {
        let chunk = response.chunk().await.expect("chunk").expect("more");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    drop(response);
    assert_eq!(settled(&app).await, vec![("cancelled".to_string(), true)]);
    assert_eq!(used(&app, &s).await, 1, "the tokens were spent");
}
