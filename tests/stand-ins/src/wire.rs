//! The three providers' request paths and response formats.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use futures_util::stream::{self, StreamExt};
use serde_json::{Value, json};

use crate::{Received, Scenario, State};

/// A provider wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Wire {
    /// OpenAI Chat Completions (also DeepSeek, Groq, xAI, self-hosted).
    OpenAi,
    /// Anthropic Messages.
    Anthropic,
    /// Google Gemini.
    Gemini,
}

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/chat/completions", web::post().to(openai))
        .route("/v1/messages", web::post().to(anthropic))
        .route("/v1beta/models/{call}", web::post().to(gemini))
        .route("/v1/models", web::get().to(list_models))
        .route("/v1beta/models", web::get().to(list_models));
}

/// How the stand-in treats a key: one containing `refused` is refused (401),
/// one containing `busy` is rate limited (429), any other is accepted.
fn key_rule(api_key: Option<&str>) -> Option<u16> {
    let key = api_key.unwrap_or_default();
    if key.contains("refused") {
        Some(401)
    } else if key.contains("busy") {
        Some(429)
    } else {
        None
    }
}

fn api_key_of(req: &HttpRequest) -> Option<String> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    header("authorization")
        .or_else(|| header("x-api-key"))
        .or_else(|| header("x-goog-api-key"))
}

/// `GET /v1/models` (OpenAI with a bearer key, Anthropic with `x-api-key`)
/// and `GET /v1beta/models` (Gemini): the cheap call that checks a key.
async fn list_models(req: HttpRequest, state: web::Data<State>) -> HttpResponse {
    let wire = if req.path().starts_with("/v1beta") {
        Wire::Gemini
    } else if req.headers().contains_key("x-api-key") {
        Wire::Anthropic
    } else {
        Wire::OpenAi
    };
    let api_key = api_key_of(&req);
    state.record(Received {
        wire,
        path: req.uri().to_string(),
        api_key: api_key.clone(),
        body: Value::Null,
    });
    if let Some(code) = key_rule(api_key.as_deref()).or_else(|| state.next_status(wire)) {
        return error_status(wire, code);
    }
    HttpResponse::Ok().json(match wire {
        Wire::OpenAi => json!({"object": "list", "data": [{"id": "stand-in", "object": "model", "created": 0, "owned_by": "stand-in"}]}),
        Wire::Anthropic => json!({"data": [{"id": "stand-in", "type": "model", "display_name": "Stand-in"}], "has_more": false}),
        Wire::Gemini => json!({"models": [{"name": "models/stand-in"}]}),
    })
}

async fn openai(req: HttpRequest, body: web::Json<Value>, state: web::Data<State>) -> HttpResponse {
    let stream = body["stream"].as_bool().unwrap_or(false);
    respond(Wire::OpenAi, &req, body.into_inner(), &state, stream).await
}

async fn anthropic(
    req: HttpRequest,
    body: web::Json<Value>,
    state: web::Data<State>,
) -> HttpResponse {
    let stream = body["stream"].as_bool().unwrap_or(false);
    respond(Wire::Anthropic, &req, body.into_inner(), &state, stream).await
}

async fn gemini(req: HttpRequest, body: web::Json<Value>, state: web::Data<State>) -> HttpResponse {
    let stream = req.path().ends_with(":streamGenerateContent");
    respond(Wire::Gemini, &req, body.into_inner(), &state, stream).await
}

async fn respond(
    wire: Wire,
    req: &HttpRequest,
    body: Value,
    state: &State,
    stream: bool,
) -> HttpResponse {
    let api_key = api_key_of(req);
    state.record(Received {
        wire,
        path: req.uri().to_string(),
        api_key: api_key.clone(),
        body,
    });
    if let Some(code) = key_rule(api_key.as_deref()) {
        return error_status(wire, code);
    }
    let mut scenario = state.next(wire);
    if let Scenario::Stall(pause) = scenario {
        tokio::time::sleep(pause).await;
        scenario = Scenario::default_answer();
    }
    match scenario {
        Scenario::Status(code) => error_status(wire, code),
        Scenario::Answer {
            chunks,
            input_tokens,
            output_tokens,
            delay,
        } if !stream => {
            if !delay.is_zero() {
                tokio::time::sleep(delay * chunks.len() as u32).await;
            }
            HttpResponse::Ok().json(whole_answer(
                wire,
                &chunks.concat(),
                input_tokens,
                output_tokens,
            ))
        }
        Scenario::Answer {
            chunks,
            input_tokens,
            output_tokens,
            delay,
        } => {
            let mut frames = start_events(wire, input_tokens);
            frames.extend(chunks.iter().map(|c| delta_event(wire, c)));
            frames.extend(end_events(wire, input_tokens, output_tokens));
            sse(frames.into_iter().map(|f| Step::Send(f, delay)).collect())
        }
        Scenario::CutAfter(chunks) => {
            let mut steps = sends(start_events(wire, 10));
            steps.extend(sends(chunks.iter().map(|c| delta_event(wire, c))));
            steps.push(Step::Cut);
            sse(steps)
        }
        Scenario::ErrorAfter(chunks) => {
            let mut steps = sends(start_events(wire, 10));
            steps.extend(sends(chunks.iter().map(|c| delta_event(wire, c))));
            steps.push(Step::Send(error_event(wire), Duration::ZERO));
            sse(steps)
        }
        Scenario::StallAfter(chunks, pause) => {
            let mut steps = sends(start_events(wire, 10));
            steps.extend(sends(chunks.iter().map(|c| delta_event(wire, c))));
            steps.extend(
                sends(end_events(wire, 10, 1))
                    .into_iter()
                    .map(|step| match step {
                        Step::Send(frame, _) => Step::Send(frame, pause),
                        other => other,
                    }),
            );
            sse(steps)
        }
        Scenario::Stall(_) => unreachable!("replaced above"),
    }
}

/// One step of a streamed response.
enum Step {
    /// Wait, then send this frame.
    Send(String, Duration),
    /// Break the connection.
    Cut,
}

fn sends(frames: impl IntoIterator<Item = String>) -> Vec<Step> {
    frames
        .into_iter()
        .map(|f| Step::Send(f, Duration::ZERO))
        .collect()
}

fn sse(steps: Vec<Step>) -> HttpResponse {
    let body = stream::iter(steps).then(|step| async move {
        match step {
            Step::Send(frame, delay) => {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                Ok::<_, std::io::Error>(Bytes::from(frame))
            }
            Step::Cut => {
                // Let what was sent reach the client first: an error drops
                // whatever the server still holds in its buffer.
                tokio::time::sleep(Duration::from_millis(50)).await;
                Err(std::io::Error::other("stand-in cut the connection"))
            }
        }
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .streaming(body)
}

fn data(value: Value) -> String {
    format!("data: {value}\n\n")
}

fn named(name: &str, value: Value) -> String {
    format!("event: {name}\ndata: {value}\n\n")
}

fn start_events(wire: Wire, input_tokens: u64) -> Vec<String> {
    match wire {
        Wire::OpenAi => vec![data(json!({
            "id": "chatcmpl-standin", "object": "chat.completion.chunk", "model": "stand-in",
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]
        }))],
        Wire::Anthropic => vec![
            named(
                "message_start",
                json!({"type": "message_start", "message": {
                "id": "msg_standin", "type": "message", "role": "assistant", "content": [], "model": "stand-in",
                "stop_reason": null, "usage": {"input_tokens": input_tokens, "output_tokens": 1}}}),
            ),
            named(
                "content_block_start",
                json!({"type": "content_block_start", "index": 0,
                "content_block": {"type": "text", "text": ""}}),
            ),
            named("ping", json!({"type": "ping"})),
        ],
        Wire::Gemini => vec![],
    }
}

fn delta_event(wire: Wire, text: &str) -> String {
    match wire {
        Wire::OpenAi => data(json!({
            "id": "chatcmpl-standin", "object": "chat.completion.chunk", "model": "stand-in",
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]
        })),
        Wire::Anthropic => named(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0,
            "delta": {"type": "text_delta", "text": text}}),
        ),
        Wire::Gemini => data(json!({
            "candidates": [{"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}],
            "modelVersion": "stand-in"
        })),
    }
}

fn end_events(wire: Wire, input_tokens: u64, output_tokens: u64) -> Vec<String> {
    match wire {
        Wire::OpenAi => vec![
            data(
                json!({"id": "chatcmpl-standin", "object": "chat.completion.chunk", "model": "stand-in",
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
            ),
            data(
                json!({"id": "chatcmpl-standin", "object": "chat.completion.chunk", "model": "stand-in",
                "choices": [], "usage": {"prompt_tokens": input_tokens, "completion_tokens": output_tokens,
                "total_tokens": input_tokens + output_tokens}}),
            ),
            "data: [DONE]\n\n".to_string(),
        ],
        Wire::Anthropic => vec![
            named(
                "content_block_stop",
                json!({"type": "content_block_stop", "index": 0}),
            ),
            named(
                "message_delta",
                json!({"type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": null},
                "usage": {"output_tokens": output_tokens}}),
            ),
            named("message_stop", json!({"type": "message_stop"})),
        ],
        Wire::Gemini => vec![data(json!({
            "candidates": [{"content": {"parts": [{"text": ""}], "role": "model"}, "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": input_tokens, "candidatesTokenCount": output_tokens,
                "totalTokenCount": input_tokens + output_tokens},
            "modelVersion": "stand-in"
        }))],
    }
}

fn error_event(wire: Wire) -> String {
    match wire {
        Wire::OpenAi => {
            data(json!({"error": {"message": "The server had an error", "type": "server_error"}}))
        }
        Wire::Anthropic => named(
            "error",
            json!({"type": "error",
            "error": {"type": "overloaded_error", "message": "Overloaded"}}),
        ),
        Wire::Gemini => {
            data(json!({"error": {"code": 500, "message": "Internal error", "status": "INTERNAL"}}))
        }
    }
}

fn whole_answer(wire: Wire, text: &str, input_tokens: u64, output_tokens: u64) -> Value {
    match wire {
        Wire::OpenAi => json!({
            "id": "chatcmpl-standin", "object": "chat.completion", "model": "stand-in",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": input_tokens, "completion_tokens": output_tokens,
                "total_tokens": input_tokens + output_tokens}
        }),
        Wire::Anthropic => json!({
            "id": "msg_standin", "type": "message", "role": "assistant", "model": "stand-in",
            "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens}
        }),
        Wire::Gemini => json!({
            "candidates": [{"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": input_tokens, "candidatesTokenCount": output_tokens,
                "totalTokenCount": input_tokens + output_tokens}
        }),
    }
}

fn error_status(wire: Wire, code: u16) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(code)
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let body = match wire {
        Wire::OpenAi => {
            json!({"error": {"message": format!("stand-in status {code}"), "type": if code == 401 { "invalid_request_error" } else { "server_error" }, "code": if code == 401 { json!("invalid_api_key") } else { Value::Null }}})
        }
        Wire::Anthropic => {
            json!({"type": "error", "error": {"type": "api_error", "message": format!("stand-in status {code}")}})
        }
        Wire::Gemini => {
            json!({"error": {"code": code, "message": format!("stand-in status {code}"), "status": "UNAVAILABLE"}})
        }
    };
    let mut response = HttpResponse::build(status);
    if code == 429 {
        response.insert_header(("retry-after", "0"));
    }
    response.json(body)
}
