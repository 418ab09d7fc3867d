//! What the extension's Yew pages share: the components (sign-in, the
//! conversation, History, the meter, the tabs), the requests to the service
//! worker, and starting a page. Each page is a crate of its own
//! (`extension/{popup,panel,options,account,career}`), so each page's wasm
//! carries only the views it shows; `page.js` loads the one its HTML names.
//! Only `services` talks to the browser; the pages hold the state.

pub mod components;
pub mod services;

use shared_types::ErrorBody;
use shared_types::extension::{Status, WorkerRequest};
use yew::prelude::*;

/// Applies the saved theme and renders `C` into `<body>`.
pub fn render<C>()
where
    C: BaseComponent,
    C::Properties: Default,
{
    services::apply_saved_theme();
    yew::Renderer::<C>::new().render();
}

/// Who is signed in: `None` while loading.
pub type StatusState = UseStateHandle<Option<Result<Status, ErrorBody>>>;

/// Loads the status once, after the first render (marked for the budget script).
#[hook]
pub fn use_status() -> StatusState {
    let status = use_state(|| None);
    {
        let status = status.clone();
        use_effect_with((), move |_| {
            services::mark("first-render");
            services::request(WorkerRequest::Status, move |result| {
                status.set(Some(result))
            });
        });
    }
    status
}
