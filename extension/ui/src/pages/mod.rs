//! One component per extension page.

pub mod options;
pub mod panel;
pub mod popup;

use shared_types::ErrorBody;
use shared_types::extension::{Status, WorkerRequest};
use yew::prelude::*;

use crate::services;

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
