//! Answers the career page's [`CareerRequest`]s (resumes, saved jobs, the
//! skills picture, the user's keys) and builds the panel's job card.

use mentor_extension::match_card;
use serde_json::Value;
use shared_types::extension::{CareerRequest, JobCard};
use shared_types::{
    ErrorBody, ErrorCode, JobPage, JobPosting, MatchRequest, MatchResult, PutProviderKeyRequest,
    SaveJob,
};
use wasm_bindgen::JsValue;

use crate::backend::{self, Call};
use crate::senders::only_extension_pages;
use crate::session::authed;
use crate::settings;

/// The answer to `request` from `sender`; only the extension's own pages may ask.
pub async fn handle(request: CareerRequest, sender: &JsValue) -> Result<Value, ErrorBody> {
    only_extension_pages(sender)?;
    let base = settings::load().await.backend_url;
    let base = base.as_str();
    match request {
        CareerRequest::Resumes => authed::<Value>(base, Call::new("GET", "/api/v1/resumes")).await,
        CareerRequest::Resume { id } => {
            authed::<Value>(base, Call::new("GET", &format!("/api/v1/resumes/{id}"))).await
        }
        CareerRequest::UploadResume {
            file_name,
            data_url,
        } => {
            let form = backend::file_form(&data_url, &file_name).await?;
            authed::<Value>(base, Call::new("POST", "/api/v1/resumes").form(form)).await
        }
        CareerRequest::PasteResume(pasted) => {
            authed::<Value>(base, Call::new("POST", "/api/v1/resumes").json(&pasted)).await
        }
        CareerRequest::UpdateResume { id, change } => {
            let path = format!("/api/v1/resumes/{id}");
            authed::<Value>(base, Call::new("PATCH", &path).json(&change)).await
        }
        CareerRequest::ActivateResume { id } => {
            let path = format!("/api/v1/resumes/{id}/activate");
            authed::<Value>(base, Call::new("POST", &path)).await
        }
        CareerRequest::DeleteResume { id } => {
            authed::<Value>(base, Call::new("DELETE", &format!("/api/v1/resumes/{id}"))).await
        }
        CareerRequest::Jobs { q, status, before } => {
            let mut query = vec!["limit=50".to_string()];
            query.extend(
                q.filter(|q| !q.trim().is_empty())
                    .map(|q| format!("q={}", encode(&q))),
            );
            query.extend(status.map(|s| format!("status={}", s.as_str())));
            query.extend(before.map(|b| format!("before={b}")));
            let path = format!("/api/v1/jobs?{}", query.join("&"));
            authed::<Value>(base, Call::new("GET", &path)).await
        }
        CareerRequest::SaveJob(job) => save_job(base, job).await,
        CareerRequest::UpdateJob { id, change } => {
            let path = format!("/api/v1/jobs/{id}");
            authed::<Value>(base, Call::new("PATCH", &path).json(&change)).await
        }
        CareerRequest::DeleteJob { id } => {
            authed::<Value>(base, Call::new("DELETE", &format!("/api/v1/jobs/{id}"))).await
        }
        CareerRequest::SkillsAnalysis => {
            authed::<Value>(base, Call::new("GET", "/api/v1/skills/analysis")).await
        }
        CareerRequest::ProviderKeys => {
            authed::<Value>(base, Call::new("GET", "/api/v1/provider-keys")).await
        }
        CareerRequest::SaveProviderKey { provider, api_key } => {
            let path = format!("/api/v1/provider-keys/{}", encode(&provider));
            let body = PutProviderKeyRequest { api_key };
            authed::<Value>(base, Call::new("PUT", &path).json(&body)).await
        }
        CareerRequest::VerifyProviderKey { provider } => {
            let path = format!("/api/v1/provider-keys/{}/verify", encode(&provider));
            authed::<Value>(base, Call::new("POST", &path)).await
        }
        CareerRequest::DeleteProviderKey { provider } => {
            let path = format!("/api/v1/provider-keys/{}", encode(&provider));
            authed::<Value>(base, Call::new("DELETE", &path)).await
        }
        CareerRequest::SetKeyFallback(settings) => {
            authed::<Value>(
                base,
                Call::new("PATCH", "/api/v1/provider-keys").json(&settings),
            )
            .await
        }
        CareerRequest::ApiKeys => authed::<Value>(base, Call::new("GET", "/api/v1/api-keys")).await,
        CareerRequest::CreateApiKey(request) => {
            authed::<Value>(base, Call::new("POST", "/api/v1/api-keys").json(&request)).await
        }
        CareerRequest::DeleteApiKey { id } => {
            authed::<Value>(base, Call::new("DELETE", &format!("/api/v1/api-keys/{id}"))).await
        }
    }
}

pub(crate) fn encode(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

/// Saves a posting; where it came from is the host of its address.
pub async fn save_job(base: &str, mut job: SaveJob) -> Result<Value, ErrorBody> {
    if job.source.is_none() {
        job.source = job
            .url
            .as_deref()
            .and_then(|u| u.split("://").nth(1))
            .and_then(|rest| rest.split(['/', '?', '#']).next())
            .map(|host| host.trim_start_matches("www.").to_string());
    }
    authed::<Value>(base, Call::new("POST", "/api/v1/jobs").json(&job)).await
}

/// Whether the posting is saved, and its match card.
pub async fn job_card(base: &str, url: &str, posting: JobPosting) -> Result<JobCard, ErrorBody> {
    let path = format!("/api/v1/jobs?limit=1&url={}", encode(url));
    let saved = authed::<JobPage>(base, Call::new("GET", &path)).await?;
    let call = Call::new("POST", "/api/v1/match").json(&MatchRequest {
        job_posting: posting,
    });
    let match_html = match authed::<MatchResult>(base, call).await {
        Ok(result) => match_card::render(&result),
        Err(e) if e.error == ErrorCode::NoActiveResume => match_card::no_resume(),
        Err(e) => return Err(e),
    };
    Ok(JobCard {
        saved: saved.jobs.first().map(|j| j.id),
        match_html,
    })
}
