//! The in-page panel: asks about the selection or the job posting the
//! content script found, with the page's address and title as context.

use mentor_ui::components::ErrorNote;
use mentor_ui::components::auth::Auth;
use mentor_ui::components::chat::{Chat, Suggestion};
use mentor_ui::{services, use_status};
use shared_types::extension::{JobCard, PanelContext, Status, WorkerRequest};
use shared_types::{AskContext, ErrorBody, JobPosting};
use wasm_bindgen::prelude::*;
use yew::prelude::*;

/// Renders the in-page panel into `<body>`.
#[wasm_bindgen]
pub fn start() {
    mentor_ui::render::<Panel>();
}

/// The panel.
#[function_component(Panel)]
fn panel() -> Html {
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
    // Esc closes the panel from inside it too.
    let onkeydown = Callback::from(|e: KeyboardEvent| {
        if e.key() == "Escape" {
            services::close_panel();
        }
    });
    html! {
           <main class="panel" {onkeydown}>
               <header>
                   <img src="icons/icon-32.png" alt="" width="20" height="20" />
    <h1 class="brand">{ "AI Mentor" }</h1>
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
            reads_page: false,
        });
    }
    if page.selection.is_some() {
        suggestions.push(Suggestion {
            label: "Explain this".into(),
            question: "Explain the selected passage in plain words.".into(),
            reads_page: false,
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
                    <JobActions url={page.url.clone()} posting={job.clone()} />
                </section>
            }
            if let Some(selection) = &page.selection {
                <blockquote class="selection">{ selection.chars().take(400).collect::<String>() }</blockquote>
            }
            <Chat context={Some(context)} suggestions={suggestions} />
        </>
    }
}

/// Properties of [`JobActions`].
#[derive(Properties, PartialEq)]
struct JobActionsProps {
    url: AttrValue,
    posting: JobPosting,
}

/// "Save job" (or "Saved") and the match card, both from the worker.
#[function_component(JobActions)]
fn job_actions(props: &JobActionsProps) -> Html {
    let card = use_state(|| None::<Result<JobCard, ErrorBody>>);
    let fetch = {
        let (card, url, posting) = (card.clone(), props.url.to_string(), props.posting.clone());
        move |save: bool| {
            let card = card.clone();
            let request = WorkerRequest::JobCard {
                url: url.clone(),
                posting: posting.clone(),
                save,
            };
            services::request(request, move |r| card.set(Some(r)));
        }
    };
    {
        let fetch = fetch.clone();
        use_effect_with((), move |_| fetch(false));
    }
    let saved = matches!(&*card, Some(Ok(JobCard { saved: Some(_), .. })));
    html! {
        <>
            <button class="save" disabled={saved} onclick={move |_| fetch(true)}>{ if saved { "Saved ✓" } else { "Save job" } }</button>
            { match &*card {
                None => html! { <p class="muted">{ "Matching with your resume…" }</p> },
                Some(Ok(card)) => Html::from_html_unchecked(AttrValue::from(card.match_html.clone())),
                Some(Err(e)) => html! { <ErrorNote error={Some(e.clone())} /> },
            } }
        </>
    }
}
