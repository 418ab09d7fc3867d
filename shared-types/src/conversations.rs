//! Conversations kept on the server, and their messages.

use serde::{Deserialize, Serialize};

/// A conversation id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct ConversationId(pub i64);

/// A message id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct MessageId(pub i64);

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageRole {
    /// The user's question.
    User,
    /// The model's answer.
    Assistant,
}

/// Where an answer stands. An answer goes on being written when the client
/// that asked goes away; only an explicit stop ends it early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Still being written (or a stop was asked for and is on its way).
    Writing,
    /// Written to its end.
    #[default]
    Complete,
    /// The user stopped it; it is kept, and charged, as far as it got.
    Stopped,
    /// The provider broke off or the server stopped; not charged.
    Failed,
}

impl MessageStatus {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Writing => "writing",
            Self::Complete => "complete",
            Self::Stopped => "stopped",
            Self::Failed => "failed",
        }
    }

    /// Reads a stored name; `stopping` is still being written.
    pub fn parse(name: &str) -> Self {
        match name {
            "writing" | "stopping" => Self::Writing,
            "stopped" => Self::Stopped,
            "failed" => Self::Failed,
            _ => Self::Complete,
        }
    }
}

/// A conversation in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationSummary {
    /// Its id.
    pub id: ConversationId,
    /// The start of its first question.
    pub title: String,
    /// When it began (RFC 3339, UTC).
    pub created_at: String,
    /// When its last message was added (RFC 3339, UTC).
    pub updated_at: String,
}

/// `GET /api/v1/conversations`: one page, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationPage {
    /// This page's conversations.
    pub conversations: Vec<ConversationSummary>,
    /// Pass as `before` to get the next page; `None` on the last page.
    pub next_before: Option<ConversationId>,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    /// Its id.
    pub id: MessageId,
    /// Question or answer.
    pub role: MessageRole,
    /// The text (markdown for answers).
    pub content: String,
    /// The model that wrote an answer.
    pub model: Option<String>,
    /// Whether the answer ended normally (`status` is `complete`).
    pub complete: bool,
    /// Where the answer stands; a question is always `complete`.
    pub status: MessageStatus,
    /// When it was written (RFC 3339, UTC).
    pub created_at: String,
}

/// `GET /api/v1/conversations/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    /// The conversation.
    #[serde(flatten)]
    pub summary: ConversationSummary,
    /// Its messages, oldest first.
    pub messages: Vec<Message>,
}
