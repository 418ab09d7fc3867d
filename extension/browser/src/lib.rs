//! Bindings to the WebExtension APIs the extension uses. `chrome.*` has no
//! web-sys bindings, so these are hand-written `extern` blocks. Every page's
//! JavaScript entry sets `globalThis.extensionApi` to `browser` (Firefox) or
//! `chrome` (Chrome) before the wasm starts; both return promises in MV3.
//! Every asynchronous call catches, so a browser error is a `Result`.

mod api;
mod json;
mod port;
pub mod storage;

pub use api::*;
pub use json::{from_js, to_js};
pub use port::{Port, Sender};

use serde::de::DeserializeOwned;
use shared_types::{ErrorBody, ErrorCode};
use wasm_bindgen::JsCast;

/// Sends `request` (a `WorkerRequest` or `CareerRequest`) to the service
/// worker and reads its typed answer.
pub async fn ask_worker<T: DeserializeOwned, R: serde::Serialize>(
    request: &R,
) -> Result<T, ErrorBody> {
    decode_reply(send_to_worker(to_js(request)).await)
}

/// Calls `done` with the worker's typed answer to `request` (a request
/// already made a JavaScript value by [`to_js`]), from a task of its own. Only the decoding is generic, so each answer type a page reads
/// adds a small function to its wasm rather than a whole future.
pub fn request_worker<T: DeserializeOwned + 'static>(
    request: wasm_bindgen::JsValue,
    done: impl FnOnce(Result<T, ErrorBody>) + 'static,
) {
    spawn_reply(request, Box::new(move |reply| done(decode_reply(reply))));
}

fn spawn_reply(
    request: wasm_bindgen::JsValue,
    done: Box<dyn FnOnce(Result<wasm_bindgen::JsValue, ErrorBody>)>,
) {
    wasm_bindgen_futures::spawn_local(async move { done(send_to_worker(request).await) });
}

/// The `data` of the worker's reply, or its error.
///
/// The [`WorkerReply`](shared_types::extension::WorkerReply) is read field by field rather than through serde:
/// its tag and `serde_json::Value` would pull generic buffering code into
/// every page's wasm for nothing.
async fn send_to_worker(
    request: wasm_bindgen::JsValue,
) -> Result<wasm_bindgen::JsValue, ErrorBody> {
    let reply = runtime_send_message(&request).await.map_err(|e| {
        internal(format!(
            "the background worker did not answer: {}",
            describe(&e)
        ))
    })?;
    let field = |name: &str| js_sys::Reflect::get(&reply, &name.into()).unwrap_or_default();
    match field("status").as_string().as_deref() {
        Some("ok") => Ok(field("data")),
        Some("error") => Err(from_js::<ErrorBody>(&reply).map_err(internal)?),
        _ => Err(internal("the background worker gave no answer")),
    }
}

fn decode_reply<T: DeserializeOwned>(
    reply: Result<wasm_bindgen::JsValue, ErrorBody>,
) -> Result<T, ErrorBody> {
    from_js(&reply?).map_err(|e| internal(format!("unexpected answer from the worker: {e}")))
}

/// Copies `text` to the clipboard (a user gesture must have led here).
pub fn copy_to_clipboard(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

/// An `internal` error body with this message.
pub fn internal(message: impl Into<String>) -> ErrorBody {
    ErrorBody {
        error: ErrorCode::Internal,
        message: message.into(),
    }
}

/// A JavaScript error's message, for logs and error bodies.
pub fn describe(error: &wasm_bindgen::JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

/// An RFC 3339 time as a date in the user's locale and time zone (the
/// date part as written when the browser cannot read it).
pub fn local_date(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.get(..10).unwrap_or(rfc3339).to_string();
    }
    date.to_locale_date_string("default", &wasm_bindgen::JsValue::UNDEFINED)
        .into()
}
