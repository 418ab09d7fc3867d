//! Moves serde values across the JavaScript boundary as plain objects (the
//! shape `JSON.parse` would give), so any context, `structuredClone` and
//! the content script's JavaScript can carry and read them.
//!
//! serde-wasm-bindgen reads and builds the objects directly; going through
//! JSON text would link a JSON parser and float formatting into every page.

use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

/// `value` as a plain JavaScript object.
pub fn to_js<T: Serialize>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

/// Reads a plain JavaScript object as `T`.
pub fn from_js<T: DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(value.clone()).map_err(|e| format!("an unexpected message: {e}"))
}
