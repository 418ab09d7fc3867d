//! Streams one answer over an `ask` port: the page posts the question, the
//! worker posts each server-sent event as it arrives, and a `stop` message
//! or the page closing cancels the request.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use mentor_browser::{Port, RawPort, Sender};
use mentor_extension::answers::AnswerStream;
use shared_types::extension::{PortEvent, PortRequest};
use shared_types::sse::SseDecoder;
use shared_types::{AskRequest, ErrorBody, ErrorCode, StreamEvent};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{AbortController, ReadableStreamDefaultReader};

use crate::backend::{self, Call};
use crate::{session, settings};

thread_local! {
    /// Open ports by number; each is dropped when its page disconnects.
    static PORTS: RefCell<HashMap<u32, Port>> = RefCell::new(HashMap::new());
    static NEXT_PORT: RefCell<u32> = const { RefCell::new(0) };
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
    let controller: Rc<RefCell<Option<AbortController>>> = Rc::default();
    let dispatch = {
        let controller = controller.clone();
        move |request: PortRequest| handle(request, sender.clone(), controller.clone())
    };
    port.on_message(dispatch.clone());
    let abort = controller.clone();
    port.on_disconnect(move || {
        if let Some(c) = abort.borrow_mut().take() {
            c.abort();
        }
        // Not dropped inside its own listener: after it returns.
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

fn handle(request: PortRequest, sender: Sender, controller: Rc<RefCell<Option<AbortController>>>) {
    match request {
        PortRequest::Ask(ask) => {
            let Ok(abort) = AbortController::new() else {
                return;
            };
            if let Some(previous) = controller.borrow_mut().replace(abort.clone()) {
                previous.abort();
            }
            spawn_local(async move {
                if let Err(error) = stream(&sender, &ask, &abort).await {
                    sender.post(&PortEvent::Error(error));
                }
                sender.post(&PortEvent::Done);
            });
        }
        PortRequest::Stop => {
            if let Some(c) = controller.borrow_mut().take() {
                c.abort();
            }
        }
    }
}

/// Posts the answer's events up to (not including) `done`.
async fn stream(
    sender: &Sender,
    ask: &AskRequest,
    abort: &AbortController,
) -> Result<(), ErrorBody> {
    let settings = settings::load().await;
    let signal = abort.signal();
    let mut call = Call::new("POST", "/api/v1/ask").json(ask);
    call.stream = true;
    call.signal = Some(&signal);
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
    let mut answer = AnswerStream::default();
    loop {
        let chunk = match JsFuture::from(reader.read()).await {
            Ok(chunk) => chunk,
            // Stopped by the user: the answer ends where it got to.
            Err(_) if signal.aborted() => return Ok(()),
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
                Ok(event) => {
                    if !sender.post(&answer.event(event)) {
                        abort.abort();
                        return Ok(());
                    }
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
