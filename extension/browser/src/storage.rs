//! `storage.local` (kept across restarts) and `storage.session` (kept until
//! the browser closes, never written to disk; absent in old browsers).

use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

use crate::json::{from_js, to_js};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["extensionApi", "storage", "local"], js_name = get, catch)]
    async fn local_get(key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ["extensionApi", "storage", "local"], js_name = set, catch)]
    async fn local_set(items: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ["extensionApi", "storage", "local"], js_name = remove, catch)]
    async fn local_remove(key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ["extensionApi", "storage", "session"], js_name = get, catch)]
    async fn session_get(key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ["extensionApi", "storage", "session"], js_name = set, catch)]
    async fn session_set(items: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = ["extensionApi", "storage", "session"], js_name = remove, catch)]
    async fn session_remove(key: &str) -> Result<JsValue, JsValue>;
}

/// A storage area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// `storage.local`.
    Local,
    /// `storage.session`.
    Session,
}

impl Area {
    /// Whether the browser has this area.
    pub fn exists(self) -> bool {
        let name = match self {
            Area::Local => "local",
            Area::Session => "session",
        };
        let storage = js_sys::Reflect::get(&js_sys::global(), &"extensionApi".into())
            .and_then(|api| js_sys::Reflect::get(&api, &"storage".into()));
        storage
            .and_then(|s| js_sys::Reflect::get(&s, &name.into()))
            .is_ok_and(|area| !area.is_undefined())
    }

    /// `storage.session` where the browser has it, else `storage.local`:
    /// for what should not outlive the browser session where it can.
    pub fn session_or_local() -> Self {
        if Area::Session.exists() {
            Area::Session
        } else {
            Area::Local
        }
    }

    /// The value under `key`, if there is one that parses.
    pub async fn get<T: DeserializeOwned>(self, key: &str) -> Option<T> {
        let items = match self {
            Area::Local => local_get(key).await,
            Area::Session => session_get(key).await,
        }
        .ok()?;
        let value = js_sys::Reflect::get(&items, &key.into()).ok()?;
        if value.is_undefined() {
            return None;
        }
        from_js(&value).ok()
    }

    /// Stores `value` under `key`.
    pub async fn set<T: Serialize>(self, key: &str, value: &T) -> Result<(), JsValue> {
        let items = js_sys::Object::new();
        js_sys::Reflect::set(&items, &key.into(), &to_js(value))?;
        match self {
            Area::Local => local_set(&items).await,
            Area::Session => session_set(&items).await,
        }
        .map(|_| ())
    }

    /// Removes `key`.
    pub async fn remove(self, key: &str) -> Result<(), JsValue> {
        match self {
            Area::Local => local_remove(key).await,
            Area::Session => session_remove(key).await,
        }
        .map(|_| ())
    }
}
