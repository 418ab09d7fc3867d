//! Answers the resume's structure page's [`DocumentRequest`]s: the
//! structure, the user's corrections, a rebuild with AI, and the resume
//! rendered as a file.

use serde_json::Value;
use shared_types::ErrorBody;
use shared_types::extension::DocumentRequest;
use wasm_bindgen::JsValue;

use crate::backend::{self, Call};
use crate::career::encode;
use crate::senders::only_extension_pages;
use crate::session::{authed, send};
use crate::settings;

/// The answer to `request` from `sender`; only the extension's own pages may ask.
pub async fn handle(request: DocumentRequest, sender: &JsValue) -> Result<Value, ErrorBody> {
    only_extension_pages(sender)?;
    let base = settings::load().await.backend_url;
    let base = base.as_str();
    match request {
        DocumentRequest::ResumeDocument { id } => {
            let path = format!("/api/v1/resumes/{id}/document");
            authed::<Value>(base, Call::new("GET", &path)).await
        }
        DocumentRequest::SaveResumeDocument { id, document } => {
            let path = format!("/api/v1/resumes/{id}/document");
            authed::<Value>(base, Call::new("PUT", &path).json(&document)).await
        }
        DocumentRequest::ParseResume { id } => {
            let path = format!("/api/v1/resumes/{id}/document/parse");
            authed::<Value>(base, Call::new("POST", &path)).await
        }
        DocumentRequest::ResumeFile {
            id,
            format,
            template,
        } => {
            let path = format!(
                "/api/v1/resumes/{id}/document?format={}&template={}",
                encode(&format),
                encode(&template)
            );
            let file = backend::file_of(send(base, &Call::new("GET", &path)).await?).await?;
            serde_json::to_value(file).map_err(|e| mentor_browser::internal(e.to_string()))
        }
    }
}
