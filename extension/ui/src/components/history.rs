//! Past conversations from the backend: open one, delete one. A deletion
//! waits [`UNDO_MS`] with an Undo button before it is sent (closing the
//! popup meanwhile keeps the conversation).

use shared_types::extension::WorkerRequest;
use shared_types::{ConversationId, ConversationPage, ConversationSummary, ErrorBody};
use yew::prelude::*;

use super::ErrorNote;
use crate::services;

/// How long a deletion can be undone.
const UNDO_MS: i32 = 5000;

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
    // The deletion that can still be undone.
    let pending = use_state(|| None::<ConversationSummary>);

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
        let (pending, error, load) = (pending.clone(), error.clone(), load.clone());
        Callback::from(move |conversation: ConversationSummary| {
            let id = conversation.id;
            pending.set(Some(conversation));
            let (pending, error, load) = (pending.clone(), error.clone(), load.clone());
            wasm_bindgen_futures::spawn_local(async move {
                services::sleep(UNDO_MS).await;
                // Undone meanwhile (or another deletion took its place).
                if pending.as_ref().map(|c| c.id) != Some(id) {
                    return;
                }
                services::request(
                    WorkerRequest::DeleteConversation { id },
                    move |result: Result<serde::de::IgnoredAny, ErrorBody>| {
                        if let Err(e) = result {
                            error.set(Some(e));
                            load.emit(None);
                        }
                        pending.set(None);
                    },
                );
            });
        })
    };
    let undo = {
        let pending = pending.clone();
        Callback::from(move |_: MouseEvent| pending.set(None))
    };
    let hidden = pending.as_ref().map(|c| c.id);

    let list = match &*items {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(list) if list.iter().all(|c| Some(c.id) == hidden) => {
            html! { <p class="muted">{ "No conversations yet." }</p> }
        }
        Some(list) => list.iter().filter(|c| Some(c.id) != hidden).map(|c| {
            let (open, remove, id, conversation) = (props.on_open.clone(), delete.clone(), c.id, c.clone());
            html! {
                <li class="conversation">
                    <button class="link title" onclick={Callback::from(move |_| open.emit(id))}>{ &c.title }</button>
                    <span class="muted">{ mentor_browser::local_date(&c.updated_at) }</span>
                    <button class="small danger" title="Delete" aria-label={format!("Delete {}", c.title)}
                            onclick={Callback::from(move |_| remove.emit(conversation.clone()))}>{ "Delete" }</button>
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
            if let Some(deleted) = &*pending {
                <p class="banner" role="status" data-testid="undo">
                    { format!("Deleted \u{201c}{}\u{201d}. ", deleted.title) }
                    <button class="small" onclick={undo}>{ "Undo" }</button>
                </p>
            }
            <ul>{ list }</ul>
            { for more }
        </section>
    }
}
