//! The service worker: the only context that talks to the backend and holds
//! the tokens. `worker.js` registers the browser's event listeners
//! synchronously (as MV3 requires) and hands each event to the functions
//! exported here once the wasm has loaded.

mod ask;
mod backend;
mod career;
mod document;
mod handlers;
mod senders;
mod session;
mod settings;
mod tickets;

use mentor_browser::{from_js, to_js};
use shared_types::extension::{
    CareerRequest, ContentCommand, DocumentRequest, WorkerReply, WorkerRequest,
};
use shared_types::{ErrorBody, ErrorCode};
use wasm_bindgen::prelude::*;

/// The id of the context-menu entry on selected text.
const MENU_ASK: &str = "ask-selection";
/// The keyboard command that opens the panel (see the manifest).
const COMMAND_OPEN_PANEL: &str = "open-panel";

/// `runtime.onInstalled`: creates the context-menu entry and, on a first
/// install, opens the welcome page.
#[wasm_bindgen]
pub async fn on_installed(reason: String) {
    if reason == "install" {
        let page = serde_json::json!({ "url": mentor_browser::get_url("welcome.html") });
        if let Err(e) = mentor_browser::tabs_create(&to_js(&page)).await {
            log(&format!("welcome page: {}", mentor_browser::describe(&e)));
        }
    }
    let _ = mentor_browser::context_menus_remove_all().await;
    let properties = serde_json::json!({
        "id": MENU_ASK,
        "title": mentor_browser::message("contextMenuAsk", "Ask AI Mentor about “%s”"),
        "contexts": ["selection"],
    });
    if let Err(e) = mentor_browser::context_menus_create(&to_js(&properties)) {
        log(&format!("context menu: {}", mentor_browser::describe(&e)));
    }
}

/// `runtime.onMessage`: answers a [`WorkerRequest`], a [`CareerRequest`] or
/// a [`DocumentRequest`] with a [`WorkerReply`].
#[wasm_bindgen]
pub async fn on_message(message: JsValue, sender: JsValue) -> JsValue {
    let result = match from_js::<WorkerRequest>(&message) {
        Ok(request) => handlers::handle(request, &sender).await,
        Err(e) => match from_js::<CareerRequest>(&message) {
            Ok(request) => career::handle(request, &sender).await,
            Err(_) => match from_js::<DocumentRequest>(&message) {
                Ok(request) => document::handle(request, &sender).await,
                Err(_) => Err(ErrorBody {
                    error: ErrorCode::InvalidRequest,
                    message: e,
                }),
            },
        },
    };
    to_js(&match result {
        Ok(data) => WorkerReply::Ok { data },
        Err(error) => WorkerReply::Error(error),
    })
}

/// `runtime.onConnect`: takes over an `ask` port opened by one of the
/// extension's pages; a port from a content script (a web page's process)
/// is closed at once, as `on_message` refuses its requests.
#[wasm_bindgen]
pub fn on_connect(port: mentor_browser::RawPort, queued: js_sys::Array) {
    let sender = js_sys::Reflect::get(&port, &"sender".into()).unwrap_or(JsValue::UNDEFINED);
    if senders::only_extension_pages(&sender).is_err() {
        log("closed a port that a web page opened");
        mentor_browser::Port::wrap(port).disconnect();
        return;
    }
    ask::accept(port, &queued);
}

/// `contextMenus.onClicked`: opens the panel in the tab about the selection.
#[wasm_bindgen]
pub async fn on_context_menu(info: JsValue, tab: JsValue) {
    if text_field(&info, "menuItemId").as_deref() != Some(MENU_ASK) {
        return;
    }
    let selection = text_field(&info, "selectionText");
    open_panel_in(&tab, selection).await;
}

/// `commands.onCommand`: the keyboard shortcut opens the panel.
#[wasm_bindgen]
pub async fn on_command(command: String, tab: JsValue) {
    if command == COMMAND_OPEN_PANEL {
        open_panel_in(&tab, None).await;
    }
}

async fn open_panel_in(tab: &JsValue, selection: Option<String>) {
    let Some(tab_id) = js_sys::Reflect::get(tab, &"id".into())
        .ok()
        .and_then(|id| id.as_f64())
    else {
        return;
    };
    let command = ContentCommand::OpenPanel { selection };
    // Pages the extension may not script (the browser's own) have no content script.
    if let Err(e) = mentor_browser::tabs_send_message(tab_id as i32, &to_js(&command)).await {
        log(&format!(
            "no panel on this page: {}",
            mentor_browser::describe(&e)
        ));
    }
}

fn text_field(object: &JsValue, name: &str) -> Option<String> {
    let value = js_sys::Reflect::get(object, &name.into()).ok()?;
    value
        .as_string()
        .or_else(|| value.as_f64().map(|n| n.to_string()))
}

fn log(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(message));
}
