//! A conversation: the question box (Enter sends, Shift+Enter adds a line),
//! answers streaming in as markdown (rendered by the worker), stop, copy,
//! regenerate and retry, and follow-ups that continue the same conversation.
//!
//! The worker owns an answer while it streams, so closing the page does not
//! end it. A conversation opened while its last answer is still being
//! written follows it (`watch`), or, if this worker is not writing it, looks
//! again until the backend has it whole. With `remember`, the conversation
//! and the unsent draft come back when the page opens again.

use std::rc::Rc;

use mentor_browser::Port;
use mentor_extension::words::suggests_upgrade;
use shared_types::extension::{ConversationView, PortEvent, PortRequest, TurnView, WorkerRequest};
use shared_types::{AskContext, AskRequest, ConversationId, ErrorBody, MessageStatus, QuotaStatus};
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use super::ErrorNote;
use crate::services;

/// How long to wait before looking again at an answer another worker writes.
const LOOK_AGAIN_MS: i32 = 1500;

/// One question, its answer (markdown for copying, and HTML rendered by the
/// worker) and what went wrong, if anything.
#[derive(Clone, PartialEq, Default)]
struct Turn {
    view: TurnView,
    error: Option<ErrorBody>,
}

/// The conversation on screen.
#[derive(Clone, PartialEq, Default)]
struct ChatState {
    turns: Vec<Turn>,
    conversation: Option<ConversationId>,
    streaming: bool,
    /// Bumped by each load, so a load that finds the answer still being
    /// written follows it again.
    loads: u32,
    /// An answer just finished, for screen readers (announced once).
    announce: String,
    /// A stored conversation is being loaded: nothing is asked meanwhile,
    /// so a question is neither sent to a new conversation nor replaced by
    /// the loaded one.
    opening: bool,
}

enum ChatAction {
    Asked(String),
    Event(PortEvent),
    /// The worker went away before `done`.
    Lost,
    /// A stored conversation was asked for.
    Opening,
    Loaded(ConversationView),
    Failed(ErrorBody),
    /// Removes the last turn (before it is asked again).
    DropLast,
    Clear,
}

impl Reducible for ChatState {
    type Action = ChatAction;

    fn reduce(self: Rc<Self>, action: ChatAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            ChatAction::Asked(question) => {
                next.turns.push(Turn {
                    view: TurnView {
                        question,
                        status: MessageStatus::Writing,
                        ..TurnView::default()
                    },
                    error: None,
                });
                next.streaming = true;
                next.announce.clear();
            }
            ChatAction::Event(event) => match (event, next.turns.last_mut()) {
                (PortEvent::Meta(meta), _) => next.conversation = Some(meta.conversation_id),
                (PortEvent::Delta { text, html }, Some(turn)) => {
                    turn.view.answer.push_str(&text);
                    turn.view.html = html;
                }
                (PortEvent::Error(error), Some(turn)) => {
                    turn.error = Some(error);
                    turn.view.status = MessageStatus::Failed;
                }
                (PortEvent::Stopped, Some(turn)) => turn.view.status = MessageStatus::Stopped,
                (PortEvent::Done, turn) => {
                    next.streaming = false;
                    if let Some(turn) = turn
                        && turn.view.status == MessageStatus::Writing
                    {
                        turn.view.status = MessageStatus::Complete;
                        next.announce = turn.view.answer.clone();
                    }
                }
                _ => {}
            },
            ChatAction::Lost => {
                if next.streaming {
                    next.streaming = false;
                    if let Some(turn) = next.turns.last_mut() {
                        turn.view.status = MessageStatus::Failed;
                        turn.error = Some(mentor_browser::internal(
                            "The extension's background worker stopped. Please ask again.",
                        ));
                    }
                }
            }
            ChatAction::Opening => next.opening = true,
            ChatAction::Loaded(view) => {
                let streaming = view
                    .turns
                    .last()
                    .is_some_and(|t| t.status == MessageStatus::Writing);
                next = ChatState {
                    turns: view
                        .turns
                        .into_iter()
                        .map(|view| Turn { view, error: None })
                        .collect(),
                    conversation: Some(view.id),
                    streaming,
                    loads: self.loads.wrapping_add(1),
                    announce: String::new(),
                    opening: false,
                }
            }
            ChatAction::Failed(error) => {
                next.opening = false;
                next.turns.push(Turn {
                    error: Some(error),
                    ..Turn::default()
                });
            }
            ChatAction::DropLast => {
                next.turns.pop();
            }
            ChatAction::Clear => next = ChatState::default(),
        }
        Rc::new(next)
    }
}

/// A ready-made question offered as a button.
#[derive(Clone, PartialEq)]
pub struct Suggestion {
    /// The button's text.
    pub label: AttrValue,
    /// The question it asks.
    pub question: AttrValue,
    /// Whether it asks about the active tab (read when clicked).
    pub reads_page: bool,
}

/// Properties of [`Chat`].
#[derive(Properties, PartialEq)]
pub struct ChatProps {
    /// What the questions are about.
    #[prop_or_default]
    pub context: Option<AskContext>,
    /// Buttons that ask a ready-made question.
    #[prop_or_default]
    pub suggestions: Vec<Suggestion>,
    /// A stored conversation to open.
    #[prop_or_default]
    pub open: Option<ConversationId>,
    /// Keep the conversation and the draft for the next time the page opens.
    #[prop_or_default]
    pub remember: bool,
    /// Called with the quota after each answer.
    #[prop_or_default]
    pub on_quota: Callback<QuotaStatus>,
    /// Called when an error suggests upgrading.
    #[prop_or_default]
    pub on_upgrade: Callback<()>,
}

/// The conversation view.
#[function_component(Chat)]
pub fn chat(props: &ChatProps) -> Html {
    let state = use_reducer(ChatState::default);
    let draft = use_state(String::new);
    let port = use_mut_ref(|| None::<Port>);
    let copied = use_state(|| None::<usize>);
    let turns_ref = use_node_ref();

    let load = {
        let state = state.clone();
        Callback::from(move |id: ConversationId| {
            state.dispatch(ChatAction::Opening);
            let state = state.clone();
            services::request(
                WorkerRequest::Conversation { id },
                move |result| match result {
                    Ok(conversation) => state.dispatch(ChatAction::Loaded(conversation)),
                    Err(e) => state.dispatch(ChatAction::Failed(e)),
                },
            );
        })
    };
    {
        let load = load.clone();
        use_effect_with(props.open, move |open| {
            if let Some(id) = *open {
                load.emit(id);
            }
        });
    }
    // The conversation and draft of last time; kept as they change, once
    // restored. What is typed before the restore ends is kept over the
    // saved draft.
    let restored = use_state(|| false);
    let typed = use_mut_ref(|| false);
    {
        let (load, draft, restored) = (load.clone(), draft.clone(), restored.clone());
        let typed = typed.clone();
        use_effect_with(props.remember, move |remember| {
            if *remember {
                services::saved_chat(move |saved| {
                    if !*typed.borrow() {
                        draft.set(saved.draft);
                    }
                    if let Some(id) = saved.conversation {
                        load.emit(id);
                    }
                    restored.set(true);
                });
            }
        });
    }
    // Until the last conversation is restored, and while one loads,
    // nothing is asked (the box takes typing all the same).
    let waiting = state.opening || (props.remember && !*restored);
    {
        let keep = props.remember && *restored;
        use_effect_with(
            (keep, state.conversation, (*draft).clone()),
            move |(keep, conversation, draft)| {
                if *keep {
                    services::save_chat(*conversation, draft);
                }
            },
        );
    }
    // A loaded conversation whose answer is still being written: follow it.
    {
        let (state, port, load) = (state.clone(), port.clone(), load.clone());
        use_effect_with(state.loads, move |_| {
            if let (true, Some(id)) = (state.streaming, state.conversation) {
                let got_text = std::cell::Cell::new(false);
                let on_event = Callback::from(move |event: PortEvent| {
                    if matches!(event, PortEvent::Delta { .. }) {
                        got_text.set(true);
                    }
                    if event == PortEvent::Done {
                        // The backend holds the answer's final state.
                        let wait = if got_text.get() { 0 } else { LOOK_AGAIN_MS };
                        let load = load.clone();
                        wasm_bindgen_futures::spawn_local(async move {
                            services::sleep(wait).await;
                            load.emit(id);
                        });
                    } else {
                        state.dispatch(ChatAction::Event(event));
                    }
                });
                *port.borrow_mut() = Some(services::watch(id, on_event, Callback::noop()));
            }
        });
    }
    // The newest turn stays in view as it streams.
    {
        let turns_ref = turns_ref.clone();
        let length = state.turns.last().map_or(0, |t| t.view.answer.len());
        use_effect_with((state.turns.len(), length), move |_| {
            if let Some(turns) = turns_ref.cast::<web_sys::Element>() {
                turns.set_scroll_top(turns.scroll_height());
            }
        });
    }

    let ask = {
        let (state, port, draft) = (state.clone(), port.clone(), draft.clone());
        let (context, on_quota) = (props.context.clone(), props.on_quota.clone());
        Callback::from(move |(question, page): (String, Option<AskContext>)| {
            let question = question.trim().to_string();
            if question.is_empty() || state.streaming || waiting {
                return;
            }
            let first = state.conversation.is_none();
            let request = AskRequest {
                question: question.clone(),
                conversation_id: state.conversation,
                model: None,
                // The context goes with the first question; follow-ups have it in history.
                context: page.or_else(|| context.clone().filter(|_| first)),
                use_resume: true,
            };
            state.dispatch(ChatAction::Asked(question.clone()));
            draft.set(String::new());
            let on_event = {
                let (state, on_quota, draft) = (state.clone(), on_quota.clone(), draft.clone());
                let answered = std::cell::Cell::new(false);
                Callback::from(move |event: PortEvent| {
                    match &event {
                        PortEvent::Delta { .. } => answered.set(true),
                        PortEvent::Usage(usage) => on_quota.emit(usage.quota.clone()),
                        // Refused before any answer: the question goes back in the box.
                        PortEvent::Error(_) if !answered.get() => draft.set(question.clone()),
                        _ => {}
                    }
                    state.dispatch(ChatAction::Event(event));
                })
            };
            let lost = {
                let state = state.clone();
                Callback::from(move |()| state.dispatch(ChatAction::Lost))
            };
            // The previous answer's port is done; replacing it closes it.
            *port.borrow_mut() = Some(services::ask(request, on_event, lost));
        })
    };
    let send = ask.reform(|question: String| (question, None));
    let ask_about_page = {
        let (ask, state) = (ask.clone(), state.clone());
        Callback::from(move |question: String| {
            let (ask, state) = (ask.clone(), state.clone());
            services::request(WorkerRequest::ActivePage, move |page| match page {
                Ok(page) => ask.emit((question, Some(page))),
                Err(e) => state.dispatch(ChatAction::Failed(e)),
            });
        })
    };
    let again = {
        let (send, state) = (send.clone(), state.clone());
        Callback::from(move |question: String| {
            state.dispatch(ChatAction::DropLast);
            send.emit(question);
        })
    };
    let stop = {
        let port = port.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(port) = port.borrow().as_ref() {
                port.post(&PortRequest::Stop);
            }
        })
    };
    let new_chat = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(ChatAction::Clear))
    };
    let onkeydown = {
        let (send, draft) = (send.clone(), draft.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                send.emit((*draft).clone());
            }
        })
    };
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            *typed.borrow_mut() = true;
            draft.set(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    let submit = {
        let (send, draft) = (send.clone(), draft.clone());
        Callback::from(move |_: MouseEvent| send.emit((*draft).clone()))
    };

    let last = state.turns.len().saturating_sub(1);
    let turns = state.turns.iter().enumerate().map(|(i, Turn { view, error })| {
        let writing = view.status == MessageStatus::Writing && (i != last || state.streaming);
        let copy = {
            let (answer, copied) = (view.answer.clone(), copied.clone());
            Callback::from(move |_: MouseEvent| {
                mentor_browser::copy_to_clipboard(&answer);
                copied.set(Some(i));
                let copied = copied.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    services::sleep(2000).await;
                    copied.set(None);
                });
            })
        };
        let question = view.question.clone();
        let upgrade = error.as_ref().is_some_and(suggests_upgrade);
        let about: String = view.question.chars().take(40).collect();
        html! {
            <article class="turn" key={i}>
                if !view.question.is_empty() {
                    <p class="question">{ &view.question }</p>
                }
                if !view.answer.is_empty() {
                    { answer_html(&view.html) }
                } else if writing {
                    <p class="answer muted">{ "Thinking…" }</p>
                }
                <ErrorNote error={error.clone()} />
                if upgrade {
                    <button class="primary" onclick={props.on_upgrade.reform(|_| ())}>{ "Upgrade" }</button>
                }
                <div class="turn-actions">
                    if view.status == MessageStatus::Stopped {
                        <span class="tag" data-testid="stopped">{ "Stopped" }</span>
                    }
                    if !writing && !view.answer.is_empty() {
                        if *copied == Some(i) {
                            <button class="small" onclick={copy}>{ "Copied" }</button>
                        } else {
                            <button class="small" aria-label={format!("Copy the answer to “{about}”")} onclick={copy}>{ "Copy" }</button>
                        }
                    }
                    if i == last && !state.streaming && !question.is_empty() {
                        if view.status == MessageStatus::Stopped {
                            <button class="small" onclick={again.reform(move |_| question.clone())}>{ "Regenerate" }</button>
                        } else if view.status == MessageStatus::Failed {
                            <button class="small" onclick={again.reform(move |_| question.clone())}>{ "Retry" }</button>
                        }
                    }
                </div>
            </article>
        }
    });
    let suggestions = (state.turns.is_empty()).then(|| {
        props
            .suggestions
            .iter()
            .map(|s| {
                let question = s.question.to_string();
                let onclick = if s.reads_page {
                    ask_about_page.reform(move |_| question.clone())
                } else {
                    send.reform(move |_| question.clone())
                };
                html! { <button class="suggestion" {onclick}>{ s.label.clone() }</button> }
            })
            .collect::<Html>()
    });
    html! {
        <section class="chat">
            <div class="turns" ref={turns_ref}>
                <div class="suggestions">{ for suggestions }</div>
                { for turns }
            </div>
            <p class="sr-only" role="status">{ &state.announce }</p>
            <div class="composer">
                <textarea placeholder={if state.conversation.is_some() { "Ask a follow-up…" } else { "Ask a question…" }}
                          aria-label="Your question" rows="3" value={(*draft).clone()} autofocus={true}
                          aria-busy={waiting.to_string()} {oninput} {onkeydown} />
                <div class="actions">
                    if state.streaming {
                        <button onclick={stop}>{ "Stop" }</button>
                    } else {
                        <button class="primary" onclick={submit} disabled={waiting || draft.trim().is_empty()}>{ "Ask" }</button>
                        if !state.turns.is_empty() {
                            <button class="link" onclick={new_chat}>{ "New conversation" }</button>
                        }
                    }
                </div>
            </div>
        </section>
    }
}

/// The answer's HTML, rendered from markdown by the worker (safe: see
/// `mentor_extension::markdown`). Yew tracks raw HTML well only as a single
/// node, hence the one wrapper.
fn answer_html(rendered: &str) -> Html {
    let html = format!(
        "<div class=\"answer\" data-testid=\"answer\">{}</div>",
        rendered.trim()
    );
    Html::from_html_unchecked(AttrValue::from(html))
}
