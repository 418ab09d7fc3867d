//! Answers as the pages show them: the worker turns the backend's stream and
//! stored conversations into text plus rendered HTML, so the pages' wasm
//! needs no markdown parser.

use shared_types::extension::{ConversationView, PortEvent, TurnView};
use shared_types::{Conversation, MessageRole, StreamEvent};

use crate::markdown;

/// One answer being streamed: remembers the text so far to render it whole.
#[derive(Debug, Default)]
pub struct AnswerStream {
    answer: String,
}

impl AnswerStream {
    /// What to post to the page for `event`; each delta carries the whole
    /// answer so far, rendered (a fragment of markdown cannot be rendered
    /// alone: a list or a code block may still be open).
    pub fn event(&mut self, event: StreamEvent) -> PortEvent {
        match event {
            StreamEvent::Meta(meta) => PortEvent::Meta(meta),
            StreamEvent::Delta(delta) => {
                self.answer.push_str(&delta.text);
                PortEvent::Delta {
                    text: delta.text,
                    html: markdown::render(&self.answer),
                }
            }
            StreamEvent::Usage(usage) => PortEvent::Usage(usage),
            StreamEvent::Error(error) => PortEvent::Error(error),
            StreamEvent::Done => PortEvent::Done,
        }
    }

    /// The answer so far as one delta, for a page that starts following it
    /// midway; `None` before any text.
    pub fn so_far(&self) -> Option<PortEvent> {
        (!self.answer.is_empty()).then(|| PortEvent::Delta {
            text: self.answer.clone(),
            html: markdown::render(&self.answer),
        })
    }
}

/// `conversation` as the pages show it: each question with its answer,
/// rendered. An answer without a question (none is stored so) is dropped.
pub fn view(conversation: Conversation) -> ConversationView {
    let mut turns: Vec<TurnView> = Vec::new();
    for message in conversation.messages {
        match message.role {
            MessageRole::User => turns.push(TurnView {
                question: message.content,
                ..TurnView::default()
            }),
            MessageRole::Assistant => {
                if let Some(turn) = turns.last_mut() {
                    turn.html = markdown::render(&message.content);
                    turn.answer = message.content;
                    turn.status = message.status;
                }
            }
        }
    }
    ConversationView {
        id: conversation.summary.id,
        turns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_types::{
        ConversationId, ConversationSummary, Message, MessageId, MessageStatus, StreamDelta,
    };

    fn delta(text: &str) -> StreamEvent {
        StreamEvent::Delta(StreamDelta { text: text.into() })
    }

    #[test]
    fn each_delta_carries_the_whole_answer_rendered() {
        let mut stream = AnswerStream::default();
        assert_eq!(
            stream.event(delta("- one\n")),
            PortEvent::Delta {
                text: "- one\n".into(),
                html: "<ul>\n<li>one</li>\n</ul>\n".into()
            }
        );
        let PortEvent::Delta { text, html } = stream.event(delta("- **two**")) else {
            panic!("a delta");
        };
        assert_eq!(text, "- **two**");
        assert_eq!(
            html,
            "<ul>\n<li>one</li>\n<li><strong>two</strong></li>\n</ul>\n"
        );
        assert_eq!(stream.event(StreamEvent::Done), PortEvent::Done);
        assert_eq!(
            stream.so_far(),
            Some(PortEvent::Delta {
                text: "- one\n- **two**".into(),
                html: html.clone(),
            }),
            "a page that starts following gets it all at once"
        );
        assert_eq!(AnswerStream::default().so_far(), None);
    }

    #[test]
    fn a_stored_conversation_becomes_rendered_turns() {
        let message = |role, content: &str, status| Message {
            id: MessageId(1),
            role,
            content: content.into(),
            model: None,
            complete: status == MessageStatus::Complete,
            status,
            created_at: "2026-11-22T10:00:00Z".into(),
        };
        let id = ConversationId(7);
        let conversation = Conversation {
            summary: ConversationSummary {
                id,
                title: "t".into(),
                created_at: "2026-11-22T10:00:00Z".into(),
                updated_at: "2026-11-22T10:01:00Z".into(),
            },
            messages: vec![
                message(MessageRole::User, "What is it?", MessageStatus::Complete),
                message(MessageRole::Assistant, "A *test*.", MessageStatus::Stopped),
                message(MessageRole::User, "Unanswered?", MessageStatus::Complete),
            ],
        };
        let view = view(conversation);
        assert_eq!(view.id, id);
        assert_eq!(
            view.turns,
            vec![
                TurnView {
                    question: "What is it?".into(),
                    answer: "A *test*.".into(),
                    html: "<p>A <em>test</em>.</p>\n".into(),
                    status: MessageStatus::Stopped,
                },
                TurnView {
                    question: "Unanswered?".into(),
                    ..TurnView::default()
                },
            ]
        );
    }
}
