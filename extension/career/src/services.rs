//! What the career page needs from the browser: requests to the service
//! worker, the address's `#view`, reading a picked file, and timing marks.

use serde::de::DeserializeOwned;
use shared_types::ErrorBody;
use shared_types::extension::CareerRequest;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;

/// Sends `request` to the worker and hands its answer to `done`.
pub fn request<T: DeserializeOwned + 'static>(
    request: CareerRequest,
    done: impl FnOnce(Result<T, ErrorBody>) + 'static,
) {
    spawn_local(async move { done(mentor_browser::ask_worker(&request).await) });
}

/// The part of this page's address after `#`.
pub fn location_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .map(|h| h.trim_start_matches('#').to_string())
        .unwrap_or_default()
}

/// Records a `performance.mark` (the budget script reads `first-render`).
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

/// Reads `file` as a `data:` URL (the browser does the encoding), then calls
/// `done` with it.
pub fn read_data_url(file: &web_sys::File, done: impl FnOnce(Result<String, String>) + 'static) {
    let Ok(reader) = web_sys::FileReader::new() else {
        done(Err("This browser cannot read files.".into()));
        return;
    };
    let loaded = reader.clone();
    let on_end = wasm_bindgen::closure::Closure::once_into_js(move |_: JsValue| {
        done(
            loaded
                .result()
                .ok()
                .and_then(|r| r.as_string())
                .ok_or_else(|| "The file could not be read.".to_string()),
        )
    });
    reader.set_onloadend(Some(on_end.unchecked_ref()));
    let _ = reader.read_as_data_url(file);
}
