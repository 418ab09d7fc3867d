//! `POST /api/v1/ask`: a question, answered as JSON or, with
//! `Accept: text/event-stream`, as server-sent events.

use std::convert::Infallible;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use bytes::Bytes;
use shared_types::{ApiKeyScope, AskRequest, AskResponse, ErrorBody, ErrorCode, StreamEvent};

use crate::error::ApiError;
use crate::extractors::{Caller, Json};
use crate::rate_limit::Decision;
use crate::state::AppState;

/// The largest ask body (page text can be long; it is trimmed to fit).
pub const ASK_JSON_LIMIT_BYTES: usize = 512 * 1024;

/// Answers a question within the caller's plan. Takes an access token or a
/// personal API key; a key continues a conversation only with the
/// `conversations` scope, and uses the resume only with the `resume` scope.
#[utoipa::path(post, path = "/api/v1/ask", tag = "ask", security(("bearer" = [])), request_body = AskRequest,
    responses(
        (status = 200, description = "The answer as JSON, or with `Accept: text/event-stream` a stream of \
            `meta`, `delta`, `usage` | `error`, `done` events. Carries X-RateLimit-Limit/Remaining/Reset.",
            body = AskResponse),
        (status = 400, description = "invalid_request", body = ErrorBody),
        (status = 401, description = "missing_token or invalid_token (also an invalid, expired or deleted API key)", body = ErrorBody),
        (status = 403, description = "model_not_allowed, account_suspended, plan_required (an API key on a plan without keys), or forbidden (a conversation_id with a key without the conversations scope)", body = ErrorBody),
        (status = 404, description = "not_found: no such conversation; unknown_model: no such model", body = ErrorBody),
        (status = 422, description = "provider_key_invalid: the provider refused the user's own key (marked invalid; not counted)", body = ErrorBody),
        (status = 429, description = "quota_exceeded, or rate_limited with Retry-After", body = ErrorBody),
        (status = 502, description = "upstream_error: not counted against the quota", body = ErrorBody),
        (status = 503, description = "no_provider or model_disabled", body = ErrorBody),
        (status = 504, description = "upstream_timeout: not counted against the quota", body = ErrorBody),
    ))]
pub async fn ask(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: Caller,
    body: Json<AskRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut request = body.into_inner();
    if request.conversation_id.is_some() && !user.may(ApiKeyScope::Conversations) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "This API key may not continue conversations: make a key with the conversations scope.",
        ));
    }
    // A key without the resume scope asks without it (`resume_used: false`).
    request.use_resume &= user.may(ApiKeyScope::Resume);
    let decision = per_minute(&state, &user).await?;
    let answer = state
        .ask
        .ask(user.id, user.tier, request)
        .await
        .map_err(|e| refused(&state, e, &decision))?;

    let mut response = HttpResponse::Ok();
    for (name, value) in rate_limit_headers(&decision) {
        response.insert_header((name, value));
    }
    if wants_stream(&req) {
        Ok(stream(response, answer.events))
    } else {
        collect(response, answer.events).await
    }
}

/// Takes one ask of the caller's per-minute limit (shared by every door);
/// refused, the error carries the limit headers and `Retry-After`.
pub(crate) async fn per_minute(state: &AppState, user: &Caller) -> Result<Decision, ApiError> {
    let per_minute = state.ask.catalogue().plan(user.tier).per_minute;
    let decision = state
        .limiter
        .check(&format!("ask-user:{}", user.id), per_minute)
        .await;
    if !decision.allowed {
        state
            .metrics
            .refusals
            .with_label_values(&["rate_limit"])
            .inc();
        let error = ApiError::rate_limited(
            format!("You can ask {per_minute} questions a minute on your plan; wait a moment."),
            &decision,
        );
        return Err(with_rate_limit(error, &decision));
    }
    Ok(decision)
}

/// An ask refused before it began, counted in the metrics, with the limit
/// headers.
pub(crate) fn refused(state: &AppState, error: crate::ask::AskError, d: &Decision) -> ApiError {
    if matches!(error, crate::ask::AskError::QuotaExceeded { .. }) {
        state.metrics.refusals.with_label_values(&["quota"]).inc();
    }
    with_rate_limit(error.into(), d)
}

fn wants_stream(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/event-stream"))
}

fn stream(
    mut response: HttpResponseBuilder,
    events: tokio::sync::mpsc::Receiver<StreamEvent>,
) -> HttpResponse {
    let body = futures_util::stream::unfold(events, |mut events| async move {
        let event = events.recv().await?;
        Some((Ok::<_, Infallible>(Bytes::from(event.to_sse())), events))
    });
    response
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body)
}

async fn collect(
    mut response: HttpResponseBuilder,
    mut events: tokio::sync::mpsc::Receiver<StreamEvent>,
) -> Result<HttpResponse, ApiError> {
    let (mut meta, mut answer, mut usage) = (None, String::new(), None);
    while let Some(event) = events.recv().await {
        match event {
            StreamEvent::Meta(m) => meta = Some(m),
            StreamEvent::Delta(d) => answer.push_str(&d.text),
            StreamEvent::Usage(u) => usage = Some(u),
            StreamEvent::Error(e) => return Err(ApiError::new(e.error, e.message)),
            StreamEvent::Done => break,
        }
    }
    match (meta, usage) {
        (Some(meta), Some(usage)) => Ok(response.json(AskResponse {
            conversation_id: meta.conversation_id,
            message_id: meta.message_id,
            answer,
            model: meta.model,
            resume_used: meta.resume_used,
            usage,
        })),
        _ => Err(ApiError::internal("the answer ended without its usage")),
    }
}

pub(crate) fn rate_limit_headers(d: &Decision) -> [(&'static str, String); 3] {
    [
        ("x-ratelimit-limit", d.limit.to_string()),
        ("x-ratelimit-remaining", d.remaining.to_string()),
        (
            "x-ratelimit-reset",
            (d.reset_after.as_secs_f64().ceil() as u64).to_string(),
        ),
    ]
}

fn with_rate_limit(error: ApiError, d: &Decision) -> ApiError {
    rate_limit_headers(d)
        .into_iter()
        .fold(error, |error, (name, value)| error.with_header(name, value))
}
