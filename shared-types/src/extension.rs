//! Messages between the extension's contexts. The popup, the in-page panel,
//! the options page and the content script send a [`WorkerRequest`] to the
//! service worker, the only context that talks to the backend and holds
//! tokens; it answers with a [`WorkerReply`]. Answers stream over a port
//! named [`ASK_PORT`]: the page posts [`PortRequest`]s and receives
//! [`PortEvent`]s, which mirror the backend's [`crate::StreamEvent`]s.
//! The worker renders answers' markdown, so the pages'
//! wasm carries no markdown parser.
//!
//! On the wire every message is a JSON object tagged by `type`, so the
//! content script's few lines of JavaScript can speak it too.

use serde::{Deserialize, Serialize};

use crate::ask::{AskRequest, JobPosting, StreamMeta, Usage};
use crate::auth::User;
use crate::career::{JobStatus, SaveJob, UpdateJob, UpdateResume};
use crate::conversations::{ConversationId, MessageStatus};
use crate::error::ErrorBody;
use crate::plans::Tier;

/// The name of the port that carries one streamed answer.
pub const ASK_PORT: &str = "ask";

/// A request to the service worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WorkerRequest {
    /// Who is signed in, and to which backend. Answers [`Status`].
    Status,
    /// Creates an account and signs in. Answers [`Status`].
    Register {
        /// The email address.
        email: String,
        /// The password.
        password: String,
    },
    /// Signs in. Answers [`Status`].
    Login {
        /// The email address.
        email: String,
        /// The password.
        password: String,
    },
    /// Signs out here and revokes the session on the backend. Answers [`Status`].
    Logout,
    /// Mails the signed-in user a new verification link. Answers `null`.
    ResendVerification,
    /// Mails a password reset link, if the address has an account. Answers
    /// `null` either way.
    ForgotPassword {
        /// The email address.
        email: String,
    },
    /// With `start`, starts an export of the user's data (or, when one was
    /// started within the hour, reports that one); without, reports the
    /// latest. Answers [`crate::DataExport`].
    ExportData {
        /// Start one.
        start: bool,
    },
    /// Turns the optional mail (usage and plan notices) on or off. Answers
    /// [`crate::User`].
    SetEmailNotices {
        /// On or off.
        on: bool,
    },
    /// This period's quota and costs. Answers [`crate::UsageReport`].
    Usage,
    /// A page of past conversations. Answers [`crate::ConversationPage`].
    Conversations {
        /// Continue after this conversation (from `next_before`).
        #[serde(default)]
        before: Option<ConversationId>,
    },
    /// One conversation with its messages. Answers [`ConversationView`].
    Conversation {
        /// Which one.
        id: ConversationId,
    },
    /// Deletes a conversation. Answers `null`.
    DeleteConversation {
        /// Which one.
        id: ConversationId,
    },
    /// Opens Stripe Checkout for a tier in a new tab. Answers `null`.
    Upgrade {
        /// The tier to buy.
        tier: Tier,
    },
    /// Opens the Stripe customer portal in a new tab. Answers `null`.
    ManageSubscription,
    /// From the content script: the page the user wants to ask about.
    /// Answers [`PanelTicket`]; the panel then loads with the ticket.
    OpenPanel(PageSnapshot),
    /// From the content script: what it shows on the site `host`. Answers
    /// [`PageSettings`]. (Content scripts do not read the extension's
    /// storage, which holds the session, where the browser can keep them out.)
    PageSettings {
        /// The page's host name.
        host: String,
    },
    /// From the content script: no job button on the site `host` any more
    /// (Options can bring it back). Answers `null`.
    HideOnSite {
        /// The page's host name.
        host: String,
    },
    /// From the content script: the job button shown collapsed, or not.
    /// Answers `null`.
    SetJobTabCollapsed {
        /// Collapsed to a sliver.
        collapsed: bool,
    },
    /// From the panel: what its ticket stands for. Answers [`PanelContext`].
    PanelContext {
        /// The ticket from [`PanelTicket`].
        ticket: String,
    },
    /// From the panel: saves the posting on the page when `save` is set,
    /// then tells whether it is saved and how the active resume matches it.
    /// Answers [`JobCard`].
    JobCard {
        /// The page's address.
        url: String,
        /// The posting.
        posting: JobPosting,
        /// Save it first.
        #[serde(default)]
        save: bool,
    },
    /// Answers [`ExtensionSettings`].
    Settings,
    /// Saves settings; changing the backend signs out. Answers [`ExtensionSettings`].
    SaveSettings(ExtensionSettings),
    /// The active tab's address, title and readable text, read when the
    /// user asks about the page. Answers [`crate::AskContext`].
    ActivePage,
    /// Opens the options page. Answers `null`.
    OpenOptions,
    /// Changes the password (other sessions end). Answers [`Status`].
    ChangePassword {
        /// The current password.
        current: String,
        /// The new one.
        new: String,
    },
    /// Ends every session of the user, this one included, and with
    /// `revoke_api_keys` deletes their personal API keys. Answers [`Status`].
    LogoutEverywhere {
        /// Also revoke every personal API key.
        #[serde(default)]
        revoke_api_keys: bool,
    },
    /// Deletes the account for good. Answers [`Status`].
    DeleteAccount {
        /// The password, to confirm.
        password: String,
    },
    /// The plans on offer, priced when billing is on (a paid plan without a
    /// price: billing is off). Answers a list of [`crate::PlanOffer`].
    Plans,
}

/// A request from the career page to the service worker: resumes, saved
/// jobs, the skills picture and the user's keys. Its own enum, tagged by `type` like
/// [`WorkerRequest`] with names of its own, so the popup's wasm carries
/// none of its code. Answered with a [`WorkerReply`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CareerRequest {
    /// The user's resumes. Answers a list of [`crate::ResumeSummary`].
    Resumes,
    /// One resume with its text. Answers [`crate::Resume`].
    Resume {
        /// Which one.
        id: i64,
    },
    /// Uploads a file the page read as a `data:` URL. Answers [`crate::Resume`].
    UploadResume {
        /// The file's name (its extension tells TXT from Markdown).
        file_name: String,
        /// `data:<type>;base64,<bytes>`.
        data_url: String,
    },
    /// Adds pasted text as a resume. Answers [`crate::Resume`].
    PasteResume(crate::career::CreateResume),
    /// Corrects a resume's title or text. Answers [`crate::Resume`].
    UpdateResume {
        /// Which one.
        id: i64,
        /// What changes.
        change: UpdateResume,
    },
    /// Makes a resume the active one. Answers [`crate::Resume`].
    ActivateResume {
        /// Which one.
        id: i64,
    },
    /// Deletes a resume. Answers `null`.
    DeleteResume {
        /// Which one.
        id: i64,
    },
    /// A page of saved jobs. Answers [`crate::JobPage`].
    Jobs {
        /// Words to search for.
        #[serde(default)]
        q: Option<String>,
        /// Only jobs with this status.
        #[serde(default)]
        status: Option<JobStatus>,
        /// Continue after this job (from `next_before`).
        #[serde(default)]
        before: Option<i64>,
    },
    /// Saves a posting. Answers [`crate::Job`].
    SaveJob(SaveJob),
    /// Changes a saved job's status or notes. Answers [`crate::Job`].
    UpdateJob {
        /// Which one.
        id: i64,
        /// What changes.
        change: UpdateJob,
    },
    /// Deletes a saved job. Answers `null`.
    DeleteJob {
        /// Which one.
        id: i64,
    },
    /// Which skills the saved jobs want. Answers [`crate::SkillsAnalysis`].
    SkillsAnalysis,
    /// The user's own provider keys. Answers [`crate::ProviderKeys`].
    ProviderKeys,
    /// Checks and saves a provider key. Answers [`crate::ProviderKeyInfo`].
    SaveProviderKey {
        /// `openai`, `anthropic`, ...
        provider: String,
        /// The key.
        api_key: String,
    },
    /// Checks a saved provider key again. Answers [`crate::ProviderKeyInfo`].
    VerifyProviderKey {
        /// Which provider's.
        provider: String,
    },
    /// Removes a provider key. Answers `null`.
    DeleteProviderKey {
        /// Which provider's.
        provider: String,
    },
    /// Sets whether the platform answers when the user's key is refused.
    /// Answers [`crate::ProviderKeys`].
    SetKeyFallback(crate::ProviderKeySettings),
    /// The user's personal API keys. Answers a list of [`crate::ApiKeyInfo`].
    ApiKeys,
    /// Makes a personal API key. Answers [`crate::CreatedApiKey`].
    CreateApiKey(crate::CreateApiKeyRequest),
    /// Revokes a personal API key. Answers `null`.
    DeleteApiKey {
        /// Which one.
        id: i64,
    },
}

/// The service worker's answer to a [`WorkerRequest`] or [`CareerRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum WorkerReply {
    /// It worked; `data` is the request's answer type as JSON.
    Ok {
        /// The answer.
        data: serde_json::Value,
    },
    /// It failed, with the backend's error code (or one standing in for it,
    /// such as `service_unavailable` when the backend cannot be reached).
    Error(ErrorBody),
}

/// Who is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// The signed-in user, if any.
    pub user: Option<User>,
    /// The backend in use.
    pub backend_url: String,
    /// The backend could not be reached just now (the user shown is the
    /// one last seen).
    #[serde(default)]
    pub offline: bool,
}

/// What the content script read off the page when the user acted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageSnapshot {
    /// The page's address.
    pub url: String,
    /// The page's title.
    pub title: String,
    /// The selected text, if any.
    #[serde(default)]
    pub selection: Option<String>,
    /// The page's HTML, sent only when it looks like a job posting.
    #[serde(default)]
    pub html: Option<String>,
}

/// Names a [`PanelContext`] held by the service worker. The page hosting the
/// panel sees the ticket but cannot ask the worker for its contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelTicket {
    /// A random, single-use ticket.
    pub ticket: String,
}

/// What the in-page panel asks about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelContext {
    /// The page's address.
    pub url: String,
    /// The page's title.
    pub title: String,
    /// The selected text, if any.
    #[serde(default)]
    pub selection: Option<String>,
    /// The job posting found on the page, if any.
    #[serde(default)]
    pub job_posting: Option<JobPosting>,
}

/// The panel's card for a job posting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCard {
    /// The saved job with this posting's address, if any.
    pub saved: Option<i64>,
    /// The match with the active resume (score, matched and missing skills),
    /// or what to do to get one, as safe HTML rendered by the worker.
    pub match_html: String,
}

/// A message on the [`ASK_PORT`] from the page to the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PortRequest {
    /// Ask; the answer streams back as [`PortEvent`]s.
    Ask(Box<AskRequest>),
    /// Stop the answer (it is kept, and charged, as far as it got).
    Stop,
    /// Follow the answer being written in this conversation (a page opened
    /// while it streams): the worker posts the text so far as one delta,
    /// then the rest; `done` at once when it writes none there.
    Watch {
        /// The conversation.
        conversation_id: ConversationId,
    },
}

/// A message on the [`ASK_PORT`] from the worker to the page: the
/// backend's [`crate::StreamEvent`]s, each delta with the answer so far rendered.
/// Externally tagged (`{"delta": {...}}`, `"done"`), which the pages read
/// with less code than the stream's adjacent tags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortEvent {
    /// The answer has begun.
    Meta(StreamMeta),
    /// More text.
    Delta {
        /// Text to append (the answer's markdown, for copying).
        text: String,
        /// The whole answer so far as safe HTML.
        html: String,
    },
    /// What the answer consumed.
    Usage(Usage),
    /// The answer broke off.
    Error(ErrorBody),
    /// The user stopped the answer; its text so far stands.
    Stopped,
    /// The answer is over.
    Done,
}

/// A stored conversation as the pages show it: questions with their
/// answers, rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationView {
    /// Which conversation.
    pub id: ConversationId,
    /// Its questions and answers, oldest first.
    pub turns: Vec<TurnView>,
}

/// One question and its answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnView {
    /// The question.
    pub question: String,
    /// The answer's markdown (empty if none was stored).
    pub answer: String,
    /// The answer as safe HTML.
    pub html: String,
    /// Where the answer stands.
    #[serde(default)]
    pub status: MessageStatus,
}

/// A message from the worker to a tab's content script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentCommand {
    /// Open the panel, about `selection` when given (the context menu's text),
    /// else about the page's current selection.
    OpenPanel {
        /// The text to ask about.
        #[serde(default)]
        selection: Option<String>,
    },
    /// Answer with the page's address, title and readable text (an
    /// [`crate::AskContext`]), for "Ask about this page".
    ReadPage,
}

/// The colour theme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Follow the system's light or dark setting.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

/// The user's settings, kept in `storage.local` under [`SETTINGS_KEY`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionSettings {
    /// The backend's base URL, e.g. `http://127.0.0.1:8080` (empty: the
    /// address built in).
    #[serde(default)]
    pub backend_url: String,
    /// The colour theme.
    #[serde(default)]
    pub theme: Theme,
    /// Whether a button appears next to selected text.
    #[serde(default = "yes")]
    pub selection_button: bool,
    /// Whether a button appears on job postings.
    #[serde(default = "yes")]
    pub job_button: bool,
    /// Sites (host names) where the job-page button was hidden.
    #[serde(default)]
    pub hidden_sites: Vec<String>,
}

/// The `storage.local` key of [`ExtensionSettings`].
pub const SETTINGS_KEY: &str = "settings";

/// What the content script shows on one site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageSettings {
    /// A button next to selected text.
    pub selection_button: bool,
    /// A button on job postings (off everywhere, or hidden on this site).
    pub job_button: bool,
    /// The job button collapsed to a sliver.
    pub collapsed: bool,
}

fn yes() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use serde_json::json;

    #[test]
    fn requests_are_objects_tagged_by_type() {
        let open = WorkerRequest::OpenPanel(PageSnapshot {
            url: "https://a.example/".into(),
            title: "A".into(),
            selection: Some("text".into()),
            html: None,
        });
        assert_eq!(
            serde_json::to_value(&open).expect("json"),
            json!({"type": "open_panel", "url": "https://a.example/", "title": "A",
                   "selection": "text", "html": null})
        );
        let parsed: WorkerRequest =
            serde_json::from_value(json!({"type": "conversations"})).expect("parse");
        assert_eq!(parsed, WorkerRequest::Conversations { before: None });
    }

    #[test]
    fn account_requests_round_trip() {
        for request in [
            WorkerRequest::SetEmailNotices { on: false },
            WorkerRequest::ExportData { start: true },
        ] {
            let value = serde_json::to_value(&request).expect("json");
            let back: WorkerRequest = serde_json::from_value(value.clone()).expect("parses");
            assert_eq!(serde_json::to_value(&back).expect("json"), value);
        }
        assert_eq!(
            serde_json::to_value(WorkerRequest::SetEmailNotices { on: false }).expect("json"),
            json!({"type": "set_email_notices", "on": false})
        );
    }

    #[test]
    fn port_events_are_externally_tagged() {
        let delta = PortEvent::Delta {
            text: "*hi*".into(),
            html: "<p><em>hi</em></p>".into(),
        };
        assert_eq!(
            serde_json::to_value(&delta).expect("json"),
            json!({"delta": {"text": "*hi*", "html": "<p><em>hi</em></p>"}})
        );
        assert_eq!(
            serde_json::to_value(PortEvent::Done).expect("json"),
            json!("done")
        );
        let error: PortEvent =
            serde_json::from_value(json!({"error": {"error": "quota_exceeded", "message": "m"}}))
                .expect("parse");
        assert_eq!(
            error,
            PortEvent::Error(ErrorBody {
                error: ErrorCode::QuotaExceeded,
                message: "m".into()
            })
        );
    }

    #[test]
    fn replies_carry_data_or_the_error_body() {
        let error = WorkerReply::Error(ErrorBody {
            error: ErrorCode::QuotaExceeded,
            message: "m".into(),
        });
        assert_eq!(
            serde_json::to_value(&error).expect("json"),
            json!({"status": "error", "error": "quota_exceeded", "message": "m"})
        );
    }

    #[test]
    fn stream_events_travel_tagged_by_event() {
        let done = serde_json::to_value(crate::StreamEvent::Done).expect("json");
        assert_eq!(done, json!({"event": "done"}));
        let delta: crate::StreamEvent =
            serde_json::from_value(json!({"event": "delta", "data": {"text": "hi"}}))
                .expect("parse");
        assert_eq!(
            delta,
            crate::StreamEvent::Delta(crate::StreamDelta { text: "hi".into() })
        );
    }

    #[test]
    fn settings_default_the_optional_fields() {
        let settings: ExtensionSettings =
            serde_json::from_value(json!({"backend_url": "http://x"})).expect("parse");
        assert_eq!(settings.theme, Theme::System);
        assert!(settings.selection_button);
    }
}

/// A request from the resume's structure page to the service worker. Its
/// own enum, tagged by `type` with names of its own, so that only that
/// page's wasm carries the structure's (large) serialisation. Answered with
/// a [`WorkerReply`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DocumentRequest {
    /// A resume's structure. Answers a
    /// [`crate::resume_document::ResumeDocument`].
    ResumeDocument {
        /// Which one.
        id: i64,
    },
    /// Saves the user's corrections to a resume's structure. Answers the
    /// document as saved.
    SaveResumeDocument {
        /// Which one.
        id: i64,
        /// The whole document.
        document: Box<crate::resume_document::ResumeDocument>,
    },
    /// Builds a resume's structure again with a model, grounded in its text.
    /// Answers a [`crate::resume_document::ParsedResume`].
    ParseResume {
        /// Which one.
        id: i64,
    },
    /// A resume rendered as a file. Answers a [`DownloadedFile`].
    ResumeFile {
        /// Which one.
        id: i64,
        /// `pdf`, `docx` or `json`.
        format: String,
        /// `classic` or `modern`.
        template: String,
    },
}

/// A file the worker fetched for a page to save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadedFile {
    /// The name the server gave it.
    pub file_name: String,
    /// `data:<type>;base64,<bytes>`.
    pub data_url: String,
}
