//! Requests and responses of the account and session routes.

use serde::{Deserialize, Serialize};

use crate::plans::{Role, Tier};

/// A user id. A newtype so it cannot be confused with another id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct UserId(pub i64);

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// `POST /api/v1/auth/register`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterRequest {
    /// The sign-in address; trimmed and lower-cased by the server.
    #[cfg_attr(feature = "openapi", schema(format = "email", max_length = 254))]
    pub email: String,
    /// At least 12 characters and not a common password.
    #[cfg_attr(feature = "openapi", schema(min_length = 12, max_length = 256))]
    pub password: String,
    /// How the user wants to be addressed.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 100, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")
    )]
    pub full_name: Option<String>,
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// The sign-in address (case and surrounding space do not matter).
    #[cfg_attr(feature = "openapi", schema(format = "email", max_length = 254))]
    pub email: String,
    /// The account password.
    pub password: String,
}

/// `POST /api/v1/auth/refresh` and `POST /api/v1/auth/logout`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    /// The opaque refresh token from the last token pair.
    pub refresh_token: String,
}

/// A fresh token pair plus the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// A short-lived JWT for the `Authorization: Bearer` header.
    pub access_token: String,
    /// A long-lived opaque token that buys the next pair, once.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The account the tokens belong to.
    pub user: User,
}

/// A user as the API shows it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// The normalised sign-in address.
    pub email: String,
    /// The display name, if given.
    pub full_name: Option<String>,
    /// User or admin.
    pub role: Role,
    /// The tier that sets quotas.
    pub subscription_tier: Tier,
    /// When the account was created (RFC 3339, UTC).
    pub created_at: String,
    /// When the account was last changed (RFC 3339, UTC).
    pub updated_at: String,
    /// When the user last signed in (RFC 3339, UTC).
    pub last_login_at: Option<String>,
    /// Whether the user proved they own the address (the link we mailed).
    #[serde(default)]
    pub email_verified: bool,
    /// Whether the user gets the optional mail: the month's questions at
    /// 80% and 100%, a subscription started or ended. Security mail and
    /// failed payments always go.
    #[serde(default = "yes")]
    pub email_notices: bool,
}

fn yes() -> bool {
    true
}

/// `PATCH /api/v1/users/me`: every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMeRequest {
    /// A new display name; an empty string removes it.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 100, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")
    )]
    pub full_name: Option<String>,
    /// A new password; requires `current_password`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 12, max_length = 256))]
    pub new_password: Option<String>,
    /// A new sign-in address; requires `current_password`. The new address
    /// must be verified again (a link goes to it), and the old one is told.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(format = "email", max_length = 254))]
    pub email: Option<String>,
    /// The current password, to confirm a password or address change.
    #[serde(default)]
    pub current_password: Option<String>,
    /// Turns the optional mail on or off (see `User::email_notices`).
    #[serde(default)]
    pub email_notices: Option<bool>,
}

/// `DELETE /api/v1/users/me`: the password confirms the deletion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeleteMeRequest {
    /// The current password.
    pub password: String,
}

/// `POST /api/v1/auth/verify-email` and the token of a mailed link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenRequest {
    /// The `token` query parameter of the link.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 43, max_length = 43, pattern = "^[A-Za-z0-9_-]+$")
    )]
    pub token: String,
}

/// `POST /api/v1/auth/forgot-password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForgotPasswordRequest {
    /// The sign-in address.
    #[cfg_attr(feature = "openapi", schema(format = "email", max_length = 254))]
    pub email: String,
}

/// `POST /api/v1/auth/reset-password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetPasswordRequest {
    /// The `token` query parameter of the mailed link.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 43, max_length = 43, pattern = "^[A-Za-z0-9_-]+$")
    )]
    pub token: String,
    /// The new password: at least 12 characters and not a common password.
    #[cfg_attr(feature = "openapi", schema(min_length = 12, max_length = 256))]
    pub new_password: String,
}

/// Where a data export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExportState {
    /// Being built; ask again in a moment.
    Pending,
    /// Ready to download until `expires_at`.
    Ready,
    /// Building failed; a new export may be started at once.
    Failed,
}

string_enum!(ExportState {
    Pending => "pending",
    Ready => "ready",
    Failed => "failed",
});

/// `GET` and `POST /api/v1/users/me/export`: the latest export of the
/// caller's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataExport {
    /// Where it is.
    pub state: ExportState,
    /// When it was asked for (RFC 3339, UTC).
    pub requested_at: String,
    /// When it was ready (RFC 3339, UTC).
    pub ready_at: Option<String>,
    /// When the download link stops working (RFC 3339, UTC).
    pub expires_at: Option<String>,
    /// The ZIP's size in bytes, once ready.
    pub size_bytes: Option<i64>,
    /// Once ready: a link to the ZIP (JSON files, one per kind of data)
    /// that needs no sign-in and works until `expires_at`. Keep it private.
    pub download_url: Option<String>,
}
