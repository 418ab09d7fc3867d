//! Streams answers over `ask` ports. An answer belongs to the worker, not
//! to the page that asked: when that page goes away (a popup closed
//! mid-answer) the answer goes on streaming, and the backend stores it
//! whole whatever happens here. A page opened meanwhile follows it with
//! `watch`. Only `stop` ends an answer early, by asking the backend to stop
//! it, so the stored answer and the ledger agree.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use mentor_browser::{Port, RawPort, Sender};
use mentor_extension::answers::AnswerStream;
use shared_types::extension::{PortEvent, PortRequest};
use shared_types::sse::SseDecoder;
use shared_types::{AskRequest, ConversationId, ErrorBody, ErrorCode, MessageId, StreamEvent};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{AbortController, ReadableStreamDefaultReader};

use crate::backend::{self, Call};
use crate::{session, settings};

/// An answer being streamed, and the pages following it.
#[derive(Default)]
struct Live {
    conversation: Option<ConversationId>,
    message: Option<MessageId>,
    answer: AnswerStream,
    watchers: Vec<Sender>,
    /// The user asked to stop it.
    stop: bool,
    /// Cuts the request when the backend cannot be told to stop.
    abort: Option<AbortController>,
}

type Shared = Rc<RefCell<Live>>;

thread_local! {
    /// Open ports by number; each is dropped when its page disconnects.
    static PORTS: RefCell<HashMap<u32, Port>> = RefCell::new(HashMap::new());
    static NEXT_PORT: RefCell<u32> = const { RefCell::new(0) };
    /// The answers being streamed.
    static LIVE: RefCell<Vec<Shared>> = const { RefCell::new(Vec::new()) };
}

/// Takes over a port the page opened, with the messages that arrived before
/// the wasm was ready.
pub fn accept(raw: RawPort, queued: &js_sys::Array) {
    let id = NEXT_PORT.with(|n| {
        let mut n = n.borrow_mut();
        *n = n.wrapping_add(1);
        *n
    });
    let mut port = Port::wrap(raw);
    let sender = port.sender();
    // The answer this page asked for or follows.
    let following: Rc<RefCell<Option<Shared>>> = Rc::default();
    let dispatch = move |request: PortRequest| handle(request, &sender, &following);
    port.on_message(dispatch.clone());
    port.on_disconnect(move || {
        // Not dropped inside its own listener: after it returns. The answer
        // goes on.
        spawn_local(async move {
            PORTS.with(|p| p.borrow_mut().remove(&id));
        });
    });
    PORTS.with(|p| p.borrow_mut().insert(id, port));
    for message in queued.iter() {
        if let Ok(request) = mentor_browser::from_js::<PortRequest>(&message) {
            dispatch(request);
        }
    }
}

fn handle(request: PortRequest, sender: &Sender, following: &Rc<RefCell<Option<Shared>>>) {
    match request {
        PortRequest::Ask(ask) => {
            let live: Shared = Rc::new(RefCell::new(Live {
                watchers: vec![sender.clone()],
                abort: AbortController::new().ok(),
                ..Live::default()
            }));
            LIVE.with(|l| l.borrow_mut().push(live.clone()));
            *following.borrow_mut() = Some(live.clone());
            spawn_local(async move {
                if let Err(error) = stream(&live, &ask).await {
                    broadcast(&live, &PortEvent::Error(error));
                }
                if live.borrow().stop {
                    broadcast(&live, &PortEvent::Stopped);
                }
                broadcast(&live, &PortEvent::Done);
                LIVE.with(|l| l.borrow_mut().retain(|other| !Rc::ptr_eq(other, &live)));
            });
        }
        PortRequest::Stop => {
            if let Some(live) = following.borrow().clone() {
                stop(&live);
            }
        }
        PortRequest::Watch { conversation_id } => {
            let live = LIVE.with(|l| {
                l.borrow()
                    .iter()
                    .find(|live| live.borrow().conversation == Some(conversation_id))
                    .cloned()
            });
            let Some(live) = live else {
                sender.post(&PortEvent::Done);
                return;
            };
            let mut l = live.borrow_mut();
            if let Some(so_far) = l.answer.so_far() {
                sender.post(&so_far);
            }
            l.watchers.push(sender.clone());
            drop(l);
            *following.borrow_mut() = Some(live);
        }
    }
}

/// Asks the backend to stop the answer, once its message id is known.
fn stop(live: &Shared) {
    let message = {
        let mut l = live.borrow_mut();
        if l.stop {
            return;
        }
        l.stop = true;
        l.message
    };
    let Some(message) = message else {
        return; // `meta` has not come yet: it sends the stop.
    };
    let live = live.clone();
    spawn_local(async move {
        let base = settings::load().await.backend_url;
        let path = format!("/api/v1/messages/{}/stop", message.0);
        let stopped = session::send(&base, &Call::new("POST", &path)).await;
        if !stopped.is_ok_and(|r| r.ok()) {
            // Unreachable: at least stop showing it.
            if let Some(abort) = &live.borrow().abort {
                abort.abort();
            }
        }
    });
}

/// Posts `event` to every page following the answer; forgets those gone.
fn broadcast(live: &Shared, event: &PortEvent) {
    live.borrow_mut().watchers.retain(|w| w.post(event));
}

/// Streams the answer's events up to (not including) `done`.
async fn stream(live: &Shared, ask: &AskRequest) -> Result<(), ErrorBody> {
    let settings = settings::load().await;
    let signal = live.borrow().abort.as_ref().map(AbortController::signal);
    let mut call = Call::new("POST", "/api/v1/ask").json(ask);
    call.stream = true;
    call.signal = signal.as_ref();
    let response = session::send(&settings.backend_url, &call).await?;
    if !response.ok() {
        return Err(backend::error_of(&response).await);
    }
    let reader: ReadableStreamDefaultReader = response
        .body()
        .ok_or_else(lost)?
        .get_reader()
        .unchecked_into();
    let mut decoder = SseDecoder::default();
    loop {
        let chunk = match JsFuture::from(reader.read()).await {
            Ok(chunk) => chunk,
            // Stopped, and the backend could not be told.
            Err(_) if signal.as_ref().is_some_and(|s| s.aborted()) => return Ok(()),
            Err(_) => return Err(lost()),
        };
        if field(&chunk, "done").as_bool() == Some(true) {
            return Err(lost());
        }
        let bytes = js_sys::Uint8Array::new(&field(&chunk, "value")).to_vec();
        for event in decoder.feed(&bytes) {
            let name = event.event.as_deref().unwrap_or("message");
            match StreamEvent::parse(name, &event.data) {
                Ok(StreamEvent::Done) => return Ok(()),
                Ok(StreamEvent::Meta(meta)) => {
                    let stop_now = {
                        let mut l = live.borrow_mut();
                        l.conversation = Some(meta.conversation_id);
                        l.message = Some(meta.message_id);
                        // A stop asked for before `meta`: send it now.
                        std::mem::take(&mut l.stop)
                    };
                    broadcast(live, &PortEvent::Meta(meta));
                    if stop_now {
                        stop(live);
                    }
                }
                Ok(event) => {
                    let event = live.borrow_mut().answer.event(event);
                    broadcast(live, &event);
                }
                Err(e) => web_sys::console::warn_1(&JsValue::from_str(&e)),
            }
        }
    }
}

fn field(object: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn lost() -> ErrorBody {
    ErrorBody {
        error: ErrorCode::UpstreamError,
        message: "The connection to the server was lost before the answer finished.".into(),
    }
}
