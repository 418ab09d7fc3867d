//! The user's resumes: upload (text extracted in the sandbox) or paste,
//! list, read, correct, choose the active one, delete. Knows nothing of HTTP.
//!
//! Rules: at most [`Resumes::max_per_user`] resumes; the first one is active;
//! exactly one is active while any exist (deleting the active one activates
//! the newest left). The skills of a resume are found when it is stored or
//! its text changes. A resume's text never goes to the log.

pub mod ai_parse;
pub mod confine;
pub mod document;
pub mod documents;
pub mod extract;
pub mod gate;
pub mod sandbox;

use diesel::Connection;
use shared_types::{
    PostingSkill, RESUME_TEXT_MAX_CHARS, Resume, ResumeFormat, ResumeSummary, UserId,
};

use crate::db::models::NewResume;
use crate::db::{self, DbError, Pool, Scope, resumes};
use crate::skills;
use extract::{Extracted, Failure, Refusal};

/// The longest title, in characters.
pub const TITLE_MAX_CHARS: usize = 200;

/// Why a resume request failed.
#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    /// The request is malformed.
    #[error("{0}")]
    InvalidInput(String),
    /// No such resume among the user's.
    #[error("No resume with this id.")]
    NotFound,
    /// The user has as many resumes as allowed.
    #[error("You already have {0} resumes, the most allowed. Delete one to add another.")]
    LimitReached(u32),
    /// Not a file type we read.
    #[error("{0}")]
    Unsupported(String),
    /// The file has no usable text.
    #[error("{0}")]
    Unreadable(Failure),
    /// Too many files are being read right now (the user's, or all).
    #[error("{}", match .0 {
        gate::Refused::UserBusy => "Your other files are still being read; send this one when they are done.",
        gate::Refused::MachineBusy => "Many files are being read right now; try again in a few seconds.",
    })]
    Busy(gate::Refused),
    /// A valid token for an account deleted since.
    #[error("This account no longer exists.")]
    AccountGone,
    /// A JSON Resume document that breaks the schema.
    #[error("The document is not valid JSON Resume.")]
    InvalidDocument(Vec<document::validate::Problem>),
    /// A document could not be rendered (the cause is logged, not shown).
    #[error("The document could not be rendered: {0}")]
    Render(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ResumeError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(err))
    }
}

/// The resume rules, with what they need.
#[derive(Clone)]
pub struct Resumes {
    pool: Pool,
    limits: sandbox::Limits,
    gate: gate::Gate,
    max_per_user: u32,
    /// Building structures with a model; `None` leaves it to the parser.
    ai: Option<ai_parse::AiParse>,
}

/// The skills of a resume's text, as stored (a JSON array of `PostingSkill`).
pub fn skills_json(text: &str) -> String {
    let skills: Vec<PostingSkill> = skills::extract(text).iter().map(Into::into).collect();
    serde_json::to_string(&skills).unwrap_or_else(|_| "[]".into())
}

fn title_of(
    title: Option<String>,
    fallback: impl FnOnce() -> String,
) -> Result<String, ResumeError> {
    // The limit counts what was sent, as the OpenAPI document says.
    if title
        .as_ref()
        .is_some_and(|t| t.chars().count() > TITLE_MAX_CHARS)
    {
        return Err(ResumeError::InvalidInput(format!(
            "The title is longer than {TITLE_MAX_CHARS} characters."
        )));
    }
    Ok(title
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(fallback))
}

impl Resumes {
    /// Wires the service.
    pub fn new(
        pool: Pool,
        limits: sandbox::Limits,
        max_per_user: u32,
        ai: Option<ai_parse::AiParse>,
    ) -> Self {
        let gate = gate::Gate::new(
            limits.concurrent,
            limits.per_user,
            std::time::Duration::from_secs(5),
        );
        Self {
            pool,
            limits,
            gate,
            max_per_user,
            ai,
        }
    }

    /// The most resumes one user may keep.
    pub fn max_per_user(&self) -> u32 {
        self.max_per_user
    }

    /// Stores pasted text as a resume.
    pub async fn paste(
        &self,
        user: UserId,
        title: Option<String>,
        text: String,
    ) -> Result<Resume, ResumeError> {
        if text.chars().count() > RESUME_TEXT_MAX_CHARS {
            return Err(ResumeError::InvalidInput(format!(
                "The text is longer than {RESUME_TEXT_MAX_CHARS} characters."
            )));
        }
        let extracted = extract::finish(&text, Vec::new()).map_err(|f| match f {
            Failure::Empty => ResumeError::InvalidInput("The text is empty.".into()),
            other => ResumeError::Unreadable(other),
        })?;
        let title = title_of(title, || "Pasted resume".into())?;
        let doc = documents::from_text(&extracted.text);
        self.store(user, title, ResumeFormat::Pasted, extracted, doc)
            .await
    }

    /// Reads an uploaded file and stores its text as a resume.
    pub async fn upload(
        &self,
        user: UserId,
        title: Option<String>,
        file_name: Option<String>,
        bytes: Vec<u8>,
    ) -> Result<Resume, ResumeError> {
        if file_name
            .as_deref()
            .is_some_and(|n| n.to_ascii_lowercase().ends_with(".json"))
        {
            let value = serde_json::from_slice(&bytes)
                .map_err(|e| ResumeError::InvalidInput(format!("The file is not JSON: {e}")))?;
            return self.import(user, title, value).await;
        }
        let format = extract::detect(file_name.as_deref(), &bytes).map_err(|r| match r {
            Refusal::Unsupported(message) => ResumeError::Unsupported(message),
            Refusal::Unreadable(failure) => ResumeError::Unreadable(failure),
        })?;
        let title = title_of(title, || {
            file_name
                .as_deref()
                .map(|n| {
                    n.rsplit_once('.')
                        .map_or(n, |(stem, _)| stem)
                        .trim()
                        .to_string()
                })
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "Resume".into())
        })?;
        // Limit first: no point reading a file that cannot be kept.
        self.check_room(user).await?;
        let extracted = match format {
            ResumeFormat::Pdf | ResumeFormat::Docx => {
                let _turn = self.gate.enter(user.0).await.map_err(ResumeError::Busy)?;
                sandbox::run(&self.limits, format, bytes).await
            }
            _ => extract::extract(format, &bytes),
        }
        .map_err(ResumeError::Unreadable)?;
        let doc = documents::from_text(&extracted.text);
        self.store(user, title, format, extracted, doc).await
    }

    async fn check_room(&self, user: UserId) -> Result<(), ResumeError> {
        let max = self.max_per_user;
        self.pool
            .read(Scope::User(user.0), move |conn| {
                if resumes::count(conn, user.0)? >= i64::from(max) {
                    return Err(ResumeError::LimitReached(max));
                }
                Ok(())
            })
            .await
    }

    async fn store(
        &self,
        user: UserId,
        title: String,
        format: ResumeFormat,
        extracted: Extracted,
        doc: shared_types::resume_document::ResumeDocument,
    ) -> Result<Resume, ResumeError> {
        let max = self.max_per_user;
        let skills = skills_json(&extracted.text);
        let document = Some(documents::json_of(&doc));
        self.pool
            .write(Scope::User(user.0), move |conn| {
                conn.transaction(|conn| {
                    let count = resumes::count(conn, user.0)?;
                    if count >= i64::from(max) {
                        return Err(ResumeError::LimitReached(max));
                    }
                    let now = db::now();
                    let id = resumes::insert(
                        conn,
                        &NewResume {
                            user_id: user.0,
                            title,
                            word_count: i32::try_from(extract::text::word_count(&extracted.text))
                                .unwrap_or(i32::MAX),
                            text: extracted.text,
                            format: format.as_str().into(),
                            warnings: serde_json::to_string(&extracted.warnings)
                                .unwrap_or_else(|_| "[]".into()),
                            skills,
                            skills_version: skills::EXTRACTOR_VERSION,
                            document,
                            is_active: count == 0,
                            created_at: now,
                            updated_at: now,
                        },
                    )?;
                    let row =
                        resumes::find_owned(conn, user.0, id)?.ok_or(ResumeError::NotFound)?;
                    Ok((&row).into())
                })
            })
            .await
            .map_err(|e| match e {
                // The only row a new resume names is its user's.
                ResumeError::Db(e) if e.is_missing_reference() => ResumeError::AccountGone,
                e => e,
            })
    }

    /// The user's resumes, newest first.
    pub async fn list(&self, user: UserId) -> Result<Vec<ResumeSummary>, ResumeError> {
        let rows = self
            .pool
            .read(Scope::User(user.0), move |conn| {
                resumes::list(conn, user.0).map_err(DbError::from)
            })
            .await?;
        Ok(rows.iter().map(Into::into).collect())
    }

    /// One of the user's resumes.
    pub async fn get(&self, user: UserId, id: i64) -> Result<Resume, ResumeError> {
        self.pool
            .read(Scope::User(user.0), move |conn| {
                let row = resumes::find_owned(conn, user.0, id)?.ok_or(ResumeError::NotFound)?;
                Ok((&row).into())
            })
            .await
    }

    /// Changes the title and/or the text (its skills and structure are
    /// found again).
    pub async fn update(
        &self,
        user: UserId,
        id: i64,
        title: Option<String>,
        text: Option<String>,
    ) -> Result<Resume, ResumeError> {
        let title = match title {
            Some(t) if !shared_types::validation::has_text(&t) => {
                return Err(ResumeError::InvalidInput("The title is empty.".into()));
            }
            Some(t) => Some(title_of(Some(t), String::new)?),
            None => None,
        };
        let text = match text {
            Some(t) if t.chars().count() > RESUME_TEXT_MAX_CHARS => {
                return Err(ResumeError::InvalidInput(format!(
                    "The text is longer than {RESUME_TEXT_MAX_CHARS} characters."
                )));
            }
            Some(t) => {
                let cleaned = extract::text::clean(&t);
                if cleaned.is_empty() {
                    return Err(ResumeError::InvalidInput("The text is empty.".into()));
                }
                let skills = skills_json(&cleaned);
                let doc = documents::json_of(&documents::from_text(&cleaned));
                Some((cleaned, skills, doc))
            }
            None => None,
        };
        self.pool
            .write(Scope::User(user.0), move |conn| {
                conn.transaction(|conn| {
                    resumes::find_owned(conn, user.0, id)?.ok_or(ResumeError::NotFound)?;
                    let now = db::now();
                    if let Some(title) = &title {
                        resumes::set_title(conn, id, title, now)?;
                    }
                    if let Some((text, skills, doc)) = &text {
                        let words =
                            i32::try_from(extract::text::word_count(text)).unwrap_or(i32::MAX);
                        resumes::set_text(conn, id, text, words, skills, doc, now)?;
                    }
                    let row =
                        resumes::find_owned(conn, user.0, id)?.ok_or(ResumeError::NotFound)?;
                    Ok((&row).into())
                })
            })
            .await
    }

    /// Makes a resume the active one.
    pub async fn activate(&self, user: UserId, id: i64) -> Result<Resume, ResumeError> {
        self.pool
            .write(Scope::User(user.0), move |conn| {
                conn.transaction(|conn| {
                    resumes::find_owned(conn, user.0, id)?.ok_or(ResumeError::NotFound)?;
                    resumes::activate(conn, user.0, id)?;
                    let row =
                        resumes::find_owned(conn, user.0, id)?.ok_or(ResumeError::NotFound)?;
                    Ok((&row).into())
                })
            })
            .await
    }

    /// Deletes a resume; the newest left becomes active if it was.
    pub async fn delete(&self, user: UserId, id: i64) -> Result<(), ResumeError> {
        self.pool
            .write(Scope::User(user.0), move |conn| {
                conn.transaction(|conn| {
                    let was_active =
                        resumes::delete_owned(conn, user.0, id)?.ok_or(ResumeError::NotFound)?;
                    if was_active && let Some(next) = resumes::newest(conn, user.0)? {
                        resumes::activate(conn, user.0, next)?;
                    }
                    Ok(())
                })
            })
            .await
    }
}
