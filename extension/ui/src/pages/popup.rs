//! The toolbar popup: sign in, then Ask, History and Account tabs, with the
//! usage meter always in view. The Resume, Jobs and Skills tabs are links to
//! the career page (its own wasm), which links back here by `#tab`.

use shared_types::extension::{Status, WorkerRequest};
use shared_types::{ConversationId, ErrorBody, QuotaStatus, Tier, UsageReport};
use yew::prelude::*;

use super::use_status;
use crate::components::ErrorNote;
use crate::components::account::Account;
use crate::components::auth::Auth;
use crate::components::chat::{Chat, Suggestion};
use crate::components::history::History;
use crate::components::meter::Meter;
use crate::services;

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Ask,
    History,
    Account,
}

/// The popup.
#[function_component(Popup)]
pub fn popup() -> Html {
    let status = use_status();
    let quota = use_state(|| None::<QuotaStatus>);
    let tab = use_state(|| match services::location_hash().as_str() {
        "history" => Tab::History,
        "account" => Tab::Account,
        _ => Tab::Ask,
    });
    let open = use_state(|| None::<ConversationId>);
    let billing_error = use_state(|| None::<ErrorBody>);
    // A new verification link asked for: sent, or why not.
    let resent = use_state(|| None::<Result<(), ErrorBody>>);

    let (user, offline) = match &*status {
        Some(Ok(Status { user, offline, .. })) => (user.clone(), *offline),
        _ => (None, false),
    };
    let retry = {
        let status = status.clone();
        Callback::from(move |_: MouseEvent| {
            let status = status.clone();
            services::request(WorkerRequest::Status, move |result| {
                status.set(Some(result))
            });
        })
    };
    {
        let quota = quota.clone();
        // Again after a Retry that finds the backend back.
        use_effect_with((user.as_ref().map(|u| u.id), offline), move |(id, _)| {
            if id.is_some() {
                services::request(
                    WorkerRequest::Usage,
                    move |r: Result<UsageReport, ErrorBody>| {
                        if let Ok(report) = r {
                            quota.set(Some(report.quota));
                        }
                    },
                );
            }
        });
    }
    let set_status = {
        let (status, tab, quota) = (status.clone(), tab.clone(), quota.clone());
        Callback::from(move |s: Status| {
            if s.user.is_none() {
                quota.set(None);
            }
            tab.set(Tab::Ask);
            status.set(Some(Ok(s)));
        })
    };
    let upgrade = {
        let (tab, billing_error) = (tab.clone(), billing_error.clone());
        Callback::from(move |_| {
            let (tab, billing_error) = (tab.clone(), billing_error.clone());
            services::request(
                WorkerRequest::Upgrade { tier: Tier::Pro },
                move |result: Result<serde::de::IgnoredAny, ErrorBody>| {
                    if result.is_err() {
                        tab.set(Tab::Account);
                    }
                    billing_error.set(result.err());
                },
            );
        })
    };

    // Markup in the popup rather than a component of its own: a component
    // costs ~1 KB of the popup's 150 KB budget.
    let resend = {
        let resent = resent.clone();
        Callback::from(move |_: MouseEvent| {
            let resent = resent.clone();
            services::request(
                WorkerRequest::ResendVerification,
                move |result: Result<serde::de::IgnoredAny, ErrorBody>| {
                    resent.set(Some(result.map(drop)));
                },
            );
        })
    };

    let body = match (&*status, user) {
        (None, _) => html! { <p class="muted center">{ "Loading…" }</p> },
        (Some(Err(error)), _) => html! { <ErrorNote error={Some(error.clone())} /> },
        (Some(Ok(_)), None) => html! { <Auth on_signed_in={set_status.clone()} /> },
        (Some(Ok(_)), Some(user)) => {
            let tab_button = |which: Tab, label: &'static str| {
                let tab = tab.clone();
                let selected = *tab == which;
                html! {
                    <button role="tab" aria-selected={selected.to_string()} tabindex={if selected { "0" } else { "-1" }}
                            class={classes!("tab", selected.then_some("selected"))}
                            onclick={Callback::from(move |_| tab.set(which))}>{ label }</button>
                }
            };
            let career = |hash: &'static str, label: &'static str| {
                html! { <a role="tab" aria-selected="false" tabindex="-1" class="tab" href={format!("career.html#{hash}")}>{ label }</a> }
            };
            let open_conversation = {
                let (open, tab) = (open.clone(), tab.clone());
                Callback::from(move |id| {
                    open.set(Some(id));
                    tab.set(Tab::Ask);
                })
            };
            let on_quota = {
                let quota = quota.clone();
                Callback::from(move |q| quota.set(Some(q)))
            };
            html! {
                <>
                    <nav role="tablist" aria-label="Views" onkeydown={Callback::from(arrow_keys)}>
                        { tab_button(Tab::Ask, "Ask") }
                        { tab_button(Tab::History, "History") }
                        { career("resume", "Resume") }
                        { career("jobs", "Jobs") }
                        { career("skills", "Skills") }
                        { tab_button(Tab::Account, "Account") }
                    </nav>
                    if offline {
                        <section class="banner" role="alert" data-testid="offline-banner">
                            <p>{ "AI Mentor's server cannot be reached. Check your connection; what is shown may be out of date." }</p>
                            <button onclick={retry.clone()}>{ "Retry" }</button>
                        </section>
                    }
                    // Until the address is confirmed. Following the link closes
                    // the popup; reopened, it reads the account afresh.
                    if !user.email_verified {
                        <section class="banner" role="status" data-testid="verify-banner">
                            <p>{ "Confirm your email address: open the link we sent to " }<strong>{ &user.email }</strong>{ "." }</p>
                            <ErrorNote error={resent.as_ref().and_then(|r| r.clone().err())} />
                            <button onclick={resend} disabled={matches!(*resent, Some(Ok(())))}>
                                { if matches!(*resent, Some(Ok(()))) { "Sent: check your inbox" } else { "Send a new link" } }
                            </button>
                        </section>
                    }
                    if let Some(q) = &*quota {
                        <Meter quota={q.clone()} on_upgrade={upgrade.clone()} />
                    }
                    // Kept mounted so a streaming answer survives a look at another tab.
                    <div class="view" role="tabpanel" aria-label="Ask" hidden={*tab != Tab::Ask}>
                        <Chat open={*open} remember={true} suggestions={starting_points()}
                              on_quota={on_quota} on_upgrade={upgrade.clone()} />
                    </div>
                    if *tab == Tab::History {
                        <div class="view scroll" role="tabpanel" aria-label="History">
                            <History on_open={open_conversation} />
                        </div>
                    }
                    if *tab == Tab::Account {
                        <div class="view scroll" role="tabpanel" aria-label="Account">
                            <Account user={user} on_signed_out={set_status.clone()} on_upgrade={upgrade.clone()}
                                     billing_error={(*billing_error).clone()} />
                        </div>
                    }
                </>
            }
        }
    };
    html! {
        <main class="popup">
            <header>
                <img src="icons/icon-32.png" alt="" width="20" height="20" />
                <h1 class="brand">{ "AI Mentor" }</h1>
                <button class="icon" aria-label="Settings" title="Settings"
                        onclick={Callback::from(|_| services::open_options())}>{ "⚙" }</button>
            </header>
            <p class="tagline">{ "Ask about what you read, with your resume as context." }</p>
            { body }
        </main>
    }
}

/// What an empty conversation offers.
fn starting_points() -> Vec<Suggestion> {
    let ask = |label: &'static str, question: &'static str, reads_page: bool| Suggestion {
        label: label.into(),
        question: question.into(),
        reads_page,
    };
    vec![
        ask(
            "Ask about this page",
            "Summarise this page and tell me what matters in it for my career.",
            true,
        ),
        ask(
            "What should I learn next?",
            "Given my resume, what should I learn next to move my career forward?",
            false,
        ),
        ask(
            "Practise an interview",
            "Ask me one interview question for the kind of role my resume fits, then give feedback on my answer.",
            false,
        ),
    ]
}

/// Left and right arrows (and Home, End) move between the tabs.
fn arrow_keys(e: KeyboardEvent) {
    use wasm_bindgen::JsCast;
    let step: i32 = match e.key().as_str() {
        "ArrowRight" => 1,
        "ArrowLeft" => -1,
        "Home" => i32::MIN,
        "End" => i32::MAX,
        _ => return,
    };
    // Yew delegates events, so the list is the focused tab's parent.
    let Some(list) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|tab| tab.parent_element())
    else {
        return;
    };
    let tabs = list.children();
    let count = tabs.length() as i32;
    let focused = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element());
    let at = (0..count)
        .find(|&i| tabs.item(i as u32) == focused)
        .unwrap_or(0);
    let next = match step {
        i32::MIN => 0,
        i32::MAX => count - 1,
        step => (at + step).rem_euclid(count),
    };
    if let Some(tab) = tabs
        .item(next as u32)
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
    {
        e.prevent_default();
        let _ = tab.focus();
    }
}
