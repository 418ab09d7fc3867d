//! The career page: the user's resumes, saved jobs, a chart of the skills
//! those jobs want, and (from the Account view) the user's keys. It opens inside the popup from the Resume, Jobs
//! and Skills tabs (`career.html#resume` ...) and links back to the popup's
//! own tabs, so the two pages read as one; it is a crate of its own so that
//! neither page's wasm carries the other's views.

mod jobs;
mod keys;
mod resume;
mod services;
mod skills;

use mentor_extension::words::user_message;
use shared_types::ErrorBody;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// Renders the career page into `<body>`.
#[wasm_bindgen]
pub fn start_career() {
    yew::Renderer::<Career>::new().render();
}

#[derive(Clone, Copy, PartialEq)]
enum View {
    Resume,
    Jobs,
    Skills,
    /// The user's provider and API keys, part of the account.
    Keys,
}

impl View {
    fn from_hash(hash: &str) -> Self {
        match hash {
            "jobs" => Self::Jobs,
            "skills" => Self::Skills,
            "keys" => Self::Keys,
            _ => Self::Resume,
        }
    }
}

#[function_component(Career)]
fn career() -> Html {
    let view = use_state(|| View::from_hash(&services::location_hash()));
    use_effect_with((), |_| services::mark("first-render"));
    let tab = |which: View, label: &'static str| {
        let view = view.clone();
        let selected = *view == which;
        html! {
            <button role="tab" aria-selected={selected.to_string()} class={classes!("tab", selected.then_some("selected"))}
                    onclick={Callback::from(move |_| view.set(which))}>{ label }</button>
        }
    };
    let link = |hash: &'static str, label: &'static str| {
        // Keys belong to the account: its tab stays marked while they show.
        let selected = hash == "account" && *view == View::Keys;
        html! {
            <a role="tab" aria-selected={selected.to_string()} class={classes!("tab", selected.then_some("selected"))}
               href={format!("popup.html#{hash}")}>{ label }</a>
        }
    };
    html! {
        <main class="popup career">
            <header><img src="icons/icon-32.png" alt="" width="20" height="20" /><span>{ "AI Mentor" }</span></header>
            <nav role="tablist">
                { link("ask", "Ask") }
                { link("history", "History") }
                { tab(View::Resume, "Resume") }
                { tab(View::Jobs, "Jobs") }
                { tab(View::Skills, "Skills") }
                { link("account", "Account") }
            </nav>
            { match *view {
                View::Resume => html! { <resume::Resumes /> },
                View::Jobs => html! { <jobs::Jobs /> },
                View::Skills => html! { <skills::Skills /> },
                View::Keys => html! { <keys::Keys /> },
            } }
        </main>
    }
}

/// Properties of [`ErrorNote`].
#[derive(Properties, PartialEq)]
struct ErrorNoteProps {
    error: Option<ErrorBody>,
}

/// An error in words; a signed-out user is sent to the popup to sign in.
#[function_component(ErrorNote)]
fn error_note(props: &ErrorNoteProps) -> Html {
    let Some(error) = &props.error else {
        return html! {};
    };
    let signed_out = matches!(
        error.error,
        shared_types::ErrorCode::MissingToken | shared_types::ErrorCode::InvalidToken
    );
    html! {
        <p class="error" role="alert" data-code={error.error.as_str()}>
            { user_message(error) }
            if signed_out { { " " } <a href="popup.html">{ "Sign in" }</a> }
        </p>
    }
}
