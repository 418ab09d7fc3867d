//! Everything the pages need from the browser: requests to the service
//! worker, the streaming port, the theme and timing marks.

use mentor_browser::Port;
use mentor_browser::storage::Area;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use shared_types::extension::{
    ASK_PORT, ExtensionSettings, PortEvent, PortRequest, Theme, WorkerRequest,
};
use shared_types::{AskRequest, ConversationId, ErrorBody};
use wasm_bindgen_futures::spawn_local;
use yew::Callback;

/// Sends `request` to the worker and hands its answer to `done`.
pub fn request<T: DeserializeOwned + 'static>(
    request: WorkerRequest,
    done: impl FnOnce(Result<T, ErrorBody>) + 'static,
) {
    mentor_browser::request_worker(mentor_browser::to_js(&request), done);
}

/// Starts streaming an answer; events arrive at `on_event`. Keep the port
/// until the answer is done; posting [`PortRequest::Stop`] on it stops it.
pub fn ask(question: AskRequest, on_event: Callback<PortEvent>, on_lost: Callback<()>) -> Port {
    answer_port(PortRequest::Ask(Box::new(question)), on_event, on_lost)
}

/// Follows the answer being written in `conversation` (see
/// [`PortRequest::Watch`]).
pub fn watch(
    conversation_id: ConversationId,
    on_event: Callback<PortEvent>,
    on_lost: Callback<()>,
) -> Port {
    answer_port(PortRequest::Watch { conversation_id }, on_event, on_lost)
}

/// An [`ASK_PORT`] that has posted `request`; its answer's events go to
/// `on_event`.
fn answer_port(request: PortRequest, on_event: Callback<PortEvent>, on_lost: Callback<()>) -> Port {
    let mut port = Port::connect(ASK_PORT);
    port.on_message(move |event: PortEvent| on_event.emit(event));
    port.on_disconnect(move || on_lost.emit(()));
    port.post(&request);
    port
}

/// The popup's conversation and unsent draft, kept until the browser closes.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SavedChat {
    /// The conversation on screen.
    pub conversation: Option<ConversationId>,
    /// What was typed and not sent.
    pub draft: String,
}

const SAVED_CHAT_KEY: &str = "popup_chat";

/// Hands the saved conversation and draft (or empty ones) to `done`.
pub fn saved_chat(done: impl FnOnce(SavedChat) + 'static) {
    spawn_local(async move {
        done(
            Area::session_or_local()
                .get::<SavedChat>(SAVED_CHAT_KEY)
                .await
                .unwrap_or_default(),
        )
    });
}

/// Keeps the conversation and draft for the next time the popup opens.
pub fn save_chat(conversation: Option<ConversationId>, draft: &str) {
    let saved = SavedChat {
        conversation,
        draft: draft.to_string(),
    };
    spawn_local(async move {
        let _ = Area::session_or_local().set(SAVED_CHAT_KEY, &saved).await;
    });
}

/// Whether someone has signed in with this browser before (the popup then
/// opens on sign-in rather than sign-up).
pub fn returning(done: impl FnOnce(bool) + 'static) {
    spawn_local(async move {
        done(
            Area::Local
                .get::<bool>(RETURNING_KEY)
                .await
                .unwrap_or(false),
        )
    });
}

/// Notes that someone has signed in with this browser.
pub fn note_returning() {
    spawn_local(async move {
        let _ = Area::Local.set(RETURNING_KEY, &true).await;
    });
}

const RETURNING_KEY: &str = "returning";

/// Starts an upgrade to Pro (the worker opens Stripe Checkout in a tab);
/// `done` gets why it could not start, if it could not.
pub fn upgrade(done: impl FnOnce(Option<ErrorBody>) + 'static) {
    request(
        WorkerRequest::Upgrade {
            tier: shared_types::Tier::Pro,
        },
        move |result: Result<serde::de::IgnoredAny, ErrorBody>| done(result.err()),
    );
}

/// Goes to another of the extension's pages in this window.
pub fn go(address: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(address);
    }
}

/// Opens the options page.
pub fn open_options() {
    request(
        WorkerRequest::OpenOptions,
        |_: Result<serde::de::IgnoredAny, _>| {},
    );
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
