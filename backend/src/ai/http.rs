//! The HTTP side shared by every networked provider: send, check the status,
//! decode the SSE body with a read timeout, and map each event through the
//! provider's [`WireFormat`].

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};

use super::{ChatEvent, ChatRequest, ChatStream, Provider, ProviderError, ProviderErrorKind};
use shared_types::sse::{SseDecoder, SseEvent};

/// One provider's request shape and stream events.
pub trait WireFormat: Send + Sync + 'static {
    /// Builds the streaming request.
    fn request(
        &self,
        client: &reqwest::Client,
        base_url: &str,
        api_key: &str,
        req: &ChatRequest,
    ) -> reqwest::RequestBuilder;

    /// Reads one SSE event into `out`; an error event of the provider is `Err`.
    fn parse(&self, event: &SseEvent, out: &mut Vec<ChatEvent>) -> Result<(), String>;

    /// A cheap authenticated call that proves a key works (listing models).
    fn check_key(
        &self,
        client: &reqwest::Client,
        base_url: &str,
        api_key: &str,
    ) -> reqwest::RequestBuilder;
}

/// The HTTP clients the providers share: one per thread.
///
/// A reqwest connection is driven by a task on the runtime that opened it,
/// and each of actix's workers is a runtime of its own. With one client for
/// all of them, an ask on one worker sends its request through a connection
/// kept on another, which wakes that thread, and is woken back for every
/// piece of the answer's body: measured with `strace -f -c` on the ask
/// benchmark, one upstream call cost about ten cross-thread wake-ups. A
/// client per thread keeps each call on the worker that serves the ask.
#[derive(Clone)]
pub struct Clients {
    id: u64,
    connect_timeout: Duration,
    /// Built at start-up, to report a client that cannot be built; used on
    /// a thread where building one fails (as it did not at start-up).
    first: reqwest::Client,
}

impl Clients {
    /// Clients that give up connecting after `connect_timeout`.
    pub fn new(connect_timeout: Duration) -> reqwest::Result<Self> {
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Ok(Self {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            connect_timeout,
            first: Self::build(connect_timeout)?,
        })
    }

    fn build(connect_timeout: Duration) -> reqwest::Result<reqwest::Client> {
        reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .build()
    }

    /// This thread's client.
    pub fn get(&self) -> reqwest::Client {
        thread_local! {
            static CLIENTS: std::cell::RefCell<std::collections::HashMap<u64, reqwest::Client>> =
                Default::default();
        }
        CLIENTS.with_borrow_mut(|clients| {
            clients
                .entry(self.id)
                .or_insert_with(|| {
                    Self::build(self.connect_timeout).unwrap_or_else(|_| self.first.clone())
                })
                .clone()
        })
    }
}

/// A provider reached over HTTP.
pub struct HttpProvider<W> {
    name: String,
    wire: Arc<W>,
    base_url: String,
    api_key: SecretString,
    clients: Clients,
    read_timeout: Duration,
}

impl<W: WireFormat> HttpProvider<W> {
    /// A provider named `name` at `base_url` (no trailing slash).
    pub fn new(
        name: &str,
        wire: W,
        base_url: &str,
        api_key: SecretString,
        clients: Clients,
        read_timeout: Duration,
    ) -> Self {
        Self {
            name: name.to_string(),
            wire: Arc::new(wire),
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key,
            clients,
            read_timeout,
        }
    }
}

impl<W: WireFormat> Provider for HttpProvider<W> {
    fn name(&self) -> &str {
        &self.name
    }

    fn with_key(&self, api_key: SecretString) -> Option<Arc<dyn Provider>> {
        Some(Arc::new(Self {
            name: self.name.clone(),
            wire: self.wire.clone(),
            base_url: self.base_url.clone(),
            api_key,
            clients: self.clients.clone(),
            read_timeout: self.read_timeout,
        }))
    }

    fn check_key(&self) -> BoxFuture<'static, Result<(), ProviderError>> {
        let builder = self.wire.check_key(
            &self.clients.get(),
            &self.base_url,
            self.api_key.expose_secret(),
        );
        let (name, read_timeout) = (self.name.clone(), self.read_timeout);
        Box::pin(async move { send(&name, builder, read_timeout).await.map(drop) })
    }

    fn stream(
        &self,
        request: ChatRequest,
    ) -> BoxFuture<'static, Result<ChatStream, ProviderError>> {
        let builder = self.wire.request(
            &self.clients.get(),
            &self.base_url,
            self.api_key.expose_secret(),
            &request,
        );
        let (name, wire, read_timeout) = (self.name.clone(), self.wire.clone(), self.read_timeout);
        Box::pin(async move {
            let response = send(&name, builder, read_timeout).await?;
            Ok(decode(name, wire, response, read_timeout))
        })
    }
}

/// Sends a request; a non-2xx status is an error carrying an excerpt of the
/// provider's body (never the request, so never the key).
async fn send(
    name: &str,
    builder: reqwest::RequestBuilder,
    read_timeout: Duration,
) -> Result<reqwest::Response, ProviderError> {
    let fail = |kind, message: String| ProviderError::new(name, kind, message);
    let response = match tokio::time::timeout(read_timeout, builder.send()).await {
        Err(_) => {
            return Err(fail(
                ProviderErrorKind::Timeout,
                "no response within the read timeout".into(),
            ));
        }
        Ok(Err(e)) if e.is_connect() => {
            return Err(fail(ProviderErrorKind::Connect, describe(&e)));
        }
        Ok(Err(e)) if e.is_timeout() => {
            return Err(fail(ProviderErrorKind::Timeout, describe(&e)));
        }
        Ok(Err(e)) => return Err(fail(ProviderErrorKind::Stream, describe(&e))),
        Ok(Ok(response)) => response,
    };
    let status = response.status();
    if !status.is_success() {
        let body = tokio::time::timeout(read_timeout, response.text())
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let excerpt: String = body.chars().take(300).collect();
        return Err(fail(
            ProviderErrorKind::Status(status.as_u16()),
            format!("HTTP {status}: {excerpt}"),
        ));
    }
    Ok(response)
}

/// What went wrong, without the request URL.
fn describe(e: &reqwest::Error) -> String {
    let mut text = String::from(if e.is_connect() {
        "connection failed"
    } else if e.is_timeout() {
        "timed out"
    } else if e.is_body() || e.is_decode() {
        "reading the response failed"
    } else {
        "the request failed"
    });
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

struct DecodeState<W> {
    name: String,
    wire: Arc<W>,
    body: futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    decoder: SseDecoder,
    pending: std::collections::VecDeque<Result<ChatEvent, ProviderError>>,
    finished: bool,
    ended: bool,
    read_timeout: Duration,
}

fn decode<W: WireFormat>(
    name: String,
    wire: Arc<W>,
    response: reqwest::Response,
    read_timeout: Duration,
) -> ChatStream {
    let state = DecodeState {
        name,
        wire,
        body: response.bytes_stream().boxed(),
        decoder: SseDecoder::default(),
        pending: Default::default(),
        finished: false,
        ended: false,
        read_timeout,
    };
    Box::pin(futures_util::stream::unfold(state, |mut s| async move {
        loop {
            if let Some(item) = s.pending.pop_front() {
                return Some((item, s));
            }
            if s.ended {
                return None;
            }
            let fail = |kind, message: &str| ProviderError::new(&s.name, kind, message);
            match tokio::time::timeout(s.read_timeout, s.body.next()).await {
                Err(_) => {
                    s.ended = true;
                    s.pending
                        .push_back(Err(fail(ProviderErrorKind::Timeout, "the stream stalled")));
                }
                Ok(Some(Err(e))) => {
                    s.ended = true;
                    s.pending
                        .push_back(Err(fail(ProviderErrorKind::Stream, &describe(&e))));
                }
                Ok(None) => {
                    s.ended = true;
                    if !s.finished {
                        s.pending.push_back(Err(fail(
                            ProviderErrorKind::Stream,
                            "the stream ended before the answer did",
                        )));
                    }
                }
                Ok(Some(Ok(bytes))) => {
                    for event in s.decoder.feed(&bytes) {
                        let mut out = Vec::new();
                        if let Err(message) = s.wire.parse(&event, &mut out) {
                            s.ended = true;
                            s.pending
                                .push_back(Err(fail(ProviderErrorKind::InStream, &message)));
                            break;
                        }
                        s.finished |= out.contains(&ChatEvent::Finished);
                        s.pending.extend(out.into_iter().map(Ok));
                    }
                }
            }
        }
    }))
}

/// Reads a JSON value from SSE data, naming the provider in the error.
pub(crate) fn json(event: &SseEvent) -> Result<serde_json::Value, String> {
    serde_json::from_str(&event.data).map_err(|e| format!("unreadable stream event: {e}"))
}
