//! Moves serde values across the JavaScript boundary as JSON, so messages
//! are plain objects that any context (and `structuredClone`) can carry.

use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

/// `value` as a plain JavaScript object.
pub fn to_js<T: Serialize>(value: &T) -> JsValue {
    serde_json::to_string(value)
        .ok()
        .and_then(|json| js_sys::JSON::parse(&json).ok())
        .unwrap_or(JsValue::NULL)
}

/// Reads a plain JavaScript object as `T`.
pub fn from_js<T: DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    let json = js_sys::JSON::stringify(value)
        .map(String::from)
        .map_err(|_| "a message could not be read as JSON".to_string())?;
    serde_json::from_str(&json).map_err(|e| format!("an unexpected message: {e}"))
}
