//! The demo provider: answers without a network so that a newcomer can try
//! the whole flow with no key. It is off unless `MENTOR_DEMO_PROVIDER=1`, and
//! every answer says plainly that it is a demo.

use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::{self, StreamExt};

use super::{ChatEvent, ChatRequest, ChatStream, Provider, ProviderError, estimate_tokens};

/// The provider name in the catalogue.
pub const NAME: &str = "demo";

/// Streams a fixed, clearly labelled answer word by word.
pub struct DemoProvider {
    /// Pause between words, so the answer visibly streams.
    pub word_delay: Duration,
}

impl Provider for DemoProvider {
    fn name(&self) -> &str {
        NAME
    }

    fn stream(
        &self,
        request: ChatRequest,
    ) -> BoxFuture<'static, Result<ChatStream, ProviderError>> {
        let question = request
            .messages
            .last()
            .map(|m| m.content.clone())
            .unwrap_or_default();
        let excerpt: String = question.chars().take(200).collect();
        let answer = format!(
            "**This is a demo answer.** This AI Mentor server is not connected to an AI model \
             yet, so it shows what an answer looks like instead of a real one.\n\n\
             You asked: \"{excerpt}\"\n\n\
             Real answers will come once whoever runs this server connects a model. \
             (Operators: see the log and the README.)"
        );
        let input = estimate_tokens(&request.system)
            + request
                .messages
                .iter()
                .map(|m| estimate_tokens(&m.content))
                .sum::<u64>();
        let output = estimate_tokens(&answer);
        let words: Vec<String> = answer.split_inclusive(' ').map(str::to_string).collect();
        let delay = self.word_delay;
        let events = std::iter::once(ChatEvent::Usage {
            input: Some(input),
            output: None,
        })
        .chain(words.into_iter().map(ChatEvent::Text))
        .chain([
            ChatEvent::Usage {
                input: None,
                output: Some(output),
            },
            ChatEvent::Finished,
        ]);
        let stream = stream::iter(events).then(move |event| async move {
            if !delay.is_zero() && matches!(event, ChatEvent::Text(_)) {
                tokio::time::sleep(delay).await;
            }
            Ok(event)
        });
        Box::pin(async move { Ok(Box::pin(stream) as ChatStream) })
    }
}
