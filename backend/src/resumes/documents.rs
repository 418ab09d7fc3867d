//! A stored resume's structure: read it, save the user's corrections, import
//! a JSON Resume file, render it. The structure and the text move together:
//! new text is parsed into a new structure, and an edited structure writes
//! the text (and so the skills) anew.

use diesel::Connection;
use serde_json::Value;
use shared_types::resume_document::ResumeDocument;
use shared_types::{RESUME_TEXT_MAX_CHARS, Resume, ResumeFormat, UserId};

use super::document::render::{self, Format, Template};
use super::document::{assign_ids, parse, validate};
use super::extract::{self, Extracted};
use super::{ResumeError, Resumes, skills_json, title_of};
use crate::db::models::ResumeRow;
use crate::db::{self, Scope, resumes};

/// The structure the parser finds in `text`, with its ids.
pub fn from_text(text: &str) -> ResumeDocument {
    let mut doc = parse::parse(text);
    assign_ids(&mut doc);
    doc
}

/// The stored structure, or (for a resume stored before structures were)
/// the one its text gives.
pub fn of_row(row: &ResumeRow) -> ResumeDocument {
    row.document
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_else(|| from_text(&row.text))
}

/// Checks a document sent by a user and gives it ids, with the text it
/// writes.
fn checked(value: &Value) -> Result<(ResumeDocument, String), ResumeError> {
    let mut doc = validate::validate(value).map_err(ResumeError::InvalidDocument)?;
    assign_ids(&mut doc);
    let text = extract::text::clean(&render::plain_text(&doc));
    if text.chars().count() > RESUME_TEXT_MAX_CHARS {
        return Err(ResumeError::InvalidInput(format!(
            "The document's text is longer than {RESUME_TEXT_MAX_CHARS} characters."
        )));
    }
    Ok((doc, text))
}

/// A document as stored.
pub(super) fn json_of(doc: &ResumeDocument) -> String {
    serde_json::to_string(doc).unwrap_or_else(|_| "{}".into())
}

impl Resumes {
    /// The structure of one of the user's resumes.
    pub async fn document(&self, user: UserId, id: i64) -> Result<ResumeDocument, ResumeError> {
        Ok(self.titled_document(user, id).await?.1)
    }

    async fn titled_document(
        &self,
        user: UserId,
        id: i64,
    ) -> Result<(String, ResumeDocument), ResumeError> {
        self.pool
            .read(Scope::User(user.0), move |conn| {
                let row = resumes::find_owned(conn, user.0, id)?.ok_or(ResumeError::NotFound)?;
                Ok((row.title.clone(), of_row(&row)))
            })
            .await
    }

    /// Saves the user's corrections to the structure (a JSON Resume
    /// document); the resume's text and skills follow.
    pub async fn save_document(
        &self,
        user: UserId,
        id: i64,
        value: Value,
    ) -> Result<ResumeDocument, ResumeError> {
        // Whose it is comes first: another's resume is not found, whatever
        // the document says.
        self.pool
            .read(Scope::User(user.0), move |conn| {
                resumes::find_owned(conn, user.0, id)?
                    .map(drop)
                    .ok_or(ResumeError::NotFound)
            })
            .await?;
        let (doc, text) = checked(&value)?;
        let skills = skills_json(&text);
        let json = json_of(&doc);
        self.pool
            .write(Scope::User(user.0), move |conn| {
                conn.transaction(|conn| {
                    resumes::find_owned(conn, user.0, id)?.ok_or(ResumeError::NotFound)?;
                    let words = i32::try_from(extract::text::word_count(&text)).unwrap_or(i32::MAX);
                    resumes::set_text(conn, id, &text, words, &skills, &json, db::now())?;
                    Ok::<_, ResumeError>(())
                })
            })
            .await?;
        Ok(doc)
    }

    /// Stores a JSON Resume file as a new resume.
    pub async fn import(
        &self,
        user: UserId,
        title: Option<String>,
        value: Value,
    ) -> Result<Resume, ResumeError> {
        let (doc, text) = checked(&value)?;
        // A structure may be emptied; a new resume needs something in it.
        if text.is_empty() {
            return Err(ResumeError::InvalidInput(
                "The document has no text: give at least a name or an entry.".into(),
            ));
        }
        let title = title_of(title, || {
            doc.basics
                .name
                .as_deref()
                .map(|name| format!("{name} (JSON Resume)"))
                .unwrap_or_else(|| "JSON Resume".into())
        })?;
        let extracted = Extracted {
            text,
            warnings: Vec::new(),
        };
        self.store(user, title, ResumeFormat::JsonResume, extracted, doc)
            .await
    }

    /// One of the user's resumes, rendered, with its title. Rendering runs
    /// off the async threads, and a failure in it is an error, not a crash.
    pub async fn render(
        &self,
        user: UserId,
        id: i64,
        format: Format,
        template: Template,
    ) -> Result<(String, Vec<u8>), ResumeError> {
        let (title, doc) = self.titled_document(user, id).await?;
        let bytes = tokio::task::spawn_blocking(move || render::render(&doc, format, template))
            .await
            .map_err(|e| ResumeError::Render(e.to_string()))?
            .map_err(ResumeError::Render)?;
        Ok((title, bytes))
    }
}
