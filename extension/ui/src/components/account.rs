//! The account: who is signed in, the plan, upgrade and subscription
//! management (both open Stripe through the backend), and sign out.

use shared_types::extension::{Status, WorkerRequest};
use shared_types::{ErrorBody, Tier, User};
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
