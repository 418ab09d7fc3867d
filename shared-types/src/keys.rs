//! Personal API keys: what the key routes speak.

use serde::{Deserialize, Serialize};

/// The most API keys one user may hold.
pub const MAX_API_KEYS: usize = 10;
/// The longest an API key may be made to live, in days.
pub const MAX_API_KEY_DAYS: u32 = 3650;

/// `POST /api/v1/api-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// What the key is for (1 to 100 characters), such as "laptop script".
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// Days until it stops working (1 to 3650); absent: it does not expire.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
    pub expires_in_days: Option<u32>,
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
