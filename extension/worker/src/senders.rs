//! Who sent a message: the extension's own pages, or a content script in a
//! web page (which may only open the panel).

use shared_types::{ErrorBody, ErrorCode};
use wasm_bindgen::JsValue;

/// Refuses a message from a content script in a web page: such pages may
/// only open the panel.
pub fn only_extension_pages(sender: &JsValue) -> Result<(), ErrorBody> {
    if sent_by_extension_page(sender) {
        return Ok(());
    }
    Err(ErrorBody {
        error: ErrorCode::Forbidden,
        message: "Web pages may only open the panel.".into(),
    })
}

/// Whether the message came from one of the extension's own pages rather
/// than a content script in a web page.
fn sent_by_extension_page(sender: &JsValue) -> bool {
    let url = js_sys::Reflect::get(sender, &"url".into())
        .ok()
        .and_then(|u| u.as_string())
        .unwrap_or_default();
    url.starts_with(&mentor_browser::get_url(""))
}
