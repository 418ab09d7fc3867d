//! What the career page needs from the browser beyond `mentor_ui::services`:
//! its requests to the service worker, and reading a picked file.

use serde::de::DeserializeOwned;
use shared_types::ErrorBody;
use shared_types::extension::CareerRequest;
use wasm_bindgen::{JsCast, JsValue};

/// Sends `request` to the worker and hands its answer to `done`.
pub fn request<T: DeserializeOwned + 'static>(
    request: CareerRequest,
    done: impl FnOnce(Result<T, ErrorBody>) + 'static,
) {
    mentor_browser::request_worker(mentor_browser::to_js(&request), done);
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
