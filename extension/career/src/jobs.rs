//! The Jobs view: saved postings with their status, search, a status
//! filter, a link to each posting, and deletion.

use shared_types::extension::CareerRequest;
use shared_types::{ErrorBody, JobPage, JobStatus, JobSummary, UpdateJob};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::{ErrorNote, services};

const STATUSES: [(JobStatus, &str); 6] = [
    (JobStatus::Saved, "Saved"),
    (JobStatus::Applied, "Applied"),
    (JobStatus::Interviewing, "Interviewing"),
    (JobStatus::Offer, "Offer"),
    (JobStatus::Rejected, "Rejected"),
    (JobStatus::Archived, "Archived"),
];

fn status_of(value: &str) -> Option<JobStatus> {
    STATUSES
        .iter()
        .find(|(s, _)| s.as_str() == value)
        .map(|(s, _)| *s)
}

#[function_component(Jobs)]
pub fn jobs() -> Html {
    let page = use_state(|| None::<JobPage>);
    let error = use_state(|| None::<ErrorBody>);
    let query = use_state(String::new);
    let filter = use_state(|| None::<JobStatus>);

    let load = {
        let (page, error) = (page.clone(), error.clone());
        move |q: String, status: Option<JobStatus>| {
            let (page, error) = (page.clone(), error.clone());
            services::request(
                CareerRequest::Jobs {
                    q: Some(q),
                    status,
                    before: None,
                },
                move |r: Result<JobPage, ErrorBody>| match r {
                    Ok(p) => {
                        page.set(Some(p));
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e)),
                },
            );
        }
    };
    {
        let load = load.clone();
        use_effect_with(((*query).clone(), *filter), move |(q, status)| {
            load(q.clone(), *status)
        });
    }
    let on_search = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| {
            query.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_filter = {
        let filter = filter.clone();
        Callback::from(move |e: Event| {
            filter.set(status_of(
                &e.target_unchecked_into::<HtmlSelectElement>().value(),
            ))
        })
    };
    let refresh = {
        let (load, query, filter) = (load.clone(), query.clone(), filter.clone());
        move || load((*query).clone(), *filter)
    };

    let row = |job: &JobSummary| {
        let id = job.id;
        let on_status = {
            let (error, refresh) = (error.clone(), refresh.clone());
            Callback::from(move |e: Event| {
                let status = status_of(&e.target_unchecked_into::<HtmlSelectElement>().value());
                let (error, refresh) = (error.clone(), refresh.clone());
                let change = UpdateJob {
                    status,
                    notes: None,
                };
                services::request(
                    CareerRequest::UpdateJob { id, change },
                    move |r: Result<serde::de::IgnoredAny, ErrorBody>| {
                        error.set(r.err());
                        refresh();
                    },
                );
            })
        };
        let delete = {
            let (error, refresh) = (error.clone(), refresh.clone());
            Callback::from(move |_: MouseEvent| {
                let (error, refresh) = (error.clone(), refresh.clone());
                services::request(
                    CareerRequest::DeleteJob { id },
                    move |r: Result<serde::de::IgnoredAny, ErrorBody>| {
                        error.set(r.err());
                        refresh();
                    },
                );
            })
        };
        let place = [job.company.as_deref(), job.location.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
        html! {
            <li class="row job-row" key={id} data-testid="saved-job">
                <div class="grow">
                    if let Some(url) = &job.url {
                        <a href={url.clone()} target="_blank" rel="noopener noreferrer" class="title">{ &job.title }</a>
                    } else {
                        <span class="title">{ &job.title }</span>
                    }
                    <span class="muted small">{ place }</span>
                </div>
                <select aria-label={format!("Status of {}", job.title)} onchange={on_status}>
                    { for STATUSES.iter().map(|(s, label)| html! {
                        <option value={s.as_str()} selected={*s == job.status}>{ *label }</option>
                    }) }
                </select>
                <button class="small danger" aria-label={format!("Delete {}", job.title)} onclick={delete}>{ "Delete" }</button>
            </li>
        }
    };

    html! {
        <section class="jobs">
            <div class="actions">
                <input type="search" class="grow" placeholder="Search title, company, description"
                       aria-label="Search saved jobs" value={(*query).clone()} oninput={on_search} />
                <select aria-label="Show" onchange={on_filter}>
                    <option value="" selected={filter.is_none()}>{ "All" }</option>
                    { for STATUSES.iter().map(|(s, label)| html! { <option value={s.as_str()} selected={*filter == Some(*s)}>{ *label }</option> }) }
                </select>
            </div>
            <ErrorNote error={(*error).clone()} />
            { match &*page {
                None => html! { <p class="muted">{ "Loading…" }</p> },
                Some(p) if p.jobs.is_empty() && query.is_empty() && filter.is_none() => html! {
                    <p class="muted">{ "No saved jobs yet. On a job posting, open AI Mentor and choose Save job." }</p>
                },
                Some(p) if p.jobs.is_empty() => html! { <p class="muted">{ "No saved job matches." }</p> },
                Some(p) => html! { <ul class="list">{ for p.jobs.iter().map(row) }</ul> },
            } }
        </section>
    }
}
