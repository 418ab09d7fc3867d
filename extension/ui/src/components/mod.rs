//! Pieces the pages share.

pub mod account;
pub mod auth;
pub mod chat;
pub mod history;
pub mod meter;

use mentor_extension::words::user_message;
use shared_types::ErrorBody;
use yew::prelude::*;

/// Properties of [`ErrorNote`].
#[derive(Properties, PartialEq)]
pub struct ErrorNoteProps {
    /// The error to explain, if any.
    pub error: Option<ErrorBody>,
}

/// An error in words the user understands, or nothing.
#[function_component(ErrorNote)]
pub fn error_note(props: &ErrorNoteProps) -> Html {
    match &props.error {
        Some(error) => html! {
            <p class="error" role="alert" data-code={error.error.as_str()}>{ user_message(error) }</p>
        },
        None => html! {},
    }
}
