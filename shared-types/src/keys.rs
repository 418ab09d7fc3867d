//! Personal API keys: what the key routes speak.

use serde::{Deserialize, Serialize};

/// The most API keys one user may hold.
pub const MAX_API_KEYS: usize = 10;
/// The longest an API key may be made to live, in days.
pub const MAX_API_KEY_DAYS: u32 = 3650;

/// What a personal API key may reach. Every key may ask; the rest is
/// chosen when the key is made, and cannot be added later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyScope {
    /// Ask questions (`/api/v1/ask`, `/v1/chat/completions`).
    Ask,
    /// Continue a stored conversation (`conversation_id`): its earlier
    /// messages go to the model, so they can come back in an answer.
    Conversations,
    /// Put the active resume into the prompt.
    Resume,
}

impl ApiKeyScope {
    /// Every scope.
    pub const ALL: [ApiKeyScope; 3] = [Self::Ask, Self::Conversations, Self::Resume];

    /// Its name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ask => "ask",
            Self::Conversations => "conversations",
            Self::Resume => "resume",
        }
    }

    /// The scope with this name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// `POST /api/v1/api-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// What the key is for (1 to 100 characters), such as "laptop script".
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 100, pattern = "[^\\s\\x00-\\x1f\\x7f-\\x9f]")
    )]
    pub name: String,
    /// Days until it stops working (1 to 3650); absent: it does not expire.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
    pub expires_in_days: Option<u32>,
    /// What it may reach besides asking (`conversations`, `resume`);
    /// absent or empty: asking only. `ask` is always granted.
    #[serde(default)]
    pub scopes: Vec<ApiKeyScope>,
}

/// An API key as listed (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyInfo {
    /// Its id, for deleting it.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The key's public start, `aim_<public id>`.
    pub prefix: String,
    /// The key's last 4 characters.
    pub last4: String,
    /// When it was made (RFC 3339, UTC).
    pub created_at: String,
    /// When it was last used (to the minute).
    pub last_used_at: Option<String>,
    /// When it stops working.
    pub expires_at: Option<String>,
    /// What it may reach, `ask` first.
    pub scopes: Vec<ApiKeyScope>,
}

/// The answer to `POST /api/v1/api-keys`: the key, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    /// The whole key, `aim_<public id>_<secret>`. It is not stored and
    /// cannot be shown again.
    pub key: String,
    /// The key as it will be listed.
    #[serde(flatten)]
    pub info: ApiKeyInfo,
}

/// The providers a user may bring a key for.
pub const BYOK_PROVIDERS: [&str; 6] = ["openai", "anthropic", "gemini", "deepseek", "groq", "xai"];

/// `PUT /api/v1/provider-keys/{provider}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PutProviderKeyRequest {
    /// The provider's API key: 8 to 512 characters, none of them blank or
    /// control characters (blanks around it are dropped).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^\\s*[^\\s\\x00-\\x1f\\x7f-\\x9f]{8,512}\\s*$")
    )]
    pub api_key: String,
}

/// What the last check of a provider key found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProviderKeyStatus {
    /// The provider accepted it.
    Verified,
    /// Not checked yet: the provider was busy or unreachable.
    Unverified,
    /// The provider refused it; asks with it fail until it is replaced.
    Invalid,
}

impl ProviderKeyStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Unverified => "unverified",
            Self::Invalid => "invalid",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Verified, Self::Unverified, Self::Invalid]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A provider key as listed (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderKeyInfo {
    /// `openai`, `anthropic`, `gemini`, `deepseek`, `groq` or `xai`.
    pub provider: String,
    /// The key's last 4 characters.
    pub last4: String,
    /// What the last check found.
    pub status: ProviderKeyStatus,
    /// When the provider last accepted it (RFC 3339).
    pub verified_at: Option<String>,
    /// Why the last check or use failed.
    pub last_error: Option<String>,
}

/// `GET /api/v1/provider-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderKeys {
    /// The user's keys, by provider name.
    pub keys: Vec<ProviderKeyInfo>,
    /// When the user's key is refused, whether to answer with the
    /// platform's key instead (the question then counts).
    pub fallback_to_platform: bool,
    /// Whether the user's plan may use its own keys.
    pub allowed: bool,
}

/// `PATCH /api/v1/provider-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProviderKeySettings {
    /// See [`ProviderKeys::fallback_to_platform`].
    pub fallback_to_platform: bool,
}
