//! The resume's structure page (`document.html#<resume id>`), opened from
//! the Resume view: the structure as a form, rebuilding it with AI, and
//! downloads. A crate of its own so that the career page's wasm stays
//! within its budget; it shares the popup's tab bar, on the Resume tab.

mod editor;
mod preview;

use mentor_ui::components::ErrorNote;
use mentor_ui::components::views::views_nav;
use serde::de::DeserializeOwned;
use shared_types::ErrorBody;
use shared_types::extension::DocumentRequest;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// Renders the page into `<body>`.
#[wasm_bindgen]
pub fn start() {
    mentor_ui::render::<DocumentPage>();
}

/// Sends `request` to the worker and hands its answer to `done`.
fn request<T: DeserializeOwned + 'static>(
    request: DocumentRequest,
    done: impl FnOnce(Result<T, ErrorBody>) + 'static,
) {
    mentor_browser::request_worker(mentor_browser::to_js(&request), done);
}

#[function_component(DocumentPage)]
fn document_page() -> Html {
    let id = mentor_ui::services::location_hash().parse::<i64>().ok();
    html! {
        <main class="popup career">
            <header><img src="icons/icon-32.png" alt="" width="20" height="20" /><span>{ "AI Mentor" }</span></header>
            { views_nav("document.html#", "resume", &Callback::noop()) }
            <p><a href="career.html#resume">{ "← Your resumes" }</a></p>
            { match id {
                Some(id) => html! { <editor::ResumeEditor {id} /> },
                None => html! { <ErrorNote error={Some(ErrorBody {
                    error: shared_types::ErrorCode::NotFound,
                    message: "Open a resume's structure from the Resume tab.".into(),
                })} /> },
            } }
        </main>
    }
}
