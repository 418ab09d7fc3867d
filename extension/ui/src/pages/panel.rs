//! The in-page panel: asks about the selection or the job posting the
//! content script found, with the page's address and title as context.

use shared_types::extension::{PanelContext, Status, WorkerRequest};
use shared_types::{AskContext, ErrorBody};
use yew::prelude::*;

use super::use_status;
use crate::components::ErrorNote;
use crate::components::auth::Auth;
use crate::components::chat::{Chat, Suggestion};
use crate::services;

/// The panel.
#[function_component(Panel)]
pub fn panel() -> Html {
    let status = use_status();
    let context = use_state(|| None::<Result<PanelContext, ErrorBody>>);
    {
        let context = context.clone();
        use_effect_with((), move |_| {
            let ticket = services::location_hash();
            services::request(WorkerRequest::PanelContext { ticket }, move |r| {
                context.set(Some(r))
            });
        });
    }
    let set_status = {
        let status = status.clone();
        Callback::from(move |s: Status| status.set(Some(Ok(s))))
    };
    let close = Callback::from(|_: MouseEvent| services::close_panel());

    let body = match (&*status, &*context) {
        (None, _) | (_, None) => html! { <p class="muted center">{ "Loading…" }</p> },
        (Some(Err(e)), _) | (_, Some(Err(e))) => html! { <ErrorNote error={Some(e.clone())} /> },
        (Some(Ok(Status { user: None, .. })), _) => html! { <Auth on_signed_in={set_status} /> },
        (Some(Ok(_)), Some(Ok(page))) => about(page),
    };
    html! {
        <main class="panel">
            <header>
                <img src="icons/icon-32.png" alt="" width="20" height="20" />
                <span>{ "AI Mentor" }</span>
                <button class="close" aria-label="Close" title="Close" onclick={close}>{ "×" }</button>
            </header>
            { body }
        </main>
    }
}

/// The job card or the quoted selection, and a conversation about them.
fn about(page: &PanelContext) -> Html {
    let mut suggestions = Vec::new();
    if page.job_posting.is_some() {
        suggestions.push(Suggestion {
            label: "Ask about this job".into(),
            question: "Summarise this job: what it involves, what they look for, and what I should highlight when I apply.".into(),
        });
    }
    if page.selection.is_some() {
        suggestions.push(Suggestion {
            label: "Explain this".into(),
            question: "Explain the selected passage in plain words.".into(),
        });
    }
    let context = AskContext {
        url: Some(page.url.clone()),
        title: Some(page.title.clone()),
        selection: page.selection.clone(),
        page_text: None,
        job_posting: page.job_posting.clone(),
    };
    html! {
        <>
            if let Some(job) = &page.job_posting {
                <section class="job" data-testid="job">
                    <strong>{ job.title.clone().unwrap_or_else(|| "Job posting".into()) }</strong>
                    <span class="muted">{ [job.company.as_deref(), job.location.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" · ") }</span>
                </section>
            }
            if let Some(selection) = &page.selection {
                <blockquote class="selection">{ selection.chars().take(400).collect::<String>() }</blockquote>
            }
            <Chat context={Some(context)} suggestions={suggestions} />
        </>
    }
}
