//! The account: who is signed in, the plan, upgrade and subscription
//! management (both open Stripe through the backend), the optional mail,
//! downloading one's data, and sign out.

use shared_types::extension::{Status, WorkerRequest};
use shared_types::{DataExport, ErrorBody, ExportState, Tier, User};
use yew::prelude::*;

use super::ErrorNote;
use crate::services;

/// Properties of [`Account`].
#[derive(Properties, PartialEq)]
pub struct AccountProps {
    /// The signed-in user.
    pub user: User,
    /// Called with the status after signing out.
    pub on_signed_out: Callback<Status>,
    /// Called when the user asks to upgrade.
    pub on_upgrade: Callback<()>,
    /// The last billing error, from an upgrade started anywhere in the popup.
    pub billing_error: Option<ErrorBody>,
}

/// The account view.
#[function_component(Account)]
pub fn account(props: &AccountProps) -> Html {
    let error = use_state(|| None::<ErrorBody>);
    let manage = {
        let error = error.clone();
        Callback::from(move |_: MouseEvent| {
            let error = error.clone();
            services::request(
                WorkerRequest::ManageSubscription,
                move |result: Result<serde::de::IgnoredAny, ErrorBody>| error.set(result.err()),
            );
        })
    };
    let sign_out = {
        let on_signed_out = props.on_signed_out.clone();
        Callback::from(move |_: MouseEvent| {
            let on_signed_out = on_signed_out.clone();
            services::request(
                WorkerRequest::Logout,
                move |result: Result<Status, ErrorBody>| {
                    if let Ok(status) = result {
                        on_signed_out.emit(status);
                    }
                },
            );
        })
    };
    let tier = props.user.subscription_tier;
    let shown_error = (*error).clone().or_else(|| props.billing_error.clone());
    html! {
        <section class="account">
            <p><span class="muted">{ "Signed in as " }</span><strong data-testid="email">{ &props.user.email }</strong></p>
            <p><span class="muted">{ "Plan: " }</span><strong data-testid="plan">{ plan_name(tier) }</strong></p>
            <ErrorNote error={shown_error} />
            <div class="actions">
                if tier == Tier::Free {
                    <button class="primary" onclick={props.on_upgrade.reform(|_| ())}>{ "Upgrade to Pro" }</button>
                } else {
                    <button onclick={manage}>{ "Manage subscription" }</button>
                }
                <button class="link" onclick={sign_out}>{ "Sign out" }</button>
            </div>
            <EmailNotices on={props.user.email_notices} />
            <ExportData />
            <p><a href="career.html#keys" data-testid="keys-link">{ "API keys and your own AI provider keys" }</a></p>
            <p class="muted small-print">{ "Settings: right-click the toolbar icon, then Options." }</p>
        </section>
    }
}

/// The plan's name as shown to the user.
pub fn plan_name(tier: Tier) -> &'static str {
    match tier {
        Tier::Free => "Free",
        Tier::Pro => "Pro",
        Tier::Enterprise => "Enterprise",
    }
}

/// The optional mail's switch.
#[derive(Properties, PartialEq)]
struct EmailNoticesProps {
    on: bool,
}

#[function_component(EmailNotices)]
fn email_notices(props: &EmailNoticesProps) -> Html {
    let on = use_state(|| props.on);
    let error = use_state(|| None::<ErrorBody>);
    let toggle = {
        let (on, error) = (on.clone(), error.clone());
        Callback::from(move |_: Event| {
            let (wanted, on, error) = (!*on, on.clone(), error.clone());
            on.set(wanted);
            services::request(
                WorkerRequest::SetEmailNotices { on: wanted },
                move |result: Result<User, ErrorBody>| match result {
                    Ok(user) => on.set(user.email_notices),
                    Err(e) => {
                        on.set(!wanted);
                        error.set(Some(e));
                    }
                },
            );
        })
    };
    html! {
        <>
            <label class="check">
                <input type="checkbox" data-testid="email-notices" checked={*on} onchange={toggle} />
                { " Mail me about my usage and plan" }
            </label>
            <ErrorNote error={(*error).clone()} />
        </>
    }
}

/// "Download my data": starts an export, waits for it, then links the ZIP.
#[function_component(ExportData)]
fn export_data() -> Html {
    let export = use_state(|| None::<DataExport>);
    let busy = use_state(|| false);
    let error = use_state(|| None::<ErrorBody>);
    let start = {
        let (export, busy, error) = (export.clone(), busy.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let (export, busy, error) = (export.clone(), busy.clone(), error.clone());
            busy.set(true);
            error.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                let mut result: Result<DataExport, ErrorBody> =
                    mentor_browser::ask_worker(&WorkerRequest::ExportData { start: true }).await;
                // Built in the background: ask again until it is done.
                for _ in 0..120 {
                    if !matches!(&result, Ok(e) if e.state == ExportState::Pending) {
                        break;
                    }
                    services::sleep(1000).await;
                    result =
                        mentor_browser::ask_worker(&WorkerRequest::ExportData { start: false })
                            .await;
                }
                busy.set(false);
                match result {
                    Ok(done) => export.set(Some(done)),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let ready = (*export).as_ref().and_then(|e| {
        e.download_url
            .clone()
            .map(|url| (url, e.size_bytes.unwrap_or(0)))
    });
    let failed = (*export)
        .as_ref()
        .is_some_and(|e| e.state == ExportState::Failed);
    html! {
        <div class="export" aria-live="polite">
            <button onclick={start} disabled={*busy} data-testid="export">
                { if *busy { "Preparing your data…" } else { "Download my data" } }
            </button>
            if let Some((url, size)) = ready {
                <p>
                    <a href={url} target="_blank" rel="noreferrer" data-testid="export-link">
                        { format!("Your data (ZIP, {} KB)", size.div_euclid(1024).max(1)) }
                    </a>
                    <span class="muted">{ " · the link works for 24 hours" }</span>
                </p>
            }
            if failed {
                <p class="error">{ "The export failed; try again." }</p>
            }
            <ErrorNote error={(*error).clone()} />
        </div>
    }
}
