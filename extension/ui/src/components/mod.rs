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
