//! Pieces the pages share.

pub mod auth;
pub mod chat;
pub mod history;
pub mod meter;
pub mod views;

use mentor_extension::words::user_message;
use shared_types::ErrorBody;
use yew::prelude::*;

/// Properties of [`ErrorNote`].
#[derive(Properties, PartialEq)]
pub struct ErrorNoteProps {
    /// The error to explain, if any.
    pub error: Option<ErrorBody>,
    /// Its element id, for the fields it is about (`aria-describedby`).
    #[prop_or_default]
    pub id: Option<AttrValue>,
}

/// An error in words the user understands, or nothing.
#[function_component(ErrorNote)]
pub fn error_note(props: &ErrorNoteProps) -> Html {
    match &props.error {
        Some(error) => html! {
            <p class="error" role="alert" id={props.id.clone()} data-code={error.error.as_str()}>{ user_message(error) }</p>
        },
        None => html! {},
    }
}

/// The header of the pages in the popup's window: the brand and a button
/// that opens the options page.
pub fn page_header() -> Html {
    html! {
        <header>
            <img src="icons/icon-32.png" alt="" width="20" height="20" />
            <h1 class="brand">{ "AI Mentor" }</h1>
            <button class="icon" aria-label="Settings" title="Settings"
                    onclick={Callback::from(|_| crate::services::open_options())}>{ "⚙" }</button>
        </header>
    }
}

/// The banner shown while the backend cannot be reached, with Retry.
pub fn offline_banner(retry: Callback<MouseEvent>) -> Html {
    html! {
        <section class="banner" role="alert" data-testid="offline-banner">
            <p>{ "AI Mentor's server cannot be reached. Check your connection; what is shown may be out of date." }</p>
            <button onclick={retry}>{ "Retry" }</button>
        </section>
    }
}
