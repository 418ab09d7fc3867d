//! The career page: the user's resumes, saved jobs, a chart of the skills
//! those jobs want, and (from the account page) the user's keys. It opens
//! inside the popup from the Resume, Jobs and Skills tabs
//! (`career.html#resume` ...) and shares the popup's tab bar, so the pages
//! read as one; it is a crate of its own so that no page's wasm carries the
//! others' views.

mod jobs;
mod keys;
mod resume;
mod services;
mod skills;

use mentor_extension::words::user_message;
use mentor_ui::components::views::views_nav;
use shared_types::ErrorBody;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// Renders the career page into `<body>`.
#[wasm_bindgen]
pub fn start() {
    mentor_ui::render::<Career>();
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

    /// Its tab (keys belong to the account, so its tab stays marked).
    fn tab(self) -> &'static str {
        match self {
            Self::Resume => "resume",
            Self::Jobs => "jobs",
            Self::Skills => "skills",
            Self::Keys => "account",
        }
    }
}

#[function_component(Career)]
fn career() -> Html {
    let view = use_state(|| View::from_hash(&mentor_ui::services::location_hash()));
    use_effect_with((), |_| mentor_ui::services::mark("first-render"));
    let select = {
        let view = view.clone();
        Callback::from(move |tab: &'static str| view.set(View::from_hash(tab)))
    };
    html! {
        <main class="popup career">
            <header><img src="icons/icon-32.png" alt="" width="20" height="20" /><span>{ "AI Mentor" }</span></header>
            { views_nav("career.html#", view.tab(), &select) }
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
