//! The OpenAI-compatible API: `POST /v1/chat/completions`, `GET /v1/models`
//! and `GET /v1/models/{id}`, so the official SDKs work with a base URL of
//! `{server}/v1` and a personal API key (or an access token).
//!
//! Same plans, quotas, per-minute limit, own-key rules and ledger as
//! `/api/v1/ask`; nothing is stored but the ledger row (marked `api`).
//!
//! Wire format, as the SDKs expect it:
//! - errors before the answer starts: the status, and
//!   `{"error": {"message", "type", "param", "code"}}`; the monthly quota is
//!   429 `insufficient_quota` with `x-should-retry: false` (the SDKs then do
//!   not retry), the per-minute limit 429 `rate_limit_exceeded` with
//!   `Retry-After`, a bad key 401 `invalid_api_key`, an unknown model 404
//!   `model_not_found`;
//! - `stream: true`: `chat.completion.chunk` events, the last with a
//!   `finish_reason`, then (with `stream_options.include_usage`) one chunk
//!   with `choices: []` and the usage, then `data: [DONE]`; an error after
//!   the answer began is one `data: {"error": ...}` event, then the end.

use std::convert::Infallible;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use shared_types::{ErrorCode, StreamEvent};

use super::ask::{per_minute, rate_limit_headers, refused};
use crate::ai::{ChatMessage, ChatRole};
use crate::ask::Completion;
use crate::error::ApiError;
use crate::extractors::Caller;
use crate::state::AppState;

/// The largest request body.
pub const BODY_LIMIT_BYTES: usize = 2 * 1024 * 1024;

/// An error in OpenAI's shape.
#[derive(Debug)]
pub struct OpenAiError {
    inner: ApiError,
    param: Option<&'static str>,
}

impl From<ApiError> for OpenAiError {
    fn from(inner: ApiError) -> Self {
        let param = match inner.code() {
            ErrorCode::UnknownModel | ErrorCode::ModelNotAllowed | ErrorCode::ModelDisabled => {
                Some("model")
            }
            _ => None,
        };
        Self { inner, param }
    }
}

impl std::fmt::Display for OpenAiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl OpenAiError {
    fn invalid(message: impl Into<String>, param: &'static str) -> Self {
        Self {
            inner: ApiError::invalid(message),
            param: Some(param),
        }
    }

    /// OpenAI's status, `type` and `code` for one of ours.
    fn shape(&self) -> (u16, &'static str, &'static str) {
        let code = self.inner.code();
        match code {
            ErrorCode::MissingToken | ErrorCode::InvalidToken => {
                (401, "invalid_request_error", "invalid_api_key")
            }
            ErrorCode::QuotaExceeded => (429, "insufficient_quota", "insufficient_quota"),
            ErrorCode::RateLimited => (429, "requests", "rate_limit_exceeded"),
            ErrorCode::UnknownModel => (404, "invalid_request_error", "model_not_found"),
            ErrorCode::AccountSuspended | ErrorCode::PlanRequired | ErrorCode::Forbidden => {
                (code.status(), "permission_error", code.as_str())
            }
            _ if code.status() >= 500 => (code.status(), "server_error", code.as_str()),
            _ => (code.status(), "invalid_request_error", code.as_str()),
        }
    }

    fn body(&self) -> Value {
        let (_, kind, code) = self.shape();
        json!({"error": {
            "message": self.inner.message(),
            "type": kind,
            "param": self.param,
            "code": code,
        }})
    }
}

impl ResponseError for OpenAiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.shape().0).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        for (name, value) in self.inner.headers() {
            response.insert_header((*name, value.as_str()));
        }
        if self.inner.code() == ErrorCode::QuotaExceeded {
            // Waiting will not help before the month turns.
            response.insert_header(("x-should-retry", "false"));
        }
        response.json(self.body())
    }
}

/// `POST /v1/chat/completions`.
#[derive(Debug, Deserialize)]
struct ChatCompletionRequest {
    model: String,
    messages: Vec<InMessage>,
    #[serde(default)]
    stream: bool,
    stream_options: Option<StreamOptions>,
    max_tokens: Option<u32>,
    max_completion_tokens: Option<u32>,
    n: Option<u32>,
    tools: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct StreamOptions {
    #[serde(default)]
    include_usage: bool,
}

#[derive(Debug, Deserialize)]
struct InMessage {
    role: String,
    #[serde(default)]
    content: Option<Content>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Parts(Vec<Part>),
}

#[derive(Debug, Deserialize)]
struct Part {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
}

impl Content {
    fn text(self) -> Result<String, OpenAiError> {
        match self {
            Self::Text(text) => Ok(text),
            Self::Parts(parts) => parts
                .into_iter()
                .map(|p| match (p.kind.as_str(), p.text) {
                    ("text", Some(text)) => Ok(text),
                    (kind, _) => Err(OpenAiError::invalid(
                        format!("Content parts of type '{kind}' are not supported; send text."),
                        "messages",
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|texts| texts.join("\n")),
        }
    }
}

/// The caller's conversation as the ask service takes it.
fn completion(request: ChatCompletionRequest) -> Result<(Completion, bool, bool), OpenAiError> {
    if request.n.is_some_and(|n| n != 1) {
        return Err(OpenAiError::invalid("Only n = 1 is supported.", "n"));
    }
    if request.tools.as_ref().is_some_and(|t| !t.is_null()) {
        return Err(OpenAiError::invalid(
            "Tools are not supported by this endpoint.",
            "tools",
        ));
    }
    let mut system = Vec::new();
    let mut messages = Vec::new();
    for message in request.messages {
        let text = match message.content {
            Some(content) => content.text()?,
            None => String::new(),
        };
        let role = match message.role.as_str() {
            "system" | "developer" => {
                system.push(text);
                continue;
            }
            "user" => ChatRole::User,
            "assistant" => ChatRole::Assistant,
            other => {
                return Err(OpenAiError::invalid(
                    format!(
                        "Messages with the role '{other}' are not supported; use system, developer, user or assistant."
                    ),
                    "messages",
                ));
            }
        };
        if !text.trim().is_empty() {
            messages.push(ChatMessage {
                role,
                content: text,
            });
        }
    }
    let include_usage = request.stream_options.is_some_and(|o| o.include_usage);
    Ok((
        Completion {
            model: Some(request.model),
            system: system.join("\n\n"),
            messages,
            max_output_tokens: request.max_completion_tokens.or(request.max_tokens),
        },
        request.stream,
        include_usage,
    ))
}

async fn caller(req: &HttpRequest) -> Result<Caller, OpenAiError> {
    Ok(Caller::from_request(req, &mut Payload::None).await?)
}

/// Reads the body, refusing it past [`BODY_LIMIT_BYTES`] (at once when its
/// declared length is already too long).
async fn read_body(req: &HttpRequest, mut payload: web::Payload) -> Result<Bytes, ApiError> {
    use futures_util::StreamExt;
    let too_large = || {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "The request body is larger than {} KB.",
                BODY_LIMIT_BYTES / 1024
            ),
        )
    };
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT_BYTES) {
        return Err(too_large());
    }
    let mut body = bytes::BytesMut::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::invalid(format!("The request body could not be read: {e}")))?;
        if body.len() + chunk.len() > BODY_LIMIT_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Answers a chat completion. The caller's key is checked before the body
/// is read, so an anonymous client cannot make the server take in 2 MB.
pub async fn chat_completions(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, OpenAiError> {
    let user = caller(&req).await?;
    let body = read_body(&req, payload).await?;
    let request: ChatCompletionRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid(format!("The JSON body is invalid: {e}")))?;
    let (call, stream, include_usage) = completion(request)?;
    let decision = per_minute(&state, &user).await?;
    let answer = state
        .ask
        .complete(user.id, user.tier, call)
        .await
        .map_err(|e| refused(&state, e, &decision))?;

    let mut response = HttpResponse::Ok();
    for (name, value) in rate_limit_headers(&decision) {
        response.insert_header((name, value));
    }
    let chunk = Chunk {
        id: format!("chatcmpl-{}", uuid::Uuid::new_v4().simple()),
        created: chrono::Utc::now().timestamp(),
        model: answer.model,
        include_usage,
    };
    if stream {
        Ok(response
            .content_type("text/event-stream")
            .insert_header(("cache-control", "no-cache"))
            .insert_header(("x-accel-buffering", "no"))
            .streaming(sse(chunk, answer.events)))
    } else {
        collect(response, chunk, answer.events).await
    }
}

/// What every chunk of one completion repeats.
struct Chunk {
    id: String,
    created: i64,
    model: String,
    include_usage: bool,
}

impl Chunk {
    fn event(&self, choices: Value, usage: Option<Value>) -> Bytes {
        let mut chunk = json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": null,
            "choices": choices,
        });
        if self.include_usage {
            chunk["usage"] = usage.unwrap_or(Value::Null);
        }
        Bytes::from(format!("data: {chunk}\n\n"))
    }

    fn delta(&self, delta: Value, finish: Option<&str>) -> Bytes {
        self.event(
            json!([{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}]),
            None,
        )
    }
}

fn usage_json(usage: &shared_types::Usage) -> Value {
    json!({
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
    })
}

/// One error event after the answer began.
fn error_event(error: shared_types::ErrorBody) -> Bytes {
    let error = OpenAiError::from(ApiError::new(error.error, error.message));
    Bytes::from(format!("data: {}\n\n", error.body()))
}

fn sse(
    chunk: Chunk,
    events: tokio::sync::mpsc::Receiver<StreamEvent>,
) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> {
    let first = chunk.delta(json!({"role": "assistant", "content": ""}), None);
    let state = (chunk, events, Some(first), false);
    futures_util::stream::unfold(state, |(chunk, mut events, pending, ended)| async move {
        if let Some(bytes) = pending {
            return Some((Ok(bytes), (chunk, events, None, ended)));
        }
        if ended {
            return None;
        }
        loop {
            let bytes = match events.recv().await? {
                StreamEvent::Delta(d) => chunk.delta(json!({"content": d.text}), None),
                StreamEvent::Usage(u) => {
                    let mut out = chunk.delta(json!({}), Some("stop")).to_vec();
                    if chunk.include_usage {
                        out.extend_from_slice(&chunk.event(json!([]), Some(usage_json(&u))));
                    }
                    out.extend_from_slice(b"data: [DONE]\n\n");
                    Bytes::from(out)
                }
                StreamEvent::Error(e) => {
                    return Some((Ok(error_event(e)), (chunk, events, None, true)));
                }
                StreamEvent::Meta(_) | StreamEvent::Done => continue,
            };
            return Some((Ok(bytes), (chunk, events, None, false)));
        }
    })
}

async fn collect(
    mut response: actix_web::HttpResponseBuilder,
    chunk: Chunk,
    mut events: tokio::sync::mpsc::Receiver<StreamEvent>,
) -> Result<HttpResponse, OpenAiError> {
    let mut answer = String::new();
    while let Some(event) = events.recv().await {
        match event {
            StreamEvent::Delta(d) => answer.push_str(&d.text),
            StreamEvent::Error(e) => return Err(ApiError::new(e.error, e.message).into()),
            StreamEvent::Usage(u) => {
                return Ok(response.json(json!({
                    "id": chunk.id,
                    "object": "chat.completion",
                    "created": chunk.created,
                    "model": chunk.model,
                    "system_fingerprint": null,
                    "choices": [{
                        "index": 0,
                        "message": {"role": "assistant", "content": answer, "refusal": null},
                        "logprobs": null,
                        "finish_reason": "stop",
                    }],
                    "usage": usage_json(&u),
                })));
            }
            StreamEvent::Meta(_) | StreamEvent::Done => {}
        }
    }
    Err(ApiError::internal("the answer ended without its usage").into())
}

/// The models the caller may use, in OpenAI's list shape.
pub async fn models(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, OpenAiError> {
    let user = caller(&req).await?;
    let data: Vec<Value> = available(&state, &user).iter().map(model_json).collect();
    Ok(HttpResponse::Ok().json(json!({"object": "list", "data": data})))
}

/// One model the caller may use.
pub async fn model(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, OpenAiError> {
    let user = caller(&req).await?;
    available(&state, &user)
        .iter()
        .find(|m| m.id == *id)
        .map(|m| HttpResponse::Ok().json(model_json(m)))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::UnknownModel,
                format!("The model '{id}' does not exist or your plan does not include it."),
            )
            .into()
        })
}

fn available(state: &AppState, user: &Caller) -> Vec<crate::ai::catalogue::ModelSpec> {
    let catalogue = state.ask.catalogue();
    catalogue
        .available(user.tier, &|provider| state.ask.provider_on(provider))
        .into_iter()
        .cloned()
        .collect()
}

fn model_json(model: &crate::ai::catalogue::ModelSpec) -> Value {
    json!({"id": model.id, "object": "model", "created": 0, "owned_by": model.provider})
}
