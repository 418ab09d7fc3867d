//! Answers each [`WorkerRequest`] by calling the backend. Pages on the web
//! (through the content script) may only open the panel; everything else
//! must come from the extension's own pages.

use mentor_browser::{tabs_create, to_js};
use mentor_extension::{answers, panel};
use serde::Serialize;
use serde_json::Value;
use shared_types::extension::{ExtensionSettings, Status, WorkerRequest};
use shared_types::{
    BillingUrl, CheckoutRequest, ErrorBody, ErrorCode, LoginRequest, RefreshRequest,
    RegisterRequest, SaveJob, TokenResponse, User,
};
use wasm_bindgen::JsValue;

use crate::backend::{self, Call};
use crate::senders::only_extension_pages;
use crate::session::authed;
use crate::{career, session, settings, tickets};

/// The answer to `request` from `sender` (a `runtime.MessageSender`).
pub async fn handle(request: WorkerRequest, sender: &JsValue) -> Result<Value, ErrorBody> {
    if !matches!(
        request,
        WorkerRequest::OpenPanel(_)
            | WorkerRequest::PageSettings { .. }
            | WorkerRequest::HideOnSite { .. }
            | WorkerRequest::SetJobTabCollapsed { .. }
    ) {
        only_extension_pages(sender)?;
    }
    let base = settings::load().await.backend_url;
    let base = base.as_str();
    match request {
        WorkerRequest::Status => json(status(base).await),
        WorkerRequest::Register { email, password } => {
            let body = RegisterRequest {
                email,
                password,
                full_name: None,
            };
            sign_in(base, "/api/v1/auth/register", &body).await
        }
        WorkerRequest::Login { email, password } => {
            sign_in(
                base,
                "/api/v1/auth/login",
                &LoginRequest { email, password },
            )
            .await
        }
        WorkerRequest::Logout => {
            sign_out(base).await;
            json(status(base).await)
        }
        WorkerRequest::ResendVerification => {
            authed::<Value>(base, Call::new("POST", "/api/v1/auth/resend-verification")).await
        }
        WorkerRequest::ForgotPassword { email } => {
            let call = Call::new("POST", "/api/v1/auth/forgot-password")
                .json(&shared_types::ForgotPasswordRequest { email });
            let response = backend::send(base, &call, None).await?;
            backend::json_of::<Value>(response).await
        }
        WorkerRequest::ExportData { start } => {
            let status = Call::new("GET", "/api/v1/users/me/export");
            if !start {
                return authed::<Value>(base, status).await;
            }
            match authed::<Value>(base, Call::new("POST", "/api/v1/users/me/export")).await {
                // One from the last hour: report that one.
                Err(e) if e.error == ErrorCode::RateLimited => authed::<Value>(base, status).await,
                other => other,
            }
        }
        WorkerRequest::SetEmailNotices { on } => {
            let call =
                Call::new("PATCH", "/api/v1/users/me").json(&shared_types::UpdateMeRequest {
                    email_notices: Some(on),
                    ..Default::default()
                });
            authed::<Value>(base, call).await
        }
        WorkerRequest::Usage => authed::<Value>(base, Call::new("GET", "/api/v1/usage")).await,
        WorkerRequest::Conversations { before } => {
            let path = match before {
                Some(id) => format!("/api/v1/conversations?before={id}", id = id.0),
                None => "/api/v1/conversations".to_string(),
            };
            authed::<Value>(base, Call::new("GET", &path)).await
        }
        WorkerRequest::Conversation { id } => {
            let path = format!("/api/v1/conversations/{}", id.0);
            json(
                authed(base, Call::new("GET", &path))
                    .await
                    .map(answers::view),
            )
        }
        WorkerRequest::DeleteConversation { id } => {
            let path = format!("/api/v1/conversations/{}", id.0);
            authed::<Value>(base, Call::new("DELETE", &path)).await
        }
        WorkerRequest::Upgrade { tier } => {
            let call =
                Call::new("POST", "/api/v1/billing/checkout").json(&CheckoutRequest { tier });
            open_billing_page(base, call).await
        }
        WorkerRequest::ManageSubscription => {
            open_billing_page(base, Call::new("POST", "/api/v1/billing/portal")).await
        }
        WorkerRequest::PageSettings { host } => json(Ok(settings::for_page(&host).await)),
        WorkerRequest::HideOnSite { host } => {
            settings::hide_on(&host).await.map_err(backend::js_error)?;
            Ok(Value::Null)
        }
        WorkerRequest::SetJobTabCollapsed { collapsed } => {
            settings::set_job_tab_collapsed(collapsed)
                .await
                .map_err(backend::js_error)?;
            Ok(Value::Null)
        }
        WorkerRequest::OpenPanel(snapshot) => {
            let context = panel::context_for(snapshot);
            let ticket = tickets::issue(&context).await.map_err(backend::js_error)?;
            json(Ok(ticket))
        }
        WorkerRequest::PanelContext { ticket } => match tickets::redeem(&ticket).await {
            Some(context) => json(Ok(context)),
            None => Err(ErrorBody {
                error: ErrorCode::NotFound,
                message: "This panel has expired. Open it again from the page.".into(),
            }),
        },
        WorkerRequest::JobCard { url, posting, save } => {
            if save {
                let job = SaveJob {
                    title: posting
                        .title
                        .clone()
                        .unwrap_or_else(|| "Job posting".into()),
                    company: posting.company.clone(),
                    location: posting.location.clone(),
                    description: posting.description.clone().unwrap_or_default(),
                    url: Some(url.clone()),
                    source: None,
                };
                career::save_job(base, job).await?;
            }
            json(career::job_card(base, &url, posting).await)
        }
        WorkerRequest::Settings => json(Ok(settings::load().await)),
        WorkerRequest::SaveSettings(new) => save_settings(base, new).await,
        WorkerRequest::ActivePage => active_page().await,
        WorkerRequest::OpenOptions => {
            mentor_browser::open_options_page()
                .await
                .map_err(backend::js_error)?;
            Ok(Value::Null)
        }
        WorkerRequest::ChangePassword { current, new } => {
            let call =
                Call::new("PATCH", "/api/v1/users/me").json(&shared_types::UpdateMeRequest {
                    new_password: Some(new),
                    current_password: Some(current),
                    ..Default::default()
                });
            authed::<Value>(base, call).await?;
            json(status(base).await)
        }
        WorkerRequest::LogoutEverywhere { revoke_api_keys } => {
            let path = if revoke_api_keys {
                "/api/v1/auth/logout-all?revoke_api_keys=true"
            } else {
                "/api/v1/auth/logout-all"
            };
            authed::<Value>(base, Call::new("POST", path)).await?;
            session::clear().await;
            json(status(base).await)
        }
        WorkerRequest::DeleteAccount { password } => {
            let call = Call::new("DELETE", "/api/v1/users/me")
                .json(&shared_types::DeleteMeRequest { password });
            authed::<Value>(base, call).await?;
            session::clear().await;
            json(status(base).await)
        }
        WorkerRequest::Plans => {
            let response =
                backend::send(base, &Call::new("GET", "/api/v1/billing/plans"), None).await?;
            backend::json_of::<Value>(response).await
        }
    }
}

/// The active tab's address, title and readable text, from its content
/// script (pages the extension may not script have none).
async fn active_page() -> Result<Value, ErrorBody> {
    let unreadable = || {
        ErrorBody {
        error: ErrorCode::InvalidRequest,
        message: "This page cannot be read (the browser's own pages and the web store cannot). Open a web page and try again.".into(),
    }
    };
    let query = to_js(&serde_json::json!({ "active": true, "lastFocusedWindow": true }));
    let tabs = mentor_browser::tabs_query(&query)
        .await
        .map_err(backend::js_error)?;
    let tab_id = js_sys::Reflect::get(&js_sys::Array::from(&tabs).get(0), &"id".into())
        .ok()
        .and_then(|id| id.as_f64())
        .ok_or_else(unreadable)?;
    let command = to_js(&shared_types::extension::ContentCommand::ReadPage);
    let page = mentor_browser::tabs_send_message(tab_id as i32, &command)
        .await
        .map_err(|_| unreadable())?;
    let context: shared_types::AskContext =
        mentor_browser::from_js(&page).map_err(|_| unreadable())?;
    json(Ok(context))
}

/// Who is signed in; refreshes the user (and so the tier) when the backend answers.
async fn status(base: &str) -> Result<Status, ErrorBody> {
    let mut user = session::user().await;
    let mut offline = false;
    if user.is_some() {
        match authed::<User>(base, Call::new("GET", "/api/v1/users/me")).await {
            Ok(fresh) => {
                session::set_user(&fresh).await;
                user = Some(fresh);
            }
            Err(e) if e.error == ErrorCode::MissingToken => user = None,
            // Show what we knew, and say so.
            Err(e) => offline = e.error == ErrorCode::ServiceUnavailable,
        }
    }
    Ok(Status {
        user,
        backend_url: base.to_string(),
        offline,
    })
}

async fn sign_in<T: Serialize>(base: &str, path: &str, body: &T) -> Result<Value, ErrorBody> {
    let response = backend::send(base, &Call::new("POST", path).json(body), None).await?;
    let tokens: TokenResponse = backend::json_of(response).await?;
    session::store(&tokens).await;
    json(Ok(Status {
        user: Some(tokens.user),
        backend_url: base.to_string(),
        offline: false,
    }))
}

/// Forgets the session here, then revokes it on the backend (best effort:
/// signing out must work offline too).
async fn sign_out(base: &str) {
    if let Some(refresh_token) = session::clear().await {
        let call = Call::new("POST", "/api/v1/auth/logout").json(&RefreshRequest { refresh_token });
        let _ = backend::send(base, &call, None).await;
    }
}

/// Asks the backend for a Stripe page and opens it in a new tab.
async fn open_billing_page(base: &str, call: Call<'_>) -> Result<Value, ErrorBody> {
    let page = match authed::<BillingUrl>(base, call).await {
        // A backend from before billing has no such route: no billing either.
        Err(e) if e.error == ErrorCode::NotFound => Err(ErrorBody {
            error: ErrorCode::BillingNotConfigured,
            message: "Billing is not configured on this server.".into(),
        }),
        other => other,
    }?;
    if !(page.url.starts_with("https://") || page.url.starts_with("http://")) {
        return Err(mentor_browser::internal(
            "the billing page address is not a web address",
        ));
    }
    tabs_create(&to_js(&serde_json::json!({ "url": page.url })))
        .await
        .map_err(backend::js_error)?;
    Ok(Value::Null)
}

async fn save_settings(base: &str, mut new: ExtensionSettings) -> Result<Value, ErrorBody> {
    new.backend_url =
        settings::normalise_backend_url(&new.backend_url).map_err(|message| ErrorBody {
            error: ErrorCode::InvalidRequest,
            message,
        })?;
    if new.backend_url != base {
        // Accounts belong to one backend.
        sign_out(base).await;
    }
    settings::save(&new).await.map_err(backend::js_error)?;
    json(Ok(new))
}

pub(crate) fn json<T: Serialize>(result: Result<T, ErrorBody>) -> Result<Value, ErrorBody> {
    result.and_then(|value| {
        serde_json::to_value(value).map_err(|e| mentor_browser::internal(e.to_string()))
    })
}
