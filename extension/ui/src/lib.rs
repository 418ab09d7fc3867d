//! The extension's pages, rendered by Yew: the toolbar popup, the in-page
//! panel (an extension page the content script puts in an iframe, so it runs
//! under the extension's CSP whatever the page's) and the options page.
//! Each page's HTML loads `ui.js`, which starts the matching entry point.
//! Only `services` talks to the browser; the pages hold the state.

mod components;
mod pages;
mod services;

use wasm_bindgen::prelude::*;

/// Renders the popup into `<body>`.
#[wasm_bindgen]
pub fn start_popup() {
    services::apply_saved_theme();
    yew::Renderer::<pages::popup::Popup>::new().render();
}

/// Renders the in-page panel into `<body>`.
#[wasm_bindgen]
pub fn start_panel() {
    services::apply_saved_theme();
    yew::Renderer::<pages::panel::Panel>::new().render();
}

/// Renders the options page into `<body>`.
#[wasm_bindgen]
pub fn start_options() {
    services::apply_saved_theme();
    yew::Renderer::<pages::options::Options>::new().render();
}
