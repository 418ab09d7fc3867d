//! HTTP calls to the backend with `fetch`. A request that cannot reach the
//! backend becomes `service_unavailable` with the address in the message, so
//! the user knows which setting to check.

use serde::de::DeserializeOwned;
use shared_types::extension::DownloadedFile;
use shared_types::{ErrorBody, ErrorCode};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Blob, FormData, Headers, Request, RequestInit, Response};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_request(request: &Request) -> js_sys::Promise;
}

/// One request to the backend.
pub struct Call<'a> {
    /// GET, POST, DELETE ...
    pub method: &'a str,
    /// The path under the base URL, such as `/api/v1/usage`.
    pub path: &'a str,
    /// A JSON body.
    pub body: Option<String>,
    /// A multipart body (the browser sets its Content-Type).
    pub form: Option<FormData>,
    /// Ask for server-sent events instead of JSON.
    pub stream: bool,
    /// Cancels the request (and the streamed body).
    pub signal: Option<&'a AbortSignal>,
}

impl<'a> Call<'a> {
    /// A call without a body.
    pub fn new(method: &'a str, path: &'a str) -> Self {
        Self {
            method,
            path,
            body: None,
            form: None,
            stream: false,
            signal: None,
        }
    }

    /// The same call with a multipart form as its body.
    pub fn form(mut self, form: FormData) -> Self {
        self.form = Some(form);
        self
    }

    /// The same call with `value` as its JSON body.
    pub fn json<T: serde::Serialize>(mut self, value: &T) -> Self {
        self.body = serde_json::to_string(value).ok();
        self
    }
}

/// Sends `call` to the backend at `base_url`, with a bearer token if given.
pub async fn send(
    base_url: &str,
    call: &Call<'_>,
    token: Option<&str>,
) -> Result<Response, ErrorBody> {
    let url = format!("{}{}", base_url.trim_end_matches('/'), call.path);
    let headers = Headers::new().map_err(js_error)?;
    let accept = if call.stream {
        "text/event-stream"
    } else {
        "application/json"
    };
    headers.set("Accept", accept).map_err(js_error)?;
    if call.body.is_some() {
        headers
            .set("Content-Type", "application/json")
            .map_err(js_error)?;
    }
    if let Some(token) = token {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(js_error)?;
    }
    let init = RequestInit::new();
    init.set_method(call.method);
    init.set_headers(&headers);
    if let Some(body) = &call.body {
        init.set_body(&JsValue::from_str(body));
    }
    if let Some(form) = &call.form {
        init.set_body(form);
    }
    if let Some(signal) = call.signal {
        init.set_signal(Some(signal));
    }
    let request = Request::new_with_str_and_init(&url, &init).map_err(js_error)?;
    let response = JsFuture::from(fetch_request(&request))
        .await
        .map_err(|_| unreachable_backend(base_url))?;
    response.dyn_into::<Response>().map_err(js_error)
}

/// A form with one file field, `file`, holding what a `data:` URL encodes.
/// (`fetch` decodes the URL, so the worker carries no base64 code.)
pub async fn file_form(data_url: &str, file_name: &str) -> Result<FormData, ErrorBody> {
    if !data_url.starts_with("data:") {
        return Err(mentor_browser::internal(
            "the file did not arrive as a data: URL",
        ));
    }
    let request = Request::new_with_str(data_url).map_err(js_error)?;
    let response: Response = JsFuture::from(fetch_request(&request))
        .await
        .map_err(js_error)?
        .dyn_into()
        .map_err(js_error)?;
    let blob: Blob = JsFuture::from(response.blob().map_err(js_error)?)
        .await
        .map_err(js_error)?
        .dyn_into()
        .map_err(js_error)?;
    let form = FormData::new().map_err(js_error)?;
    form.append_with_blob_and_filename("file", &blob, file_name)
        .map_err(js_error)?;
    Ok(form)
}

/// The error body of a failed response (its JSON, or one made from the status).
pub async fn error_of(response: &Response) -> ErrorBody {
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string()),
        Err(_) => None,
    };
    text.and_then(|t| serde_json::from_str::<ErrorBody>(&t).ok())
        .unwrap_or_else(|| ErrorBody {
            error: match response.status() {
                401 => ErrorCode::InvalidToken,
                404 => ErrorCode::NotFound,
                429 => ErrorCode::RateLimited,
                502..=504 => ErrorCode::ServiceUnavailable,
                _ => ErrorCode::Internal,
            },
            message: format!("The server answered {}.", response.status()),
        })
}

/// The JSON body of a successful response, or its error.
pub async fn json_of<T: DeserializeOwned>(response: Response) -> Result<T, ErrorBody> {
    if !response.ok() {
        return Err(error_of(&response).await);
    }
    let text = match response.status() {
        204 => String::new(),
        _ => JsFuture::from(response.text().map_err(js_error)?)
            .await
            .map_err(js_error)?
            .as_string()
            .unwrap_or_default(),
    };
    // 202 and 204 carry no body: `null`.
    let text = if text.trim().is_empty() {
        "null"
    } else {
        &text
    };
    serde_json::from_str(text)
        .map_err(|e| mentor_browser::internal(format!("unexpected answer from the server: {e}")))
}

/// A successful response's body as a file for a page to save: its name
/// from `Content-Disposition`, its bytes as a `data:` URL (encoded by the
/// worker's own `btoa`), or the response's error.
pub async fn file_of(response: Response) -> Result<DownloadedFile, ErrorBody> {
    if !response.ok() {
        return Err(error_of(&response).await);
    }
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .ok()
            .flatten()
            .unwrap_or_default()
    };
    let (kind, disposition) = (header("content-type"), header("content-disposition"));
    let file_name = disposition
        .split("filename=")
        .nth(1)
        .map(|n| {
            n.trim_matches(|c| c == '"' || c == ';' || c == ' ')
                .to_string()
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "resume".into());
    let buffer = JsFuture::from(response.array_buffer().map_err(js_error)?)
        .await
        .map_err(js_error)?;
    // Bytes as a string of code units 0-255, which is what `btoa` takes.
    let binary: String = js_sys::Uint8Array::new(&buffer)
        .to_vec()
        .into_iter()
        .map(char::from)
        .collect();
    let global = js_sys::global();
    let btoa: js_sys::Function = js_sys::Reflect::get(&global, &JsValue::from_str("btoa"))
        .map_err(js_error)?
        .dyn_into()
        .map_err(js_error)?;
    let encoded = btoa
        .call1(&global, &JsValue::from_str(&binary))
        .map_err(js_error)?
        .as_string()
        .unwrap_or_default();
    Ok(DownloadedFile {
        file_name,
        data_url: format!("data:{kind};base64,{encoded}"),
    })
}

/// The error for a backend that cannot be reached.
pub fn unreachable_backend(base_url: &str) -> ErrorBody {
    ErrorBody {
        error: ErrorCode::ServiceUnavailable,
        message: format!(
            "Can't reach the AI Mentor server at {base_url}. Check your connection, or the server address in Options."
        ),
    }
}

/// A JavaScript exception as an `internal` error.
pub fn js_error(error: JsValue) -> ErrorBody {
    mentor_browser::internal(mentor_browser::describe(&error))
}
