//! A `runtime.Port` that carries serde messages and calls Rust closures for
//! what arrives. The closures live as long as the `Port` value.

use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::api::{RawPort, runtime_connect};
use crate::json::{from_js, to_js};

/// One end of a port.
pub struct Port {
    raw: RawPort,
    _on_message: Option<Closure<dyn FnMut(JsValue)>>,
    _on_disconnect: Option<Closure<dyn FnMut(JsValue)>>,
}

impl Port {
    /// Connects to the service worker on the port called `name`.
    pub fn connect(name: &str) -> Self {
        let info = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&info, &"name".into(), &name.into());
        Self::wrap(runtime_connect(&info))
    }

    /// Wraps a port the browser handed over (`runtime.onConnect`).
    pub fn wrap(raw: RawPort) -> Self {
        Self {
            raw,
            _on_message: None,
            _on_disconnect: None,
        }
    }

    /// Calls `handle` with each message that parses as `T`; others are logged.
    pub fn on_message<T: DeserializeOwned + 'static>(
        &mut self,
        mut handle: impl FnMut(T) + 'static,
    ) {
        let closure =
            Closure::<dyn FnMut(JsValue)>::new(move |value: JsValue| match from_js::<T>(&value) {
                Ok(message) => handle(message),
                Err(e) => console_warn(&e),
            });
        self.raw
            .on_message()
            .add_listener(closure.as_ref().unchecked_ref());
        self._on_message = Some(closure);
    }

    /// Calls `handle` once the other end disconnects.
    pub fn on_disconnect(&mut self, mut handle: impl FnMut() + 'static) {
        let closure = Closure::<dyn FnMut(JsValue)>::new(move |_| handle());
        self.raw
            .on_disconnect()
            .add_listener(closure.as_ref().unchecked_ref());
        self._on_disconnect = Some(closure);
    }

    /// Posts `message`; false if the other end has gone.
    pub fn post<T: Serialize>(&self, message: &T) -> bool {
        self.raw.post_message(&to_js(message)).is_ok()
    }

    /// Closes the port.
    pub fn disconnect(&self) {
        self.raw.disconnect();
    }

    /// A handle that posts on this port, for use inside its own listeners.
    pub fn sender(&self) -> Sender {
        Sender(self.raw.clone())
    }
}

/// Posts on a port without owning its listeners.
#[derive(Clone)]
pub struct Sender(RawPort);

impl Sender {
    /// Posts `message`; false if the other end has gone.
    pub fn post<T: Serialize>(&self, message: &T) -> bool {
        self.0.post_message(&to_js(message)).is_ok()
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn console_warn(message: &str);
}
