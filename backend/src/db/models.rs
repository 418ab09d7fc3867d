//! Rows as diesel reads and writes them. These are not API types: the
//! `From` impls at the bottom map rows to shared-types.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::{Role, Tier, User, UserId};

use super::schema::{refresh_tokens, users};

/// A row of `users`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct UserRow {
    /// Primary key.
    pub id: i64,
    /// Normalised email.
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Display name.
    pub full_name: Option<String>,
    /// `user` or `admin`.
    pub role: String,
    /// `free`, `pro` or `enterprise`.
    pub subscription_tier: String,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
    /// Last successful sign-in.
    pub last_login_at: Option<NaiveDateTime>,
    /// The Stripe customer, once the user has started a checkout.
    pub stripe_customer_id: Option<String>,
    /// A paid tier kept through a payment grace period ends here.
    pub tier_expires_at: Option<NaiveDateTime>,
    /// Set while an admin has suspended the account.
    pub suspended_at: Option<NaiveDateTime>,
    /// Whether an ask whose own provider key is refused may use the platform's.
    pub byok_fallback: bool,
    /// When the user proved they own the address; `None` until then.
    pub email_verified_at: Option<NaiveDateTime>,
    /// Whether the user wants the optional notices (quota, plan changes).
    pub email_notices: bool,
}

impl UserRow {
    /// The typed id.
    pub fn user_id(&self) -> UserId {
        UserId(self.id)
    }

    /// The role; a value the CHECK constraint lets through always parses.
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::User)
    }

    /// The tier in force now: the stored one, or free once a payment grace
    /// period has run out. (A value the CHECK constraint lets through always
    /// parses.)
    pub fn tier(&self) -> Tier {
        if self.tier_expires_at.is_some_and(|end| end <= super::now()) {
            return Tier::Free;
        }
        self.subscription_tier.parse().unwrap_or(Tier::Free)
    }
}

impl From<&UserRow> for User {
    fn from(row: &UserRow) -> Self {
        User {
            id: row.user_id(),
            email: row.email.clone(),
            full_name: row.full_name.clone(),
            role: row.role(),
            subscription_tier: row.tier(),
            created_at: super::rfc3339(row.created_at),
            updated_at: super::rfc3339(row.updated_at),
            last_login_at: row.last_login_at.map(super::rfc3339),
            email_verified: row.email_verified_at.is_some(),
            email_notices: row.email_notices,
        }
    }
}

/// A new row of `users`.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    /// Normalised email.
    pub email: &'a str,
    /// argon2id PHC string.
    pub password_hash: &'a str,
    /// Display name.
    pub full_name: Option<&'a str>,
    /// `user` or `admin`.
    pub role: &'a str,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Same as `created_at`.
    pub updated_at: NaiveDateTime,
}

/// A row of `refresh_tokens`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    /// Primary key.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// All tokens rotated from one sign-in share a family.
    pub family_id: String,
    /// SHA-256 of the token, hex; the token itself is never stored.
    pub token_hash: String,
    /// Issue time.
    pub created_at: NaiveDateTime,
    /// Expiry.
    pub expires_at: NaiveDateTime,
    /// Set when rotated, logged out or revoked.
    pub revoked_at: Option<NaiveDateTime>,
}

/// A new row of `refresh_tokens`.
#[derive(Debug, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefreshToken<'a> {
    /// Owner.
    pub user_id: i64,
    /// Family of the sign-in this token descends from.
    pub family_id: &'a str,
    /// SHA-256 of the token, hex.
    pub token_hash: &'a str,
    /// Issue time.
    pub created_at: NaiveDateTime,
    /// Expiry.
    pub expires_at: NaiveDateTime,
}

/// A row of `conversations`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::conversations)]
pub struct ConversationRow {
    /// Primary key.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// The start of the first question.
    pub title: String,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Time of the last message.
    pub updated_at: NaiveDateTime,
}

impl From<&ConversationRow> for shared_types::ConversationSummary {
    fn from(row: &ConversationRow) -> Self {
        Self {
            id: shared_types::ConversationId(row.id),
            title: row.title.clone(),
            created_at: super::rfc3339(row.created_at),
            updated_at: super::rfc3339(row.updated_at),
        }
    }
}

/// A row of `messages`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::messages)]
pub struct MessageRow {
    /// Primary key.
    pub id: i64,
    /// The conversation.
    pub conversation_id: i64,
    /// `user` or `assistant`.
    pub role: String,
    /// The text.
    pub content: String,
    /// The model of an answer.
    pub model: Option<String>,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// `writing`, `stopping`, `complete`, `stopped` or `failed` (see
    /// [`shared_types::MessageStatus`]).
    pub status: String,
}

impl MessageRow {
    /// Whether the user wrote it.
    pub fn is_user(&self) -> bool {
        self.role == "user"
    }

    /// Where it stands. An answer still marked as being written long after
    /// any answer may stream was left by a process that died: it failed.
    pub fn status(&self) -> shared_types::MessageStatus {
        use shared_types::MessageStatus;
        match MessageStatus::parse(&self.status) {
            MessageStatus::Writing if super::now() - self.created_at > abandoned_after() => {
                MessageStatus::Failed
            }
            status => status,
        }
    }
}

/// How old an answer still being written must be to count as abandoned:
/// past the longest an answer may stream, with a minute to settle.
fn abandoned_after() -> chrono::TimeDelta {
    chrono::TimeDelta::seconds(shared_types::ANSWER_MAX_SECS as i64) + chrono::TimeDelta::minutes(1)
}

impl From<&MessageRow> for shared_types::Message {
    fn from(row: &MessageRow) -> Self {
        let status = row.status();
        Self {
            id: shared_types::MessageId(row.id),
            role: if row.is_user() {
                shared_types::MessageRole::User
            } else {
                shared_types::MessageRole::Assistant
            },
            content: row.content.clone(),
            model: row.model.clone(),
            complete: status == shared_types::MessageStatus::Complete,
            status,
            created_at: super::rfc3339(row.created_at),
        }
    }
}

/// A new row of `usage_events`: the ledger entry of one ask.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = super::schema::usage_events)]
pub struct NewUsageEvent {
    /// Who asked (`None` if the account was deleted before the row was written).
    pub user_id: Option<i64>,
    /// In which conversation (gone if the conversation was deleted).
    pub conversation_id: Option<i64>,
    /// The provider that answered or failed.
    pub provider: String,
    /// The model.
    pub model: String,
    /// Prompt tokens.
    pub input_tokens: i64,
    /// Answer tokens.
    pub output_tokens: i64,
    /// Cost in pico-dollars.
    pub cost_pico: i64,
    /// Milliseconds until the first text.
    pub ttft_ms: Option<i32>,
    /// Milliseconds until the end.
    pub total_ms: i32,
    /// `ok`, `cancelled`, `upstream_error`, ...
    pub outcome: String,
    /// Whether the question counted against the quota.
    pub charged: bool,
    /// When.
    pub created_at: NaiveDateTime,
    /// Whether the user's own provider key paid for it.
    pub byok: bool,
    /// `app` (the extension and `/api/v1/ask`) or `api` (`/v1/*`).
    pub via: String,
}

/// Parses a stored JSON array column; a damaged value reads as empty.
fn json_list<T: serde::de::DeserializeOwned>(text: &str) -> Vec<T> {
    serde_json::from_str(text).unwrap_or_default()
}

/// A row of `resumes`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::resumes)]
pub struct ResumeRow {
    /// Primary key.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// The user's name for it.
    pub title: String,
    /// The text.
    pub text: String,
    /// Words in the text.
    pub word_count: i32,
    /// `pdf`, `docx`, `txt`, `markdown` or `pasted`.
    pub format: String,
    /// Extraction warnings, a JSON array of strings.
    pub warnings: String,
    /// The skills found, a JSON array of `PostingSkill`.
    pub skills: String,
    /// Whether asks use it.
    pub is_active: bool,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
    /// The structure (a JSON Resume document), once built.
    pub document: Option<String>,
}

impl ResumeRow {
    /// The skills found in it.
    pub fn skills(&self) -> Vec<shared_types::PostingSkill> {
        json_list(&self.skills)
    }

    fn format(&self) -> shared_types::ResumeFormat {
        self.format
            .parse()
            .unwrap_or(shared_types::ResumeFormat::Pasted)
    }
}

impl From<&ResumeRow> for shared_types::Resume {
    fn from(row: &ResumeRow) -> Self {
        Self {
            id: row.id,
            title: row.title.clone(),
            text: row.text.clone(),
            word_count: u32::try_from(row.word_count).unwrap_or_default(),
            format: row.format(),
            warnings: json_list(&row.warnings),
            is_active: row.is_active,
            skills: row.skills(),
            created_at: super::rfc3339(row.created_at),
            updated_at: super::rfc3339(row.updated_at),
        }
    }
}

impl From<&ResumeRow> for shared_types::ResumeSummary {
    fn from(row: &ResumeRow) -> Self {
        Self {
            id: row.id,
            title: row.title.clone(),
            word_count: u32::try_from(row.word_count).unwrap_or_default(),
            format: row.format(),
            is_active: row.is_active,
            created_at: super::rfc3339(row.created_at),
        }
    }
}

/// A new row of `resumes`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = super::schema::resumes)]
pub struct NewResume {
    /// Owner.
    pub user_id: i64,
    /// Its title.
    pub title: String,
    /// The text.
    pub text: String,
    /// Words in the text.
    pub word_count: i32,
    /// Where the text came from.
    pub format: String,
    /// JSON array of warnings.
    pub warnings: String,
    /// JSON array of skills.
    pub skills: String,
    /// The extractor version that found them.
    pub skills_version: i32,
    /// Whether it starts active.
    pub is_active: bool,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Same as `created_at`.
    pub updated_at: NaiveDateTime,
    /// The structure, as a JSON Resume document.
    pub document: Option<String>,
}

/// A stored job status; a value the CHECK constraint lets through always parses.
fn job_status(text: &str) -> shared_types::JobStatus {
    text.parse().unwrap_or(shared_types::JobStatus::Saved)
}

/// A row of `jobs`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::jobs)]
pub struct JobRow {
    /// Primary key.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// The job title.
    pub title: String,
    /// The hiring company.
    pub company: Option<String>,
    /// Where the job is.
    pub location: Option<String>,
    /// The description.
    pub description: String,
    /// The posting's address.
    pub url: Option<String>,
    /// Where it was found.
    pub source: Option<String>,
    /// `saved`, `applied`, ...
    pub status: String,
    /// The user's notes.
    pub notes: Option<String>,
    /// The skills found, a JSON array of `PostingSkill`.
    pub skills: String,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

impl JobRow {
    /// The skills the posting asks for.
    pub fn skills(&self) -> Vec<shared_types::PostingSkill> {
        json_list(&self.skills)
    }

    fn status(&self) -> shared_types::JobStatus {
        job_status(&self.status)
    }
}

impl From<&JobRow> for shared_types::Job {
    fn from(row: &JobRow) -> Self {
        Self {
            id: row.id,
            title: row.title.clone(),
            company: row.company.clone(),
            location: row.location.clone(),
            description: row.description.clone(),
            url: row.url.clone(),
            source: row.source.clone(),
            status: row.status(),
            notes: row.notes.clone(),
            skills: row.skills(),
            created_at: super::rfc3339(row.created_at),
            updated_at: super::rfc3339(row.updated_at),
        }
    }
}

/// The columns of `jobs` a list shows.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::jobs)]
pub struct JobSummaryRow {
    /// Primary key.
    pub id: i64,
    /// The job title.
    pub title: String,
    /// The hiring company.
    pub company: Option<String>,
    /// Where the job is.
    pub location: Option<String>,
    /// The posting's address.
    pub url: Option<String>,
    /// `saved`, `applied`, ...
    pub status: String,
    /// Creation time.
    pub created_at: NaiveDateTime,
}

impl From<&JobSummaryRow> for shared_types::JobSummary {
    fn from(row: &JobSummaryRow) -> Self {
        Self {
            id: row.id,
            title: row.title.clone(),
            company: row.company.clone(),
            location: row.location.clone(),
            url: row.url.clone(),
            status: job_status(&row.status),
            created_at: super::rfc3339(row.created_at),
        }
    }
}

/// A posting's fields as saved (new, or over an earlier save of its URL).
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = super::schema::jobs, treat_none_as_null = true)]
pub struct JobPostingFields {
    /// The job title.
    pub title: String,
    /// The hiring company.
    pub company: Option<String>,
    /// Where the job is.
    pub location: Option<String>,
    /// The description.
    pub description: String,
    /// The posting's address.
    pub url: Option<String>,
    /// Where it was found.
    pub source: Option<String>,
    /// JSON array of skills.
    pub skills: String,
    /// The extractor version that found them.
    pub skills_version: i32,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

/// A row of `audit_log`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::audit_log)]
pub struct AuditRow {
    /// Primary key.
    pub id: i64,
    /// When.
    pub at: NaiveDateTime,
    /// `user`, `system` or `stripe`.
    pub actor_type: String,
    /// The acting user.
    pub actor_id: Option<i64>,
    /// Their email then.
    pub actor_email: Option<String>,
    /// What happened.
    pub action: String,
    /// What it happened to.
    pub target_type: Option<String>,
    /// Which one.
    pub target_id: Option<String>,
    /// The client's IP.
    pub ip: Option<String>,
    /// The client's User-Agent.
    pub user_agent: Option<String>,
    /// A JSON object.
    pub details: String,
}

impl From<&AuditRow> for shared_types::AuditEntry {
    fn from(row: &AuditRow) -> Self {
        Self {
            id: row.id,
            at: super::rfc3339(row.at),
            actor_type: row.actor_type.clone(),
            actor_id: row.actor_id,
            actor_email: row.actor_email.clone(),
            action: row.action.clone(),
            target_type: row.target_type.clone(),
            target_id: row.target_id.clone(),
            ip: row.ip.clone(),
            user_agent: row.user_agent.clone(),
            details: serde_json::from_str(&row.details).unwrap_or_default(),
        }
    }
}

/// A new row of `audit_log`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = super::schema::audit_log)]
pub struct NewAuditRow {
    /// When.
    pub at: NaiveDateTime,
    /// `user`, `system` or `stripe`.
    pub actor_type: String,
    /// The acting user.
    pub actor_id: Option<i64>,
    /// Their email now.
    pub actor_email: Option<String>,
    /// What happened.
    pub action: String,
    /// What it happened to.
    pub target_type: Option<String>,
    /// Which one.
    pub target_id: Option<String>,
    /// The client's IP.
    pub ip: Option<String>,
    /// The client's User-Agent.
    pub user_agent: Option<String>,
    /// A JSON object.
    pub details: String,
}
