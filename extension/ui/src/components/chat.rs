//! A conversation: the question box (Enter sends, Shift+Enter adds a line),
//! answers streaming in as markdown (rendered by the worker), stop and copy,
//! and follow-ups that continue the same conversation.

use std::rc::Rc;

use mentor_browser::Port;
use mentor_extension::words::suggests_upgrade;
use shared_types::extension::{ConversationView, PortEvent, PortRequest, TurnView, WorkerRequest};
use shared_types::{AskContext, AskRequest, ConversationId, ErrorBody, QuotaStatus};
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use super::ErrorNote;
use crate::services;

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
}

enum ChatAction {
    Asked(String),
    Event(PortEvent),
    /// The worker went away before `done`.
    Lost,
    Loaded(ConversationView),
    Failed(ErrorBody),
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
                        ..TurnView::default()
                    },
                    error: None,
                });
                next.streaming = true;
            }
            ChatAction::Event(event) => match event {
                PortEvent::Meta(meta) => next.conversation = Some(meta.conversation_id),
                PortEvent::Delta { text, html } => {
                    if let Some(turn) = next.turns.last_mut() {
                        turn.view.answer.push_str(&text);
                        turn.view.html = html;
                    }
                }
                PortEvent::Usage(_) => {}
                PortEvent::Error(error) => {
                    if let Some(turn) = next.turns.last_mut() {
                        turn.error = Some(error);
                    }
                }
                PortEvent::Done => next.streaming = false,
            },
            ChatAction::Lost => {
                if next.streaming {
                    next.streaming = false;
                    if let Some(turn) = next.turns.last_mut() {
                        turn.error = Some(mentor_browser::internal(
                            "The extension's background worker stopped. Please ask again.",
                        ));
                    }
                }
            }
            ChatAction::Loaded(view) => {
                next = ChatState {
                    turns: view
                        .turns
                        .into_iter()
                        .map(|view| Turn { view, error: None })
                        .collect(),
                    conversation: Some(view.id),
                    streaming: false,
                }
            }
            ChatAction::Failed(error) => {
                next.turns.push(Turn {
                    error: Some(error),
                    ..Turn::default()
                });
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

    {
        let state = state.clone();
        use_effect_with(props.open, move |open| {
            if let Some(id) = *open {
                services::request(
                    WorkerRequest::Conversation { id },
                    move |result| match result {
                        Ok(conversation) => state.dispatch(ChatAction::Loaded(conversation)),
                        Err(e) => state.dispatch(ChatAction::Failed(e)),
                    },
                );
            }
        });
    }

    let send = {
        let (state, port, draft) = (state.clone(), port.clone(), draft.clone());
        let (context, on_quota) = (props.context.clone(), props.on_quota.clone());
        Callback::from(move |question: String| {
            let question = question.trim().to_string();
            if question.is_empty() || state.streaming {
                return;
            }
            let request = AskRequest {
                question: question.clone(),
                conversation_id: state.conversation,
                model: None,
                // The context goes with the first question; follow-ups have it in history.
                context: if state.conversation.is_none() {
                    context.clone()
                } else {
                    None
                },
                use_resume: true,
            };
            state.dispatch(ChatAction::Asked(question));
            draft.set(String::new());
            let on_event = {
                let (state, on_quota) = (state.clone(), on_quota.clone());
                Callback::from(move |event: PortEvent| {
                    if let PortEvent::Usage(usage) = &event {
                        on_quota.emit(usage.quota.clone());
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
            draft.set(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    let submit = {
        let (send, draft) = (send.clone(), draft.clone());
        Callback::from(move |_: MouseEvent| send.emit((*draft).clone()))
    };

    let last = state.turns.len().saturating_sub(1);
    let turns = state.turns.iter().enumerate().map(|(i, Turn { view, error })| {
        let streaming = state.streaming && i == last;
        let copy = {
            let answer = view.answer.clone();
            Callback::from(move |_: MouseEvent| mentor_browser::copy_to_clipboard(&answer))
        };
        let upgrade = error.as_ref().is_some_and(suggests_upgrade);
        html! {
            <article class="turn" key={i}>
                if !view.question.is_empty() {
                    <p class="question">{ &view.question }</p>
                }
                if !view.answer.is_empty() {
                    { answer_html(&view.html) }
                } else if streaming {
                    <p class="answer muted">{ "Thinking…" }</p>
                }
                <ErrorNote error={error.clone()} />
                if upgrade {
                    <button class="primary" onclick={props.on_upgrade.reform(|_| ())}>{ "Upgrade" }</button>
                }
                if !streaming && !view.answer.is_empty() {
                    <button class="small" onclick={copy} title="Copy the answer">{ "Copy" }</button>
                }
            </article>
        }
    });
    let suggestions = (state.turns.is_empty()).then(|| {
        props.suggestions.iter().map(|s| {
            let (send, question) = (send.clone(), s.question.to_string());
            html! {
                <button class="suggestion" onclick={Callback::from(move |_| send.emit(question.clone()))}>
                    { s.label.clone() }
                </button>
            }
        }).collect::<Html>()
    });
    html! {
        <section class="chat">
            <div class="suggestions">{ for suggestions }</div>
            <div class="turns">{ for turns }</div>
            <div class="composer">
                <textarea placeholder={if state.conversation.is_some() { "Ask a follow-up…" } else { "Ask a question…" }}
                          aria-label="Your question" rows="3" value={(*draft).clone()}
                          {oninput} {onkeydown} />
                <div class="actions">
                    if state.streaming {
                        <button onclick={stop}>{ "Stop" }</button>
                    } else {
                        <button class="primary" onclick={submit} disabled={draft.trim().is_empty()}>{ "Ask" }</button>
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
        "<div class=\"answer\" aria-live=\"polite\" data-testid=\"answer\">{}</div>",
        rendered.trim()
    );
    Html::from_html_unchecked(AttrValue::from(html))
}
