//! The `extern` declarations, one per browser function used.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `runtime.sendMessage`: a message to the service worker.
    #[wasm_bindgen(js_namespace = ["extensionApi", "runtime"], js_name = sendMessage, catch)]
    pub async fn runtime_send_message(message: &JsValue) -> Result<JsValue, JsValue>;

    /// `runtime.connect`: a port to the service worker.
    #[wasm_bindgen(js_namespace = ["extensionApi", "runtime"], js_name = connect)]
    pub fn runtime_connect(info: &JsValue) -> RawPort;

    /// `runtime.getURL`: the full URL of a file in the extension.
    #[wasm_bindgen(js_namespace = ["extensionApi", "runtime"], js_name = getURL)]
    pub fn get_url(path: &str) -> String;

    /// `runtime.openOptionsPage`.
    #[wasm_bindgen(js_namespace = ["extensionApi", "runtime"], js_name = openOptionsPage, catch)]
    pub async fn open_options_page() -> Result<JsValue, JsValue>;

    /// `tabs.create`: opens a tab.
    #[wasm_bindgen(js_namespace = ["extensionApi", "tabs"], js_name = create, catch)]
    pub async fn tabs_create(properties: &JsValue) -> Result<JsValue, JsValue>;

    /// `tabs.query`: the tabs that match.
    #[wasm_bindgen(js_namespace = ["extensionApi", "tabs"], js_name = query, catch)]
    pub async fn tabs_query(query: &JsValue) -> Result<JsValue, JsValue>;

    /// `tabs.sendMessage`: a message to a tab's content script.
    #[wasm_bindgen(js_namespace = ["extensionApi", "tabs"], js_name = sendMessage, catch)]
    pub async fn tabs_send_message(tab_id: i32, message: &JsValue) -> Result<JsValue, JsValue>;

    /// `contextMenus.create`.
    #[wasm_bindgen(js_namespace = ["extensionApi", "contextMenus"], js_name = create, catch)]
    pub fn context_menus_create(properties: &JsValue) -> Result<JsValue, JsValue>;

    /// `contextMenus.removeAll`.
    #[wasm_bindgen(js_namespace = ["extensionApi", "contextMenus"], js_name = removeAll, catch)]
    pub async fn context_menus_remove_all() -> Result<JsValue, JsValue>;

    /// `i18n.getMessage`: a string from `_locales`.
    #[wasm_bindgen(js_namespace = ["extensionApi", "i18n"], js_name = getMessage)]
    pub fn get_message(name: &str, substitutions: &JsValue) -> String;

    /// `crypto.randomUUID`: a random (v4) UUID.
    #[wasm_bindgen(js_namespace = crypto, js_name = randomUUID)]
    pub fn random_uuid() -> String;

    /// A `runtime.Port`.
    #[derive(Clone)]
    pub type RawPort;
    #[wasm_bindgen(method, js_name = postMessage, catch)]
    pub(crate) fn post_message(this: &RawPort, message: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method)]
    pub(crate) fn disconnect(this: &RawPort);
    #[wasm_bindgen(method, getter, js_name = onMessage)]
    pub(crate) fn on_message(this: &RawPort) -> EventTarget;
    #[wasm_bindgen(method, getter, js_name = onDisconnect)]
    pub(crate) fn on_disconnect(this: &RawPort) -> EventTarget;

    /// A WebExtension event (`addListener`).
    pub type EventTarget;
    #[wasm_bindgen(method, js_name = addListener)]
    pub(crate) fn add_listener(this: &EventTarget, listener: &js_sys::Function);
}

/// A localised string from `_locales/*/messages.json`, or `fallback`.
pub fn message(name: &str, fallback: &str) -> String {
    let text = get_message(name, &JsValue::UNDEFINED);
    if text.is_empty() {
        fallback.to_string()
    } else {
        text
    }
}
