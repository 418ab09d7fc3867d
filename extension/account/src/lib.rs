//! The account page: who is signed in, the plans, upgrade and subscription,
//! the optional mail, downloading one's data, the password and sessions, and
//! deleting the account. It opens in the popup's window from the Account tab
//! and is a crate of its own, so the popup's wasm does not carry it.

mod account;

use mentor_ui::components::views::views_nav;
use mentor_ui::components::{ErrorNote, offline_banner, page_header};
use mentor_ui::{services, use_status};
use shared_types::ErrorBody;
use shared_types::extension::Status;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// Renders the account page into `<body>`.
#[wasm_bindgen]
pub fn start() {
    mentor_ui::render::<AccountPage>();
}

#[function_component(AccountPage)]
fn account_page() -> Html {
    let status = use_status();
    let billing_error = use_state(|| None::<ErrorBody>);
    let upgrade = {
        let billing_error = billing_error.clone();
        Callback::from(move |_| {
            let billing_error = billing_error.clone();
            services::upgrade(move |error| billing_error.set(error));
        })
    };
    // Signed out (here, or everywhere, or the account deleted): the popup
    // page asks to sign in.
    let signed_out = Callback::from(|_: Status| services::go("popup.html"));
    let body = match &*status {
        None => html! { <p class="muted center">{ "Loading…" }</p> },
        Some(Err(error)) => html! { <ErrorNote error={Some(error.clone())} /> },
        Some(Ok(Status { user: None, .. })) => html! {
            <p>{ "You are signed out. " }<a href="popup.html">{ "Sign in" }</a></p>
        },
        Some(Ok(Status {
            user: Some(user),
            offline,
            ..
        })) => html! {
            <>
                if *offline {
                    { offline_banner(Callback::from(|_| reload())) }
                }
                <account::Account user={user.clone()} on_signed_out={signed_out} on_upgrade={upgrade}
                                  billing_error={(*billing_error).clone()} />
            </>
        },
    };
    html! {
        <main class="popup">
            { page_header() }
            { views_nav("account.html#", "account", &Callback::noop()) }
            <div class="view scroll" role="tabpanel" aria-label="Account">{ body }</div>
        </main>
    }
}

/// Loads this page again (its Retry: every part of it asks the backend).
fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}
