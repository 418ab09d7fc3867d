//! `POST /api/v1/ask`: the question, its page context, the answer, and the
//! server-sent events of a streamed answer.

use serde::{Deserialize, Serialize};

use crate::conversations::{ConversationId, MessageId};
use crate::error::ErrorBody;

/// The longest question accepted, in characters.
pub const QUESTION_MAX_CHARS: usize = 8_000;

/// The longest an answer may stream, in seconds: the backend cuts it there.
pub const ANSWER_MAX_SECS: u64 = 300;

/// A question, optionally continuing a conversation, with page context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AskRequest {
    /// The question, at most [`QUESTION_MAX_CHARS`] characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 8000,
            pattern = "[^\\s\\x00-\\x1f\\x7f-\\x9f]"
        )
    )]
    pub question: String,
    /// The conversation to continue; a new one is started when absent.
    #[serde(default)]
    pub conversation_id: Option<ConversationId>,
    /// A model id from `GET /api/v1/models`; the tier's default when absent.
    #[serde(default)]
    pub model: Option<String>,
    /// What the user is looking at.
    #[serde(default)]
    pub context: Option<AskContext>,
    /// Whether the active resume goes into the context (default true).
    #[serde(default = "yes")]
    pub use_resume: bool,
}

fn yes() -> bool {
    true
}

impl Default for AskRequest {
    fn default() -> Self {
        Self {
            question: String::new(),
            conversation_id: None,
            model: None,
            context: None,
            use_resume: true,
        }
    }
}

/// The page the question is about. Long fields are trimmed by the server to
/// fit the model's context window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AskContext {
    /// The page's address.
    #[serde(default)]
    pub url: Option<String>,
    /// The page's title.
    #[serde(default)]
    pub title: Option<String>,
    /// The text the user selected.
    #[serde(default)]
    pub selection: Option<String>,
    /// The page's readable text.
    #[serde(default)]
    pub page_text: Option<String>,
    /// A job posting found on the page.
    #[serde(default)]
    pub job_posting: Option<JobPosting>,
}

/// A job posting extracted from a page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobPosting {
    /// The job title.
    #[serde(default)]
    pub title: Option<String>,
    /// The hiring company.
    #[serde(default)]
    pub company: Option<String>,
    /// Where the job is.
    #[serde(default)]
    pub location: Option<String>,
    /// The description as plain text.
    #[serde(default)]
    pub description: Option<String>,
}

/// The answer to a question asked without streaming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AskResponse {
    /// The conversation the question and answer belong to.
    pub conversation_id: ConversationId,
    /// The answer's message id.
    pub message_id: MessageId,
    /// The answer, in markdown.
    pub answer: String,
    /// The model that answered.
    pub model: String,
    /// Whether the user's active resume was part of the context.
    #[serde(default)]
    pub resume_used: bool,
    /// Tokens, cost and the quota after this question.
    pub usage: Usage,
}

/// What one answer consumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Usage {
    /// Prompt tokens, as the provider counted them.
    pub input_tokens: u64,
    /// Answer tokens, as the provider counted them.
    pub output_tokens: u64,
    /// The cost in US dollars, an exact decimal string.
    pub cost_usd: String,
    /// The user's monthly quota after this question.
    pub quota: QuotaStatus,
}

/// Questions used of the monthly quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaStatus {
    /// Questions asked this period.
    pub used: u32,
    /// Questions allowed this period; `None` means unlimited.
    pub limit: Option<u32>,
    /// When the period ends and the count starts again (RFC 3339, UTC).
    pub period_end: String,
}

/// The `meta` event: sent first, once the answer has begun.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamMeta {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// The answer's message id.
    pub message_id: MessageId,
    /// The model answering.
    pub model: String,
    /// Whether the user's active resume is part of the context.
    #[serde(default)]
    pub resume_used: bool,
}

/// The `delta` event: the next piece of the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamDelta {
    /// Text to append.
    pub text: String,
}

/// One server-sent event of a streamed answer. The stream is `meta`, any
/// number of `delta`, then `usage` and `done`; or, when the answer breaks
/// off, `error` and `done`. Inside the extension the same events travel as
/// JSON objects `{"event": "delta", "data": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
pub enum StreamEvent {
    /// The answer has begun.
    Meta(StreamMeta),
    /// More text.
    Delta(StreamDelta),
    /// What the answer consumed.
    Usage(Usage),
    /// The answer broke off.
    Error(ErrorBody),
    /// The stream is over.
    Done,
}

impl StreamEvent {
    /// The SSE `event:` name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Meta(_) => "meta",
            Self::Delta(_) => "delta",
            Self::Usage(_) => "usage",
            Self::Error(_) => "error",
            Self::Done => "done",
        }
    }

    /// The SSE `data:` payload (JSON on one line).
    pub fn data(&self) -> String {
        let json = match self {
            Self::Meta(m) => serde_json::to_string(m),
            Self::Delta(d) => serde_json::to_string(d),
            Self::Usage(u) => serde_json::to_string(u),
            Self::Error(e) => serde_json::to_string(e),
            Self::Done => Ok("{}".to_string()),
        };
        json.unwrap_or_else(|_| "{}".to_string())
    }

    /// The event as SSE wire text, ending with the blank line.
    pub fn to_sse(&self) -> String {
        format!("event: {}\ndata: {}\n\n", self.name(), self.data())
    }

    /// Reads an event from its SSE name and data.
    pub fn parse(name: &str, data: &str) -> Result<Self, String> {
        let parsed = match name {
            "meta" => serde_json::from_str(data).map(Self::Meta),
            "delta" => serde_json::from_str(data).map(Self::Delta),
            "usage" => serde_json::from_str(data).map(Self::Usage),
            "error" => serde_json::from_str(data).map(Self::Error),
            "done" => Ok(Self::Done),
            other => return Err(format!("unknown event '{other}'")),
        };
        parsed.map_err(|e| format!("bad '{name}' event: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn events_round_trip_through_their_sse_form() {
        let events = [
            StreamEvent::Meta(StreamMeta {
                conversation_id: ConversationId(3),
                message_id: MessageId(9),
                model: "m".into(),
                resume_used: true,
            }),
            StreamEvent::Delta(StreamDelta {
                text: "line\nnext".into(),
            }),
            StreamEvent::Error(ErrorBody {
                error: ErrorCode::UpstreamError,
                message: "x".into(),
            }),
            StreamEvent::Done,
        ];
        for event in events {
            let wire = event.to_sse();
            let (name_line, rest) = wire.split_once('\n').expect("two lines");
            let data = rest.strip_prefix("data: ").expect("data").trim_end();
            assert!(!data.contains('\n'), "data stays on one line");
            let name = name_line.strip_prefix("event: ").expect("event");
            assert_eq!(StreamEvent::parse(name, data), Ok(event));
        }
    }
}
