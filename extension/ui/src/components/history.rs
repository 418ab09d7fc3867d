//! Past conversations from the backend: open one, delete one.

use shared_types::extension::WorkerRequest;
use shared_types::{ConversationId, ConversationPage, ConversationSummary, ErrorBody};
use yew::prelude::*;

use super::ErrorNote;
use crate::services;

/// Properties of [`History`].
#[derive(Properties, PartialEq)]
pub struct HistoryProps {
    /// Called with the conversation the user opens.
    pub on_open: Callback<ConversationId>,
}

/// The list of conversations, newest first, loaded a page at a time.
#[function_component(History)]
pub fn history(props: &HistoryProps) -> Html {
    let items = use_state(|| None::<Vec<ConversationSummary>>);
    let next = use_state(|| None::<ConversationId>);
    let error = use_state(|| None::<ErrorBody>);

    let load = {
        let (items, next, error) = (items.clone(), next.clone(), error.clone());
        Callback::from(move |before: Option<ConversationId>| {
            let (items, next, error) = (items.clone(), next.clone(), error.clone());
            services::request(
                WorkerRequest::Conversations { before },
                move |result: Result<ConversationPage, ErrorBody>| match result {
                    Ok(page) => {
                        let mut all = if before.is_some() {
                            (*items).clone().unwrap_or_default()
                        } else {
                            Vec::new()
                        };
                        all.extend(page.conversations);
                        items.set(Some(all));
                        next.set(page.next_before);
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e)),
                },
            );
        })
    };
    {
        let load = load.clone();
        use_effect_with((), move |_| load.emit(None));
    }
    let delete = {
        let (items, error) = (items.clone(), error.clone());
        Callback::from(move |id: ConversationId| {
            let (items, error) = (items.clone(), error.clone());
            services::request(
                WorkerRequest::DeleteConversation { id },
                move |result: Result<serde::de::IgnoredAny, ErrorBody>| match result {
                    Ok(_) => {
                        let kept = (*items)
                            .clone()
                            .unwrap_or_default()
                            .into_iter()
                            .filter(|c| c.id != id)
                            .collect();
                        items.set(Some(kept));
                    }
                    Err(e) => error.set(Some(e)),
                },
            );
        })
    };

    let list = match &*items {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(list) if list.is_empty() => html! { <p class="muted">{ "No conversations yet." }</p> },
        Some(list) => list.iter().map(|c| {
            let (open, remove, id) = (props.on_open.clone(), delete.clone(), c.id);
            html! {
                <li class="conversation">
                    <button class="link title" onclick={Callback::from(move |_| open.emit(id))}>{ &c.title }</button>
                    <span class="muted">{ c.updated_at.get(..10).unwrap_or(&c.updated_at) }</span>
                    <button class="small danger" title="Delete" aria-label={format!("Delete {}", c.title)}
                            onclick={Callback::from(move |_| remove.emit(id))}>{ "Delete" }</button>
                </li>
            }
        }).collect::<Html>(),
    };
    let more = next.map(|before| {
        let load = load.clone();
        html! { <button class="link" onclick={Callback::from(move |_| load.emit(Some(before)))}>{ "Older…" }</button> }
    });
    html! {
        <section class="history">
            <ErrorNote error={(*error).clone()} />
            <ul>{ list }</ul>
            { for more }
        </section>
    }
}
