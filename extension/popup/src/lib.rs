//! The toolbar popup: sign in, then the Ask and History views, with the
//! usage meter always in view. The other tabs are links to the career and
//! account pages (crates of their own), which link back here by `#view`.

use mentor_ui::components::auth::Auth;
use mentor_ui::components::chat::{Chat, Suggestion};
use mentor_ui::components::history::History;
use mentor_ui::components::meter::Meter;
use mentor_ui::components::views::views_nav;
use mentor_ui::components::{ErrorNote, offline_banner, page_header};
use mentor_ui::{services, use_status};
use shared_types::extension::{Status, WorkerRequest};
use shared_types::{ConversationId, ErrorBody, QuotaStatus, UsageReport};
use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// Renders the popup into `<body>`.
#[wasm_bindgen]
pub fn start() {
    mentor_ui::render::<Popup>();
}

/// The popup's own views.
const ASK: &str = "ask";
const HISTORY: &str = "history";

/// The popup.
#[function_component(Popup)]
fn popup() -> Html {
    let status = use_status();
    let quota = use_state(|| None::<QuotaStatus>);
    let tab = use_state(|| match services::location_hash().as_str() {
        HISTORY => HISTORY,
        _ => ASK,
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
            tab.set(ASK);
            status.set(Some(Ok(s)));
        })
    };
    let upgrade = {
        let billing_error = billing_error.clone();
        Callback::from(move |_| {
            let billing_error = billing_error.clone();
            services::upgrade(move |error| billing_error.set(error));
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
            let open_conversation = {
                let (open, tab) = (open.clone(), tab.clone());
                Callback::from(move |id| {
                    open.set(Some(id));
                    tab.set(ASK);
                })
            };
            let on_quota = {
                let quota = quota.clone();
                Callback::from(move |q| quota.set(Some(q)))
            };
            html! {
                <>
                    { views_nav("popup.html#", &tab, &Callback::from({
                        let tab = tab.clone();
                        move |view| tab.set(view)
                    })) }
                    if offline {
                        { offline_banner(retry.clone()) }
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
                    <ErrorNote error={(*billing_error).clone()} />
                    // Kept mounted so a streaming answer survives a look at another tab.
                    <div class="view" role="tabpanel" aria-label="Ask" hidden={*tab != ASK}>
                        <Chat open={*open} remember={true} suggestions={starting_points()}
                              on_quota={on_quota} on_upgrade={upgrade.clone()} />
                    </div>
                    if *tab == HISTORY {
                        <div class="view scroll" role="tabpanel" aria-label="History">
                            <History on_open={open_conversation} />
                        </div>
                    }
                </>
            }
        }
    };
    html! {
        <main class="popup">
            { page_header() }
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
