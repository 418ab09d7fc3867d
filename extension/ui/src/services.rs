//! Everything the pages need from the browser: requests to the service
//! worker, the streaming port, the theme and timing marks.

use mentor_browser::Port;
use serde::de::DeserializeOwned;
use shared_types::AskRequest;
use shared_types::ErrorBody;
use shared_types::extension::{
    ASK_PORT, ExtensionSettings, PortEvent, PortRequest, Theme, WorkerRequest,
};
use wasm_bindgen_futures::spawn_local;
use yew::Callback;

/// Sends `request` to the worker and hands its answer to `done`.
pub fn request<T: DeserializeOwned + 'static>(
    request: WorkerRequest,
    done: impl FnOnce(Result<T, ErrorBody>) + 'static,
) {
    spawn_local(async move { done(mentor_browser::ask_worker(&request).await) });
}

/// Starts streaming an answer; events arrive at `on_event`. Keep the port
/// until the answer is done; posting [`PortRequest::Stop`] on it stops it.
pub fn ask(question: AskRequest, on_event: Callback<PortEvent>, on_lost: Callback<()>) -> Port {
    let mut port = Port::connect(ASK_PORT);
    port.on_message(move |event: PortEvent| on_event.emit(event));
    port.on_disconnect(move || on_lost.emit(()));
    port.post(&PortRequest::Ask(Box::new(question)));
    port
}

/// Applies the saved theme to this page.
pub fn apply_saved_theme() {
    request(
        WorkerRequest::Settings,
        |settings: Result<ExtensionSettings, _>| {
            if let Ok(settings) = settings {
                apply_theme(settings.theme);
            }
        },
    );
}

/// Sets `data-theme` on `<html>`; the stylesheet follows the system when absent.
pub fn apply_theme(theme: Theme) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let _ = match theme {
        Theme::System => root.remove_attribute("data-theme"),
        Theme::Light => root.set_attribute("data-theme", "light"),
        Theme::Dark => root.set_attribute("data-theme", "dark"),
    };
}

/// Records a `performance.mark` (the budget script reads `first-render`).
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

/// Closes the in-page panel: the content script that placed it listens.
pub fn close_panel() {
    if let Some(parent) = web_sys::window().and_then(|w| w.parent().ok().flatten()) {
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &"type".into(), &"ai-mentor-close-panel".into());
        let _ = parent.post_message(&message, "*");
    }
}

/// The part of this page's address after `#`.
pub fn location_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .map(|h| h.trim_start_matches('#').to_string())
        .unwrap_or_default()
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
