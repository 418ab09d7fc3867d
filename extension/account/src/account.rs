//! The account: who is signed in, the plans (what each gives, and its price
//! when this server sells them), upgrade and subscription management (both
//! open Stripe through the backend), the optional mail, downloading one's
//! data, the password, signing out (here or everywhere) and deleting the
//! account.

use shared_types::extension::{Status, WorkerRequest};
use shared_types::{DataExport, ErrorBody, ExportState, PlanOffer, Tier, User};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use mentor_ui::components::ErrorNote;
use mentor_ui::services;

/// Properties of [`Account`].
#[derive(Properties, PartialEq)]
pub struct AccountProps {
    /// The signed-in user.
    pub user: User,
    /// Called with the status after signing out.
    pub on_signed_out: Callback<Status>,
    /// Called when the user asks to upgrade.
    pub on_upgrade: Callback<()>,
    /// Why the last upgrade could not start.
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
    let plans = use_state(|| None::<Result<Vec<PlanOffer>, ErrorBody>>);
    {
        let plans = plans.clone();
        use_effect_with((), move |_| {
            services::request(WorkerRequest::Plans, move |r| plans.set(Some(r)))
        });
    }
    let tier = props.user.subscription_tier;
    let shown_error = (*error).clone().or_else(|| props.billing_error.clone());
    let offers = match &*plans {
        Some(Ok(offers)) => offers.clone(),
        _ => Vec::new(),
    };
    // Paid plans without a price: this server does not sell them.
    let selling = offers.iter().any(|o| o.price.is_some());
    html! {
        <section class="account">
            <p><span class="muted">{ "Signed in as " }</span><strong data-testid="email">{ &props.user.email }</strong></p>
            <p><span class="muted">{ "Plan: " }</span><strong data-testid="plan">{ plan_name(tier) }</strong></p>
            if !offers.is_empty() {
                <ul class="plans" data-testid="plans">
                    { for offers.iter().map(|o| html! {
                        <li class={classes!((o.tier == tier).then_some("current"))}>
                            <strong>{ plan_name(o.tier) }</strong>
                            <span>{ plan_limits(o) }</span>
                            <span class="muted">{ match (&o.price, o.tier) {
                                (Some(price), _) => price.display.clone(),
                                (None, Tier::Free) => "Free".to_string(),
                                (None, _) => "Not sold on this server".to_string(),
                            } }</span>
                        </li>
                    }) }
                </ul>
            }
            if let Some(Err(e)) = &*plans {
                <ErrorNote error={Some(e.clone())} />
            }
            <ErrorNote error={shown_error} />
            <div class="actions">
                if tier == Tier::Free && (selling || plans.is_none()) {
                    <button class="primary" onclick={props.on_upgrade.reform(|_| ())}>{ "Upgrade to Pro" }</button>
                } else if tier == Tier::Free {
                    <p class="muted" data-testid="billing-off">{ "Upgrades are not offered on this server; its operator has not set up billing." }</p>
                } else {
                    <button onclick={manage}>{ "Manage subscription" }</button>
                }
                <button class="link" onclick={sign_out}>{ "Sign out" }</button>
            </div>
            <EmailNotices on={props.user.email_notices} />
            <ExportData />
            <p><a href="career.html#keys" data-testid="keys-link">{ "API keys and your own AI provider keys" }</a></p>
            <Security on_signed_out={props.on_signed_out.clone()} />
        </section>
    }
}

/// A plan's limits in words.
fn plan_limits(offer: &PlanOffer) -> String {
    let month = offer
        .monthly_questions
        .map_or("Unlimited questions".to_string(), |q| {
            format!("{q} questions a month")
        });
    format!("{month}, {} a minute", offer.per_minute)
}

/// Properties of [`Security`].
#[derive(Properties, PartialEq)]
struct SecurityProps {
    on_signed_out: Callback<Status>,
}

/// Change the password, sign out everywhere, delete the account.
#[function_component(Security)]
fn security(props: &SecurityProps) -> Html {
    let error = use_state(|| None::<ErrorBody>);
    let note = use_state(|| None::<&'static str>);
    let field = |id: &str| {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<HtmlInputElement>(e).ok())
            .map(|input| input.value())
            .unwrap_or_default()
    };
    let done = {
        let (error, note, on_signed_out) =
            (error.clone(), note.clone(), props.on_signed_out.clone());
        move |success: &'static str| {
            let (error, note, on_signed_out) = (error.clone(), note.clone(), on_signed_out.clone());
            move |result: Result<Status, ErrorBody>| match result {
                Ok(status) if status.user.is_none() => on_signed_out.emit(status),
                Ok(_) => {
                    error.set(None);
                    note.set(Some(success));
                }
                Err(e) => {
                    note.set(None);
                    error.set(Some(e));
                }
            }
        }
    };
    let change = {
        let done = done.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = WorkerRequest::ChangePassword {
                current: field("current-password"),
                new: field("new-password"),
            };
            services::request(
                request,
                done("Password changed; your other sessions are signed out."),
            );
        })
    };
    let everywhere = {
        let done = done.clone();
        Callback::from(move |_: MouseEvent| {
            let revoke_api_keys = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("revoke-api-keys"))
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<HtmlInputElement>(e).ok())
                .is_some_and(|input| input.checked());
            services::request(
                WorkerRequest::LogoutEverywhere { revoke_api_keys },
                done(""),
            );
        })
    };
    let delete = Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        let password = field("delete-password");
        services::request(WorkerRequest::DeleteAccount { password }, done(""));
    });
    // The error is about the fields just sent.
    let described = error.is_some().then_some("security-error");
    let invalid = error.is_some().then_some("true");
    html! {
        <section class="security" aria-labelledby="security-title">
            <h2 id="security-title">{ "Password and sessions" }</h2>
            <ErrorNote error={(*error).clone()} id="security-error" />
            if let Some(note) = *note {
                <p class="hint" role="status">{ note }</p>
            }
            <form onsubmit={change}>
                <label>{ "Current password" }<input id="current-password" type="password" autocomplete="current-password"
                    aria-describedby={described} aria-invalid={invalid} /></label>
                <label>{ "New password" }<input id="new-password" type="password" autocomplete="new-password"
                    aria-describedby={described} aria-invalid={invalid} /></label>
                <button type="submit">{ "Change password" }</button>
            </form>
            <div class="row">
                <button onclick={everywhere}>{ "Sign out everywhere" }</button>
                <label class="small"><input id="revoke-api-keys" type="checkbox" />
                    { " and revoke my personal API keys" }</label>
            </div>
            <details class="danger-zone">
                <summary>{ "Delete account" }</summary>
                <p>{ "This deletes your account, conversations, resumes and saved jobs for good, and cancels any subscription at once. It cannot be undone." }</p>
                <form onsubmit={delete}>
                    <label>{ "Your password" }<input id="delete-password" type="password" autocomplete="current-password"
                        aria-describedby={described} aria-invalid={invalid} /></label>
                    <button type="submit" class="danger">{ "Delete my account" }</button>
                </form>
            </details>
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
