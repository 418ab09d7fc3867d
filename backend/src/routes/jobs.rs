//! `/api/v1/jobs`, `/api/v1/skills/analysis` and `/api/v1/match`: saved
//! jobs, the skills picture across them, and job match.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use shared_types::{
    DeleteJobs, Deleted, ErrorBody, Job, JobPage, JobStatus, MatchRequest, MatchResult, SaveJob,
    SkillsAnalysis, UpdateJob,
};

use crate::db::jobs::ListFilter;
use crate::error::ApiError;
use crate::extractors::{AuthUser, Json};
use crate::state::AppState;

/// A saved job's description may be 100,000 characters of up to 4 bytes.
pub const JOB_JSON_LIMIT_BYTES: usize = 512 * 1024;

/// Search and paging of the list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Words to find in the title, company or description.
    pub q: Option<String>,
    /// Only jobs with this status.
    pub status: Option<JobStatus>,
    /// Jobs per page, 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// Only jobs older than this id (from `next_before`).
    pub before: Option<i64>,
    /// Only the job saved from this exact address.
    pub url: Option<String>,
}

/// Which jobs the analysis covers.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AnalysisQuery {
    /// Only jobs with this status.
    pub status: Option<JobStatus>,
    /// Only these jobs: ids separated by commas.
    #[param(
        pattern = "^[ \\t\\n\\f\\r]*([+-]?[0-9]{1,18}[ \\t\\n\\f\\r]*(,[ \\t\\n\\f\\r]*[+-]?[0-9]{1,18}[ \\t\\n\\f\\r]*)*)?$"
    )]
    pub ids: Option<String>,
}

/// Saves a posting; saving the same URL again updates that job.
#[utoipa::path(post, path = "/api/v1/jobs", tag = "jobs", security(("bearer" = [])), request_body = SaveJob,
    responses(
        (status = 201, description = "Saved", body = Job),
        (status = 200, description = "The job saved from this URL before, updated", body = Job),
        (status = 400, description = "invalid_request", body = ErrorBody),
        (status = 413, description = "payload_too_large", body = ErrorBody),
        (status = 429, description = "job_limit_reached: the plan's saves for today are used", body = ErrorBody),
    ))]
pub async fn save(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<SaveJob>,
) -> Result<HttpResponse, ApiError> {
    let per_day = state.ask.catalogue().plan(user.tier).job_saves_per_day;
    let (job, created) = state.jobs.save(user.id, per_day, body.into_inner()).await?;
    Ok(if created {
        HttpResponse::Created().json(job)
    } else {
        HttpResponse::Ok().json(job)
    })
}

/// The caller's saved jobs, newest first, optionally searched.
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = JobPage), (status = 400, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = ListFilter {
        q: query.q,
        status: query.status.map(|s| s.as_str().to_string()),
        before: query.before,
        url: query.url,
    };
    let page = state
        .jobs
        .list(user.id, filter, query.limit.unwrap_or(20))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One saved job with its description and skills.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The job id")),
    responses((status = 200, body = Job), (status = 404, description = "not_found", body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.jobs.get(user.id, id.into_inner()).await?))
}

/// Changes a job's status or notes.
#[utoipa::path(patch, path = "/api/v1/jobs/{id}", tag = "jobs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The job id")), request_body = UpdateJob,
    responses((status = 200, body = Job), (status = 400, body = ErrorBody), (status = 404, description = "not_found", body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: Json<UpdateJob>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .jobs
            .update(user.id, id.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Deletes a saved job.
#[utoipa::path(delete, path = "/api/v1/jobs/{id}", tag = "jobs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The job id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "not_found", body = ErrorBody)))]
pub async fn delete(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    state.jobs.delete(user.id, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes several saved jobs; ids that are not the caller's are ignored.
#[utoipa::path(post, path = "/api/v1/jobs/delete", tag = "jobs", security(("bearer" = [])), request_body = DeleteJobs,
    responses((status = 200, body = Deleted), (status = 400, description = "invalid_request: no ids, or more than 500", body = ErrorBody)))]
pub async fn delete_many(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<DeleteJobs>,
) -> Result<HttpResponse, ApiError> {
    let deleted = state.jobs.delete_many(user.id, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(Deleted { deleted }))
}

/// Which skills the saved jobs ask for, and which the active resume shows.
#[utoipa::path(get, path = "/api/v1/skills/analysis", tag = "jobs", security(("bearer" = [])), params(AnalysisQuery),
    responses((status = 200, body = SkillsAnalysis), (status = 400, body = ErrorBody)))]
pub async fn analysis(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<AnalysisQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let ids = match query
        .ids
        .as_deref()
        .map(|s| s.trim_matches(|c: char| c.is_ascii_whitespace()))
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(list) => Some(
            list.split(',')
                .map(|id| {
                    id.trim_matches(|c: char| c.is_ascii_whitespace())
                        .parse::<i64>()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| ApiError::invalid("ids must be numbers separated by commas."))?,
        ),
    };
    if ids.as_ref().is_some_and(|ids| ids.len() > 1_000) {
        return Err(ApiError::invalid("At most 1000 ids."));
    }
    Ok(HttpResponse::Ok().json(state.jobs.analysis(user.id, query.status, ids).await?))
}

/// How well the active resume fits a saved job.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/match", tag = "jobs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The job id")),
    responses((status = 200, body = MatchResult), (status = 404, description = "not_found", body = ErrorBody),
        (status = 409, description = "no_active_resume", body = ErrorBody)))]
pub async fn match_saved(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.jobs.match_saved(user.id, id.into_inner()).await?))
}

/// How well the active resume fits a posting that is not saved.
#[utoipa::path(post, path = "/api/v1/match", tag = "jobs", security(("bearer" = [])), request_body = MatchRequest,
    responses((status = 200, body = MatchResult), (status = 400, body = ErrorBody),
        (status = 409, description = "no_active_resume", body = ErrorBody)))]
pub async fn match_posting(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<MatchRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .jobs
            .match_posting(user.id, body.into_inner().job_posting)
            .await?,
    ))
}
