//! Local stand-ins for the outside services, over real HTTP: the AI
//! providers here, Stripe in [`stripe`].
//!
//! One AI server answers all three wire formats:
//! - OpenAI Chat Completions: `POST /v1/chat/completions` (base URL `{url}/v1`)
//! - Anthropic Messages: `POST /v1/messages` (base URL `{url}`)
//! - Gemini: `POST /v1beta/models/{model}:streamGenerateContent?alt=sse`
//!   and `:generateContent` (base URL `{url}`)
//!
//! Each request takes the next [`Scenario`] queued for its wire format, or
//! answers normally when none is queued, and is recorded for assertions.
//!
//! Keys: `GET /v1/models` (OpenAI, Anthropic) and `GET /v1beta/models`
//! (Gemini) list models, the call that checks a key; a queued
//! [`Scenario::Status`] answers it too. On every route a key containing
//! `refused` gets 401 and one containing `busy` gets 429, in the provider's
//! error format; any other key is accepted.

pub mod mail;
pub mod stripe;
mod wire;

use std::collections::VecDeque;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpServer, web};
pub use mail::MailCatcher;
pub use stripe::FakeStripe;
pub use wire::Wire;

/// How the stand-in answers one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scenario {
    /// A normal answer streamed in these pieces, with this usage.
    Answer {
        /// The text pieces, one per stream chunk.
        chunks: Vec<String>,
        /// Prompt tokens to report.
        input_tokens: u64,
        /// Answer tokens to report.
        output_tokens: u64,
        /// Pause before each chunk.
        delay: Duration,
    },
    /// An HTTP error status with the provider's error body.
    Status(u16),
    /// These pieces, then the connection is cut (no usage, no end marker).
    CutAfter(Vec<String>),
    /// These pieces, then the provider's in-stream error event.
    ErrorAfter(Vec<String>),
    /// These pieces, then silence for this long before the end.
    StallAfter(Vec<String>, Duration),
    /// Wait this long before sending the response headers.
    Stall(Duration),
}

impl Scenario {
    /// The default answer, "Hello from the **stand-in**.": three pieces
    /// (the markdown split across two), 12 input and 5 output tokens.
    pub fn default_answer() -> Self {
        Self::answer(&["Hello", " from the **", "stand-in**."], 12, 5)
    }

    /// The same answer with this pause before each piece.
    fn paused(mut self, pause: Duration) -> Self {
        if let Self::Answer { delay, .. } = &mut self {
            *delay = pause;
        }
        self
    }

    /// An answer in these pieces with this usage and no delay.
    pub fn answer(chunks: &[&str], input_tokens: u64, output_tokens: u64) -> Self {
        Self::Answer {
            chunks: chunks.iter().map(|c| c.to_string()).collect(),
            input_tokens,
            output_tokens,
            delay: Duration::ZERO,
        }
    }
}

/// A request the stand-in received.
#[derive(Debug, Clone)]
pub struct Received {
    /// Which wire format it was addressed to.
    pub wire: Wire,
    /// The request path (with query).
    pub path: String,
    /// The API key header it carried (`Authorization`, `x-api-key` or
    /// `x-goog-api-key`).
    pub api_key: Option<String>,
    /// The JSON body.
    pub body: serde_json::Value,
}

#[derive(Default)]
struct State {
    queued: Mutex<Vec<(Wire, VecDeque<Scenario>)>>,
    received: Mutex<Vec<Received>>,
    record: bool,
    /// Milliseconds the default answer pauses before each piece.
    default_delay_ms: std::sync::atomic::AtomicU64,
}

impl State {
    fn next(&self, wire: Wire) -> Scenario {
        let mut queued = self.queued.lock().unwrap_or_else(|p| p.into_inner());
        queued
            .iter_mut()
            .find(|(w, _)| *w == wire)
            .and_then(|(_, q)| q.pop_front())
            .unwrap_or_else(|| {
                let pause = self
                    .default_delay_ms
                    .load(std::sync::atomic::Ordering::Relaxed);
                Scenario::default_answer().paused(Duration::from_millis(pause))
            })
    }

    /// The next queued scenario for `wire` if it is an HTTP status (the
    /// key-checking call answers with it); other scenarios stay queued.
    fn next_status(&self, wire: Wire) -> Option<u16> {
        let mut queued = self.queued.lock().unwrap_or_else(|p| p.into_inner());
        let queue = &mut queued.iter_mut().find(|(w, _)| *w == wire)?.1;
        match queue.front() {
            Some(&Scenario::Status(code)) => {
                queue.pop_front();
                Some(code)
            }
            _ => None,
        }
    }

    fn record(&self, received: Received) {
        if self.record {
            self.received
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(received);
        }
    }
}

/// `GET /_stand-in/requests`: what was received (when recording), for tests
/// that drive the stand-in from another process, such as the browser tests.
async fn list_received(state: web::Data<State>) -> web::Json<serde_json::Value> {
    let received = state.received.lock().unwrap_or_else(|p| p.into_inner());
    let list = received
        .iter()
        .map(|r| serde_json::json!({"wire": format!("{:?}", r.wire), "path": r.path, "body": r.body}))
        .collect();
    web::Json(serde_json::Value::Array(list))
}

/// `POST /_stand-in/delay/{ms}`: the default answer pauses this long before
/// each piece from now on (a slow provider, for tests in another process).
async fn set_delay(state: web::Data<State>, ms: web::Path<u64>) -> actix_web::HttpResponse {
    state
        .default_delay_ms
        .store(ms.into_inner(), std::sync::atomic::Ordering::Relaxed);
    actix_web::HttpResponse::NoContent().finish()
}

/// A running stand-in server.
pub struct FakeAi {
    url: String,
    state: Arc<State>,
    handle: actix_web::dev::ServerHandle,
}

impl FakeAi {
    /// Starts a stand-in on a free port that records every request. Must be
    /// called within a tokio runtime.
    pub fn start() -> Self {
        Self::start_on("127.0.0.1:0", true)
            .unwrap_or_else(|e| panic!("stand-in failed to start: {e}"))
    }

    /// Starts a stand-in on `addr`; `record` keeps requests for assertions
    /// (off for benchmarks, where it would only grow).
    pub fn start_on(addr: &str, record: bool) -> std::io::Result<Self> {
        let state = Arc::new(State {
            record,
            ..State::default()
        });
        let listener = TcpListener::bind(addr)?;
        let url = format!("http://{}", listener.local_addr()?);
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .configure(wire::routes)
                .route("/_stand-in/requests", web::get().to(list_received))
                .route("/_stand-in/delay/{ms}", web::post().to(set_delay))
        })
        .listen(listener)?
        .workers(1)
        .disable_signals()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Ok(Self { url, state, handle })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The base URL to configure for a wire format's client.
    pub fn base_url(&self, wire: Wire) -> String {
        match wire {
            Wire::OpenAi => format!("{}/v1", self.url),
            Wire::Anthropic | Wire::Gemini => self.url.clone(),
        }
    }

    /// Queues scenarios for the next requests of one wire format.
    pub fn queue(&self, wire: Wire, scenarios: impl IntoIterator<Item = Scenario>) {
        let mut queued = self.state.queued.lock().unwrap_or_else(|p| p.into_inner());
        match queued.iter_mut().find(|(w, _)| *w == wire) {
            Some((_, q)) => q.extend(scenarios),
            None => queued.push((wire, scenarios.into_iter().collect())),
        }
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.state
            .received
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Stops the server.
    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}
