//! `/api/v1/resumes`: the caller's resumes.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::{StreamExt, TryStreamExt};
use shared_types::{
    CreateResume, ErrorBody, ErrorCode, RESUME_FILE_MAX_BYTES, Resume, ResumeSummary, UpdateResume,
};

use crate::error::ApiError;
use crate::extractors::{AuthUser, Json};
use crate::state::AppState;

/// The largest pasted-text body: 100,000 characters even when JSON escapes
/// each in six bytes (`\u001c`), with the title.
pub const PASTE_LIMIT_BYTES: usize = 640 * 1024;

fn too_large() -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!(
            "The file is larger than {} MB.",
            RESUME_FILE_MAX_BYTES / (1024 * 1024)
        ),
    )
}

/// The file and title of a multipart upload.
struct Upload {
    file_name: Option<String>,
    bytes: Vec<u8>,
    title: Option<String>,
}

/// The most bytes a whole upload may carry: the file and a little more.
const UPLOAD_LIMIT_BYTES: usize = RESUME_FILE_MAX_BYTES + 64 * 1024;

/// Reads the next chunk of `field` into `into`, counting it against the
/// upload's limit; `false` at the field's end.
async fn next_chunk(
    field: &mut actix_multipart::Field,
    into: &mut Vec<u8>,
    total: &mut usize,
) -> Result<bool, ApiError> {
    let Some(chunk) = field.next().await else {
        return Ok(false);
    };
    let chunk =
        chunk.map_err(|e| ApiError::invalid(format!("The upload could not be read: {e}")))?;
    *total += chunk.len();
    if *total > UPLOAD_LIMIT_BYTES {
        return Err(too_large());
    }
    into.extend_from_slice(&chunk);
    Ok(true)
}

async fn read_multipart(mut form: Multipart) -> Result<Upload, ApiError> {
    let (mut file, mut title, mut total) = (None, None, 0usize);
    while let Some(mut field) = form
        .try_next()
        .await
        .map_err(|e| ApiError::invalid(format!("The upload could not be read: {e}")))?
    {
        let mut bytes = Vec::new();
        match field.name() {
            Some("file") => {
                let name = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .map(str::to_string);
                while next_chunk(&mut field, &mut bytes, &mut total).await? {
                    if bytes.len() > RESUME_FILE_MAX_BYTES {
                        return Err(too_large());
                    }
                }
                file = Some((name, bytes));
            }
            Some("title") => {
                while next_chunk(&mut field, &mut bytes, &mut total).await? {}
                title = Some(String::from_utf8_lossy(&bytes).into_owned());
            }
            // Other fields are read (the stream must move on) and dropped.
            _ => while next_chunk(&mut field, &mut Vec::new(), &mut total).await? {},
        }
    }
    let (file_name, bytes) =
        file.ok_or_else(|| ApiError::invalid("The upload has no 'file' field."))?;
    if bytes.is_empty() {
        return Err(ApiError::new(
            ErrorCode::UnreadableDocument,
            "The file is empty. Upload a resume with text in it, or paste the text.",
        ));
    }
    Ok(Upload {
        file_name,
        bytes,
        title,
    })
}

/// Whether a JSON body is a JSON Resume document rather than pasted text:
/// an object without `text` that has one of the schema's sections.
fn is_json_resume(value: &serde_json::Value) -> bool {
    const SECTIONS: &[&str] = &[
        "$schema",
        "basics",
        "work",
        "volunteer",
        "education",
        "awards",
        "certificates",
        "publications",
        "skills",
        "languages",
        "interests",
        "references",
        "projects",
        "meta",
    ];
    value.as_object().is_some_and(|fields| {
        !fields.contains_key("text") && SECTIONS.iter().any(|s| fields.contains_key(*s))
    })
}

/// Adds a resume: a file (multipart `file`, optional `title`) of PDF, DOCX,
/// TXT, Markdown or JSON Resume (`.json`) up to 5 MB; pasted text as JSON
/// `{title, text}`; or a JSON Resume document as the JSON body (checked
/// against the schema: 422 `invalid_document` lists each problem).
#[utoipa::path(post, path = "/api/v1/resumes", tag = "resumes", security(("bearer" = [])),
    request_body(content = CreateResume, description = "JSON for pasted text, or multipart/form-data with `file` and an optional `title`"),
    responses(
        (status = 201, body = Resume),
        (status = 400, description = "invalid_request", body = ErrorBody),
        (status = 409, description = "resume_limit_reached", body = ErrorBody),
        (status = 413, description = "payload_too_large", body = ErrorBody),
        (status = 415, description = "unsupported_media_type", body = ErrorBody),
        (status = 422, description = "unreadable_document: encrypted, scanned, empty or garbled; invalid_document: a JSON Resume that breaks the schema (with `problems`)", body = ErrorBody),
        (status = 429, description = "rate_limited: the user's other files, or too many files at once on the server, are being read (Retry-After)", body = ErrorBody),
    ))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let resume = if content_type.starts_with("multipart/form-data") {
        let upload = read_multipart(Multipart::new(req.headers(), payload)).await?;
        state
            .resumes
            .upload(user.id, upload.title, upload.file_name, upload.bytes)
            .await?
    } else if content_type.starts_with("application/json") {
        let body = payload
            .to_bytes_limited(PASTE_LIMIT_BYTES)
            .await
            .map_err(|_| {
                ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    format!(
                        "The request body is larger than {} KB.",
                        PASTE_LIMIT_BYTES / 1024
                    ),
                )
            })?
            .map_err(|e| ApiError::invalid(format!("The body could not be read: {e}")))?;
        let value: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| ApiError::invalid(format!("The JSON body is invalid: {e}")))?;
        if is_json_resume(&value) {
            state.resumes.import(user.id, None, value).await?
        } else {
            let pasted: CreateResume = serde_json::from_value(value)
                .map_err(|e| ApiError::invalid(format!("The JSON body is invalid: {e}")))?;
            state
                .resumes
                .paste(user.id, pasted.title, pasted.text)
                .await?
        }
    } else {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Send the resume as multipart/form-data (a file), as JSON {title, text}, or as a JSON Resume document.",
        ));
    };
    Ok(HttpResponse::Created().json(resume))
}

/// The caller's resumes, newest first, without their text.
#[utoipa::path(get, path = "/api/v1/resumes", tag = "resumes", security(("bearer" = [])),
    responses((status = 200, body = [ResumeSummary]), (status = 401, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.resumes.list(user.id).await?))
}

/// One resume with its text, warnings and skills.
#[utoipa::path(get, path = "/api/v1/resumes/{id}", tag = "resumes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The resume id")),
    responses((status = 200, body = Resume), (status = 404, description = "not_found", body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.resumes.get(user.id, id.into_inner()).await?))
}

/// Changes the title, or the text where extraction got it wrong.
#[utoipa::path(patch, path = "/api/v1/resumes/{id}", tag = "resumes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The resume id")), request_body = UpdateResume,
    responses((status = 200, body = Resume), (status = 400, body = ErrorBody), (status = 404, description = "not_found", body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: Json<UpdateResume>,
) -> Result<HttpResponse, ApiError> {
    let UpdateResume { title, text } = body.into_inner();
    Ok(HttpResponse::Ok().json(
        state
            .resumes
            .update(user.id, id.into_inner(), title, text)
            .await?,
    ))
}

/// Makes this resume the one asks use.
#[utoipa::path(post, path = "/api/v1/resumes/{id}/activate", tag = "resumes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The resume id")),
    responses((status = 200, body = Resume), (status = 404, description = "not_found", body = ErrorBody)))]
pub async fn activate(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.resumes.activate(user.id, id.into_inner()).await?))
}

/// Deletes a resume; if it was active, the newest other one becomes active.
#[utoipa::path(delete, path = "/api/v1/resumes/{id}", tag = "resumes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The resume id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "not_found", body = ErrorBody)))]
pub async fn delete(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    state.resumes.delete(user.id, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
