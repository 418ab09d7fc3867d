//! The audit log: who did what, when, from where. Append-only: the database
//! refuses to change or delete its rows except for the retention task (see
//! the `audit` migrations).
//!
//! Every audited action writes its row through [`record`], inside the same
//! transaction as the action itself, so the row and the change stand or fall
//! together. Details never carry a password, token or key.

use chrono::NaiveDateTime;
use diesel::QueryResult;
use serde_json::Value;
use shared_types::{AuditEntry, AuditPage};

use crate::db::audit::{self as queries, Filter};
use crate::db::models::NewAuditRow;
use crate::db::{self, Db, DbError, Pool, Scope};

/// The most entries one page holds.
pub const MAX_PAGE: i64 = 500;
/// The most characters of a User-Agent kept.
const USER_AGENT_CHARS: usize = 300;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// An account was created.
    AccountCreated,
    /// A user signed in.
    SignIn,
    /// A sign-in failed (unknown email, wrong password, or throttled).
    SignInFailed,
    /// Repeated failures made sign-ins to an address wait.
    SignInThrottled,
    /// A user changed their password.
    PasswordChanged,
    /// A user signed out of every session.
    SignedOutEverywhere,
    /// A rotated refresh token was presented again: its session was revoked.
    RefreshTokenReused,
    /// A user proved they own their address.
    EmailVerified,
    /// A user set a new password through a mailed link.
    PasswordReset,
    /// A user changed their sign-in address.
    EmailChanged,
    /// A user deleted their account.
    AccountDeleted,
    /// Stripe changed a subscription, and so perhaps the tier.
    SubscriptionChanged,
    /// The command line created an admin or promoted an account.
    AdminGranted,
    /// An admin changed a user's tier or suspended or restored them.
    UserUpdated,
    /// An admin granted a user extra questions.
    QuestionsGranted,
    /// An admin signed a user out everywhere.
    SessionsRevoked,
    /// An admin deleted a user's account.
    UserDeleted,
    /// An admin changed a model (enabled, tiers, prices).
    ModelChanged,
    /// A user created a personal API key.
    ApiKeyCreated,
    /// A user deleted a personal API key.
    ApiKeyDeleted,
    /// Every personal API key of a user was revoked (a password reset, or
    /// signing out everywhere with the keys).
    ApiKeysRevoked,
    /// A user saved (or replaced) a key of their own for an AI provider.
    ProviderKeySaved,
    /// A user deleted a key of their own for an AI provider.
    ProviderKeyDeleted,
    /// The operator re-wrapped the users' data keys under a new master key.
    MasterKeyRotated,
}

impl Action {
    /// The name stored and shown, `area.verb`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AccountCreated => "auth.account_created",
            Self::SignIn => "auth.sign_in",
            Self::SignInFailed => "auth.sign_in_failed",
            Self::SignInThrottled => "auth.sign_in_throttled",
            Self::PasswordChanged => "auth.password_changed",
            Self::SignedOutEverywhere => "auth.signed_out_everywhere",
            Self::RefreshTokenReused => "auth.refresh_token_reused",
            Self::EmailVerified => "auth.email_verified",
            Self::PasswordReset => "auth.password_reset",
            Self::EmailChanged => "auth.email_changed",
            Self::AccountDeleted => "auth.account_deleted",
            Self::SubscriptionChanged => "billing.subscription_changed",
            Self::AdminGranted => "admin.granted",
            Self::UserUpdated => "admin.user_updated",
            Self::QuestionsGranted => "admin.questions_granted",
            Self::SessionsRevoked => "admin.sessions_revoked",
            Self::UserDeleted => "admin.user_deleted",
            Self::ModelChanged => "admin.model_changed",
            Self::ApiKeyCreated => "keys.api_key_created",
            Self::ApiKeyDeleted => "keys.api_key_deleted",
            Self::ApiKeysRevoked => "keys.api_keys_revoked",
            Self::ProviderKeySaved => "keys.provider_key_saved",
            Self::ProviderKeyDeleted => "keys.provider_key_deleted",
            Self::MasterKeyRotated => "keys.master_key_rotated",
        }
    }
}

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A user (or someone trying to be one: an id only when it is known).
    User {
        /// The account, when known.
        id: Option<i64>,
        /// The email as it was.
        email: String,
    },
    /// A user whose account was deleted: neither id nor address is kept.
    FormerUser,
    /// The server itself, or its operator at the command line.
    System,
    /// Stripe, through a signed webhook event.
    Stripe,
}

/// Where a request came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The client's IP address.
    pub ip: Option<String>,
    /// The client's User-Agent.
    pub user_agent: Option<String>,
}

/// One audited event.
#[derive(Debug, Clone)]
pub struct Event {
    /// Who acted.
    pub actor: Actor,
    /// What happened.
    pub action: Action,
    /// What it happened to: a type (`user`, `subscription`) and an id.
    pub target: Option<(&'static str, String)>,
    /// More about it, a JSON object.
    pub details: Value,
}

impl Event {
    /// An event by `actor`, with no target and no details yet.
    pub fn new(actor: Actor, action: Action) -> Self {
        Self {
            actor,
            action,
            target: None,
            details: Value::Object(Default::default()),
        }
    }

    /// The same event about a user.
    pub fn on_user(self, id: i64) -> Self {
        self.on("user", id.to_string())
    }

    /// The same event about something else (`model`, ...).
    pub fn on(mut self, kind: &'static str, id: String) -> Self {
        self.target = Some((kind, id));
        self
    }

    /// The same event with details.
    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
}

/// Appends `event` to the log (call it inside the action's transaction).
pub fn record(conn: &mut Db, origin: &Origin, event: Event) -> QueryResult<()> {
    let (actor_type, actor_id, actor_email) = match event.actor {
        Actor::User { id, email } => ("user", id, Some(email)),
        Actor::FormerUser => ("user", None, None),
        Actor::System => ("system", None, None),
        Actor::Stripe => ("stripe", None, None),
    };
    let (target_type, target_id) = match event.target {
        Some((kind, id)) => (Some(kind.to_string()), Some(id)),
        None => (None, None),
    };
    queries::insert(
        conn,
        &NewAuditRow {
            at: db::now(),
            actor_type: actor_type.into(),
            actor_id,
            actor_email,
            action: event.action.as_str().into(),
            target_type,
            target_id,
            ip: origin.ip.clone(),
            user_agent: origin
                .user_agent
                .as_ref()
                .map(|ua| ua.chars().take(USER_AGENT_CHARS).collect()),
            details: event.details.to_string(),
        },
    )?;
    Ok(())
}

/// A page of the log, newest first.
pub async fn list(pool: &Pool, filter: Filter, limit: i64) -> Result<AuditPage, DbError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let rows = pool
        .read(Scope::System, move |conn| {
            queries::list(conn, &filter, limit + 1).map_err(DbError::from)
        })
        .await?;
    let entries: Vec<AuditEntry> = rows.iter().map(Into::into).collect();
    let (entries, next_before) = db::split_page(entries, limit, |e| e.id);
    Ok(AuditPage {
        entries,
        next_before,
    })
}

/// Deletes entries older than `retention_days`; returns how many went.
pub async fn prune(pool: &Pool, retention_days: u32) -> Result<usize, DbError> {
    let cutoff: NaiveDateTime = db::now() - chrono::TimeDelta::days(i64::from(retention_days));
    pool.write(Scope::System, move |conn| {
        queries::prune(conn, cutoff).map_err(DbError::from)
    })
    .await
}
