//! `/api/v1/resumes/{id}/document`: a resume's structure (JSON Resume), the
//! user's corrections to it, and the resume rendered as a file.

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use shared_types::resume_document::ParsedResume;
use shared_types::{DocumentErrorBody, ErrorBody};

use crate::error::ApiError;
use crate::extractors::{AuthUser, Json};
use crate::resumes::document::render::{Format, Template};
use crate::state::AppState;

/// The formats a resume downloads as.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    /// The JSON Resume document.
    Json,
    /// Plain text.
    Txt,
    /// Markdown.
    Md,
    /// Word.
    Docx,
    /// PDF.
    Pdf,
    /// The PDF's first page as an SVG image, to preview a template.
    Svg,
}

impl From<FileFormat> for Format {
    fn from(format: FileFormat) -> Self {
        match format {
            FileFormat::Json => Format::Json,
            FileFormat::Txt => Format::Txt,
            FileFormat::Md => Format::Markdown,
            FileFormat::Docx => Format::Docx,
            FileFormat::Pdf => Format::Pdf,
            FileFormat::Svg => Format::Svg,
        }
    }
}

/// The looks a resume renders in.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TemplateName {
    /// Plain and safe for applicant tracking systems.
    #[default]
    Classic,
    /// A designed look, still one column of real text.
    Modern,
}

impl From<TemplateName> for Template {
    fn from(template: TemplateName) -> Self {
        match template {
            TemplateName::Classic => Template::Classic,
            TemplateName::Modern => Template::Modern,
        }
    }
}

/// `?format=&template=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RenderQuery {
    /// The resume as a file to download. Without it, the structure is the
    /// response's body.
    pub format: Option<FileFormat>,
    /// `classic` (the default) or `modern`, for DOCX and PDF.
    pub template: Option<TemplateName>,
}

/// A file name for `title`: its letters and digits, the rest as dashes.
fn file_name(title: &str, format: Format) -> String {
    let stem: String = title
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    let stem = stem
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let stem = if stem.is_empty() {
        "resume".to_string()
    } else {
        stem
    };
    format!(
        "{}.{}",
        stem.chars().take(80).collect::<String>(),
        format.extension()
    )
}

/// The structure of a resume, or the resume rendered as a file.
#[utoipa::path(get, path = "/api/v1/resumes/{id}/document", tag = "resumes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The resume id"), RenderQuery),
    responses(
        (status = 200, description = "The JSON Resume document (ids of entries and highlights under `meta.ids`), or with `format`, the file", body = Object),
        (status = 404, description = "not_found", body = ErrorBody),
    ))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    query: web::Query<RenderQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let template = query.template.unwrap_or_default().into();
    let Some(format) = query.format.map(Format::from) else {
        return Ok(HttpResponse::Ok().json(state.resumes.document(user.id, id).await?));
    };
    let (title, bytes) = state.resumes.render(user.id, id, format, template).await?;
    let name = file_name(&title, format);
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(name)],
        })
        .body(bytes))
}

/// Saves the user's corrections: a whole JSON Resume document, checked
/// against the schema. Keep `meta.ids` as given by GET (remove an entry's
/// ids with the entry); new entries get new ids. The resume's text and
/// skills are written anew from it.
#[utoipa::path(put, path = "/api/v1/resumes/{id}/document", tag = "resumes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The resume id")),
    request_body(content = Object, description = "A JSON Resume document"),
    responses(
        (status = 200, description = "The document as saved, with its ids", body = Object),
        (status = 400, description = "invalid_request: not a JSON object, no text, or too long", body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
        (status = 413, description = "payload_too_large", body = ErrorBody),
        (status = 422, description = "invalid_document: each value that breaks the schema, with its JSON pointer", body = DocumentErrorBody),
    ))]
pub async fn put(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let doc = state
        .resumes
        .save_document(user.id, id.into_inner(), body.into_inner())
        .await?;
    Ok(HttpResponse::Ok().json(doc))
}

/// Structure builds a user may start a minute (each costs platform tokens).
pub const PARSES_PER_MINUTE: u32 = 2;

/// Builds the structure again with a model, grounded in the resume's text:
/// a value the text does not hold is dropped and listed in `warnings` (and
/// the resume's). Where the plan has no AI parse, no model is configured,
/// or the model fails, the parser builds it and the warnings say why. Costs
/// platform tokens, not the plan's questions. Replaces the stored structure.
#[utoipa::path(post, path = "/api/v1/resumes/{id}/document/parse", tag = "resumes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The resume id")),
    responses(
        (status = 200, description = "`{document, warnings, source}`: `source` is `model` or `parser`", body = Object),
        (status = 404, description = "not_found", body = ErrorBody),
        (status = 429, description = "rate_limited: two builds a minute (Retry-After)", body = ErrorBody),
    ))]
pub async fn parse(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let decision = state
        .limiter
        .check(&format!("resume-parse:{}", user.id.0), PARSES_PER_MINUTE)
        .await;
    if !decision.allowed {
        return Err(ApiError::rate_limited(
            format!(
                "A resume's structure can be built {PARSES_PER_MINUTE} times a minute; wait a moment."
            ),
            &decision,
        ));
    }
    let parsed: ParsedResume = state
        .resumes
        .parse_with_ai(user.id, id.into_inner())
        .await?;
    Ok(HttpResponse::Ok().json(parsed))
}
